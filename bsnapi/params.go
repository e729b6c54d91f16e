package bsnapi

import (
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/icpcheck/icpcheck"
)

// MaxNotes bounds GrantBsnCode's Notes, in characters, as the store does.
const MaxNotes = 512

// params are a request's parameters. Each getter refuses a parameter given more than once:
// both values are signed, and acting on either one would be a guess.
type params url.Values

func (p params) one(name string) (string, error) {
	switch v := p[name]; len(v) {
	case 0:
		return "", nil
	case 1:
		return v[0], nil
	}
	return "", gateway(http.StatusBadRequest, codeInvalidParameter, name)
}

// required returns a parameter that must be given and not be empty (602).
func (p params) required(name string) (string, error) {
	v, err := p.one(name)
	if err == nil && v == "" {
		err = refuse(CodeRequiredEmpty, "", name)
	}
	return v, err
}

// account returns a required account id: an aliuid, 1 to 19 digits (401 otherwise).
func (p params) account(name string) (string, error) {
	v, err := p.required(name)
	if err == nil && !icpcheck.ValidAccountID(v) {
		err = refuse(CodeAccountInvalid, "", name, clip(v))
	}
	return v, err
}

// accountAlias returns a required account id that may be spelled two ways: GrantBsnCode's
// AliUid, as the SDKs send it, and Aliuid, as its document writes it. Both at once must agree.
func (p params) accountAlias(name, alias string) (string, error) {
	a, errA := p.one(name)
	b, errB := p.one(alias)
	switch {
	case errA != nil:
		return "", errA
	case errB != nil:
		return "", errB
	case a != "" && b != "" && a != b:
		return "", gateway(http.StatusBadRequest, codeInvalidParameter, alias)
	case a == "" && b != "":
		return p.account(alias)
	}
	return p.account(name)
}

// num returns ProductBindBsn's count: an integer from 1 to 20 (603 otherwise).
func (p params) num() (int, error) {
	v, err := p.required("num")
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < icpcheck.MinIssue || n > icpcheck.MaxIssue {
		return 0, refuse(CodeNumOutOfRange, "", clip(v), icpcheck.MinIssue, icpcheck.MaxIssue)
	}
	return n, nil
}

// resourceID returns the instance id (402 when it cannot be one).
func (p params) resourceID() (string, error) {
	v, err := p.required("resourceId")
	if err == nil && len(v) > icpcheck.MaxIDLength {
		err = refuse(CodeInstanceInvalid, "", clip(v))
	}
	return v, err
}

// sn returns a service number parameter (406 when it has not the form of one, for then there
// is no such number).
func (p params) sn(name string) (string, error) {
	v, err := p.required(name)
	if err == nil && !icpcheck.ValidSN(v) {
		err = refuse(CodeSNNotFound, "", clip(v))
	}
	return v, err
}

// notes returns GrantBsnCode's optional Notes.
func (p params) notes() (string, error) {
	v, err := p.one("Notes")
	if err == nil && (!utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxNotes) {
		err = gateway(http.StatusBadRequest, codeInvalidParameter, "Notes")
	}
	return v, err
}

// product returns the policy's product of the resourceType parameter (600 when there is none).
func (p params) product(policy *icpcheck.Policy) (*icpcheck.ProductRule, error) {
	v, err := p.required("resourceType")
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(v)
	rule := policy.ProductByResourceType(n)
	if err != nil || rule == nil {
		return nil, refuse(CodeProductType, "", clip(v))
	}
	return rule, nil
}

// clip shortens a client's value before a message echoes it back.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
