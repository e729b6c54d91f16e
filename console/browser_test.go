package console_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/demo"
	"github.com/icpcheck/icpcheck/i18n"
)

// chromiumNames are the names a Chromium binary goes by; Debian's package installs
// "chromium" (apt-get install chromium fonts-noto-cjk).
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"}

// findChromium returns the browser to drive: $ICPCHECK_CHROMIUM, or the first of
// chromiumNames on the PATH. Without one the browser tests are skipped, except under CI
// (CI=true), where a missing browser is a broken set-up and fails them.
func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ICPCHECK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium binary found (looked for $ICPCHECK_CHROMIUM and " + strings.Join(chromiumNames, ", ") +
		"); install it with: apt-get update && apt-get install -y chromium fonts-noto-cjk"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// screenshotDir is where the browser tests save their screenshots: $ICPCHECK_SCREENSHOTS
// when set, else the test's artifact directory (kept under -outputdir with go test
// -artifacts, removed after the test otherwise).
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("ICPCHECK_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.ArtifactDir()
}

// tab drives one browser tab through the console, failing the test on any error.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
}

// newTab starts headless Chromium (the binary exe) with a fresh profile.
func newTab(t *testing.T, exe, base string) *tab {
	t.Helper()
	// The whole browser lives at most this long, so a step that waits for an element that
	// never comes fails the test rather than hanging it.
	parent, cancelParent := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancelParent)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx, base: base, dir: screenshotDir(t)}
	t.Logf("screenshots in %s", tb.dir)
	return tb
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

// open loads a console path.
func (b *tab) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + path))
}

// click clicks an element that loads a page, waits for it, and returns its HTTP status.
func (b *tab) click(sel string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
	return resp.Status
}

// fill replaces the value of a form control.
func (b *tab) fill(sel, value string) {
	b.t.Helper()
	// The value is emptied by script, since chromedp's Clear needs a textarea to hold text
	// already; then the new value is typed as a person types it.
	b.do(
		chromedp.Evaluate[chromedp.Void]("document.querySelector("+strconv.Quote(sel)+").value = ''"),
		chromedp.SendKeys(chromedp.CSS(sel), value),
	)
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func (b *tab) eval(expr string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	return s
}

func (b *tab) lang() string { return b.eval("document.documentElement.lang") }

// shoot saves a PNG of the whole page.
func (b *tab) shoot(name string) {
	b.t.Helper()
	b.save(name, chromedp.FullScreenshot(100))
}

// shootScreen saves a PNG of what the screen shows, as a phone's user first sees the page.
func (b *tab) shootScreen(name string) {
	b.t.Helper()
	b.save(name, chromedp.CaptureScreenshot())
}

func (b *tab) save(name string, shot chromedp.Action[[]byte]) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, shot)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *tab) signIn(key *icpcheck.AccessKey) {
	b.t.Helper()
	b.open("/console/signin")
	b.fill("#access_key_id", key.ID)
	b.fill("#access_key_secret", key.Secret)
	if st := b.click(`form[action="/console/signin"] button[type=submit]`); st != 200 {
		b.t.Fatalf("sign in as %s: status %d: %s", key.Account, st, b.eval(`(document.querySelector(".problem")||{}).innerText||""`))
	}
}

