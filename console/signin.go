package console

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/url"
	"strings"

	"github.com/icpcheck/icpcheck"
)

// signinData is the model of the sign-in form.
type signinData struct {
	Token string // the double-submit token
	KeyID string // kept when the form is refused, so only the secret is typed again
	Next  string // where to go afterwards
}

func signinURL(next string) string {
	return Prefix + "signin?" + url.Values{"next": {next}}.Encode()
}

// safeNext returns next when it is a path of the console, and the instances otherwise, so
// that the sign-in form cannot be made to send a user to another site.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || u.User != nil ||
		!strings.HasPrefix(next, Prefix) || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") ||
		strings.HasPrefix(u.Path, Prefix+"signin") {
		return Prefix + "instances"
	}
	return next
}

func (h *handler) signinForm(c *call) error {
	next := c.r.URL.Query().Get("next")
	if c.sess != nil {
		return h.redirect(c, safeNext(next), "")
	}
	return h.show(c, "signin", &signinData{Token: h.signinToken(c.w, c.r), Next: safeNext(next)}, nil)
}

// signin checks an AccessKey pair. The secret is compared in constant time through its hash,
// so neither its content nor its length shows in the timing, and a wrong id and a wrong
// secret get the same answer, so the form does not tell which key ids exist.
func (h *handler) signin(c *call) error {
	f := c.r.PostForm
	data := &signinData{
		Token: h.signinToken(c.w, c.r),
		KeyID: strings.TrimSpace(f.Get("access_key_id")),
		Next:  safeNext(f.Get("next")),
	}
	if !checkSigninToken(c.r) {
		return h.show(c, "signin", data, errSigninOld)
	}
	secret := f.Get("access_key_secret")
	if data.KeyID == "" || secret == "" || len(data.KeyID) > 256 || len(secret) > 1024 {
		return h.show(c, "signin", data, errSignin)
	}
	key, err := h.store.FindAccessKey(c.ctx, data.KeyID)
	stored := ""
	switch {
	case err == nil:
		stored = key.Secret
	case icpcheck.ErrorCode(err) != icpcheck.ENOTFOUND:
		return h.show(c, "signin", data, err)
	}
	given, want := sha256.Sum256([]byte(secret)), sha256.Sum256([]byte(stored))
	if subtle.ConstantTimeCompare(given[:], want[:]) != 1 || key == nil || !key.Role.Valid() {
		h.logger.Info("console: sign-in refused", "key", data.KeyID, "remote", c.r.RemoteAddr)
		return h.show(c, "signin", data, errSignin)
	}
	h.startSession(c.w, c.r, key)
	return h.redirect(c, data.Next, "console.flash.signed_in", key.Account)
}

func (h *handler) signout(c *call) error {
	h.endSession(c.w, c.r)
	c.sess = nil
	return h.redirect(c, Prefix+"signin", "console.flash.signed_out")
}
