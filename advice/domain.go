package advice

import (
	"strings"

	"github.com/icpcheck/icpcheck"
	"golang.org/x/net/idna"
)

// NormalizeDomain returns domain in the form the rules and DNS use: lowercase ASCII (an
// internationalized name in Punycode, since a Chinese domain such as 阿里云.网址 is filed and
// served under its Punycode form), no trailing dot, optionally one leading "*." as CDN's
// wildcard domains have. Returns EINVALID domain required or advice_bad_domain.
func NormalizeDomain(domain string) (string, error) {
	d := strings.TrimSuffix(strings.TrimSpace(domain), ".")
	if d == "" {
		return "", icpcheck.Invalid("domain", "required")
	}
	wildcard := strings.HasPrefix(d, "*.")
	if wildcard {
		d = d[2:]
	}
	ascii, err := idna.Lookup.ToASCII(d)
	if err != nil || !validHostname(ascii) {
		return "", icpcheck.Invalid("domain", "advice_bad_domain", domain)
	}
	if wildcard {
		ascii = "*." + ascii
	}
	return ascii, nil
}

// validHostname reports whether s is a hostname of at least two labels, each 1 to 63
// letters, digits and inner hyphens, 253 characters at most, with a top-level label that is
// not all digits (so that an IP address is not taken for a domain).
func validHostname(s string) bool {
	if len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}
