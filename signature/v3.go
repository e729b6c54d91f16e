package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck"
)

// V3 names: the one algorithm icpcheck accepts and the headers it signs.
const (
	v3Algorithm     = "ACS3-HMAC-SHA256"
	headerDate      = "x-acs-date"
	headerNonce     = "x-acs-signature-nonce"
	headerContent   = "x-acs-content-sha256"
	headerToken     = "x-acs-security-token"
	maxSignedHeader = 64 // far more than any SDK signs
)

var errNoSecret = errors.New("signature: the store returned an access key without its secret")

// requiredV3 are the headers a V3 signature must cover: without them a request could be
// replayed (date, nonce), sent elsewhere (host) or given another body (content hash).
var requiredV3 = []string{"host", headerDate, headerNonce, headerContent}

// SignV3 signs r with the current SDKs' signature: it sets host (from r.URL when r.Host is
// empty), x-acs-date, x-acs-signature-nonce and x-acs-content-sha256, then Authorization over
// host, content-type when set, and every x-acs-* header. body is the request body, which the
// caller sends unchanged.
func SignV3(r *http.Request, body []byte, keyID, secret string, now time.Time, nonce string) {
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	r.Header.Set(headerDate, now.UTC().Format(timeLayout))
	r.Header.Set(headerNonce, nonce)
	r.Header.Set(headerContent, hashHex(body))
	var names []string
	for name := range r.Header {
		name = strings.ToLower(name)
		if strings.HasPrefix(name, "x-acs-") || name == "content-type" {
			names = append(names, name)
		}
	}
	names = append(names, "host")
	sort.Strings(names)
	canonical := v3CanonicalRequest(r, names, r.Header.Get(headerContent))
	r.Header.Set("Authorization", v3Algorithm+" Credential="+keyID+",SignedHeaders="+
		strings.Join(names, ";")+",Signature="+v3Signature(v3StringToSign(canonical), secret))
}

// v3Authorization is the parsed Authorization header.
type v3Authorization struct {
	keyID     string
	signed    []string
	signature []byte
}

// parseV3 reads "ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=...".
func parseV3(header string) (*v3Authorization, error) {
	algorithm, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
	if !strings.HasPrefix(algorithm, "ACS3-") {
		return nil, incomplete("authorization")
	}
	if algorithm != v3Algorithm {
		// ACS3-HMAC-SM3 and ACS3-RSA-SHA256 need keys of kinds icpcheck does not issue.
		return nil, refuse(http.StatusBadRequest, CodeInvalidSignatureMethod, CodeInvalidSignatureMethod, algorithm)
	}
	fields := make(map[string]string, 3)
	for _, part := range strings.Split(rest, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if _, dup := fields[name]; !ok || dup {
			return nil, incomplete("authorization")
		}
		fields[name] = value
	}
	if len(fields) != 3 {
		return nil, incomplete("authorization")
	}
	auth := &v3Authorization{keyID: fields["Credential"]}
	signature, err := hex.DecodeString(fields["Signature"])
	switch {
	case auth.keyID == "" || len(auth.keyID) > maxIDLength:
		return nil, incomplete("authorization")
	case err != nil || len(signature) != sha256.Size:
		return nil, incomplete("authorization")
	}
	auth.signature = signature
	auth.signed = strings.Split(fields["SignedHeaders"], ";")
	if len(auth.signed) > maxSignedHeader {
		return nil, incomplete("authorization")
	}
	for i, name := range auth.signed {
		if name == "" || name != strings.ToLower(name) || i > 0 && auth.signed[i-1] >= name {
			// The names must be lower case, unique and sorted: that is the canonical form the
			// signer hashed, and accepting any other order would make two spellings of one
			// request.
			return nil, incomplete("order")
		}
	}
	return auth, nil
}

// verifyV3 checks a request that carries an Authorization header.
func (v *Verifier) verifyV3(r *http.Request, body []byte, header string) (*icpcheck.AccessKey, error) {
	auth, err := parseV3(header)
	if err != nil {
		return nil, err
	}
	for _, name := range requiredV3 {
		if !slices.Contains(auth.signed, name) {
			return nil, incomplete("required", name)
		}
	}
	for name := range r.Header {
		name = strings.ToLower(name)
		if (strings.HasPrefix(name, "x-acs-") || name == "content-type") && !slices.Contains(auth.signed, name) {
			// An unsigned x-acs-* header could change the RPC Action or Version, and an
			// unsigned content type how the body's parameters are read.
			return nil, incomplete("unsigned", name)
		}
	}
	if r.Header.Get(headerToken) != "" {
		return nil, refuse(http.StatusBadRequest, CodeSecurityTokenMalformed, CodeSecurityTokenMalformed)
	}
	nonce := r.Header.Get(headerNonce)
	switch {
	case nonce == "":
		return nil, missing(headerNonce)
	case len(nonce) > maxIDLength:
		return nil, invalid(headerNonce)
	case r.Header.Get(headerDate) == "":
		return nil, missing(headerDate)
	}
	at, err := v.checkTime(r.Header.Get(headerDate))
	if err != nil {
		return nil, err
	}
	claimed := r.Header.Get(headerContent)
	if !hmac.Equal([]byte(strings.ToLower(claimed)), []byte(hashHex(body))) {
		return nil, refuse(http.StatusBadRequest, CodeSignatureDoesNotMatch, "ContentSHA256")
	}
	if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
		return nil, invalid("query")
	}
	key, err := v.findKey(r.Context(), auth.keyID)
	if err != nil {
		return nil, err
	}
	stringToSign := v3StringToSign(v3CanonicalRequest(r, auth.signed, claimed))
	if !hmac.Equal(auth.signature, v3SignatureBytes(stringToSign, key.Secret)) {
		return nil, mismatch(stringToSign)
	}
	if err := v.useNonce(r.Context(), key.ID, nonce, at); err != nil {
		return nil, err
	}
	return key, nil
}

// v3CanonicalRequest is the method, the canonical URI, the canonical query, the signed
// headers (name:value lines), their names joined by ;, and the payload hash, each on a line.
func v3CanonicalRequest(r *http.Request, signed []string, payloadHash string) string {
	query, _ := url.ParseQuery(r.URL.RawQuery) // verifyV3 refused a malformed query earlier
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(query, ""))
	b.WriteByte('\n')
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(headerValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// canonicalURI is the path as it travels on the wire, with the SDKs' normalization of the
// three characters that encoders disagree on; an empty path is /.
func canonicalURI(u *url.URL) string {
	path := u.EscapedPath()
	if path == "" {
		return "/"
	}
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(path)
}

// headerValue is a signed header's canonical value: each value trimmed, several sorted and
// joined by commas. Go keeps Host out of the header map, in r.Host.
func headerValue(r *http.Request, name string) string {
	if name == "host" {
		return strings.TrimSpace(r.Host)
	}
	values := r.Header.Values(name)
	trimmed := make([]string, len(values))
	for i, v := range values {
		trimmed[i] = strings.TrimSpace(v)
	}
	sort.Strings(trimmed)
	return strings.Join(trimmed, ",")
}

func v3StringToSign(canonicalRequest string) string {
	return v3Algorithm + "\n" + hashHex([]byte(canonicalRequest))
}

func v3SignatureBytes(stringToSign, secret string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(stringToSign))
	return mac.Sum(nil)
}

func v3Signature(stringToSign, secret string) string {
	return hex.EncodeToString(v3SignatureBytes(stringToSign, secret))
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
