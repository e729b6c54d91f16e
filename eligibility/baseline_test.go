package eligibility_test

import (
	"reflect"
	"testing"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/demo"
	"github.com/icpcheck/icpcheck/eligibility"
	"github.com/icpcheck/icpcheck/internal/table1"
	"github.com/icpcheck/icpcheck/policy"
	"pgregory.net/rapid"
)

// TestBaselineAgrees holds the hand-written Table 1 baseline equal to the engine with the
// default policy, over a generated inventory and random instances: the benchmarks compare
// two functions that do the same work.
func TestBaselineAgrees(t *testing.T) {
	var a, b icpcheck.CheckResult
	compare := func(t interface{ Fatalf(string, ...any) }, in *icpcheck.Instance) {
		eligibility.Evaluate(&a, in, policy.Default(), at, eligibility.Ledger{})
		table1.Check(&b, in, at)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: engine and baseline differ:\n%+v\n%+v", in.ID, a.Checks, b.Checks)
		}
	}
	for _, in := range demo.Inventory(demo.Options{Seed: 11, Count: 20000, At: at}) {
		compare(t, in)
	}
	rapid.Check(t, func(t *rapid.T) { compare(t, genInstance(t)) })
}

func benchInstances(b *testing.B) []*icpcheck.Instance {
	b.Helper()
	return demo.Inventory(demo.Options{Seed: 1, Count: 10000, At: at})
}

// BenchmarkCheck measures the engine per instance beside the hand-written baseline, over the
// same realistic inventory.
func BenchmarkCheck(b *testing.B) {
	instances := benchInstances(b)
	p := policy.Default()
	b.Run("engine", func(b *testing.B) {
		var r icpcheck.CheckResult
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			eligibility.Evaluate(&r, instances[i%len(instances)], p, at, eligibility.Ledger{})
		}
	})
	b.Run("table1", func(b *testing.B) {
		var r icpcheck.CheckResult
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			table1.Check(&r, instances[i%len(instances)], at)
		}
	})
	b.Run("engine-new-result", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			eligibility.Check(instances[i%len(instances)], p, at)
		}
	})
}

// BenchmarkRender measures rendering a result's messages in one language, the part of a bulk
// check's output that the engine leaves to the edge.
func BenchmarkRender(b *testing.B) {
	instances := benchInstances(b)
	results := make([]*icpcheck.CheckResult, len(instances))
	for i, in := range instances {
		results[i] = eligibility.Check(in, policy.Default(), at)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		results[i%len(results)].Report("en")
	}
}
