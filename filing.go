package icpcheck

import (
	"context"
	"net/netip"
	"time"
)

// FilingType is the kind of Internet information service a filing covers.
type FilingType string

const (
	FilingWebsite FilingType = "website" // identified by its domains
	FilingApp     FilingType = "app"     // identified by its app name
)

// FilingState is where a filing is in its life.
type FilingState string

const (
	FilingDraft           FilingState = "draft"            // number bound (1)
	FilingSubmitted       FilingState = "submitted"        // number under review (4)
	FilingFiled           FilingState = "filed"            // number filed (2), beianNum recorded
	FilingRejected        FilingState = "rejected"         // editable again as a draft; number stays bound (1)
	FilingDeregistered    FilingState = "deregistered"     // number invalid (3), never freed
	FilingProviderRemoved FilingState = "provider_removed" // number invalid (3), never freed
)

// NumberState returns the state a filing in s gives its number.
func (s FilingState) NumberState() NumberState {
	switch s {
	case FilingSubmitted:
		return NumberUnderReview
	case FilingFiled:
		return NumberFiled
	case FilingDeregistered, FilingProviderRemoved:
		return NumberInvalid
	}
	return NumberBound
}

// Editable reports whether a filing in s may change its declared information.
func (s FilingState) Editable() bool { return s == FilingDraft || s == FilingRejected }

// AccessInfo is the access information a filing declares: who hosts the service, how, where
// and at which addresses.
type AccessInfo struct {
	Provider string       `json:"provider"`
	Method   string       `json:"method"`
	Region   string       `json:"region"`
	IPs      []netip.Addr `json:"ips"`
}

// Filing is one Internet information service's ICP filing, made through the provider.
type Filing struct {
	ID           string      `json:"id"`
	Type         FilingType  `json:"type"`
	Filer        string      `json:"filer"` // the account that files
	SN           string      `json:"sn"`
	InstanceID   string      `json:"instance_id"`
	Domains      []string    `json:"domains,omitempty"`  // website
	AppName      string      `json:"app_name,omitempty"` // app
	Access       AccessInfo  `json:"access"`
	State        FilingState `json:"state"`
	BeianNum     string      `json:"beian_num,omitempty"`
	RejectReason string      `json:"reject_reason,omitempty"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
	SubmittedAt  *time.Time  `json:"submitted_at,omitempty"`
	FiledAt      *time.Time  `json:"filed_at,omitempty"`
}

// FilingCreate asks for a new draft filing. It names a number the filer owns or was granted,
// or, when the filer owns the instance, the instance itself: one number is then issued and
// bound in the same transaction, from the same quota.
type FilingCreate struct {
	Type       FilingType `json:"type"`
	Filer      string     `json:"filer"`
	SN         string     `json:"sn,omitempty"`
	InstanceID string     `json:"instance_id,omitempty"`
	Domains    []string   `json:"domains,omitempty"`
	AppName    string     `json:"app_name,omitempty"`
	Access     AccessInfo `json:"access"`
}

// FilingUpdate changes what a draft or rejected filing declares. Nil fields are unchanged.
type FilingUpdate struct {
	Domains []string    `json:"domains,omitempty"`
	AppName *string     `json:"app_name,omitempty"`
	Access  *AccessInfo `json:"access,omitempty"`
}

// FilingFilter selects filings. Zero fields select all.
type FilingFilter struct {
	Filer      string
	InstanceID string
	SN         string
	State      FilingState
	Type       FilingType
	Domain     string
	Offset     int
	Limit      int
}

// FilingService takes filings through their states. Implementations are safe for concurrent
// use; a number is bound by at most one filing, ever, whatever the concurrency.
type FilingService interface {
	// CreateFiling creates a draft filing and binds its number. Returns EINVALID for a
	// malformed filing, ENOTFOUND sn_not_found or instance_not_found, EFORBIDDEN sn_not_usable
	// when the filer neither owns nor was granted the number (or does not own the instance),
	// ECONFLICT sn_not_unbound for a number already used or invalid, and the errors of
	// IssueNumbers when it names an instance.
	CreateFiling(ctx context.Context, req FilingCreate) (*Filing, error)

	// FindFiling returns a filing. Returns ENOTFOUND filing_not_found, also for a customer
	// asking for another account's filing.
	FindFiling(ctx context.Context, id string) (*Filing, error)

	// FindFilings returns a page of filings, newest first, and the total that match.
	FindFilings(ctx context.Context, filter FilingFilter) ([]*Filing, int, error)

	// UpdateFiling changes a draft or rejected filing. Returns ECONFLICT filing_state.
	UpdateFiling(ctx context.Context, id string, upd FilingUpdate) (*Filing, error)

	// SubmitFiling verifies the access information against the instance and submits the
	// filing for review. Returns ECONFLICT access_mismatch with every failing access check,
	// ECONFLICT not_eligible when the instance no longer qualifies (quota ignored), ECONFLICT
	// filing_state and ECONFLICT sn_invalid for a voided number.
	SubmitFiling(ctx context.Context, id string) (*Filing, error)

	// ApproveFiling records the MIIT filing number of a submitted filing. Admin only.
	ApproveFiling(ctx context.Context, id, beianNum string) (*Filing, error)

	// RejectFiling sends a submitted filing back to the filer. Admin only.
	RejectFiling(ctx context.Context, id, reason string) (*Filing, error)

	// DeregisterFiling ends a filing (注销备案); its number is never freed.
	DeregisterFiling(ctx context.Context, id string) (*Filing, error)

	// RemoveProvider ends the provider's part in a filing (取消接入); its number is never
	// freed.
	RemoveProvider(ctx context.Context, id string) (*Filing, error)
}
