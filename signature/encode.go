package signature

import (
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// percentEncode encodes s as both signatures require (RFC 3986): every byte but the
// unreserved A-Z a-z 0-9 - _ . ~ becomes %XY with upper-case hex, so a space is %20 and never
// the + of form encoding.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// canonicalQuery returns the parameters sorted by name (and, for a repeated name, by value),
// each name=value percent-encoded, joined by &, leaving out skip. Both signatures sort by the
// raw name, as the SDKs do; a name that is given twice is signed with both of its values, so
// no value can ride along unsigned.
func canonicalQuery(params url.Values, skip string) string {
	names := make([]string, 0, len(params))
	for name := range params {
		if name != skip {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		values := params[name]
		if len(values) > 1 {
			values = append([]string(nil), values...)
			sort.Strings(values)
		}
		for _, v := range values {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(percentEncode(name))
			b.WriteByte('=')
			b.WriteString(percentEncode(v))
		}
	}
	return b.String()
}

// Params returns the RPC parameters of a request: those of its query and, when its body is
// application/x-www-form-urlencoded, those of its body, which is already read. A query or body
// that is not well formed is refused with InvalidParameter rather than read in part, so that
// what is verified and what is acted on are the same parameters.
func Params(r *http.Request, body []byte) (url.Values, error) {
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, invalid("query")
	}
	if len(body) == 0 || !isForm(r.Header.Get("Content-Type")) {
		return params, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, invalid("body")
	}
	for name, values := range form {
		params[name] = append(params[name], values...)
	}
	return params, nil
}

func isForm(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && mediaType == "application/x-www-form-urlencoded"
}
