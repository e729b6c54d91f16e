package console

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
)

//go:embed templates
var templateFS embed.FS

// mustParsePages parses each page of templates/pages together with the layout and the
// partials, once, at start-up: a template that does not parse is a bug that must stop the
// server rather than fail one request in production.
func mustParsePages() map[string]*template.Template {
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))
	names, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil || len(names) == 0 {
		panic("console: no page templates embedded")
	}
	pages := make(map[string]*template.Template, len(names))
	for _, name := range names {
		t := template.Must(template.Must(base.Clone()).ParseFS(templateFS, name))
		pages[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return pages
}

// view is what every template receives: the page's own model in Data, and what the layout
// needs around it. Its methods render text in the page's language, so that one parsed
// template serves every language.
type view struct {
	Lang     i18n.Lang
	Page     string // the template's name, which the navigation marks as current
	Actor    icpcheck.Actor
	SignedIn bool
	Admin    bool
	CSRF     string
	Flash    string
	Problem  *problem
	Langs    []langLink
	Data     any

	policy *icpcheck.Policy
}

// render writes page name with data and, when a form was refused, the problem. The page is
// rendered into a buffer first, so that a template failure becomes a clean error page
// instead of half a page.
func (h *handler) render(c *call, status int, name string, data any, prob *problem) {
	v := &view{
		Lang:     c.lang,
		Page:     name,
		Actor:    c.actor,
		SignedIn: c.sess != nil,
		Admin:    c.admin(),
		Problem:  prob,
		Langs:    langLinks(c.r, c.lang),
		Data:     data,
		policy:   h.policy,
	}
	if c.sess != nil {
		v.CSRF = c.sess.csrfToken()
	}
	v.Flash = h.takeFlash(c)
	var buf bytes.Buffer
	t := h.pages[name]
	if t == nil {
		h.logger.Error("console: no such page template", "page", name)
		t, status, v.Data, v.Problem = h.pages["error"], http.StatusInternalServerError, &errorData{}, &problem{Message: i18n.T(c.lang, "error.internal")}
	}
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		h.logger.Error("console: rendering failed", "page", name, "err", err)
		http.Error(c.w, i18n.T(c.lang, "error.internal"), http.StatusInternalServerError)
		return
	}
	hd := c.w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Language", string(c.lang))
	hd.Set("Cache-Control", "no-store")
	hd.Set("Vary", "Cookie")
	c.w.WriteHeader(status)
	c.w.Write(buf.Bytes())
}

// show renders a page with status 200, or with the status of the refused form it shows.
func (h *handler) show(c *call, name string, data any, formErr error) error {
	status := http.StatusOK
	var prob *problem
	if formErr != nil {
		prob = h.problemOf(c, formErr)
		status = prob.Status
	}
	h.render(c, status, name, data, prob)
	return nil
}

// redirect ends a successful POST: the browser loads target with GET, so a reload does not
// repeat the action, and the page there shows the flash message.
func (h *handler) redirect(c *call, target, flashKey string, params ...string) error {
	if flashKey != "" {
		h.setFlash(c, flashKey, params...)
	}
	http.Redirect(c.w, c.r, target, http.StatusSeeOther)
	return nil
}
