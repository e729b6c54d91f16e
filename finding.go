package icpcheck

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck/i18n"
)

// Monitors: each watches filings after the fact and reports what invalidates them (SPEC
// section 6).
const (
	MonitorExpiry = "expiry" // instances that carry numbers and expire, or have expired
	MonitorAccess = "access" // filed website domains that no longer resolve where they should
)

// Monitors lists the monitors in the order they run.
var Monitors = []string{MonitorExpiry, MonitorAccess}

// ValidMonitor reports whether name is a known monitor.
func ValidMonitor(name string) bool { return name == MonitorExpiry || name == MonitorAccess }

// Finding kinds. They are stable: the API, the CLI, webhooks and users' scripts depend on them.
const (
	// Expiry monitor.
	FindingExpiring = "expiring" // coverage ends within a reminder point (30/15/7/1 days)
	FindingExpired  = "expired"  // coverage has ended, or the instance is expired or released

	// Access monitor.
	FindingDNSUnresolved   = "dns_unresolved"   // the domain has no A or AAAA answer; Reason says why
	FindingIPNotProvider   = "ip_not_provider"  // an address outside the provider's active mainland instances
	FindingIPNotDeclared   = "ip_not_declared"  // the provider's address, but not declared in the filing
	FindingInstanceExpired = "instance_expired" // an address of an instance whose coverage has ended
)

// FindingKinds lists the kinds of each monitor.
var FindingKinds = map[string][]string{
	MonitorExpiry: {FindingExpiring, FindingExpired},
	MonitorAccess: {FindingDNSUnresolved, FindingIPNotProvider, FindingIPNotDeclared, FindingInstanceExpired},
}

// ValidFindingKind reports whether kind is a kind of monitor.
func ValidFindingKind(monitor, kind string) bool {
	for _, k := range FindingKinds[monitor] {
		if k == kind {
			return true
		}
	}
	return false
}

// Why a domain did not resolve (Finding.Reason of dns_unresolved). Each is the worst of
// the domain's A and AAAA answers, in the order below.
const (
	DNSTimeout   = "timeout"    // the server did not answer in time
	DNSError     = "error"      // the server could not be reached (refused connection, bad reply)
	DNSServFail  = "servfail"   // the server answered SERVFAIL
	DNSRefused   = "refused"    // the server refused the query
	DNSNXDomain  = "nxdomain"   // the name does not exist
	DNSNoRecords = "no_records" // the name exists but has neither A nor AAAA records
)

// Resolutions say why an open finding was resolved.
const (
	ResolvedFixed      = "fixed"      // the problem is gone
	ResolvedSuperseded = "superseded" // its scope has another finding now (a nearer reminder point, say)
)

// InstanceScope and DomainScope name the scopes of the monitors' findings.
func InstanceScope(instanceID string) string     { return "instance/" + instanceID }
func DomainScope(filingID, domain string) string { return "filing/" + filingID + "/" + domain }

