package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	_ "github.com/open-policy-agent/opa/v1/features/wasm" // the wasm target, on wazero: pure Go
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/util"
)

//go:embed table1.rego
var table1Rego string

// batchRego evaluates Table 1 on every instance of an array in one query.
const batchRego = `package icpcheck.batch

results := [r | some inst in input; r := data.icpcheck.table1.result with input as inst]
`

// The ways of evaluating the Rego that opaSide knows, from the textbook one to the fastest
// found. Every one compiles the policy once, before the clock starts.
var opaVariants = []string{"eval", "fast", "batch", "partial", "wasm"}

const variantHelp = `eval     prepared query, one Eval per instance with the default options: a store
         transaction and metrics each, results converted to Go values (the textbook way)
fast     the same query, results read as AST terms, one store transaction, no-op metrics
batch    like fast, but -batch instances a query, the input an array
partial  like fast, the query partially evaluated with input unknown before it is prepared
wasm     the policy compiled to WebAssembly, run on wazero (pure Go), one Eval per instance`

// opaSide is Open Policy Agent's side: each instance's JSON parsed into an AST value, then
// evaluated by the Rego in table1.rego.
type opaSide struct {
	variant string
	at      time.Time
	batch   int

	pq      rego.PreparedEvalQuery
	store   storage.Store
	txn     storage.Transaction
	opts    []rego.EvalOption
	inputs  []ast.Value
	batches []*ast.Term
}

// newOPASide compiles and prepares the query of variant, once.
func newOPASide(ctx context.Context, module, variant string, at time.Time, batch int) (*opaSide, error) {
	s := &opaSide{variant: variant, at: at, batch: max(batch, 1), store: inmem.New()}
	query := "data.icpcheck.table1.result"
	options := []func(*rego.Rego){
		rego.Module("table1.rego", module),
		rego.Store(s.store),
	}
	var prepare []rego.PrepareOption
	switch variant {
	case "eval", "fast":
	case "batch":
		query = "data.icpcheck.batch.results"
		options = append(options, rego.Module("batch.rego", batchRego))
	case "partial":
		prepare = append(prepare, rego.WithPartialEval())
	case "wasm":
		options = append(options, rego.Target("wasm"))
	default:
		return nil, fmt.Errorf("-opa %q: want one of %v", variant, opaVariants)
	}
	options = append(options, rego.Query(query))
	pq, err := rego.New(options...).PrepareForEval(ctx, prepare...)
	if err != nil {
		return nil, err
	}
	s.pq = pq
	s.opts = []rego.EvalOption{rego.EvalTime(at)}
	if variant != "eval" {
		// The query reads no data from the store: one read transaction serves every
		// evaluation instead of one each, and metrics that nobody reads are not kept.
		if s.txn, err = s.store.NewTransaction(ctx); err != nil {
			return nil, err
		}
		s.opts = append(s.opts,
			rego.EvalTransaction(s.txn),
			rego.EvalMetrics(metrics.NoOp()),
			rego.EvalGenerateJSON(func(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }))
	}
	return s, nil
}

// setAt changes the moment of the check of later evaluations.
func (s *opaSide) setAt(at time.Time) { s.at, s.opts[0] = at, rego.EvalTime(at) }

func (s *opaSide) name() string { return "opa-" + s.variant }

func (s *opaSide) close(ctx context.Context) {
	if s.txn != nil {
		s.store.Abort(ctx, s.txn)
	}
}

// decode parses each line as OPA reads JSON (numbers kept as written) into an AST value, as
// rego.EvalInput would on every evaluation.
func (s *opaSide) decode(lines [][]byte) error {
	s.inputs = s.inputs[:0]
	for i, line := range lines {
		var x any
		if err := util.UnmarshalJSON(line, &x); err != nil {
			return fmt.Errorf("instance %d: %w", i+1, err)
		}
		v, err := ast.InterfaceToValue(x)
		if err != nil {
			return fmt.Errorf("instance %d: %w", i+1, err)
		}
		s.inputs = append(s.inputs, v)
	}
	return nil
}

