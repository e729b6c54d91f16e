package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Report is the counts of one run and its violations, which must be none.
type Report struct {
	Store    string  `json:"store"`
	Scenario string  `json:"scenario"`
	Seed     int64   `json:"seed"`
	Clients  int     `json:"clients"`
	Seconds  float64 `json:"seconds"` // of load
	Dir      string  `json:"dir"`

	Kills             int      `json:"kills"`
	Restarts          int      `json:"restarts"`
	MaxRestartSeconds float64  `json:"max_restart_seconds"` // from a restart to /readyz 200
	PGStops           []PGStop `json:"pg_stops,omitempty"`

	Requests     int            `json:"requests"`
	RequestsByOp map[string]int `json:"requests_by_op"`
	Refusals     map[string]int `json:"refusals"` // by op and code
	Errors       map[string]int `json:"errors"`   // requests that got no decision, by kind: the outages' toll
	MaxLatencyMS float64        `json:"max_latency_ms"`

	AckedIssues         int `json:"acked_issues"`  // issue calls acknowledged
	AckedNumbers        int `json:"acked_numbers"` // numbers in those acknowledgements
	AckedGrants         int `json:"acked_grants"`
	AckedPuts           int `json:"acked_puts"`
	AckedAfterLastFault int `json:"acked_after_last_fault"` // numbers acknowledged after the last fault healed

	NumbersFound         int    `json:"numbers_found"` // in the store
	NumbersREST          int    `json:"numbers_rest"`  // listed by REST, instance by instance
	NumbersBSN           int    `json:"numbers_bsn"`   // listed by GetBsnByResource, for instances with numbers
	InstancesWithNumbers int    `json:"instances_with_numbers"`
	AckedNumbersFound    int    `json:"acked_numbers_found"`
	AckedGrantsFound     int    `json:"acked_grants_found"`
	AuditEvents          int64  `json:"audit_events"`
	IntegrityCheck       string `json:"integrity_check,omitempty"`
	LoggedRequests       int    `json:"logged_requests"`
	LoggedInternal       int    `json:"logged_internal"` // panics and answers of 5xx but 503

	ViolationCounts map[string]int `json:"violation_counts"`
	Violations      []string       `json:"violations"`
}

// count fills the request counts from the load.
func (r *Report) count(ld *load) {
	r.RequestsByOp, r.Refusals, r.Errors = map[string]int{}, map[string]int{}, map[string]int{}
	var maxLatency time.Duration
	for _, rec := range ld.stats.snapshot() {
		r.Requests++
		r.RequestsByOp[rec.op]++
		switch rec.out.class {
		case classRefused:
			r.Refusals[rec.op+": "+rec.out.detail]++
		case classUnavailable, classTransport, classInternal:
			r.Errors[rec.out.String()]++
		}
		maxLatency = max(maxLatency, rec.end.Sub(rec.start))
	}
	r.MaxLatencyMS = float64(maxLatency.Microseconds()) / 1000
	r.AckedIssues, r.AckedNumbers, r.AckedGrants, r.AckedPuts = ld.ledger.counts()
}

// finish copies the violations in.
func (r *Report) finish(v *violations) {
	r.ViolationCounts = v.counts()
	r.Violations = v.list()
}

// Print writes the report as text.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "store %s, scenario %s, %d clients, seed %d, %.1f s of load\n", r.Store, r.Scenario, r.Clients, r.Seed, r.Seconds)
	switch r.Scenario {
	case "kill":
		fmt.Fprintf(w, "kills %d, restarts %d (slowest to ready %.2f s)\n", r.Kills, r.Restarts, r.MaxRestartSeconds)
	case "pg-stop":
		for i, s := range r.PGStops {
			fmt.Fprintf(w, "PostgreSQL stop %d: stop %.1f s, down %.1f s, ready %.2f s after start, same pid %v, %d numbers acknowledged after\n",
				i+1, s.StopSeconds, s.DownSeconds, s.ReadySeconds, s.SamePID, s.AckedAfterReady)
			printCounts(w, "  /readyz while down", s.ProbesDown)
			printCounts(w, "  requests wholly inside the outage", s.RequestsDown)
			for _, note := range s.Interference {
				fmt.Fprintf(w, "  interference: %s\n", note)
			}
		}
	}
	fmt.Fprintf(w, "requests %d (slowest %.0f ms)\n", r.Requests, r.MaxLatencyMS)
	printCounts(w, "  by operation", r.RequestsByOp)
	fmt.Fprintf(w, "acknowledged: %d issues (%d numbers), %d grants, %d instance puts; %d numbers after the last fault\n",
		r.AckedIssues, r.AckedNumbers, r.AckedGrants, r.AckedPuts, r.AckedAfterLastFault)
	printCounts(w, "refusals", r.Refusals)
	printCounts(w, "errors (no decision)", r.Errors)
	fmt.Fprintf(w, "store: %d numbers on %d instances (REST lists %d, GetBsnByResource %d); acknowledged found: %d/%d numbers, %d/%d grants\n",
		r.NumbersFound, r.InstancesWithNumbers, r.NumbersREST, r.NumbersBSN, r.AckedNumbersFound, r.AckedNumbers, r.AckedGrantsFound, r.AckedGrants)
	fmt.Fprintf(w, "audit events %d", r.AuditEvents)
	if r.IntegrityCheck != "" {
		fmt.Fprintf(w, ", integrity_check %s", r.IntegrityCheck)
	}
	fmt.Fprintf(w, "; server log: %d requests, %d internal errors\n", r.LoggedRequests, r.LoggedInternal)
	total := 0
	for _, n := range r.ViolationCounts {
		total += n
	}
	fmt.Fprintf(w, "violations %d\n", total)
	printCounts(w, "  by kind", r.ViolationCounts)
	for _, msg := range r.Violations {
		fmt.Fprintf(w, "  %s\n", msg)
	}
}

// printCounts writes a map of counts on one line, in key order.
func printCounts(w io.Writer, title string, m map[string]int) {
	if len(m) == 0 {
		return
	}
	parts := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	fmt.Fprintf(w, "%s: %s\n", title, strings.Join(parts, ", "))
}
