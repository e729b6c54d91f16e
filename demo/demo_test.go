package demo_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/demo"
	"github.com/icpcheck/icpcheck/eligibility"
	"github.com/icpcheck/icpcheck/policy"
)

var at = time.Date(2026, 11, 26, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))

// TestValid demands that every generated instance is valid input.
func TestValid(t *testing.T) {
	for _, in := range demo.Inventory(demo.Options{Seed: 1, Count: 5000, At: at}) {
		if err := in.Validate(); err != nil {
			t.Fatalf("%s: %v", in.ID, err)
		}
	}
}

// TestSeeded demands that the same options give the same inventory and another seed another.
func TestSeeded(t *testing.T) {
	a := demo.Inventory(demo.Options{Seed: 7, Count: 300, At: at})
	b := demo.Inventory(demo.Options{Seed: 7, Count: 300, At: at})
	c := demo.Inventory(demo.Options{Seed: 8, Count: 300, At: at})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different inventories")
	}
	if reflect.DeepEqual(a, c) {
		t.Fatal("different seeds, same inventory")
	}
}

// TestCoverage demands that every product, and every check failing and warning, appears in
// a small inventory, in the hand-picked part and in the random part alike.
func TestCoverage(t *testing.T) {
	p := policy.Default()
	for _, tt := range []struct {
		name      string
		instances []*icpcheck.Instance
	}{
		{"HandPicked", demo.HandPicked(at)},
		{"Random", demo.Inventory(demo.Options{Seed: 3, Count: 3000, At: at})[len(demo.HandPicked(at)):]},
	} {
		t.Run(tt.name, func(t *testing.T) {
			products := map[string]bool{}
			statuses := map[string]bool{}
			eligible := 0
			for _, in := range tt.instances {
				products[in.Product] = true
				r := eligibility.Check(in, p, at)
				if r.Eligible() {
					eligible++
				}
				for _, c := range r.Checks {
					statuses[c.Code+"/"+c.Status.String()] = true
				}
			}
			for _, name := range p.ProductOrder {
				if !products[name] {
					t.Errorf("no %s instance", name)
				}
			}
			for _, code := range icpcheck.Codes {
				if code == icpcheck.CodeQuota {
					continue // a stateless check skips it
				}
				if !statuses[code+"/fail"] {
					t.Errorf("no instance fails %s", code)
				}
			}
			if !statuses["expiry/warn"] {
				t.Error("no instance warns of expiry")
			}
			if eligible == 0 {
				t.Error("no eligible instance")
			}
		})
	}
}
