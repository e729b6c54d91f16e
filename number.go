package icpcheck

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"
)

// NumberState is the state of a service number, numbered as in the Filing Service API.
type NumberState int

const (
	NumberUnbound     NumberState = 0 // issued, not used by a filing
	NumberBound       NumberState = 1 // used by a filing in draft (or rejected)
	NumberFiled       NumberState = 2 // its filing is approved
	NumberInvalid     NumberState = 3 // voided by an admin or by the instance's release
	NumberUnderReview NumberState = 4 // its filing is submitted
)

var numberStateNames = map[NumberState]string{
	NumberUnbound: "unbound", NumberBound: "bound", NumberFiled: "filed",
	NumberInvalid: "invalid", NumberUnderReview: "under_review",
}

func (s NumberState) String() string {
	if n, ok := numberStateNames[s]; ok {
		return n
	}
	return "unknown"
}

// ParseNumberState accepts a state's name or its number.
func ParseNumberState(s string) (NumberState, bool) {
	for st, n := range numberStateNames {
		if n == s || string(rune('0'+st)) == s {
			return st, true
		}
	}
	return 0, false
}

// Limits of one issue request (the Filing Service API's num).
const (
	MinIssue = 1
	MaxIssue = 20
)

// ServiceNumber (服务号, "BSN") ties one filing to one instance. It is issued to an instance,
// owned by the instance's owner, optionally granted to one other account, and used by at most
// one filing, ever.
type ServiceNumber struct {
	SN           string      `json:"sn"`
	InstanceID   string      `json:"instance_id"`
	Product      string      `json:"product"`
	Owner        string      `json:"owner"`
	GrantedTo    string      `json:"granted_to,omitempty"`
	GrantNotes   string      `json:"grant_notes,omitempty"`
	State        NumberState `json:"state"`
	FilingID     string      `json:"filing_id,omitempty"`
	BeianNum     string      `json:"beian_num,omitempty"` // the MIIT filing number once filed
	Seq          int         `json:"seq"`                 // 1, 2 ... in issue order within the instance
	IssuedAt     time.Time   `json:"issued_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
	VoidedReason string      `json:"voided_reason,omitempty"`
}

// UsableBy reports whether account may use the number in a filing: it owns it or it was
// granted to it.
func (n *ServiceNumber) UsableBy(account string) bool {
	return n.Owner == account || (n.GrantedTo != "" && n.GrantedTo == account)
}

// NewSN returns a random UUID of version 4, the form of a service number.
func NewSN() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// ValidSN reports whether s has the form of a service number (a UUID, any case).
func ValidSN(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}

// IssueRequest asks for num new numbers for an instance on behalf of its owner.
type IssueRequest struct {
	InstanceID string
	Owner      string // must be the instance's owner
	Product    string // when set, the instance must be of this product (the API's resourceType)
	Num        int
}

// NumberFilter selects numbers. Zero fields select all.
type NumberFilter struct {
	InstanceID string
	Account    string // owned by or granted to
	State      *NumberState
	Offset     int
	Limit      int
}

// NumberService issues, grants and voids service numbers. Implementations are safe for
// concurrent use by any number of clients and servers: the quota and single use are enforced
// by the database.
type NumberService interface {
	// IssueNumbers issues req.Num numbers to an instance that is eligible at that moment,
	// all or nothing. Returns EINVALID num_out_of_range (1..20), ENOTFOUND
	// instance_not_found (also for a product mismatch), EFORBIDDEN not_owner when req.Owner
	// does not own the instance or the actor may not act for req.Owner, ECONFLICT
	// not_eligible (with the failing checks) and ECONFLICT quota_exceeded when issued-so-far
	// plus num exceeds the quota.
	IssueNumbers(ctx context.Context, req IssueRequest) ([]*ServiceNumber, error)

	// FindNumber returns a number. Returns ENOTFOUND sn_not_found, also when the actor is
	// neither its owner nor its grantee.
	FindNumber(ctx context.Context, sn string) (*ServiceNumber, error)

	// FindNumbers returns a page of numbers in issue order and the total that match.
	FindNumbers(ctx context.Context, filter NumberFilter) ([]*ServiceNumber, int, error)

	// GrantNumber grants an unbound number of owner to another account. Returns ENOTFOUND
	// sn_not_found, EFORBIDDEN sn_not_owned when owner does not own it, EINVALID
	// grant_to_self, ECONFLICT sn_not_unbound and ECONFLICT already_granted (to another
	// account; granting again to the same account updates the notes).
	GrantNumber(ctx context.Context, sn, owner, grantee, notes string) (*ServiceNumber, error)

	// VoidNumber makes a number invalid; it stays counted against the quota. Admin only.
	// Returns ENOTFOUND sn_not_found, ECONFLICT sn_in_use for a number under review or filed.
	VoidNumber(ctx context.Context, sn, reason string) (*ServiceNumber, error)
}