// Finding is one problem that a monitor saw, kept from the run that first saw it until the
// run that no longer does. Key identifies the problem: the same problem seen again, in any
// later run, is the same finding and keeps its FirstSeen, even after it was resolved.
type Finding struct {
	Key     string `json:"key"`
	Monitor string `json:"monitor"`
	Kind    string `json:"kind"`
	Scope   string `json:"scope"` // what one judgement covers: an instance (expiry), a filing's domain (access)
	Owner   string `json:"owner"` // the account that must act: the instance's owner, or the filer

	InstanceID string     `json:"instance_id,omitempty"`
	FilingID   string     `json:"filing_id,omitempty"`
	Domain     string     `json:"domain,omitempty"`
	IP         netip.Addr `json:"ip,omitzero"`
	Reason     string     `json:"reason,omitempty"`        // dns_unresolved: DNSTimeout ...
	Reminder   int        `json:"reminder_days,omitempty"` // expiring: the reminder point reached
	DaysLeft   int        `json:"days_left,omitempty"`     // expiring: whole days until the coverage ends
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	Deadline   *time.Time `json:"cancellation_deadline,omitempty"` // expiry + the policy's cancellation days
	Filings    []string   `json:"filings,omitempty"`               // expiry: the filings at risk, by id

	FirstSeen  time.Time  `json:"first_seen"`
	LastSeen   time.Time  `json:"last_seen"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	Resolution string     `json:"resolution,omitempty"`
}

// FindingKey returns the key of a finding from the parts that identify its problem: the
// monitor, the kind, the subject and whatever else tells two problems of one subject apart
// (a domain, an address, a reminder point). Parts are escaped so that no two different lists
// of parts give the same key.
func FindingKey(monitor, kind string, parts ...string) string {
	var b strings.Builder
	b.WriteString(monitor)
	b.WriteByte('/')
	b.WriteString(kind)
	for _, p := range parts {
		b.WriteByte('/')
		keyEscaper.WriteString(&b, p)
	}
	return b.String()
}

// keyEscaper escapes the separator of key parts; it is built once, as a Replacer is costly to
// build and safe for concurrent use.
var keyEscaper = strings.NewReplacer("%", "%25", "/", "%2F")

// Open reports whether the finding is not resolved.
func (f *Finding) Open() bool { return f.ResolvedAt == nil }

// Validate reports the first problem of a finding that a monitor produced, as EINVALID.
func (f *Finding) Validate() error {
	switch {
	case !ValidMonitor(f.Monitor):
		return Invalid("monitor", "bad_enum", f.Monitor, strings.Join(Monitors, ", "))
	case !ValidFindingKind(f.Monitor, f.Kind):
		return Invalid("kind", "bad_enum", f.Kind, strings.Join(FindingKinds[f.Monitor], ", "))
	case f.Key == "" || !strings.HasPrefix(f.Key, f.Monitor+"/"+f.Kind+"/"):
		return Invalid("key", "bad_finding_key")
	case len(f.Key) > 1024:
		return Invalid("key", "too_long", 1024)
	case f.Scope == "":
		return Invalid("scope", "required")
	}
	return nil
}

// MessageKey returns the i18n key of the finding's message. An expired instance without a
// known coverage end (pay-as-you-go, overdue) has messages of their own that name no dates.
func (f *Finding) MessageKey() string {
	if (f.Kind == FindingExpired || f.Kind == FindingInstanceExpired) && f.ExpiresAt == nil {
		return "monitor." + f.Kind + ".message_undated"
	}
	return "monitor." + f.Kind + ".message"
}

func (f *Finding) params() []any {
	t := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return p.Format("2006-01-02 15:04 -07:00")
	}
	ip := ""
	if f.IP.IsValid() {
		ip = f.IP.String()
	}
	reason := ""
	if f.Reason != "" {
		reason = "monitor.dns." + f.Reason
	}
	return []any{
		f.InstanceID, f.FilingID, f.Domain, ip, // {0} .. {3}
		strconv.Itoa(f.Reminder), strconv.Itoa(f.DaysLeft), t(f.ExpiresAt), t(f.Deadline), // {4} .. {7}
		strings.Join(f.Filings, ", "), reason, // {8} {9}
	}
}

// Message returns what the finding says, in lang.
func (f *Finding) Message(lang i18n.Lang) string {
	p := f.params()
	if k, _ := p[9].(string); k != "" {
		p[9] = i18n.T(lang, k)
	}
	return i18n.T(lang, f.MessageKey(), p...)
}

// Remedy returns what to do about the finding, in lang.
func (f *Finding) Remedy(lang i18n.Lang) string {
	p := f.params()
	if k, _ := p[9].(string); k != "" {
		p[9] = i18n.T(lang, k)
	}
	return i18n.T(lang, "monitor."+f.Kind+".remedy", p...)
}

// FindingRun is the outcome of one run of one monitor: every problem it saw. Reconciling it
// opens findings not open before, refreshes those still seen, and resolves open findings of
// the monitor that the run no longer saw, except those in a scope listed in Incomplete, about
// which the run could not tell (a domain whose AAAA query timed out while its A query
// answered, say): those stay as they were. A resolved finding whose scope has another finding
// in the run is ResolvedSuperseded, any other ResolvedFixed.
type FindingRun struct {
	Monitor    string
	At         time.Time // the moment the monitor judged (--at)
	Started    time.Time // the wall-clock start of the run; older runs than the last reconciled are refused
	Findings   []*Finding
	Incomplete []string // scopes whose open findings stay untouched
}

// ReconcileResult tells what reconciling a run changed.
type ReconcileResult struct {
	Opened   int `json:"opened"`   // findings not open before (new, or seen again after being resolved)
	Updated  int `json:"updated"`  // findings still open
	Resolved int `json:"resolved"` // findings the run no longer saw
	Open     int `json:"open"`     // open findings of the monitor after the run
}

// FindingFilter selects findings. Zero fields select all open findings.
type FindingFilter struct {
	Monitor  string
	Kind     string
	Owner    string
	FilingID string
	Instance string
	All      bool // resolved findings too
	Offset   int
	Limit    int
}

// FindingEvent is one change of a finding that a webhook announces: it was opened or
// resolved. Events wait in the store's outbox until the webhook receiver accepts them.
type FindingEvent struct {
	ID       int64     `json:"id"`
	Event    string    `json:"event"` // FindingOpened or FindingResolved
	Finding  *Finding  `json:"finding"`
	Created  time.Time `json:"created_at"`
	Attempts int       `json:"attempts"`
}

// Finding events.
const (
	FindingOpened   = "opened"
	FindingResolved = "resolved"
)

// MonitorInput is what the store knows that a monitor judges: instances, their numbers and
// the filings that use them.
type MonitorInput struct {
	Instances []*Instance
	Numbers   []*ServiceNumber
	Filings   []*Filing
}

// FindingService keeps the monitors' findings and the outbox of their events. Implementations
// are safe for concurrent use by any number of servers sharing one database: reconciling is
// transactional, runs of one monitor are serialized, and a run older than the last one
// reconciled is refused, so that concurrent runs never undo each other.
type FindingService interface {
	// FindMonitorInput returns what monitor judges. For MonitorExpiry: the instances that
	// carry bound, under-review or filed numbers, those numbers, and the filings that use
	// them. For MonitorAccess: the filed website filings, and every instance that has a public
	// IP (whatever its state, so that an address of an expired instance is recognized). Admin
	// only. Returns EINVALID bad_enum for an unknown monitor.
	FindMonitorInput(ctx context.Context, monitor string) (*MonitorInput, error)

	// ReconcileFindings records a run in one transaction and appends an event to the outbox
	// for every finding it opened or resolved. Admin only. Returns EINVALID for a malformed
	// finding or a key given twice, and ECONFLICT stale_run when a run of the monitor that
	// started later was reconciled already.
	ReconcileFindings(ctx context.Context, run FindingRun) (*ReconcileResult, error)

	// FindFindings returns a page of findings, open first and then the newest, and the total
	// that match. A customer sees the findings it owns only.
	FindFindings(ctx context.Context, filter FindingFilter) ([]*Finding, int, error)

	// ClaimFindingEvents returns up to limit unsent events whose next attempt is due at now,
	// oldest first, and leases them until now+lease so that another server does not send them
	// at the same time. Admin only.
	ClaimFindingEvents(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*FindingEvent, error)

	// MarkFindingEventSent records that the receiver accepted an event; it is never sent
	// again. Admin only. Returns ENOTFOUND event_not_found.
	MarkFindingEventSent(ctx context.Context, id int64, at time.Time) error

	// MarkFindingEventFailed records a failed attempt and when to try again. Admin only.
	// Returns ENOTFOUND event_not_found.
	MarkFindingEventFailed(ctx context.Context, id int64, next time.Time, reason string) error
}

// MonitorService runs monitors and lists their findings: the monitor package implements it
// over a Store, and the HTTP client against a remote server.
type MonitorService interface {
	// RunMonitor runs one monitor at a moment and reconciles its findings. Admin only.
	// Returns EINVALID bad_enum for an unknown monitor, ECONFLICT run_in_progress when a run
	// of it is under way in this process.
	RunMonitor(ctx context.Context, monitor string, at time.Time) (*MonitorReport, error)

	// FindFindings is FindingService.FindFindings.
	FindFindings(ctx context.Context, filter FindingFilter) ([]*Finding, int, error)
}

// MonitorReport is the outcome of one run: what it judged, what it changed, and the findings
// open after it.
type MonitorReport struct {
	Monitor  string          `json:"monitor"`
	At       time.Time       `json:"at"`
	Checked  int             `json:"checked"` // instances (expiry) or domains (access) judged
	Result   ReconcileResult `json:"result"`
	Findings []*Finding      `json:"findings"` // the monitor's open findings
}
