package console

import (
	"net/http"
	"net/url"

	"github.com/icpcheck/icpcheck/i18n"
)

const (
	langCookie = "icpcheck_lang"
	langParam  = "lang"
	langMaxAge = 365 * 24 * 60 * 60
)

// language picks the language of a response: ?lang= when it names a supported language,
// which is then remembered in a cookie; else the remembered one; else Simplified Chinese, the
// console's default whatever the browser prefers, because its users are in the mainland.
func (h *handler) language(w http.ResponseWriter, r *http.Request) i18n.Lang {
	if lang, ok := i18n.Parse(r.URL.Query().Get(langParam)); ok {
		h.setCookie(w, r, &http.Cookie{Name: langCookie, Value: string(lang), MaxAge: langMaxAge, HttpOnly: true})
		return lang
	}
	if ck, err := r.Cookie(langCookie); err == nil {
		if lang, ok := i18n.Parse(ck.Value); ok {
			return lang
		}
	}
	return i18n.ZH
}

// langLink is one entry of the language switch.
type langLink struct {
	Lang    i18n.Lang
	Label   string // the language's name in itself, as language switches conventionally show it
	URL     string
	Current bool
}

// langLinks returns the language switch for the current page: the same URL with ?lang= set.
// A POST's page links to the page it came from rather than repeating the POST.
func langLinks(r *http.Request, current i18n.Lang) []langLink {
	u := *r.URL
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && ref.Path != "" {
			u = url.URL{Path: ref.Path, RawQuery: ref.RawQuery}
		} else {
			u = url.URL{Path: Prefix}
		}
	}
	links := make([]langLink, 0, len(i18n.Langs))
	for _, lang := range i18n.Langs {
		q := u.Query()
		q.Set(langParam, string(lang))
		link := url.URL{Path: u.Path, RawQuery: q.Encode()}
		links = append(links, langLink{
			Lang:    lang,
			Label:   i18n.T(lang, "console.lang.self"),
			URL:     link.RequestURI(),
			Current: lang == current,
		})
	}
	return links
}
