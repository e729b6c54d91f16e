package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// server is `icpcheck serve` as a child process on a fixed address, so that clients find it
// again after each restart. Its log (stderr and stdout) accumulates in one file across
// restarts.
type server struct {
	bin, db, addr string
	log           *os.File
	cmd           *exec.Cmd
	exited        chan struct{} // closed when cmd has been waited for
	starts        int
}

func newServer(bin, db, logPath string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &server{bin: bin, db: db, addr: addr, log: f}, nil
}

// freeAddr returns a loopback address with a port that is free now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func (s *server) URL() string { return "http://" + s.addr }

// Start starts the server and waits until /readyz answers 200.
func (s *server) Start(ctx context.Context) error {
	if s.running() {
		return errors.New("server already running")
	}
	cmd := exec.Command(s.bin, "serve", "--db", s.db, "--addr", s.addr, "--log-format", "json", "--lang", "en")
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = s.log, s.log
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	go func(exited chan struct{}) {
		cmd.Wait()
		close(exited)
	}(s.exited)
	s.starts++
	return s.waitReady(ctx, 60*time.Second)
}

// childEnv is the environment without icpcheck's own variables: the server takes its
// settings from the flags alone, and ICPCHECK_SERVER would make serve refuse to start.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ICPCHECK_") {
			env = append(env, kv)
		}
	}
	return env
}

func (s *server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 3 * time.Second}
	for {
		if resp, err := client.Get(s.URL() + "/readyz"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("icpcheck serve exited (%v) before it was ready; see its log %s", s.cmd.ProcessState, s.log.Name())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("icpcheck serve not ready after %v; see its log %s", timeout, s.log.Name())
		}
	}
}

func (s *server) running() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// PID returns the process id of the running server, or 0.
func (s *server) PID() int {
	if !s.running() {
		return 0
	}
	return s.cmd.Process.Pid
}

// Kill kills the server with SIGKILL: no deferred function, no graceful shutdown, no
// rollback runs in it. It returns when the process is gone.
func (s *server) Kill() error {
	if !s.running() {
		return errors.New("server not running")
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	<-s.exited
	return nil
}

// Stop stops the server gracefully with SIGTERM, and kills it if it is still running after
// timeout.
func (s *server) Stop(timeout time.Duration) error {
	if !s.running() {
		return nil
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		if !s.cmd.ProcessState.Success() {
			return fmt.Errorf("icpcheck serve stopped with %v; see its log %s", s.cmd.ProcessState, s.log.Name())
		}
		return nil
	case <-time.After(timeout):
		s.Kill()
		return fmt.Errorf("icpcheck serve did not stop within %v of SIGTERM", timeout)
	}
}

// Close kills the server if it still runs and closes its log.
func (s *server) Close() {
	if s.running() {
		s.Kill()
	}
	s.log.Close()
}