// eval writes the verdict on each decoded instance into out.
func (s *opaSide) eval(ctx context.Context, out []Verdict) error {
	if s.variant == "batch" {
		return s.evalBatches(ctx, out)
	}
	opts := append(s.opts, nil)
	for i, in := range s.inputs {
		opts[len(opts)-1] = rego.EvalParsedInput(in)
		rs, err := s.pq.Eval(ctx, opts...)
		if err != nil {
			return err
		}
		if len(rs) != 1 || len(rs[0].Expressions) != 1 {
			return fmt.Errorf("instance %d: %d results, want 1", i+1, len(rs))
		}
		if err := readVerdict(rs[0].Expressions[0].Value, &out[i]); err != nil {
			return fmt.Errorf("instance %d: %w", i+1, err)
		}
	}
	return nil
}

func (s *opaSide) evalBatches(ctx context.Context, out []Verdict) error {
	opts := append(s.opts, nil)
	for lo := 0; lo < len(s.inputs); lo += s.batch {
		hi := min(lo+s.batch, len(s.inputs))
		s.batches = s.batches[:0]
		for _, v := range s.inputs[lo:hi] {
			s.batches = append(s.batches, ast.NewTerm(v))
		}
		opts[len(opts)-1] = rego.EvalParsedInput(ast.NewArray(s.batches...))
		rs, err := s.pq.Eval(ctx, opts...)
		if err != nil {
			return err
		}
		if len(rs) != 1 || len(rs[0].Expressions) != 1 {
			return fmt.Errorf("batch at %d: %d results, want 1", lo+1, len(rs))
		}
		arr, ok := rs[0].Expressions[0].Value.(*ast.Term).Value.(*ast.Array)
		if !ok || arr.Len() != hi-lo {
			return fmt.Errorf("batch at %d: result is not an array of %d", lo+1, hi-lo)
		}
		for i := range hi - lo {
			if err := readVerdict(arr.Elem(i), &out[lo+i]); err != nil {
				return fmt.Errorf("instance %d: %w", lo+i+1, err)
			}
		}
	}
	return nil
}

var (
	keyID       = ast.StringTerm("id")
	keyEligible = ast.StringTerm("eligible")
	keyFail     = ast.StringTerm("fail")
	keyWarn     = ast.StringTerm("warn")
)

// readVerdict reads the Rego's result for one instance, an AST term or its Go form.
func readVerdict(x any, v *Verdict) error {
	switch x := x.(type) {
	case *ast.Term:
		return readTerm(x, v)
	case map[string]any:
		return readMap(x, v)
	}
	return fmt.Errorf("result of type %T", x)
}

func readTerm(t *ast.Term, v *Verdict) error {
	obj, ok := t.Value.(ast.Object)
	if !ok {
		return errors.New("result is not an object")
	}
	id, ok1 := obj.Get(keyID).Value.(ast.String)
	eligible, ok2 := obj.Get(keyEligible).Value.(ast.Boolean)
	fail, ok3 := obj.Get(keyFail).Value.(ast.Set)
	warn, ok4 := obj.Get(keyWarn).Value.(ast.Set)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return fmt.Errorf("result %v: want id, eligible, fail and warn", t)
	}
	*v = Verdict{ID: string(id), Eligible: bool(eligible)}
	var err error
	if v.Fail, err = setMask(fail); err != nil {
		return err
	}
	v.Warn, err = setMask(warn)
	return err
}

func setMask(s ast.Set) (uint32, error) {
	var mask uint32
	for _, t := range s.Slice() {
		code, ok := t.Value.(ast.String)
		if !ok {
			return 0, fmt.Errorf("code %v is not a string", t)
		}
		b, err := codeBit(string(code))
		if err != nil {
			return 0, err
		}
		mask |= b
	}
	return mask, nil
}

func readMap(m map[string]any, v *Verdict) error {
	id, ok1 := m["id"].(string)
	eligible, ok2 := m["eligible"].(bool)
	fail, ok3 := m["fail"].([]any)
	warn, ok4 := m["warn"].([]any)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return fmt.Errorf("result %v: want id, eligible, fail and warn", m)
	}
	*v = Verdict{ID: id, Eligible: eligible}
	for _, list := range []struct {
		codes []any
		mask  *uint32
	}{{fail, &v.Fail}, {warn, &v.Warn}} {
		for _, c := range list.codes {
			code, _ := c.(string)
			b, err := codeBit(code)
			if err != nil {
				return err
			}
			*list.mask |= b
		}
	}
	return nil
}
