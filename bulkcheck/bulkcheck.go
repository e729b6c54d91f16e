// Package bulkcheck checks files of instances in bulk: streaming, in parallel, with results
// written in input order as JSON Lines, CSV or a table. Memory stays flat however large the
// input: a bounded number of batches is in flight at once.
package bulkcheck

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/eligibility"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/instancefile"
)

// Format is an output format.
type Format string

const (
	JSON  Format = "json"  // one JSON object a line
	CSV   Format = "csv"   // one row a check
	Table Format = "table" // for people: what fails and what to do
)

// ParseFormat returns the output format named s.
func ParseFormat(s string) (Format, bool) {
	switch f := Format(s); f {
	case JSON, CSV, Table:
		return f, true
	}
	return "", false
}

// Options configure a Checker.
type Options struct {
	Policy  *icpcheck.Policy
	At      time.Time
	Lang    i18n.Lang
	Format  Format
	Input   instancefile.Format // "" detects it
	Workers int                 // 0: GOMAXPROCS

	// Evaluate replaces the engine: benchmarks put a baseline here. nil: the engine with
	// Policy.
	Evaluate func(r *icpcheck.CheckResult, in *icpcheck.Instance, at time.Time)
}

// Summary counts what a Checker did.
type Summary struct {
	Checked    int // instances checked
	Eligible   int
	Ineligible int
	Invalid    int // lines that are not valid instances
}

// Checker checks files and writes results to one output. It is not safe for concurrent use.
type Checker struct {
	opts    Options
	w       io.Writer
	r       renderer
	started bool
	Summary Summary
}

// New returns a Checker writing to w.
func New(w io.Writer, opts Options) *Checker {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Format == "" {
		opts.Format = JSON
	}
	return &Checker{opts: opts, w: w, r: newRenderer(opts.Format, opts.Lang)}
}

const batchSize = 256

type batch struct {
	seq     int
	records []instancefile.Record
	out     []byte
	sum     Summary
}

// SetInput sets the input format of the next Check; "" detects it.
func (c *Checker) SetInput(f instancefile.Format) { c.opts.Input = f }

// Check checks every instance of r, in order; name is the file's name in error objects (""
// for a single input). It returns an error only when the input cannot be read on (an I/O
// error, a CSV header that names no instance columns) or the output cannot be written; lines
// that are not instances are answered in place and counted in Summary.Invalid.
func (c *Checker) Check(ctx context.Context, name string, r io.Reader) error {
	if !c.started {
		c.started = true
		if _, err := c.w.Write(c.r.header()); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	reader := instancefile.NewReader(r, c.opts.Input)
	reader.Defer = true
	work := make(chan *batch, c.opts.Workers)
	done := make(chan *batch, c.opts.Workers)
	var readErr error

	// The reader cuts the input into batches.
	go func() {
		defer close(work)
		for seq := 0; ; seq++ {
			b := &batch{seq: seq, records: make([]instancefile.Record, 0, batchSize)}
			for len(b.records) < batchSize {
				rec, err := reader.Next()
				if err == io.EOF {
					break
				} else if err != nil {
					readErr = err
					break
				}
				b.records = append(b.records, rec)
			}
			// Whether the batch is full is read before a worker owns it.
			last := len(b.records) < batchSize
			if len(b.records) > 0 {
				select {
				case work <- b:
				case <-ctx.Done():
					return
				}
			}
			if last {
				return
			}
		}
	}()

	// Workers decode, check and render each batch.
	var wg sync.WaitGroup
	for range c.opts.Workers {
		wg.Go(func() {
			var result icpcheck.CheckResult
			for b := range work {
				c.process(b, name, &result)
				select {
				case done <- b:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() { wg.Wait(); close(done) }()

	// The writer puts batches back in input order.
	pending := map[int]*batch{}
	next := 0
	var writeErr error
	for b := range done {
		pending[b.seq] = b
		for b := pending[next]; b != nil; b = pending[next] {
			delete(pending, next)
			next++
			if writeErr == nil {
				if _, err := c.w.Write(b.out); err != nil {
					writeErr = err
					cancel()
				}
			}
			c.Summary.Checked += b.sum.Checked
			c.Summary.Eligible += b.sum.Eligible
			c.Summary.Ineligible += b.sum.Ineligible
			c.Summary.Invalid += b.sum.Invalid
		}
	}
	if writeErr != nil {
		return writeErr
	}
	if err := ctx.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return readErr
}

func (c *Checker) process(b *batch, name string, result *icpcheck.CheckResult) {
	out := make([]byte, 0, len(b.records)*c.r.sizeHint())
	for i := range b.records {
		rec := &b.records[i]
		rec.Decode()
		if rec.Err != nil {
			b.sum.Invalid++
			out = c.r.invalid(out, name, rec.Line, rec.Err)
			continue
		}
		if c.opts.Evaluate != nil {
			c.opts.Evaluate(result, rec.Instance, c.opts.At)
		} else {
			eligibility.Evaluate(result, rec.Instance, c.opts.Policy, c.opts.At, eligibility.Ledger{})
		}
		b.sum.Checked++
		if result.Eligible() {
			b.sum.Eligible++
		} else {
			b.sum.Ineligible++
		}
		out = c.r.result(out, rec.Line, result)
	}
	b.out = out
	b.records = nil
}

// Close writes what the format puts after the last result.
func (c *Checker) Close() error {
	if !c.started {
		c.started = true
		if _, err := c.w.Write(c.r.header()); err != nil {
			return err
		}
	}
	_, err := c.w.Write(c.r.footer(c.Summary))
	return err
}
