package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// PGStop is what one stop of PostgreSQL showed.
type PGStop struct {
	StopSeconds     float64        `json:"stop_seconds"`      // the stop command's run time
	DownSeconds     float64        `json:"down_seconds"`      // from the stop's end to the start command
	ReadySeconds    float64        `json:"ready_seconds"`     // from the start's end to /readyz 200
	ProbesDown      map[string]int `json:"probes_down"`       // /readyz answers while PostgreSQL was down, by status and kind
	RequestsDown    map[string]int `json:"requests_down"`     // outcomes of requests wholly inside the outage
	AckedAfterReady int            `json:"acked_after_ready"` // numbers acknowledged after /readyz said 200 again
	SamePID         bool           `json:"same_pid"`
	Interference    []string       `json:"interference,omitempty"` // another process started or stopped PostgreSQL meanwhile
}

// pgStopScenario stops PostgreSQL under load cfg.PGStops times for cfg.PGDown each, and
// checks what the server did: /readyz said 503 while the database was down and 200 within
// cfg.PGRecover of its start, the same process served throughout, every request that ran
// wholly inside the outage was refused with 503, and writes were acknowledged again after.
// PostgreSQL is started again whatever happens.
//
// Other users of the shared server may start or stop it meanwhile. The outage is watched by
// dialing PostgreSQL: only the part of it in which PostgreSQL was really down is judged, and
// a failure to recover while PostgreSQL is down again is noted as interference, not counted
// as a violation.
func pgStopScenario(ctx context.Context, cfg *Config, srv *server, ld *load, v *violations, rep *Report, logf func(string, ...any)) (err error) {
	outage := &pgOutage{cfg: cfg}
	defer func() {
		if serr := outage.Start(); serr != nil {
			logf("PostgreSQL DID NOT START AGAIN: %v", serr)
			if err == nil {
				err = serr
			}
		}
	}()
	pgAddr := postgresAddr(cfg.Postgres)
	pid := srv.PID()
	if err := pause(ctx, cfg.Warmup); err != nil {
		return err
	}
	for i := range cfg.PGStops {
		st := PGStop{ProbesDown: map[string]int{}, RequestsDown: map[string]int{}}
		pr := startProbe(srv.URL())
		stopBegan := time.Now()
		if err := outage.Stop(ctx); err != nil {
			pr.stop()
			return err
		}
		downFrom := time.Now()
		st.StopSeconds = downFrom.Sub(stopBegan).Seconds()
		upAt := watchPostgres(pgAddr)
		perr := pause(ctx, cfg.PGDown)
		downUntil := time.Now()
		if t := upAt(); !t.IsZero() && t.Before(downUntil) {
			st.Interference = append(st.Interference, fmt.Sprintf("PostgreSQL answered %.1f s into the outage: another process started it", t.Sub(downFrom).Seconds()))
			downUntil = t
		}
		if err := outage.Start(); err != nil {
			pr.stop()
			return err
		}
		if perr != nil {
			pr.stop()
			return perr
		}
		st.DownSeconds = downUntil.Sub(downFrom).Seconds()
		started := time.Now()
		readyAt, ready := pr.waitReady(started, cfg.PGRecover)
		switch {
		case ready:
		case !reachable(pgAddr):
			st.Interference = append(st.Interference, "PostgreSQL down again before /readyz said 200: another process stopped it")
		default:
			v.add("not ready again", "/readyz not 200 within %v of PostgreSQL's start", cfg.PGRecover)
		}
		if !ready {
			readyAt = time.Now()
		}
		st.ReadySeconds = readyAt.Sub(started).Seconds()
		_, before, _, _ := ld.ledger.counts()
		if err := pause(ctx, cfg.Settle); err != nil {
			pr.stop()
			return err
		}
		_, after, _, _ := ld.ledger.counts()
		st.AckedAfterReady = after - before
		switch {
		case st.AckedAfterReady > 0:
		case !reachable(pgAddr):
			st.Interference = append(st.Interference, "PostgreSQL down again after /readyz said 200: another process stopped it")
		default:
			v.add("no recovery", "no number acknowledged in the %v after /readyz said 200 again", cfg.Settle)
		}
		samples := pr.stop()
		judgeOutage(st, samples, ld.stats.snapshot(), downFrom, downUntil, v)
		st.SamePID = srv.PID() == pid
		if !st.SamePID {
			v.add("server restarted", "server pid %d, was %d", srv.PID(), pid)
		}
		rep.PGStops = append(rep.PGStops, st)
		logf("PostgreSQL stop %d/%d: stopped in %.1fs, down %.1fs, ready %.2fs after its start; probes down %v; %d numbers acknowledged after%s",
			i+1, cfg.PGStops, st.StopSeconds, st.DownSeconds, st.ReadySeconds, st.ProbesDown, st.AckedAfterReady, strings.Join(append([]string{""}, st.Interference...), "; "))
	}
	rep.AckedAfterLastFault = rep.PGStops[len(rep.PGStops)-1].AckedAfterReady
	return nil
}

