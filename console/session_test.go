package console_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck/console"
	"github.com/icpcheck/icpcheck/i18n"
)

func TestSignIn(t *testing.T) {
	e := MustOpenEnv(t, 30)

	t.Run("OK", func(t *testing.T) {
		b := e.NewBrowser(t)
		if p := b.Get("/console/instances"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/console/signin?next=") {
			t.Fatalf("signed out: status=%d location=%q, want 303 to the sign-in form", p.Status, p.Location)
		}
		b.Get("/console/signin?next=%2Fconsole%2Fnumbers")
		p := b.Post("/console/signin", url.Values{"access_key_id": {e.Customer.ID}, "access_key_secret": {e.Customer.Secret}, "next": {"/console/numbers"}})
		if p.Status != http.StatusSeeOther || p.Location != "/console/numbers" {
			t.Fatalf("status=%d location=%q, want 303 to /console/numbers", p.Status, p.Location)
		}
		var session *http.Cookie
		for _, c := range (&http.Response{Header: p.Header}).Cookies() {
			if c.Name == "icpcheck_session" {
				session = c
			}
		}
		switch {
		case session == nil:
			t.Fatal("no session cookie")
		case !session.HttpOnly, session.SameSite != http.SameSiteLaxMode, session.Path != "/console/", session.Secure:
			t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/console/, not Secure over plain HTTP", session)
		case strings.Contains(session.Value, e.Customer.Secret):
			t.Fatal("the session cookie holds the secret")
		}
		if p := b.Get("/console/instances"); p.Status != http.StatusOK {
			t.Fatalf("signed in: status=%d, want 200", p.Status)
		}
	})

	t.Run("ErrWrongSecret", func(t *testing.T) {
		b := e.NewBrowser(t)
		b.Get("/console/signin")
		p := b.Post("/console/signin", url.Values{"access_key_id": {e.Customer.ID}, "access_key_secret": {e.Customer.Secret + "x"}})
		if p.Status != http.StatusUnauthorized || problemText(p.Body) != i18n.T(i18n.ZH, "console.error.signin_failed") {
			t.Fatalf("status=%d problem=%q, want 401 with the sign-in refusal in Chinese", p.Status, problemText(p.Body))
		}
		if !contains(p.Body, `value="`+e.Customer.ID+`"`) && !strings.Contains(p.Body, e.Customer.ID) {
			t.Fatal("the refused form does not keep the key id")
		}
		if b.Cookie("icpcheck_session") != "" {
			t.Fatal("a refused sign-in set a session")
		}
	})

	t.Run("ErrUnknownKeySameAnswer", func(t *testing.T) {
		b := e.NewBrowser(t)
		b.Get("/console/signin?lang=en")
		p := b.Post("/console/signin", url.Values{"access_key_id": {"LTAInosuchkey"}, "access_key_secret": {"whatever"}})
		if p.Status != http.StatusUnauthorized || problemText(p.Body) != i18n.T(i18n.EN, "console.error.signin_failed") {
			t.Fatalf("status=%d problem=%q, want 401 with the same refusal, in English", p.Status, problemText(p.Body))
		}
	})

	t.Run("ErrNoFormToken", func(t *testing.T) {
		b := e.NewBrowser(t)
		p := b.Post("/console/signin", url.Values{"access_key_id": {e.Customer.ID}, "access_key_secret": {e.Customer.Secret}, "csrf": {"0123456789abcdef0123456789abcdef"}})
		if p.Status != http.StatusBadRequest || b.Cookie("icpcheck_session") != "" {
			t.Fatalf("status=%d, want 400 and no session for a sign-in without its form cookie", p.Status)
		}
	})

	t.Run("ErrCrossSite", func(t *testing.T) {
		b := e.NewBrowser(t)
		b.Get("/console/signin")
		req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/console/signin", strings.NewReader(url.Values{
			"access_key_id": {e.Customer.ID}, "access_key_secret": {e.Customer.Secret}, "csrf": {b.csrf},
		}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if p := b.do(req); p.Status != http.StatusForbidden {
			t.Fatalf("status=%d, want 403 for a cross-site form post", p.Status)
		}
	})

	t.Run("SafeNext", func(t *testing.T) {
		for _, next := range []string{"//evil.example/x", "https://evil.example/", "/elsewhere", "/console/signin", `/console\@evil.example`} {
			b := e.NewBrowser(t)
			b.Get("/console/signin")
			p := b.Post("/console/signin", url.Values{"access_key_id": {e.Customer.ID}, "access_key_secret": {e.Customer.Secret}, "next": {next}})
			if p.Location != "/console/instances" {
				t.Errorf("next=%q: location=%q, want /console/instances", next, p.Location)
			}
		}
	})
}

