package http

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/advice"
)

// The monitors' findings, monitor runs and the other-services advice, over REST: the server's
// routes and the Client's calls of them, so that the CLI's monitor and advise commands work
// the same with --server.

// monitorRoutes are the routes of this file; registerREST adds them to restRoutes.
func (s *Server) monitorRoutes() []route {
	return []route{
		{"GET /v1/findings", MaxBodySize, s.findFindings},
		{"POST /v1/monitors/{monitor}/run", MaxBodySize, s.runMonitor},
		{"POST /v1/advice", MaxBodySize, s.advise},
	}
}

// findingFinder is what listing findings needs: the server's MonitorService, or a store that
// keeps findings. A server with neither answers ENOTFOUND monitor_unavailable: retrying will
// not help, unlike EUNAVAILABLE, until the server is started with monitoring.
type findingFinder interface {
	FindFindings(ctx context.Context, filter icpcheck.FindingFilter) ([]*icpcheck.Finding, int, error)
}

func (s *Server) findings() findingFinder {
	if s.Monitor != nil {
		return s.Monitor
	}
	if f, ok := s.Store.(findingFinder); ok {
		return f
	}
	return nil
}

func (s *Server) findFindings(req *request) (int, any, error) {
	q := newQuery(req.URL, "monitor", "kind", "owner", "filing_id", "instance_id", "all", "offset", "limit")
	f := icpcheck.FindingFilter{
		Monitor:  q.enum("monitor", icpcheck.Monitors...),
		Owner:    q.account("owner"),
		FilingID: q.id("filing_id"),
		Instance: q.id("instance_id"),
		All:      q.enum("all", "true", "false") == "true",
	}
	var kinds []string
	for _, m := range icpcheck.Monitors {
		kinds = append(kinds, icpcheck.FindingKinds[m]...)
	}
	f.Kind = q.enum("kind", kinds...)
	f.Offset, f.Limit = q.page()
	if q.err != nil {
		return 0, nil, q.err
	}
	finder := s.findings()
	if finder == nil {
		return 0, nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "monitor_unavailable")
	}
	fs, total, err := finder.FindFindings(req.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, newList(fs, total, f.Offset, f.Limit), nil
}

func (s *Server) runMonitor(req *request) (int, any, error) {
	q := newQuery(req.URL, "at")
	var at time.Time
	if q.has("at") {
		at = q.at(time.Time{})
	}
	if q.err != nil {
		return 0, nil, q.err
	}
	if _, err := icpcheck.RequireAdmin(req.Context()); err != nil {
		return 0, nil, err
	}
	name := req.PathValue("monitor")
	if !icpcheck.ValidMonitor(name) {
		return 0, nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "monitor_not_found", name)
	}
	if s.Monitor == nil {
		return 0, nil, icpcheck.Errorf(icpcheck.ENOTFOUND, "monitor_unavailable")
	}
	rep, err := s.Monitor.RunMonitor(req.Context(), name, at)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, rep, nil
}

func (s *Server) advise(req *request) (int, any, error) {
	if err := newQuery(req.URL).err; err != nil {
		return 0, nil, err
	}
	var body advice.Request
	if err := req.decode(&body); err != nil {
		return 0, nil, err
	}
	a, err := advice.Advise(body, s.Policy)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, a, nil
}

var _ icpcheck.MonitorService = (*Client)(nil)

// FindFindings lists the server's findings.
func (c *Client) FindFindings(ctx context.Context, f icpcheck.FindingFilter) ([]*icpcheck.Finding, int, error) {
	q := values("monitor", f.Monitor, "kind", f.Kind, "owner", f.Owner, "filing_id", f.FilingID, "instance_id", f.Instance)
	if f.All {
		q.Set("all", "true")
	}
	page(q, f.Offset, f.Limit)
	var list List[*icpcheck.Finding]
	err := c.call(ctx, http.MethodGet, "/v1/findings", q, nil, &list)
	return list.Items, list.Total, err
}

// RunMonitor runs a monitor on the server, which resolves through its own DNS server.
func (c *Client) RunMonitor(ctx context.Context, monitor string, at time.Time) (*icpcheck.MonitorReport, error) {
	q := url.Values{}
	if !at.IsZero() {
		q.Set("at", at.Format(time.RFC3339Nano))
	}
	var rep icpcheck.MonitorReport
	if err := c.call(ctx, http.MethodPost, "/v1/monitors/"+url.PathEscape(monitor)+"/run", q, nil, &rep); err != nil {
		return nil, err
	}
	return &rep, nil
}

// Advise asks the server for the advice of SPEC section 7 under its policy.
func (c *Client) Advise(ctx context.Context, req advice.Request) (*advice.Advice, error) {
	var a advice.Advice
	if err := c.call(ctx, http.MethodPost, "/v1/advice", nil, req, &a); err != nil {
		return nil, err
	}
	return &a, nil
}
