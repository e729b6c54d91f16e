package icpcheck

import (
	"encoding/json"
	"time"

	"github.com/icpcheck/icpcheck/i18n"
)

// Check codes. They are stable: the API, the CLI, tests and users' scripts depend on them.
// Policies add their own codes for custom conditions, which may not reuse these.
const (
	CodeProvider        = "provider"
	CodeProduct         = "product"
	CodeRegion          = "region"
	CodeStatus          = "status"
	CodePublicIP        = "public_ip"
	CodeBilling         = "billing"
	CodeSubscription    = "subscription"
	CodePublicBandwidth = "public_bandwidth"
	CodeServerPurchased = "server_purchased"
	CodeOrderAmount     = "order_amount"
	CodeEdition         = "edition"
	CodeExpiry          = "expiry"
	CodeQuota           = "quota"
)

// Codes lists the built-in checks in the order results carry them.
var Codes = []string{
	CodeProvider, CodeProduct, CodeRegion, CodeStatus, CodePublicIP, CodeBilling,
	CodeSubscription, CodePublicBandwidth, CodeServerPurchased, CodeOrderAmount,
	CodeEdition, CodeExpiry, CodeQuota,
}

// IsBuiltinCheck reports whether code is one of the built-in check codes.
func IsBuiltinCheck(code string) bool {
	for _, c := range Codes {
		if c == code {
			return true
		}
	}
	return false
}

// CheckStatus is the outcome of one check.
type CheckStatus uint8

const (
	Pass CheckStatus = iota
	Fail
	Warn
	Skip // not required for this product, or not knowable (quota in a stateless check)
)

var statusNames = [...]string{Pass: "pass", Fail: "fail", Warn: "warn", Skip: "skip"}

func (s CheckStatus) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}

// ParseCheckStatus returns the status named s.
func ParseCheckStatus(s string) (CheckStatus, bool) {
	for i, n := range statusNames {
		if n == s {
			return CheckStatus(i), true
		}
	}
	return 0, false
}

func (s CheckStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *CheckStatus) UnmarshalText(b []byte) error {
	v, ok := ParseCheckStatus(string(b))
	if !ok {
		return Invalid("status", "bad_enum", string(b), "pass, fail, warn, skip")
	}
	*s = v
	return nil
}

// Check is the outcome of one check of one instance. It holds message keys and parameters,
// not text: the engine runs a million times in a bulk check, and text is rendered only at
// the edge, in the language the user asked for.
type Check struct {
	Code   string
	Status CheckStatus
	Key    string    // i18n key of the message
	Remedy string    // i18n key of the remedy; "" when there is none
	Got    string    // message parameter {0}: what the instance has
	Want   string    // message parameter {1}: what the policy wants
	Time   time.Time // message parameter {2}, when the message names a time

	// Text and RemedyText carry a policy condition's own messages instead of keys.
	Text, RemedyText *i18n.Text
}

func (c *Check) params() []any {
	var t any = ""
	if !c.Time.IsZero() {
		t = c.Time.Format("2006-01-02 15:04 -07:00")
	}
	return []any{c.Got, c.Want, t}
}

// Message returns the check's message in lang.
func (c *Check) Message(lang i18n.Lang) string {
	if c.Text != nil {
		return c.Text.In(lang)
	}
	return i18n.T(lang, c.Key, c.params()...)
}

// RemedyMessage returns what to do about a failing or warning check in lang, or "".
func (c *Check) RemedyMessage(lang i18n.Lang) string {
	switch {
	case c.RemedyText != nil:
		return c.RemedyText.In(lang)
	case c.Remedy != "":
		return i18n.T(lang, c.Remedy, c.params()...)
	}
	return ""
}

// CheckResult is the outcome of every check of one instance at one moment.
type CheckResult struct {
	InstanceID string
	At         time.Time
	Checks     []Check
	ExpiresAt  time.Time // the coverage end; zero for pay-as-you-go
	Quota      int       // numbers the policy allows the instance; 0 for an unknown product
	Issued     int       // numbers issued so far; meaningful when the quota check did not skip
}

// Eligible reports whether no check failed.
func (r *CheckResult) Eligible() bool {
	for i := range r.Checks {
		if r.Checks[i].Status == Fail {
			return false
		}
	}
	return true
}

// EligibleForUse reports whether no check other than quota failed: binding a number already
// issued, and submitting a filing with it, ignore the quota.
func (r *CheckResult) EligibleForUse() bool {
	for i := range r.Checks {
		if r.Checks[i].Status == Fail && r.Checks[i].Code != CodeQuota {
			return false
		}
	}
	return true
}

// Codes returns the codes of the checks with status s, in result order.
func (r *CheckResult) Codes(s CheckStatus) []string {
	var codes []string
	for i := range r.Checks {
		if r.Checks[i].Status == s {
			codes = append(codes, r.Checks[i].Code)
		}
	}
	return codes
}

// Find returns the check with code, or nil.
func (r *CheckResult) Find(code string) *Check {
	for i := range r.Checks {
		if r.Checks[i].Code == code {
			return &r.Checks[i]
		}
	}
	return nil
}

// Report is a CheckResult rendered in one language: the JSON that the CLI, the REST API and
// the console show.
type Report struct {
	ID        string        `json:"id"`
	Eligible  bool          `json:"eligible"`
	ExpiresAt *time.Time    `json:"expires_at,omitempty"`
	Quota     *QuotaReport  `json:"quota,omitempty"`
	Checks    []CheckReport `json:"checks"`
}

// QuotaReport tells how many numbers an instance may still have.
type QuotaReport struct {
	Quota     int `json:"quota"`
	Issued    int `json:"issued"`
	Remaining int `json:"remaining"`
}

// CheckReport is one check rendered in one language.
type CheckReport struct {
	Code    string      `json:"code"`
	Status  CheckStatus `json:"status"`
	Message string      `json:"message"`
	Remedy  string      `json:"remedy,omitempty"`
}

// Report renders the result in lang.
func (r *CheckResult) Report(lang i18n.Lang) Report {
	rep := Report{ID: r.InstanceID, Eligible: r.Eligible(), Checks: make([]CheckReport, len(r.Checks))}
	if !r.ExpiresAt.IsZero() {
		t := r.ExpiresAt
		rep.ExpiresAt = &t
	}
	if q := r.Find(CodeQuota); q != nil && q.Status != Skip {
		rep.Quota = &QuotaReport{Quota: r.Quota, Issued: r.Issued, Remaining: max(r.Quota-r.Issued, 0)}
	}
	for i := range r.Checks {
		c := &r.Checks[i]
		rep.Checks[i] = CheckReport{Code: c.Code, Status: c.Status, Message: c.Message(lang), Remedy: c.RemedyMessage(lang)}
	}
	return rep
}

// MarshalJSON renders the result in the default language.
func (r *CheckResult) MarshalJSON() ([]byte, error) {
	return json.Marshal(r.Report(i18n.ZH))
}
