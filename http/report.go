package http

import (
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
)

// Report is a check result as the REST API returns it: icpcheck.Report (the rendered
// messages in the request's language) plus the moment checked and, on each check, the
// message keys and parameters, so that a client can render it again in another language and
// the CLI prints the same output remotely as locally.
type Report struct {
	ID        string                `json:"id"`
	Eligible  bool                  `json:"eligible"`
	At        time.Time             `json:"at"`
	ExpiresAt *time.Time            `json:"expires_at,omitempty"`
	Quota     *icpcheck.QuotaReport `json:"quota,omitempty"`
	Checks    []CheckJSON           `json:"checks"`
}

// CheckJSON is one check: icpcheck.CheckReport plus what it was rendered from.
type CheckJSON struct {
	Code       string               `json:"code"`
	Status     icpcheck.CheckStatus `json:"status"`
	Message    string               `json:"message"`
	Remedy     string               `json:"remedy,omitempty"`
	Key        string               `json:"key,omitempty"`
	RemedyKey  string               `json:"remedy_key,omitempty"`
	Got        string               `json:"got,omitempty"`
	Want       string               `json:"want,omitempty"`
	Time       *time.Time           `json:"time,omitempty"`
	Text       *i18n.Text           `json:"text,omitempty"`
	RemedyText *i18n.Text           `json:"remedy_text,omitempty"`
}

// NewReport renders r in lang.
func NewReport(r *icpcheck.CheckResult, lang i18n.Lang) *Report {
	base := r.Report(lang)
	rep := &Report{ID: base.ID, Eligible: base.Eligible, At: r.At, ExpiresAt: base.ExpiresAt, Quota: base.Quota,
		Checks: make([]CheckJSON, len(r.Checks))}
	for i := range r.Checks {
		rep.Checks[i] = newCheckJSON(&r.Checks[i], lang)
	}
	return rep
}

func newCheckJSON(c *icpcheck.Check, lang i18n.Lang) CheckJSON {
	j := CheckJSON{Code: c.Code, Status: c.Status, Message: c.Message(lang), Remedy: c.RemedyMessage(lang),
		Key: c.Key, RemedyKey: c.Remedy, Got: c.Got, Want: c.Want, Text: c.Text, RemedyText: c.RemedyText}
	if !c.Time.IsZero() {
		t := c.Time
		j.Time = &t
	}
	return j
}

// Result returns the check result the report was rendered from.
func (rep *Report) Result() *icpcheck.CheckResult {
	r := &icpcheck.CheckResult{InstanceID: rep.ID, At: rep.At, Checks: make([]icpcheck.Check, len(rep.Checks))}
	if rep.ExpiresAt != nil {
		r.ExpiresAt = *rep.ExpiresAt
	}
	if rep.Quota != nil {
		r.Quota, r.Issued = rep.Quota.Quota, rep.Quota.Issued
	}
	for i := range rep.Checks {
		r.Checks[i] = rep.Checks[i].check()
	}
	return r
}

func (j *CheckJSON) check() icpcheck.Check {
	c := icpcheck.Check{Code: j.Code, Status: j.Status, Key: j.Key, Remedy: j.RemedyKey, Got: j.Got, Want: j.Want,
		Text: j.Text, RemedyText: j.RemedyText}
	if j.Time != nil {
		c.Time = *j.Time
	}
	// A check without a key or a text (from a server that sends neither) keeps the
	// message it was rendered with, in both languages, rather than showing nothing.
	if c.Key == "" && c.Text == nil {
		c.Text = &i18n.Text{ZH: j.Message, EN: j.Message}
		if j.Remedy != "" && c.Remedy == "" && c.RemedyText == nil {
			c.RemedyText = &i18n.Text{ZH: j.Remedy, EN: j.Remedy}
		}
	}
	return c
}
