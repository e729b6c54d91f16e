package sqlstore

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/icpcheck/icpcheck"
)

// Limits of what a filing declares.
const (
	maxDomains     = 50  // domains of one website filing
	maxAppName     = 100 // runes
	maxAccessField = 64  // bytes of the declared provider, method and region
	maxAccessIPs   = 256
)

// labelPattern is one label of a hostname in lower case; punycode labels (xn--) match it.
var labelPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// normalizeDomain returns the lowercase form of a website domain without a trailing dot, or
// false when it is not a hostname of at least two labels with a non-numeric top-level label.
// Internationalized names must come in punycode (xn--...), which is how MIIT records them.
func normalizeDomain(d string) (string, bool) {
	d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
	if len(d) == 0 || len(d) > 253 {
		return "", false
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", false
	}
	for _, l := range labels {
		if !labelPattern.MatchString(l) {
			return "", false
		}
	}
	if _, err := strconv.Atoi(labels[len(labels)-1]); err == nil {
		return "", false // an IP address or a numeric TLD
	}
	return d, true
}

// normalizeDomains validates and normalizes the domains of a website filing.
func normalizeDomains(domains []string) ([]string, error) {
	switch {
	case len(domains) == 0:
		return nil, icpcheck.Invalid("domains", "required")
	case len(domains) > maxDomains:
		return nil, icpcheck.Invalid("domains", "too_many", maxDomains)
	}
	out := make([]string, len(domains))
	for i, d := range domains {
		field := "domains[" + strconv.Itoa(i) + "]"
		n, ok := normalizeDomain(d)
		if !ok {
			return nil, icpcheck.Invalid(field, "bad_domain", d)
		}
		for _, prev := range out[:i] {
			if prev == n {
				return nil, icpcheck.Invalid(field, "duplicate", n)
			}
		}
		out[i] = n
	}
	return out, nil
}

// validAppName reports whether name can name an app: non-empty after trimming, bounded,
// valid UTF-8 without control characters.
func validAppName(name string) error {
	if strings.TrimSpace(name) == "" {
		return icpcheck.Invalid("app_name", "required")
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxAppName {
		return icpcheck.Invalid("app_name", "too_long", maxAppName)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return icpcheck.Invalid("app_name", "bad_app_name")
		}
	}
	return nil
}

// validateAccess checks the form of declared access information; whether it matches the
// instance is decided at submit.
func validateAccess(a *icpcheck.AccessInfo) error {
	a.Provider, a.Method, a.Region = strings.TrimSpace(a.Provider), strings.TrimSpace(a.Method), strings.TrimSpace(a.Region)
	for _, f := range [...]struct{ name, value string }{
		{"access.provider", a.Provider}, {"access.method", a.Method}, {"access.region", a.Region},
	} {
		if len(f.value) > maxAccessField || !utf8.ValidString(f.value) {
			return icpcheck.Invalid(f.name, "too_long", maxAccessField)
		}
	}
	if len(a.IPs) > maxAccessIPs {
		return icpcheck.Invalid("access.ips", "too_many", maxAccessIPs)
	}
	for i, ip := range a.IPs {
		field := "access.ips[" + strconv.Itoa(i) + "]"
		if !ip.IsValid() {
			return icpcheck.Invalid(field, "bad_ip", "")
		}
		a.IPs[i] = ip.Unmap()
		for _, prev := range a.IPs[:i] {
			if prev == a.IPs[i] {
				return icpcheck.Invalid(field, "duplicate", ip.String())
			}
		}
	}
	if a.IPs == nil {
		a.IPs = []netip.Addr{}
	}
	return nil
}

// provinces are the abbreviations that begin a MIIT filing number, one per provincial
// administration that issues them.
const provinces = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

// beianPattern is the form of a MIIT website filing number: 浙ICP备12345678号, with -n for
// the n-th website of the filing subject.
var beianPattern = regexp.MustCompile(`^[` + provinces + `]ICP备[0-9]{4,12}号(-[1-9][0-9]{0,3})?$`)

// validBeianNum reports whether s has the form of a MIIT filing number.
func validBeianNum(s string) bool { return beianPattern.MatchString(s) }
