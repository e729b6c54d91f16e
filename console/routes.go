package console

import (
	"context"
	"net/http"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
)

// maxFormBytes bounds a form body: the largest form, a filing's, holds a few hundred domains
// and addresses at most.
const maxFormBytes = 256 << 10

// call is one request as a console page sees it: the language it is answered in, and for a
// signed-in user the session and the context that carries the actor.
type call struct {
	w     http.ResponseWriter
	r     *http.Request
	lang  i18n.Lang
	sess  *session // nil when signed out
	serr  error    // why the session could not be read: the store is down
	actor icpcheck.Actor
	ctx   context.Context
}

// admin reports whether the signed-in account is one of the provider's operators.
func (c *call) admin() bool { return c.sess != nil && c.actor.Role == icpcheck.RoleAdmin }

// page handles one route. A returned error is shown on an error page in the request's
// language with the status its code maps to.
type page func(c *call) error

func (h *handler) routes() {
	h.mux.Handle("GET /console/assets/{name}", http.HandlerFunc(serveAsset))

	h.public("GET /console/{$}", h.home)
	h.public("GET /console/signin", h.signinForm)
	h.public("POST /console/signin", h.signin)
	h.private("POST /console/signout", h.signout)

	h.private("GET /console/instances", h.instances)
	h.private("GET /console/instances/{id}", h.instance)
	h.private("POST /console/instances/{id}/numbers", h.issue)

	h.private("GET /console/numbers", h.numbers)
	h.private("GET /console/numbers/{sn}", h.number)
	h.private("POST /console/numbers/{sn}/grant", h.grant)
	h.private("POST /console/numbers/{sn}/void", h.void)

	h.private("GET /console/filings", h.filings)
	h.private("GET /console/filings/new", h.newFiling)
	h.private("POST /console/filings", h.createFiling)
	h.private("GET /console/filings/{id}", h.filing)
	h.private("POST /console/filings/{id}", h.updateFiling)
	h.private("POST /console/filings/{id}/submit", h.submitFiling)
	h.private("POST /console/filings/{id}/approve", h.approveFiling)
	h.private("POST /console/filings/{id}/reject", h.rejectFiling)
	h.private("POST /console/filings/{id}/deregister", h.deregisterFiling)
	h.private("POST /console/filings/{id}/remove-provider", h.removeProvider)

	h.private("GET /console/findings", h.findings)
	h.private("GET /console/advice", h.advice)
	h.private("GET /console/account", h.account)

	// The catch-all answers every other path under the prefix with a page in the user's
	// language rather than the mux's plain-text 404.
	h.public("/console/", h.notFound)
}

// public registers a page that needs no session; it still knows the session when there is
// one, so that the header shows who is signed in.
func (h *handler) public(pattern string, p page) {
	h.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := h.begin(w, r)
		if r.Method == http.MethodPost && !h.readForm(c) {
			return
		}
		h.finish(c, p(c))
	}))
}

// private registers a page for signed-in users. Without a valid session a GET is sent to the
// sign-in form, which returns to it afterwards, and a POST is refused; a POST must also carry
// the session's CSRF token.
func (h *handler) private(pattern string, p page) {
	h.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := h.begin(w, r)
		if c.serr != nil {
			h.fail(c, c.serr)
			return
		}
		if c.sess == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, signinURL(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.fail(c, icpcheck.Errorf(icpcheck.EUNAUTHORIZED, "unauthenticated"))
			return
		}
		if r.Method == http.MethodPost {
			if !h.readForm(c) {
				return
			}
			if !c.sess.validCSRF(r.PostForm.Get(csrfField)) {
				h.fail(c, errCSRF)
				return
			}
		}
		h.finish(c, p(c))
	}))
}

// begin reads what every page needs: the language and the session.
func (h *handler) begin(w http.ResponseWriter, r *http.Request) *call {
	c := &call{w: w, r: r, ctx: r.Context()}
	c.lang = h.language(w, r)
	s, err := h.readSession(r)
	c.serr = err
	if s != nil {
		c.sess = s
		c.actor = icpcheck.Actor{Account: s.key.Account, Role: s.key.Role, Via: "console"}
		c.ctx = icpcheck.NewContextWithActor(r.Context(), c.actor)
	}
	return c
}

// readForm parses a POST body of bounded size, answering a malformed or oversized one with an
// error page; it reports whether the page may go on.
func (h *handler) readForm(c *call) bool {
	c.r.Body = http.MaxBytesReader(c.w, c.r.Body, maxFormBytes)
	if err := c.r.ParseForm(); err != nil {
		h.fail(c, errBadForm)
		return false
	}
	return true
}

// finish shows the error a page returned, if any.
func (h *handler) finish(c *call, err error) {
	if err != nil {
		h.fail(c, err)
	}
}

// home sends a visitor to the instances, or to the sign-in form first.
func (h *handler) home(c *call) error {
	target := Prefix + "instances"
	if c.sess == nil {
		target = Prefix + "signin"
	}
	http.Redirect(c.w, c.r, target, http.StatusSeeOther)
	return nil
}

// notFound answers a path the console does not serve, or a method a path does not accept.
func (h *handler) notFound(c *call) error {
	if c.r.Method != http.MethodGet && c.r.Method != http.MethodHead {
		probe := c.r.Clone(c.ctx)
		probe.Method = http.MethodGet
		if _, pattern := h.mux.Handler(probe); pattern != "" && pattern != "/console/" {
			return errMethod
		}
	}
	return errNoPage
}
