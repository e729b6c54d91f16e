// Command bulk measures a bulk check end to end (read, decode, check, render, write) with
// icpcheck's engine or a baseline in its place, so that one run compares them:
//
//	engine   the policy engine with the default policy
//	table1   the hand-written Table 1 function (internal/table1)
//	decode   decoding and validating only: no check, no output (the floor)
//
// It prints one JSON line: instances, wall seconds, CPU seconds, peak RSS. Run it through
// bench/bulk.sh, which generates the input and takes medians.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/bulkcheck"
	"github.com/icpcheck/icpcheck/instancefile"
	"github.com/icpcheck/icpcheck/internal/table1"
	"github.com/icpcheck/icpcheck/policy"
)

func main() {
	eval := flag.String("eval", "engine", "engine, table1 or decode")
	in := flag.String("in", "", "JSON Lines input")
	at := flag.String("at", "2026-11-26T12:00:00+08:00", "moment of the check")
	flag.Parse()
	if err := run(*eval, *in, *at); err != nil {
		fmt.Fprintln(os.Stderr, "bulk:", err)
		os.Exit(1)
	}
}

func run(eval, name, atText string) error {
	at, err := icpcheck.ParseTime(atText)
	if err != nil {
		return err
	}
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	n := 0
	switch eval {
	case "decode":
		r := instancefile.NewReader(bufio.NewReaderSize(f, 256<<10), instancefile.JSONL)
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				return err
			}
			if rec.Err == nil {
				n++
			}
		}
	case "engine", "table1":
		opts := bulkcheck.Options{Policy: policy.Default(), At: at, Lang: "zh-CN"}
		if eval == "table1" {
			opts.Evaluate = table1.Check
		}
		out := bufio.NewWriterSize(io.Discard, 256<<10)
		c := bulkcheck.New(out, opts)
		if err := c.Check(context.Background(), "", f); err != nil {
			return err
		}
		n = c.Summary.Checked
	default:
		return fmt.Errorf("-eval %q: want engine, table1 or decode", eval)
	}
	wall := time.Since(start)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"eval": eval, "instances": n, "wall_s": wall.Seconds(), "cpu_s": cpu.Seconds(),
		"per_instance_us": float64(wall.Microseconds()) / float64(max(n, 1)),
		"peak_rss_mib":    float64(ru.Maxrss) / 1024,
	})
}
