package console_test

import (
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/advice"
	"github.com/icpcheck/icpcheck/eligibility"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/policy"
)

// TestCatalog demands a text for every key the templates name and for every value of the
// enumerations the pages show, so that no page falls back to a bare key or a wire value.
func TestCatalog(t *testing.T) {
	keyPattern := regexp.MustCompile(`"(console\.[a-z0-9_.]+[a-z0-9_])"`)
	fsys := os.DirFS(".")
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !rendered(path) {
			return err
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		for _, m := range keyPattern.FindAllStringSubmatch(string(data), -1) {
			if !i18n.Has(m[1]) {
				t.Errorf("%s: key %s is not in the catalog", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	var want []string
	add := func(kind string, values ...any) {
		for _, v := range values {
			want = append(want, fmt.Sprintf("console.%s.%v", kind, v))
		}
	}
	for _, c := range append(append([]string{}, icpcheck.Codes...), eligibility.AccessCodes...) {
		add("check", c)
	}
	add("check_status", icpcheck.Pass, icpcheck.Fail, icpcheck.Warn, icpcheck.Skip)
	add("number_state", icpcheck.NumberUnbound, icpcheck.NumberBound, icpcheck.NumberUnderReview, icpcheck.NumberFiled, icpcheck.NumberInvalid)
	add("filing_state", icpcheck.FilingDraft, icpcheck.FilingSubmitted, icpcheck.FilingFiled, icpcheck.FilingRejected, icpcheck.FilingDeregistered, icpcheck.FilingProviderRemoved)
	add("filing_type", icpcheck.FilingWebsite, icpcheck.FilingApp)
	add("instance_status", icpcheck.StatusRunning, icpcheck.StatusStopped, icpcheck.StatusExpired, icpcheck.StatusReleased)
	add("billing", icpcheck.BillingSubscription, icpcheck.BillingPayAsYouGo)
	add("role", icpcheck.RoleAdmin, icpcheck.RoleCustomer)
	for _, m := range icpcheck.Monitors {
		add("monitor", m)
		for _, k := range icpcheck.FindingKinds[m] {
			add("finding_kind", k)
		}
	}
	for _, s := range advice.Services {
		add("service", s)
	}
	for _, a := range advice.Areas {
		add("area", a)
	}
	for _, o := range advice.Origins {
		add("origin", o)
	}
	add("verdict", advice.FilingNeeded, advice.NotNeeded, advice.OriginUnreachable, advice.FileThroughISP, advice.FileThroughOtherProvider)
	for _, listing := range []string{"instances", "numbers", "filings", "findings"} {
		want = append(want, "console."+listing+".empty", "console."+listing+".empty_filtered")
	}
	p := policy.Default()
	for _, name := range p.ProductOrder {
		add("access_method", p.Products[name].AccessMethod)
	}
	for _, key := range want {
		if !i18n.Has(key) {
			t.Errorf("no text for %s", key)
		}
	}
}

// rendered reports whether path holds keys the console renders: a template, or Go that is
// not a test.
func rendered(path string) bool {
	return strings.HasSuffix(path, ".html") || (strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"))
}
