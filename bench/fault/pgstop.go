package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
}

// pgStopScenario stops PostgreSQL under load cfg.PGStops times for cfg.PGDown each, and
// checks what the server did: /readyz said 503 while the database was down and 200 within
// cfg.PGRecover of its start, the same process served throughout, every request that ran
// wholly inside the outage was refused with 503, and writes were acknowledged again after.
// PostgreSQL is started again whatever happens.
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
		perr := pause(ctx, cfg.PGDown)
		downUntil := time.Now()
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
		if !ready {
			v.add("not ready again", "/readyz not 200 within %v of PostgreSQL's start", cfg.PGRecover)
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
		if st.AckedAfterReady == 0 {
			v.add("no recovery", "no number acknowledged in the %v after /readyz said 200 again", cfg.Settle)
		}
		samples := pr.stop()

		// Only what ran wholly inside the outage is judged: a request or probe that began
		// before the stop finished, or ended after the start began, may have met a database
		// that was still (or again) up.
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
		if downProbes == 0 {
			v.add("readyz while down", "no /readyz answer while PostgreSQL was stopped (%v)", downUntil.Sub(downFrom))
		}
		for _, r := range ld.stats.snapshot() {
			if r.start.Before(downFrom) || r.end.After(downUntil) {
				continue
			}
			st.RequestsDown[r.out.String()]++
			if r.out.class != classUnavailable {
				v.add("unclean failure", "%s while PostgreSQL was stopped: %s", r.op, r.out)
			}
		}
		st.SamePID = srv.PID() == pid
		if !st.SamePID {
			v.add("server restarted", "server pid %d, was %d", srv.PID(), pid)
		}
		rep.PGStops = append(rep.PGStops, st)
		logf("PostgreSQL stop %d/%d: stopped in %.1fs, down %.1fs, ready %.2fs after its start; %d probes down %v; %d numbers acknowledged after",
			i+1, cfg.PGStops, st.StopSeconds, st.DownSeconds, st.ReadySeconds, downProbes, st.ProbesDown, st.AckedAfterReady)
	}
	rep.AckedAfterLastFault = rep.PGStops[len(rep.PGStops)-1].AckedAfterReady
	return nil
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
