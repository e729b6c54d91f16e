// Package http serves icpcheck over HTTP and calls such a server: the REST API under /v1/,
// the operations endpoints, and the mounting of the Filing Service API and the web console
// (built elsewhere, handed in as handlers); and Client, an icpcheck.Store that works against
// a remote server, so that the CLI behaves the same locally and remotely.
package http

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/metrics"
)

// Limits of the server. Request bodies are read whole before their signature is checked
// (the V3 signature covers the body's hash), so each is bounded.
const (
	MaxBodySize      = 1 << 20  // one instance, filing or grant
	MaxBatchBodySize = 32 << 20 // a batch of instances to check or import
	MaxBatch         = 10000    // instances in one batch

	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 120 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultShutdownTimeout   = 30 * time.Second
)

// Authenticator checks a request's signature against the store's AccessKey pairs and
// returns the key that signed it. signature.Verifier implements it.
type Authenticator interface {
	Verify(r *http.Request, body []byte) (*icpcheck.AccessKey, error)
}

// Server is icpcheck's HTTP server. Set its fields, then Open it; Close shuts it down
// gracefully, letting requests in flight finish.
type Server struct {
	Addr    string // host:port to listen on; ":0" picks a free port, which Addr then holds
	Store   icpcheck.Store
	Monitor icpcheck.MonitorService // runs the monitors and lists findings; nil: findings from Store, if it keeps them
	Policy  *icpcheck.Policy
	Auth    Authenticator // verifies the signatures of REST requests
	Logger  *slog.Logger
	Metrics *metrics.Metrics // nil: no /metrics and nothing counted
	Now     func() time.Time

	// BSN serves the Filing Service API: requests to / that carry an Action parameter.
	BSN http.Handler
	// Console serves everything under /console/, with the prefix kept.
	Console http.Handler

	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	ShutdownTimeout                                           time.Duration

	ln     net.Listener
	server *http.Server
	routes []string
}

// NewServer returns a server with the default address and timeouts.
func NewServer() *Server {
	return &Server{
		Addr:              "127.0.0.1:8080",
		Logger:            slog.Default(),
		Now:               time.Now,
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		ReadTimeout:       DefaultReadTimeout,
		WriteTimeout:      DefaultWriteTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		ShutdownTimeout:   DefaultShutdownTimeout,
	}
}

// Open listens on Addr and serves in the background. After it returns, Addr holds the
// address actually listened on.
func (s *Server) Open() error {
	if s.Store == nil || s.Policy == nil || s.Auth == nil {
		return errors.New("http: Server needs a Store, a Policy and an Auth")
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.Addr = ln.Addr().String()
	s.server = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.ReadHeaderTimeout,
		ReadTimeout:       s.ReadTimeout,
		WriteTimeout:      s.WriteTimeout,
		IdleTimeout:       s.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.Background() },
	}
	go func() {
		if err := s.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("http server stopped", "error", err.Error())
		}
	}()
	return nil
}

// URL returns the base URL of the open server.
func (s *Server) URL() string { return "http://" + s.Addr }

// Close stops accepting connections and waits, up to ShutdownTimeout, for requests in flight
// to finish; requests still running then are cut off.
func (s *Server) Close() error {
	if s.server == nil {
		return nil
	}
	timeout := s.ShutdownTimeout
	if timeout <= 0 {
		timeout = DefaultShutdownTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := s.server.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.server.Close()
	}
	return err
}

// Routes returns the route patterns the REST API registers, in registration order.
func (s *Server) Routes() []string {
	if s.routes == nil {
		s.Handler()
	}
	return append([]string(nil), s.routes...)
}
