package console

import (
	"net/url"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/eligibility"
)

// eligibilityScanLimit bounds how many instances the eligible/ineligible filter judges for
// one page. Eligibility is not stored, so the filter checks every instance that the other
// filters select; past this many the page says that it looked at the first ones only and
// asks for a narrower filter.
const eligibilityScanLimit = 20_000

// instanceFilter is the instance listing's filter form.
type instanceFilter struct {
	Product  string
	Status   string
	Eligible string // "", "yes" or "no"
	Owner    string // admin only
}

func (f instanceFilter) active() bool {
	return f.Product != "" || f.Status != "" || f.Eligible != "" || f.Owner != ""
}

// instanceRow is one instance of the listing with its eligibility at this moment.
type instanceRow struct {
	Record    *icpcheck.InstanceRecord
	Eligible  bool
	Failing   []string // codes of the failing checks
	Warnings  []string // codes of the checks that warn: an expiry within the reminder window
	ExpiresAt time.Time
	Quota     int
	Remaining int
}

type instancesData struct {
	Filter         instanceFilter
	Filtered       bool
	Products       []string
	Statuses       []icpcheck.InstanceStatus
	EligibleValues []string
	Rows           []instanceRow
	Pager          pager
	Truncated      bool
	ScanLimit      int
}

var instanceStatuses = []icpcheck.InstanceStatus{icpcheck.StatusRunning, icpcheck.StatusStopped, icpcheck.StatusExpired, icpcheck.StatusReleased}

// readInstanceFilter reads the filter from the query, refusing values that cannot select
// anything so that a mistyped link says what is wrong.
func (h *handler) readInstanceFilter(c *call) (instanceFilter, error) {
	q := c.r.URL.Query()
	f := instanceFilter{
		Product:  strings.TrimSpace(q.Get("product")),
		Status:   strings.TrimSpace(q.Get("status")),
		Eligible: strings.TrimSpace(q.Get("eligible")),
	}
	if c.admin() {
		f.Owner = strings.TrimSpace(q.Get("owner"))
	}
	switch {
	case f.Product != "" && !icpcheck.ValidName(f.Product):
		return f, icpcheck.Invalid("product", "bad_name")
	case f.Status != "" && !isInstanceStatus(f.Status):
		return f, icpcheck.Invalid("status", "bad_enum", f.Status, "running, stopped, expired, released")
	case f.Eligible != "" && f.Eligible != "yes" && f.Eligible != "no":
		return f, icpcheck.Invalid("eligible", "bad_enum", f.Eligible, "yes, no")
	case f.Owner != "" && !icpcheck.ValidAccountID(f.Owner):
		return f, icpcheck.Invalid("owner", "bad_account")
	}
	return f, nil
}

func isInstanceStatus(s string) bool {
	for _, st := range instanceStatuses {
		if string(st) == s {
			return true
		}
	}
	return false
}

func (h *handler) instances(c *call) error {
	data := &instancesData{Products: h.policy.ProductOrder, Statuses: instanceStatuses, EligibleValues: []string{"yes", "no"}, ScanLimit: eligibilityScanLimit}
	f, err := h.readInstanceFilter(c)
	data.Filter, data.Filtered = f, f.active()
	page, perr := pageNumber(c.r)
	if err == nil {
		err = perr
	}
	if err != nil {
		data.Pager = newPager(c.r, 1, 0, 0)
		return h.show(c, "instances", data, err)
	}
	sf := icpcheck.InstanceFilter{Owner: f.Owner, Product: f.Product, Status: icpcheck.InstanceStatus(f.Status)}
	now := h.now()
	var total int
	if f.Eligible == "" {
		sf.Offset, sf.Limit = offsetOf(page), pageSize
		recs, n, err := h.store.FindInstances(c.ctx, sf)
		if err != nil {
			return err
		}
		total = n
		for _, rec := range recs {
			data.Rows = append(data.Rows, h.instanceRow(rec, now))
		}
	} else {
		rows, n, truncated, err := h.scanEligible(c, sf, f.Eligible == "yes", page, now)
		if err != nil {
			return err
		}
		data.Rows, total, data.Truncated = rows, n, truncated
	}
	data.Pager = newPager(c.r, page, total, len(data.Rows))
	return h.show(c, "instances", data, nil)
}

