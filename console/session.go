package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck"
)

const (
	sessionCookie = "icpcheck_session"
	signinCookie  = "icpcheck_signin"
	csrfField     = "csrf"

	// sessionTTL is how long a sign-in lasts: a working day, after which the AccessKey
	// secret must be entered again.
	sessionTTL = 12 * time.Hour

	// Domain separators keep a session MAC from ever being accepted as a CSRF token, or
	// either as anything else the secret signs (the Filing Service API's signatures).
	sessionDomain = "icpcheck console session v1\x00"
	csrfDomain    = "icpcheck console csrf v1\x00"
)

var b64 = base64.RawURLEncoding

// session is a signed-in user: the AccessKey pair that signed in, and the cookie value that
// proves it. The cookie holds the key's id, the session's expiry and an HMAC of both keyed by
// the key's secret, so that any server sharing the database can verify it, and deleting or
// replacing the key ends the session.
type session struct {
	key   *icpcheck.AccessKey
	value string
}

func sessionMAC(secret, keyID string, expires int64) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(sessionDomain))
	m.Write([]byte(keyID))
	m.Write([]byte{0})
	m.Write([]byte(strconv.FormatInt(expires, 10)))
	return m.Sum(nil)
}

// startSession sets the session cookie for key.
func (h *handler) startSession(w http.ResponseWriter, r *http.Request, key *icpcheck.AccessKey) {
	expires := h.now().Add(sessionTTL).Unix()
	value := b64.EncodeToString([]byte(key.ID)) + "." + strconv.FormatInt(expires, 10) + "." +
		b64.EncodeToString(sessionMAC(key.Secret, key.ID, expires))
	// MaxAge rather than Expires: the browser's clock and the injected one may differ, and
	// the server checks the expiry in the cookie itself.
	h.setCookie(w, r, &http.Cookie{Name: sessionCookie, Value: value, MaxAge: int(sessionTTL / time.Second), HttpOnly: true})
}

// endSession clears the session cookie.
func (h *handler) endSession(w http.ResponseWriter, r *http.Request) {
	h.setCookie(w, r, &http.Cookie{Name: sessionCookie, Value: "", MaxAge: -1, HttpOnly: true})
}

// readSession returns the request's valid session, nil when it has none, and an error only
// when the store could not be asked.
func (h *handler) readSession(r *http.Request) (*session, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil, nil
	}
	parts := strings.Split(ck.Value, ".")
	if len(parts) != 3 {
		return nil, nil
	}
	id, err1 := b64.DecodeString(parts[0])
	expires, err2 := strconv.ParseInt(parts[1], 10, 64)
	mac, err3 := b64.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || len(id) == 0 || len(id) > 256 {
		return nil, nil
	}
	if !h.now().Before(time.Unix(expires, 0)) {
		return nil, nil
	}
	key, err := h.store.FindAccessKey(r.Context(), string(id))
	switch {
	case icpcheck.ErrorCode(err) == icpcheck.ENOTFOUND:
		return nil, nil
	case err != nil:
		return nil, err
	}
	if !hmac.Equal(mac, sessionMAC(key.Secret, key.ID, expires)) || !key.Role.Valid() {
		return nil, nil
	}
	return &session{key: key, value: ck.Value}, nil
}

// csrfToken returns the token every form of the session carries. It is derived from the
// session, so it needs no storage and changes with each sign-in.
func (s *session) csrfToken() string {
	m := hmac.New(sha256.New, []byte(s.key.Secret))
	m.Write([]byte(csrfDomain))
	m.Write([]byte(s.value))
	return b64.EncodeToString(m.Sum(nil))
}

// validCSRF reports whether token is the session's, in constant time.
func (s *session) validCSRF(token string) bool {
	return hmac.Equal([]byte(token), []byte(s.csrfToken()))
}

// signinToken returns the token of the sign-in form, which precedes any session: a random
// value kept in a SameSite=Strict cookie that the form repeats (a double-submit token), so a
// page elsewhere cannot sign a visitor in to an account of its choosing.
func (h *handler) signinToken(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(signinCookie); err == nil && validSigninToken(ck.Value) {
		return ck.Value
	}
	var b [16]byte
	rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	token := hex.EncodeToString(b[:])
	h.setCookie(w, r, &http.Cookie{Name: signinCookie, Value: token, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return token
}

func validSigninToken(s string) bool {
	_, err := hex.DecodeString(s)
	return len(s) == 32 && err == nil
}

// checkSigninToken reports whether the sign-in form's token matches its cookie.
func checkSigninToken(r *http.Request) bool {
	ck, err := r.Cookie(signinCookie)
	if err != nil || !validSigninToken(ck.Value) {
		return false
	}
	return hmac.Equal([]byte(ck.Value), []byte(r.PostForm.Get(csrfField)))
}

// setCookie sets a console cookie: scoped to the console's path, SameSite=Lax unless the
// cookie says otherwise, and Secure when the console is configured so or the request came
// over TLS.
func (h *handler) setCookie(w http.ResponseWriter, r *http.Request, ck *http.Cookie) {
	ck.Path = Prefix
	ck.Secure = h.secure || r.TLS != nil
	if ck.SameSite == 0 {
		ck.SameSite = http.SameSiteLaxMode
	}
	http.SetCookie(w, ck)
}
