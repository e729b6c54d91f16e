package console

import (
	"context"
	"strings"

	"github.com/icpcheck/icpcheck"
)

// findingFinder is the part of icpcheck.FindingService the console reads. The console asks
// its store for it rather than taking another option, so a store that keeps findings shows
// them, and one that does not (an older server) makes the page say that monitoring is not
// available instead of failing.
type findingFinder interface {
	FindFindings(ctx context.Context, filter icpcheck.FindingFilter) ([]*icpcheck.Finding, int, error)
}

type findingFilter struct {
	Monitor string
	Kind    string
	Owner   string // admin only; a customer sees the findings it must act on
	All     bool   // resolved findings too
}

type findingsData struct {
	Available bool
	Filter    findingFilter
	Filtered  bool
	Monitors  []string
	Kinds     []string
	Findings  []findingView
	Pager     pager
}

// findingView is one finding in the page's language.
type findingView struct {
	*icpcheck.Finding
	Message string
	Remedy  string
}

func (h *handler) readFindingFilter(c *call) (findingFilter, error) {
	q := c.r.URL.Query()
	f := findingFilter{
		Monitor: strings.TrimSpace(q.Get("monitor")),
		Kind:    strings.TrimSpace(q.Get("kind")),
		All:     q.Get("all") == "yes",
	}
	if c.admin() {
		f.Owner = strings.TrimSpace(q.Get("owner"))
	}
	switch {
	case f.Monitor != "" && !icpcheck.ValidMonitor(f.Monitor):
		return f, icpcheck.Invalid("monitor", "bad_enum", f.Monitor, strings.Join(icpcheck.Monitors, ", "))
	case f.Kind != "" && !isFindingKind(f.Kind):
		return f, icpcheck.Invalid("kind", "bad_enum", f.Kind, strings.Join(findingKinds(), ", "))
	case f.Owner != "" && !icpcheck.ValidAccountID(f.Owner):
		return f, icpcheck.Invalid("owner", "bad_account")
	}
	return f, nil
}

func findingKinds() []string {
	var kinds []string
	for _, m := range icpcheck.Monitors {
		kinds = append(kinds, icpcheck.FindingKinds[m]...)
	}
	return kinds
}

func isFindingKind(kind string) bool {
	for _, k := range findingKinds() {
		if k == kind {
			return true
		}
	}
	return false
}

func (h *handler) findings(c *call) error {
	data := &findingsData{Monitors: icpcheck.Monitors, Kinds: findingKinds()}
	ff, ok := h.store.(findingFinder)
	data.Available = ok
	f, err := h.readFindingFilter(c)
	data.Filter = f
	data.Filtered = f.Monitor != "" || f.Kind != "" || f.Owner != "" || f.All
	page, perr := pageNumber(c.r)
	if err == nil {
		err = perr
	}
	if err != nil || !ok {
		data.Pager = newPager(c.r, 1, 0, 0)
		return h.show(c, "findings", data, err)
	}
	filter := icpcheck.FindingFilter{Monitor: f.Monitor, Kind: f.Kind, Owner: f.Owner, All: f.All, Offset: offsetOf(page), Limit: pageSize}
	if !c.admin() {
		filter.Owner = c.actor.Account
	}
	list, total, err := ff.FindFindings(c.ctx, filter)
	if err != nil {
		return err
	}
	for _, fd := range list {
		data.Findings = append(data.Findings, findingView{Finding: fd, Message: fd.Message(c.lang), Remedy: fd.Remedy(c.lang)})
	}
	data.Pager = newPager(c.r, page, total, len(list))
	return h.show(c, "findings", data, nil)
}