// judgeOutage counts the /readyz answers and the requests that ran wholly inside the outage,
// from downFrom to downUntil, into st, and records a violation for each that is not a 503.
// What began before the stop finished, or ended after the start began, may have met a
// database that was still (or again) up, and is not judged.
func judgeOutage(st PGStop, samples []sample, records []record, downFrom, downUntil time.Time, v *violations) {
	downProbes := 0
	for _, s := range samples {
		if s.start.Before(downFrom) || s.end.After(downUntil) {
			continue
		}
		downProbes++
		st.ProbesDown[s.result]++
		if s.result != "503 EUNAVAILABLE unavailable" {
			v.add("readyz while down", "/readyz answered %q while PostgreSQL was stopped", s.result)
		}
	}
	if downProbes == 0 && downUntil.Sub(downFrom) > time.Second {
		v.add("readyz while down", "no /readyz answer while PostgreSQL was stopped (%v)", downUntil.Sub(downFrom))
	}
	for _, r := range records {
		if r.start.Before(downFrom) || r.end.After(downUntil) {
			continue
		}
		st.RequestsDown[r.out.String()]++
		if r.out.class != classUnavailable {
			v.add("unclean failure", "%s while PostgreSQL was stopped: %s", r.op, r.out)
		}
	}
}

// postgresAddr returns host:port of the PostgreSQL server of dsn, or "" when it is reached
// another way (a Unix socket).
func postgresAddr(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// reachable reports whether PostgreSQL accepts connections at addr (true when addr is "",
// which cannot be watched).
func reachable(addr string) bool {
	if addr == "" {
		return true
	}
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// watchPostgres dials addr every 50 ms, from now until it first answers, and returns a
// function that tells when that was (zero: not yet). It stops at its first answer, so that
// PostgreSQL logs at most one connection that never sent a startup packet.
func watchPostgres(addr string) func() time.Time {
	var mu sync.Mutex
	var upAt time.Time
	if addr != "" {
		go func() {
			deadline := time.Now().Add(time.Hour)
			for time.Now().Before(deadline) {
				if conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
					conn.Close()
					mu.Lock()
					upAt = time.Now()
					mu.Unlock()
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return upAt
	}
}

// probe polls /readyz every 100 ms, as a load balancer would, and keeps every answer.
type probe struct {
	url     string
	mu      sync.Mutex
	samples []sample
	cancel  context.CancelFunc
	done    chan struct{}
}

// sample is one /readyz answer: "200", "503 <kind> <code>", or the transport failure.
type sample struct {
	start, end time.Time
	result     string
}

func startProbe(url string) *probe {
	ctx, cancel := context.WithCancel(context.Background())
	p := &probe{url: url, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		client := &http.Client{Timeout: 5 * time.Second}
		for ctx.Err() == nil {
			start := time.Now()
			result := readyz(ctx, client, url)
			p.mu.Lock()
			p.samples = append(p.samples, sample{start: start, end: time.Now(), result: result})
			p.mu.Unlock()
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return p
}

func readyz(ctx context.Context, client *http.Client, url string) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/readyz", nil)
	if err != nil {
		return "request: " + err.Error()
	}
	resp, err := client.Do(req)
	if err != nil {
		return "transport: " + transportCause(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode == http.StatusOK {
		return "200"
	}
	var doc struct {
		Error struct{ Kind, Code string }
	}
	json.Unmarshal(data, &doc)
	return fmt.Sprintf("%d %s %s", resp.StatusCode, doc.Error.Kind, doc.Error.Code)
}

// waitReady waits until a probe that began after since answered 200, for up to timeout.
func (p *probe) waitReady(since time.Time, timeout time.Duration) (time.Time, bool) {
	deadline := since.Add(timeout)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		for _, s := range p.samples {
			if !s.start.Before(since) && s.result == "200" {
				p.mu.Unlock()
				return s.end, true
			}
		}
		p.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	return time.Time{}, false
}

// stop stops the probe and returns its answers.
func (p *probe) stop() []sample {
	p.cancel()
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.samples
}
