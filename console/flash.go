package console

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/icpcheck/icpcheck/i18n"
)

const (
	flashCookie = "icpcheck_flash"
	flashPrefix = "console.flash."
	maxFlashArg = 200
)

// flash is the message that a successful action leaves for the page it redirects to. It
// travels in a short-lived cookie rather than in server memory, so the page may be served
// by another server than the action, and it holds a catalog key, not text, so the page shows
// it in its own language.
type flash struct {
	Key    string   `json:"k"`
	Params []string `json:"p,omitempty"`
}

func (h *handler) setFlash(c *call, key string, params ...string) {
	data, _ := json.Marshal(flash{Key: key, Params: params})
	h.setCookie(c.w, c.r, &http.Cookie{Name: flashCookie, Value: b64.EncodeToString(data), MaxAge: 60, HttpOnly: true})
}

// takeFlash returns the pending flash message in the page's language and clears it. A
// cookie that does not name one of the console's flash messages is ignored: the cookie comes
// from the browser and may have been forged.
func (h *handler) takeFlash(c *call) string {
	ck, err := c.r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	h.setCookie(c.w, c.r, &http.Cookie{Name: flashCookie, Value: "", MaxAge: -1, HttpOnly: true})
	data, err := b64.DecodeString(ck.Value)
	if err != nil {
		return ""
	}
	var f flash
	if json.Unmarshal(data, &f) != nil || !strings.HasPrefix(f.Key, flashPrefix) || !i18n.Has(f.Key) || len(f.Params) > 4 {
		return ""
	}
	params := make([]any, len(f.Params))
	for i, p := range f.Params {
		if len(p) > maxFlashArg {
			return ""
		}
		params[i] = p
	}
	return i18n.T(c.lang, f.Key, params...)
}