// scanEligible returns the page of instances whose eligibility is want, and how many match,
// judging at most eligibilityScanLimit instances.
func (h *handler) scanEligible(c *call, sf icpcheck.InstanceFilter, want bool, page int, now time.Time) (rows []instanceRow, total int, truncated bool, err error) {
	from, to := offsetOf(page), offsetOf(page)+pageSize
	sf.Limit = icpcheck.MaxPageSize
	for sf.Offset = 0; sf.Offset < eligibilityScanLimit; sf.Offset += sf.Limit {
		recs, n, err := h.store.FindInstances(c.ctx, sf)
		if err != nil {
			return nil, 0, false, err
		}
		for _, rec := range recs {
			row := h.instanceRow(rec, now)
			if row.Eligible != want {
				continue
			}
			if total >= from && total < to {
				rows = append(rows, row)
			}
			total++
		}
		if len(recs) < sf.Limit || sf.Offset+len(recs) >= n {
			return rows, total, false, nil
		}
	}
	return rows, total, true, nil
}

// instanceRow judges an instance with its ledger, as the store's own check does, without a
// round trip per row.
func (h *handler) instanceRow(rec *icpcheck.InstanceRecord, now time.Time) instanceRow {
	res := eligibility.CheckWithLedger(rec.Instance, h.policy, now, rec.Issued)
	return instanceRow{
		Record:    rec,
		Eligible:  res.Eligible(),
		Failing:   res.Codes(icpcheck.Fail),
		Warnings:  res.Codes(icpcheck.Warn),
		ExpiresAt: res.ExpiresAt,
		Quota:     res.Quota,
		Remaining: max(res.Quota-rec.Issued, 0),
	}
}

// instanceData is the model of an instance's page: its checklist, its numbers and the form
// to apply for more.
type instanceData struct {
	Record   *icpcheck.InstanceRecord
	Eligible bool
	Checks   []checkView
	Expires  time.Time
	Quota    *icpcheck.QuotaReport
	At       time.Time
	Numbers  []*icpcheck.ServiceNumber
	Pager    pager
	CanIssue bool
	CanFile  bool
	Num      string // the issue form's value, kept when the form is refused
	MaxIssue int
}

func instanceURL(id string) string { return Prefix + "instances/" + url.PathEscape(id) }

func (h *handler) instance(c *call) error {
	return h.showInstance(c, c.r.PathValue("id"), "1", nil)
}

// showInstance renders an instance's page, with formErr when the issue form was refused.
func (h *handler) showInstance(c *call, id, num string, formErr error) error {
	page, err := pageNumber(c.r)
	if err != nil {
		return err
	}
	rec, err := h.store.FindInstance(c.ctx, id)
	if err != nil {
		return err
	}
	at := h.now()
	res, err := h.store.CheckInstance(c.ctx, id, at)
	if err != nil {
		return err
	}
	nums, total, err := h.store.FindNumbers(c.ctx, icpcheck.NumberFilter{InstanceID: id, Offset: offsetOf(page), Limit: pageSize})
	if err != nil {
		return err
	}
	rep := res.Report(c.lang)
	owner := c.admin() || rec.Instance.Owner == c.actor.Account
	data := &instanceData{
		Record:   rec,
		Eligible: res.Eligible(),
		Checks:   checkViews(c.lang, res.Checks),
		Expires:  res.ExpiresAt,
		Quota:    rep.Quota,
		At:       at,
		Numbers:  nums,
		Pager:    newPager(c.r, page, total, len(nums)),
		CanIssue: owner,
		CanFile:  owner && res.Eligible(),
		Num:      num,
		MaxIssue: icpcheck.MaxIssue,
	}
	return h.show(c, "instance", data, formErr)
}

// issue applies for service numbers for an instance, on behalf of its owner.
func (h *handler) issue(c *call) error {
	id := c.r.PathValue("id")
	raw := strings.TrimSpace(c.r.PostForm.Get("num"))
	num, ok := parseInt(raw)
	if !ok {
		return h.showInstance(c, id, raw, icpcheck.Invalid("num", "num_out_of_range", icpcheck.MinIssue, icpcheck.MaxIssue))
	}
	rec, err := h.store.FindInstance(c.ctx, id)
	if err != nil {
		return err
	}
	issued, err := h.store.IssueNumbers(c.ctx, icpcheck.IssueRequest{InstanceID: id, Owner: rec.Instance.Owner, Num: num})
	if err != nil {
		return h.showInstance(c, id, raw, err)
	}
	return h.redirect(c, instanceURL(id)+"#numbers", "console.flash.issued", itoa(len(issued)))
}