func TestSignOut(t *testing.T) {
	e := MustOpenEnv(t, 30)
	b := e.NewBrowser(t)
	b.SignIn(e.Customer)

	if p := b.Post("/console/signout", url.Values{"csrf": {"forged"}}); p.Status != http.StatusForbidden {
		t.Fatalf("sign-out with a forged token: status=%d, want 403", p.Status)
	}
	p := b.Post("/console/signout", nil)
	if p.Status != http.StatusSeeOther || b.Cookie("icpcheck_session") != "" {
		t.Fatalf("status=%d, session=%q: want 303 and the session cleared", p.Status, b.Cookie("icpcheck_session"))
	}
	if p := b.Follow(p); !contains(p.Body, i18n.T(i18n.ZH, "console.flash.signed_out")) {
		t.Fatal("the sign-in form does not say that the user signed out")
	}
}

func TestSession(t *testing.T) {
	e := MustOpenEnv(t, 30)

	t.Run("SharedByServers", func(t *testing.T) {
		// Two stateless consoles on one database: a session opened on one works on the other.
		b := e.NewBrowser(t)
		b.SignIn(e.Customer)
		other := httptest.NewServer(e.handler(console.Options{}))
		defer other.Close()
		req, _ := http.NewRequest(http.MethodGet, other.URL+"/console/instances", nil)
		req.AddCookie(&http.Cookie{Name: "icpcheck_session", Value: b.Cookie("icpcheck_session")})
		if p := b.do(req); p.Status != http.StatusOK {
			t.Fatalf("status=%d on the second server, want 200", p.Status)
		}
	})

	t.Run("ErrTampered", func(t *testing.T) {
		b := e.NewBrowser(t)
		b.SignIn(e.Customer)
		parts := strings.Split(b.Cookie("icpcheck_session"), ".")
		parts[1] = "99999999999" // a later expiry, which the MAC does not cover
		b.SetCookie("icpcheck_session", strings.Join(parts, "."))
		if p := b.Get("/console/instances"); p.Status != http.StatusSeeOther {
			t.Fatalf("status=%d, want 303 to the sign-in form", p.Status)
		}
	})

	t.Run("ErrOtherKeysMAC", func(t *testing.T) {
		// A session of one key presented under another key's id.
		b := e.NewBrowser(t)
		b.SignIn(e.Customer)
		parts := strings.Split(b.Cookie("icpcheck_session"), ".")
		a := e.NewBrowser(t)
		a.SignIn(e.Admin)
		adminParts := strings.Split(a.Cookie("icpcheck_session"), ".")
		b.SetCookie("icpcheck_session", adminParts[0]+"."+parts[1]+"."+parts[2])
		if p := b.Get("/console/instances"); p.Status != http.StatusSeeOther {
			t.Fatalf("status=%d, want 303 to the sign-in form", p.Status)
		}
	})

	t.Run("ErrExpired", func(t *testing.T) {
		e := MustOpenEnv(t, 5)
		b := e.NewBrowser(t)
		b.SignIn(e.Customer)
		e.Clock.Add(13 * time.Hour)
		if p := b.Get("/console/instances"); p.Status != http.StatusSeeOther {
			t.Fatalf("status=%d after the session's lifetime, want 303 to the sign-in form", p.Status)
		}
	})

	t.Run("EndsWhenKeyDeleted", func(t *testing.T) {
		b := e.NewBrowser(t)
		b.SignIn(e.Other)
		if err := e.Store.DeleteAccessKey(adminCtx(), e.Other.ID); err != nil {
			t.Fatal(err)
		}
		if p := b.Get("/console/instances"); p.Status != http.StatusSeeOther {
			t.Fatalf("status=%d after the key was deleted, want 303 to the sign-in form", p.Status)
		}
		if p := b.Post("/console/signout", nil); p.Status != http.StatusUnauthorized {
			t.Fatalf("POST after the key was deleted: status=%d, want 401", p.Status)
		}
	})

	t.Run("SecureCookie", func(t *testing.T) {
		srv := httptest.NewServer(e.handler(console.Options{Secure: true}))
		defer srv.Close()
		resp, err := http.Get(srv.URL + "/console/signin")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if !c.Secure {
				t.Errorf("cookie %s is not Secure with Options.Secure", c.Name)
			}
		}
		if len(resp.Cookies()) == 0 {
			t.Fatal("the sign-in form set no cookie")
		}
	})
}

func TestCSRF(t *testing.T) {
	e := MustOpenEnv(t, 30)
	b := e.NewBrowser(t)
	b.SignIn(e.Customer)
	for _, token := range []string{"", "forged", strings.Repeat("A", 43)} {
		p := b.Post("/console/instances/i-demo-eligible/numbers", url.Values{"num": {"1"}, "csrf": {token}})
		if p.Status != http.StatusForbidden {
			t.Errorf("token %q: status=%d, want 403", token, p.Status)
		}
	}
	if _, n, _ := e.Store.FindNumbers(adminCtx(), numberFilterOf("i-demo-eligible")); n != 0 {
		t.Fatalf("%d numbers issued through forged forms", n)
	}
	// Another session's token is not this session's.
	o := e.NewBrowser(t)
	o.SignIn(e.Admin)
	if p := b.Post("/console/instances/i-demo-eligible/numbers", url.Values{"num": {"1"}, "csrf": {o.csrf}}); p.Status != http.StatusForbidden {
		t.Fatalf("another session's token: status=%d, want 403", p.Status)
	}
}
