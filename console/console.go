// Package console is icpcheck's web console: server-rendered pages in Simplified Chinese and
// English where customers check their instances, apply for and grant service numbers and
// file, and where the provider's ICP operators review filings and void numbers.
//
// The console holds no state of its own. A session is a cookie signed with the secret of the
// AccessKey pair that opened it, so any number of servers sharing one database accept it, and
// deleting the key ends every session it opened. Every action goes through icpcheck.Store
// with the signed-in account as the actor, so the store alone decides what an account may see
// and do.
package console

import (
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/policy"
)

// Prefix is the path under which the console serves every page; the server mounts the
// handler there and the handler receives the full path.
const Prefix = "/console/"

// Options configure the console.
type Options struct {
	Store  icpcheck.Store   // required
	Policy *icpcheck.Policy // the rules that checks and the filing form use; nil: the default policy
	Logger *slog.Logger     // nil: slog.Default()
	Secure bool             // mark cookies Secure even on plain HTTP (behind a TLS-terminating proxy)
	Now    func() time.Time // nil: time.Now
}

// handler serves the console. It is safe for concurrent use: everything it holds is
// read-only after New.
type handler struct {
	store  icpcheck.Store
	policy *icpcheck.Policy
	logger *slog.Logger
	secure bool
	now    func() time.Time
	pages  map[string]*template.Template
	mux    *http.ServeMux
}

// New returns the console's handler for every path under Prefix. It panics when opts.Store
// is nil, which is a wiring mistake and not something a request can cause.
func New(opts Options) http.Handler {
	if opts.Store == nil {
		panic("console: Options.Store is nil")
	}
	h := &handler{
		store:  opts.Store,
		policy: opts.Policy,
		logger: opts.Logger,
		secure: opts.Secure,
		now:    opts.Now,
		pages:  mustParsePages(),
		mux:    http.NewServeMux(),
	}
	if h.policy == nil {
		h.policy = policy.Default()
	}
	if h.logger == nil {
		h.logger = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.routes()

	// CrossOriginProtection refuses state-changing requests that a browser marks as coming
	// from another site; it backs up the CSRF tokens and covers the sign-in form, which
	// precedes any session.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(h.crossOrigin))
	return securityHeaders(cop.Handler(h.mux))
}

// securityHeaders sets the headers every console response carries: the pages load nothing
// from elsewhere, are never framed, and hold account data that must not be cached.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
