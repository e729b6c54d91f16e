package policy_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/demo"
	"github.com/icpcheck/icpcheck/eligibility"
	"github.com/icpcheck/icpcheck/policy"
)

// FuzzParse feeds arbitrary documents to the policy parser: it must never panic, and must
// either give a policy or an *Error with at least one located problem.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"default.yaml", "../examples/policy-tianyun.yaml"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("provider: x\nproducts: {a: {quota: 1}}\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := policy.Parse("f.yaml", data)
		if err != nil {
			pe, ok := policy.AsError(err)
			if !ok || len(pe.Problems) == 0 {
				t.Fatalf("err=%v", err)
			}
			return
		}
		if p.Provider == "" || len(p.Products) == 0 {
			t.Fatalf("accepted a policy without provider or products")
		}
	})
}

// FuzzCondition compiles arbitrary CEL conditions and runs them on demo instances: never a
// panic or a hang, and a condition that errs fails its check.
func FuzzCondition(f *testing.F) {
	for _, e := range []string{
		`instance.product == "ecs"`, `has(instance.edition) && instance.edition in ["a"]`,
		`subscribed_months >= 12 || max_order_cny > 100.0`, `instance.orders.exists(o, o.unit == "year")`,
		`expires_at != null && expires_at > at`, `instance.public_ips.size() > 1`, `1/0 == 1`,
	} {
		f.Add(e)
	}
	doc, err := os.ReadFile("default.yaml")
	if err != nil {
		f.Fatal(err)
	}
	at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	instances := demo.Inventory(demo.Options{Seed: 1, Count: 25, At: at})
	f.Fuzz(func(t *testing.T, expr string) {
		if strings.ContainsAny(expr, "'\n\r") {
			return // the expression sits in a single-quoted YAML scalar
		}
		d := strings.Replace(string(doc), "products:\n",
			"conditions:\n  - {code: c1, expr: '"+expr+"', message: {zh-CN: a, en: a}, remedy: {zh-CN: b, en: b}}\nproducts:\n", 1)
		p, err := policy.Parse("f.yaml", []byte(d))
		if err != nil {
			return
		}
		for _, in := range instances {
			c := eligibility.Check(in, p, at).Find("c1")
			if c == nil || (c.Key == "check.condition.error" && c.Status != icpcheck.Fail) {
				t.Fatalf("condition check %+v", c)
			}
		}
	})
}
