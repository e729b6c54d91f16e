package console_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/console"
	"github.com/icpcheck/icpcheck/demo"
	"github.com/icpcheck/icpcheck/policy"
	"github.com/icpcheck/icpcheck/sqlite"
	"github.com/icpcheck/icpcheck/sqlstore"
)

// demoAt is the moment the tests' demo inventory is realistic at and the console's clock.
var demoAt = time.Date(2026, 11, 26, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))

// clock is a settable clock, so that a test can move time past a session's expiry.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a console over a real SQLite store holding the demo inventory, with an AccessKey
// pair for the demo customer, the other demo customer and an admin.
type env struct {
	Store    *sqlstore.DB
	Server   *httptest.Server
	Clock    *clock
	Customer *icpcheck.AccessKey
	Other    *icpcheck.AccessKey
	Admin    *icpcheck.AccessKey
}

// MustOpenEnv starts the console on a fresh database loaded with count demo instances.
func MustOpenEnv(tb testing.TB, count int) *env {
	tb.Helper()
	e := &env{Clock: &clock{t: demoAt}}
	p := policy.Default()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "icpcheck.db"), sqlstore.Options{Policy: p, Now: e.Clock.Now, Logger: quietLogger()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	e.Store = db
	ctx := icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)
	for _, in := range demo.Inventory(demo.Options{Seed: 1, Count: count, At: demoAt}) {
		if _, err := db.PutInstance(ctx, in); err != nil {
			tb.Fatalf("PutInstance(%s): %v", in.ID, err)
		}
	}
	mustKey := func(account string, role icpcheck.Role) *icpcheck.AccessKey {
		k, err := db.CreateAccessKey(ctx, account, role)
		if err != nil {
			tb.Fatalf("CreateAccessKey(%s): %v", account, err)
		}
		return k
	}
	e.Customer = mustKey(demo.Customer, icpcheck.RoleCustomer)
	e.Other = mustKey(demo.OtherCustomer, icpcheck.RoleCustomer)
	e.Admin = mustKey(demo.Admin, icpcheck.RoleAdmin)
	e.Server = httptest.NewServer(e.handler(console.Options{}))
	tb.Cleanup(e.Server.Close)
	return e
}

// handler returns a mux that mounts a console over the env's store as the serve command
// does, with opts' Store, Policy, Now and Logger filled in.
func (e *env) handler(opts console.Options) http.Handler {
	opts.Store, opts.Policy, opts.Now, opts.Logger = e.Store, e.Store.Policy(), e.Clock.Now, quietLogger()
	mux := http.NewServeMux()
	mux.Handle("/console/", console.New(opts))
	return mux
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// adminCtx is a context acting as the local operator, for setting up and inspecting state.
func adminCtx() context.Context {
	return icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)
}

// browser is an HTTP client with a cookie jar that does not follow redirects, so tests see
// each response the console gives, and that remembers the last page's CSRF token.
type browser struct {
	tb   testing.TB
	base string
	c    *http.Client
	csrf string
	lang string
}

func (e *env) NewBrowser(tb testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{tb: tb, base: e.Server.URL, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is one response as a test reads it.
type page struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) page {
	b.tb.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p := page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(body), Header: resp.Header}
	if m := csrfPattern.FindStringSubmatch(p.Body); m != nil {
		b.csrf = html.UnescapeString(m[1])
	}
	return p
}

// Get loads path.
func (b *browser) Get(path string) page {
	b.tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

// Follow loads a page and the pages it redirects to, as a browser does.
func (b *browser) Follow(p page) page {
	b.tb.Helper()
	for i := 0; i < 5 && p.Status >= 300 && p.Status < 400; i++ {
		p = b.Get(p.Location)
	}
	return p
}

// Post submits a form with the last page's CSRF token unless the form sets its own.
func (b *browser) Post(path string, form url.Values) page {
	b.tb.Helper()
	if form == nil {
		form = url.Values{}
	}
	if !form.Has("csrf") {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// SignIn signs in with key and fails the test unless the console accepts it.
func (b *browser) SignIn(key *icpcheck.AccessKey) {
	b.tb.Helper()
	b.Get("/console/signin")
	p := b.Post("/console/signin", url.Values{"access_key_id": {key.ID}, "access_key_secret": {key.Secret}})
	if p.Status != http.StatusSeeOther {
		b.tb.Fatalf("sign in: status=%d, want 303\n%s", p.Status, problemText(p.Body))
	}
	b.Follow(p)
}

// Cookie returns the value of the console cookie name, or "".
func (b *browser) Cookie(name string) string {
	u, _ := url.Parse(b.base + "/console/")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// SetCookie replaces a console cookie.
func (b *browser) SetCookie(name, value string) {
	u, _ := url.Parse(b.base + "/console/")
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/console/"}})
}

var (
	problemPattern = regexp.MustCompile(`(?s)<div class="problem"[^>]*>(.*?)</div>`)
	tagPattern     = regexp.MustCompile(`<[^>]+>`)
	spacePattern   = regexp.MustCompile(`\s+`)
)

// problemText returns the text of a page's problem box, or "".
func problemText(body string) string {
	m := problemPattern.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(spacePattern.ReplaceAllString(html.UnescapeString(tagPattern.ReplaceAllString(m[1], " ")), " "))
}

// checkStatus returns the status class of the check with code in a checklist, or "".
func checkStatus(body, code string) string {
	m := regexp.MustCompile(`class="check check-(\w+)" data-code="` + regexp.QuoteMeta(code) + `"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// contains reports whether the page shows text, which is escaped as the templates escape it.
func contains(body, text string) bool {
	return strings.Contains(body, html.EscapeString(text)) || strings.Contains(html.UnescapeString(body), text)
}

func numberFilterOf(instanceID string) icpcheck.NumberFilter {
	return icpcheck.NumberFilter{InstanceID: instanceID}
}
