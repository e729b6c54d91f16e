package monitor

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/dns"
)

// Runner runs the monitors against a store: it reads what a monitor judges, judges it
// (resolving domains for the access monitor), and reconciles the findings in the store. It
// implements icpcheck.MonitorService and is safe for concurrent use: a second run of a
// monitor while one is under way in this process is refused, and runs in other processes are
// serialized by the store.
type Runner struct {
	Store    icpcheck.FindingService
	Policy   *icpcheck.Policy
	Resolver *dns.Resolver    // nil: the access monitor cannot run
	Now      func() time.Time // nil: time.Now
	Logger   *slog.Logger     // nil: slog.Default()
	OnChange func()           // called after a run that opened or resolved findings (wakes a Webhook)

	mu      sync.Mutex
	running map[string]bool
}

var _ icpcheck.MonitorService = (*Runner)(nil)

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

// RunMonitor runs monitor at the moment at (zero: now) and reconciles its findings. Admin
// only. Returns EINVALID bad_enum for an unknown monitor, EINVALID dns_server required for
// the access monitor without a resolver, ECONFLICT run_in_progress, and the store's errors.
func (r *Runner) RunMonitor(ctx context.Context, monitor string, at time.Time) (*icpcheck.MonitorReport, error) {
	if _, err := icpcheck.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	switch {
	case r.Store == nil || r.Policy == nil:
		return nil, icpcheck.Internal("RunMonitor", errors.New("monitor.Runner needs a Store and a Policy"))
	case !icpcheck.ValidMonitor(monitor):
		return nil, icpcheck.Invalid("monitor", "bad_enum", monitor, "expiry, access")
	case monitor == icpcheck.MonitorAccess && r.Resolver == nil:
		return nil, icpcheck.Invalid("dns_server", "required")
	}
	if !r.begin(monitor) {
		return nil, icpcheck.Errorf(icpcheck.ECONFLICT, "run_in_progress", monitor)
	}
	defer r.end(monitor)

	started := r.now()
	if at.IsZero() {
		at = started
	}
	in, err := r.Store.FindMonitorInput(ctx, monitor)
	if err != nil {
		return nil, err
	}
	run := icpcheck.FindingRun{Monitor: monitor, At: at, Started: started}
	var checked int
	switch monitor {
	case icpcheck.MonitorExpiry:
		run.Findings = Expiry(in, r.Policy, at)
		checked = len(in.Instances)
	case icpcheck.MonitorAccess:
		domains := Domains(in)
		answers := make(map[string]dns.Answer, len(domains))
		for _, a := range r.Resolver.ResolveAll(ctx, domains) {
			answers[a.Domain] = a
		}
		if err := ctx.Err(); err != nil {
			// A run cut short would take every unresolved domain for a timeout.
			return nil, icpcheck.Internal("RunMonitor", err)
		}
		run.Findings, run.Incomplete = Access(in, answers, r.Policy, at)
		checked = len(domains)
	}
	res, err := r.Store.ReconcileFindings(ctx, run)
	if err != nil {
		return nil, err
	}
	r.logger().Info("monitor run", "monitor", monitor, "at", at, "checked", checked,
		"opened", res.Opened, "updated", res.Updated, "resolved", res.Resolved, "open", res.Open,
		"took", r.now().Sub(started))
	if (res.Opened > 0 || res.Resolved > 0) && r.OnChange != nil {
		r.OnChange()
	}
	open, err := r.allOpen(ctx, monitor)
	if err != nil {
		return nil, err
	}
	return &icpcheck.MonitorReport{Monitor: monitor, At: at, Checked: checked, Result: *res, Findings: open}, nil
}

// allOpen returns every open finding of monitor, page by page.
func (r *Runner) allOpen(ctx context.Context, monitor string) ([]*icpcheck.Finding, error) {
	out := []*icpcheck.Finding{}
	for off := 0; ; off += icpcheck.MaxPageSize {
		page, total, err := r.Store.FindFindings(ctx, icpcheck.FindingFilter{Monitor: monitor, Offset: off, Limit: icpcheck.MaxPageSize})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) == 0 || off+len(page) >= total {
			return out, nil
		}
	}
}

// FindFindings returns a page of findings from the store.
func (r *Runner) FindFindings(ctx context.Context, flt icpcheck.FindingFilter) ([]*icpcheck.Finding, int, error) {
	return r.Store.FindFindings(ctx, flt)
}

func (r *Runner) begin(monitor string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running[monitor] {
		return false
	}
	if r.running == nil {
		r.running = make(map[string]bool)
	}
	r.running[monitor] = true
	return true
}

func (r *Runner) end(monitor string) {
	r.mu.Lock()
	delete(r.running, monitor)
	r.mu.Unlock()
}

// Loop runs every monitor it can (the access monitor only with a resolver) every interval
// until ctx is done, one run at a time, the first right away. A failed run is logged and
// tried again at the next tick; a run still under way when the next tick comes delays it.
func (r *Runner) Loop(ctx context.Context, interval time.Duration) {
	ctx = icpcheck.NewContextWithActor(ctx, icpcheck.Actor{Role: icpcheck.RoleAdmin, Via: "monitor"})
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for _, m := range icpcheck.Monitors {
			if m == icpcheck.MonitorAccess && r.Resolver == nil {
				continue
			}
			if _, err := r.RunMonitor(ctx, m, time.Time{}); err != nil && ctx.Err() == nil {
				r.logger().Error("monitor run failed", "monitor", m, "err", err, "code", icpcheck.ErrorCode(err))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