// TestBrowser walks through the console as its users do, in headless Chromium: a customer
// reads a failing instance's checklist in Chinese, switches to English, applies for numbers
// until the quota refuses, grants one, files with another and signs out; an admin approves
// the filing. It saves a screenshot of each main page, at desktop and at phone size.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test is not short")
	}
	exe := findChromium(t)
	e := MustOpenEnv(t, 60)
	b := newTab(t, exe, e.Server.URL)

	// Sign-in, in Chinese by default.
	b.open("/console/")
	if got := b.lang(); got != "zh-CN" {
		t.Fatalf("html lang=%q, want zh-CN by default", got)
	}
	if got := b.eval(`document.activeElement.id`); got != "access_key_id" {
		t.Fatalf("the sign-in form focuses %q, want the AccessKey ID", got)
	}
	b.shoot("01-signin-zh")
	b.signIn(e.Customer)

	// The pages work from the keyboard: the first Tab lands on the skip link, shown with a
	// focus ring, and Enter moves to the main content.
	b.do(chromedp.KeyEvent("\t"))
	if got := b.eval(`document.activeElement.className`); got != "skip" {
		t.Fatalf("the first Tab focuses %q, want the skip link", got)
	}
	if got := b.eval(`getComputedStyle(document.activeElement).outlineStyle`); got == "none" {
		t.Fatal("the focused skip link shows no focus ring")
	}
	b.shoot("02-instances-zh-skip-link")
	b.do(chromedp.KeyEvent("\r"))
	if got := b.eval(`document.activeElement.id`); got != "main" {
		t.Fatalf("the skip link moves focus to %q, want main", got)
	}

	// A failing instance's checklist, in Chinese.
	const failing = "i-demo-hongkong"
	res, err := e.Store.CheckInstance(adminCtx(), failing, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	region := res.Find(icpcheck.CodeRegion)
	b.open("/console/instances?eligible=no")
	b.click(`a[href="/console/instances/` + failing + `"]`)
	if got := b.text(`li[data-code="region"] .check-msg`); got != region.Message(i18n.ZH) {
		t.Fatalf("region check reads %q, want %q", got, region.Message(i18n.ZH))
	}
	if got := b.text(`li[data-code="region"] .badge`); got != i18n.T(i18n.ZH, "console.check_status.fail") {
		t.Fatalf("region badge reads %q", got)
	}
	b.shoot("03-checklist-zh")

	// The same page on a phone: readable without scrolling sideways.
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	if b.eval(`String(document.documentElement.scrollWidth <= window.innerWidth)`) != "true" {
		t.Error("the checklist scrolls sideways on a phone-sized screen")
	}
	b.shootScreen("04-checklist-zh-phone")
	b.open("/console/instances")
	if b.eval(`String(document.documentElement.scrollWidth <= window.innerWidth)`) != "true" {
		t.Error("the instance list scrolls sideways on a phone-sized screen")
	}
	b.shootScreen("05-instances-zh-phone")
	b.do(chromedp.EmulateViewport(1280, 900))

	// Switch to English: the same checklist, in English, and the choice is remembered.
	b.open("/console/instances/" + failing)
	b.click(`.langs a[hreflang="en"]`)
	if got := b.lang(); got != "en" {
		t.Fatalf("html lang=%q after switching, want en", got)
	}
	if got := b.text(`li[data-code="region"] .check-msg`); got != region.Message(i18n.EN) {
		t.Fatalf("region check reads %q, want %q", got, region.Message(i18n.EN))
	}
	if got := b.text(`li[data-code="region"] .check-remedy`); got != region.RemedyMessage(i18n.EN) {
		t.Fatalf("region remedy reads %q, want %q", got, region.RemedyMessage(i18n.EN))
	}
	b.shoot("06-checklist-en")

	// Apply for numbers, two at a time, until the quota refuses.
	const eligible = "i-demo-eligible"
	b.open("/console/instances/" + eligible)
	if b.lang() != "en" {
		t.Fatal("the language switch is not remembered")
	}
	issued := 0
	for round := 0; ; round++ {
		if round > 5 {
			t.Fatal("the quota never refused")
		}
		b.fill("#num", "2")
		status := b.click(`form[action$="/numbers"] button[type=submit]`)
		if status == 200 {
			issued += 2
			if got, want := b.text(".flash"), i18n.T(i18n.EN, "console.flash.issued", 2); got != want {
				t.Fatalf("after applying: %q, want %q", got, want)
			}
			continue
		}
		want := icpcheck.ErrorMessage(i18n.EN, icpcheck.Errorf(icpcheck.ECONFLICT, "quota_exceeded", 5, issued, 2))
		if status != 409 || b.text(".problem-msg") != want {
			t.Fatalf("refusal: status %d, %q; want 409 %q", status, b.text(".problem-msg"), want)
		}
		break
	}
	if got, want := b.text("#quota"), i18n.T(i18n.EN, "console.quota.long", 1, 5, 4); issued != 4 || got != want {
		t.Fatalf("issued %d; quota reads %q, want %q", issued, got, want)
	}
	b.shoot("07-quota-refused-en")

	// Grant the first number to the other demo customer.
	nums, _, err := e.Store.FindNumbers(adminCtx(), icpcheck.NumberFilter{InstanceID: eligible})
	if err != nil || len(nums) != 4 {
		t.Fatalf("numbers: %d, %v", len(nums), err)
	}
	b.click(`#numbers a[href="/console/numbers/` + nums[0].SN + `"]`)
	b.fill("#grant_to", demo.OtherCustomer)
	b.fill("#notes", "partner site")
	if st := b.click(`form[action$="/grant"] button[type=submit]`); st != 200 {
		t.Fatalf("grant: status %d: %s", st, b.text(".problem-msg"))
	}
	if got, want := b.text(".flash"), i18n.T(i18n.EN, "console.flash.granted", demo.OtherCustomer); got != want {
		t.Fatalf("after granting: %q, want %q", got, want)
	}
	if n, _ := e.Store.FindNumber(adminCtx(), nums[0].SN); n.GrantedTo != demo.OtherCustomer {
		t.Fatalf("the number is granted to %q", n.GrantedTo)
	}
	b.shoot("08-number-granted-en")

	b.open("/console/numbers")
	b.shoot("09-numbers-en")

	// Advice for a domain. The form's script shows only the fields of the chosen service.
	b.open("/console/advice?domain=www.example.com&service=cdn&cdn_area=mainland&origin=this_provider")
	if got := b.eval(`String(document.querySelectorAll(".checks .check").length)`); got != "2" {
		t.Fatalf("advice shows %s rules, want 2 (the CDN filing and the origin)", got)
	}
	b.shoot("10-advice-en")
	b.do(chromedp.SetValue(chromedp.CSS("#service"), "oss"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#service").dispatchEvent(new Event("change"))`))
	if got := b.eval(`String(document.querySelector("#cdn_area").closest(".field").hidden)`); got != "true" {
		t.Fatal("the CDN area stays shown for an OSS domain")
	}

	// File with the second number: the form comes filled in from the instance, the access
	// check passes, and the filing is submitted.
	b.open("/console/numbers/" + nums[1].SN)
	b.click(`a[href="/console/filings/new?sn=` + nums[1].SN + `"]`)
	b.fill("#domains", "www.example.com")
	b.shoot("11-filing-new-en")
	if st := b.click(`form[action="/console/filings"] button[type=submit]`); st != 200 {
		t.Fatalf("create filing: status %d: %s", st, b.text(".problem-msg"))
	}
	if got := b.eval(`String(document.querySelectorAll('#h-verify ~ .checks .check-fail').length)`); got != "0" {
		t.Fatalf("%s access checks fail on a filing filled in from its instance", got)
	}
	if st := b.click(`form[action$="/submit"] button[type=submit]`); st != 200 {
		t.Fatalf("submit filing: status %d: %s", st, b.text(".problem-msg"))
	}
	if got := b.text("#filing-state"); got != i18n.T(i18n.EN, "console.filing_state.submitted") {
		t.Fatalf("filing state reads %q", got)
	}
	filingURL := b.eval("location.pathname")
	b.shoot("12-filing-submitted-en")

	// Sign out.
	b.click(`form[action="/console/signout"] button`)
	if got := b.text(".flash"); got != i18n.T(i18n.EN, "console.flash.signed_out") {
		t.Fatalf("after signing out: %q", got)
	}
	b.open("/console/instances")
	if !strings.HasPrefix(b.eval("location.pathname"), "/console/signin") {
		t.Fatal("the instances are reachable after signing out")
	}

	// An admin approves the filing, in Chinese.
	b.open("/console/signin?lang=zh-CN")
	b.signIn(e.Admin)
	b.open("/console/filings?state=submitted")
	b.shoot("13-admin-filings-zh")
	b.click(`a[href="` + filingURL + `"]`)
	b.fill("#beian_num", "浙ICP备12345678号-1")
	if st := b.click(`form[action$="/approve"] button[type=submit]`); st != 200 {
		t.Fatalf("approve: status %d: %s", st, b.text(".problem-msg"))
	}
	if got := b.text("#filing-state"); got != i18n.T(i18n.ZH, "console.filing_state.filed") {
		t.Fatalf("filing state reads %q after approval", got)
	}
	if got := b.text("#beian-num"); got != "浙ICP备12345678号-1" {
		t.Fatalf("filing number reads %q", got)
	}
	b.shoot("14-admin-approved-zh")
	fl, err := e.Store.FindFiling(adminCtx(), strings.TrimPrefix(filingURL, "/console/filings/"))
	if err != nil || fl.State != icpcheck.FilingFiled {
		t.Fatalf("stored filing: %+v, %v", fl, err)
	}

	// The admin's view of the monitors' findings and of an account.
	expires := demoAt.Add(10 * 24 * time.Hour)
	deadline := expires.Add(30 * 24 * time.Hour)
	finding := &icpcheck.Finding{
		Deadline: &deadline, Filings: []string{fl.ID},
		Key:     icpcheck.FindingKey(icpcheck.MonitorExpiry, icpcheck.FindingExpiring, "i-demo-expiring", "15"),
		Monitor: icpcheck.MonitorExpiry, Kind: icpcheck.FindingExpiring, Scope: icpcheck.InstanceScope("i-demo-expiring"),
		Owner: demo.Customer, InstanceID: "i-demo-expiring", Reminder: 15, DaysLeft: 10, ExpiresAt: &expires,
	}
	run := icpcheck.FindingRun{Monitor: icpcheck.MonitorExpiry, At: demoAt, Started: time.Now(), Findings: []*icpcheck.Finding{finding}}
	if _, err := e.Store.ReconcileFindings(adminCtx(), run); err != nil {
		t.Fatal(err)
	}
	b.open("/console/findings")
	if got := b.text(".findings .check-msg"); got != finding.Message(i18n.ZH) {
		t.Fatalf("the finding reads %q, want %q", got, finding.Message(i18n.ZH))
	}
	b.shoot("15-admin-findings-zh")
	b.open("/console/account?id=" + demo.Customer)
	b.shoot("16-admin-account-zh")
}
