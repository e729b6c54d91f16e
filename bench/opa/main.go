// Command opa runs Alibaba Cloud's Table 1 over a JSON Lines inventory twice: with
// icpcheck's engine, and with the same rules in Rego (table1.rego) evaluated by Open Policy
// Agent, and compares the two.
//
//	-side engine   icpcheck's engine only
//	-side opa      OPA only, in the way -opa names
//	-side both     both, verdict by verdict, reporting every instance they disagree on
//
// Each side reads the same lines in chunks, decodes a chunk (icpcheck.DecodeInstance, or
// JSON into OPA's AST) and then evaluates it, so that decoding and evaluation are timed
// apart. It prints one JSON line per side: instances, wall and CPU seconds of each phase,
// allocations, peak heap and peak RSS, and a digest of the verdicts, equal on both sides when
// the verdicts are. A side runs alone in its process for a clean peak RSS; -side both is the
// equality check. Run it through run.sh, which builds, generates the input and takes medians.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/icpcheck/icpcheck"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.side, "side", "both", "engine, opa or both")
	flag.StringVar(&cfg.variant, "opa", "fast", "how OPA evaluates:\n"+variantHelp)
	flag.IntVar(&cfg.batch, "batch", 64, "instances a query with -opa batch")
	flag.StringVar(&cfg.in, "in", "", "JSON Lines input, one instance a line")
	flag.StringVar(&cfg.at, "at", "2026-11-26T12:00:00+08:00", "moment of the check")
	flag.IntVar(&cfg.chunk, "chunk", 1024, "lines decoded, then evaluated, at a time")
	flag.IntVar(&cfg.limit, "limit", 0, "stop after this many instances (0: all)")
	flag.StringVar(&cfg.rego, "rego", "", "Rego file in place of the embedded table1.rego, for experiments")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "opa:", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}
	mismatches, err := run(context.Background(), cfg, os.Stdout, os.Stderr)
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "opa:", err)
		os.Exit(2)
	}
	if mismatches > 0 {
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

type config struct {
	side, variant, in, at string
	rego                  string
	batch, chunk, limit   int
}

// side is one way of checking instances. decode prepares a chunk of lines; eval writes the
// verdict on each into out, in order.
type side interface {
	name() string
	decode(lines [][]byte) error
	eval(ctx context.Context, out []Verdict) error
	close(ctx context.Context)
}

// run checks the input with the sides cfg names, writes a report line per side to stdout and
// each mismatch to stderr, and returns the number of mismatches.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) (int, error) {
	at, err := icpcheck.ParseTime(cfg.at)
	if err != nil {
		return 0, fmt.Errorf("-at: %w", err)
	}
	f, err := os.Open(cfg.in)
	if err != nil {
		return 0, err
	}
	defer f.Close()

	start := time.Now()
	var sides []side
	if cfg.side == "engine" || cfg.side == "both" {
		sides = append(sides, newEngineSide(at))
	}
	if cfg.side == "opa" || cfg.side == "both" {
		module := table1Rego
		if cfg.rego != "" {
			b, err := os.ReadFile(cfg.rego)
			if err != nil {
				return 0, err
			}
			module = string(b)
		}
		s, err := newOPASide(ctx, module, cfg.variant, at, cfg.batch)
		if err != nil {
			return 0, err
		}
		sides = append(sides, s)
	}
	if len(sides) == 0 {
		return 0, fmt.Errorf("-side %q: want engine, opa or both", cfg.side)
	}
	for _, s := range sides {
		defer s.close(ctx)
	}
	prepare := time.Since(start)

	stats := make([]sideStats, len(sides))
	digests := make([]Digest, len(sides))
	for i := range digests {
		digests[i] = NewDigest()
	}
	out := make([][]Verdict, len(sides))
	for i := range out {
		out[i] = make([]Verdict, cfg.chunk)
	}
	var read phase
	var peakHeap uint64
	n, mismatches := 0, 0
	lines := &lineReader{sc: bufio.NewScanner(f)}
	lines.sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	m := newMeter()
	runStart := time.Now()
	for {
		want := cfg.chunk
		if cfg.limit > 0 {
			want = min(want, cfg.limit-n)
		}
		m.start()
		chunk, err := lines.next(want)
		m.stop(&read)
		if err != nil {
			return mismatches, err
		}
		if len(chunk) == 0 {
			break
		}
		for i, s := range sides {
			m.start()
			err := s.decode(chunk)
			m.stop(&stats[i].decode)
			if err != nil {
				return mismatches, lineError(s, n, err)
			}
			m.start()
			err = s.eval(ctx, out[i][:len(chunk)])
			m.stop(&stats[i].eval)
			if err != nil {
				return mismatches, lineError(s, n, err)
			}
			for j := range chunk {
				digests[i].Add(&out[i][j])
			}
		}
		if len(sides) == 2 {
			for j := range chunk {
				if e, o := out[0][j], out[1][j]; e != o {
					mismatches++
					fmt.Fprintf(stderr, "MISMATCH line %d id %s: engine %v, %s %v\n", n+j+1, e.ID, e, sides[1].name(), o)
				}
			}
		}
		n += len(chunk)
		peakHeap = max(peakHeap, m.heap())
	}
	wall := time.Since(runStart)

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	proc := map[string]any{
		"instances": n, "prepare_s": prepare.Seconds(), "wall_s": wall.Seconds(),
		"cpu_s": cpuTime().Seconds(), "read_s": read.wall.Seconds(),
		"allocs": ms.Mallocs, "alloc_mib": mib(ms.TotalAlloc), "gcs": ms.NumGC,
		"peak_heap_mib": mib(peakHeap), "heap_sys_mib": mib(ms.HeapSys), "peak_rss_mib": peakRSS(),
	}
	enc := json.NewEncoder(stdout)
	for i, s := range sides {
		row := stats[i].row(s.name(), n)
		row["digest"] = digests[i].String()
		if len(sides) == 1 {
			// Alone in its process, the side owns the process's numbers.
			for k, v := range proc {
				row[k] = v
			}
		}
		if err := enc.Encode(row); err != nil {
			return mismatches, err
		}
	}
	if len(sides) == 2 {
		proc["side"] = "both"
		proc["mismatches"] = mismatches
		proc["equal"] = mismatches == 0 && digests[0] == digests[1]
		if err := enc.Encode(proc); err != nil {
			return mismatches, err
		}
	}
	return mismatches, nil
}

func lineError(s side, before int, err error) error {
	return fmt.Errorf("%s: after line %d: %w", s.name(), before, err)
}

// lineReader reads non-empty lines in chunks, reusing one buffer for the chunk's bytes.
type lineReader struct {
	sc    *bufio.Scanner
	buf   []byte
	lines [][]byte
	ends  []int
}

func (r *lineReader) next(n int) ([][]byte, error) {
	r.buf, r.lines, r.ends = r.buf[:0], r.lines[:0], r.ends[:0]
	for len(r.ends) < n && r.sc.Scan() {
		if len(r.sc.Bytes()) == 0 {
			continue
		}
		r.buf = append(r.buf, r.sc.Bytes()...)
		r.ends = append(r.ends, len(r.buf))
	}
	if err := r.sc.Err(); err != nil {
		return nil, err
	}
	prev := 0
	for _, end := range r.ends {
		r.lines = append(r.lines, r.buf[prev:end:end])
		prev = end
	}
	return r.lines, nil
}

// phase is the time and allocations spent in one kind of work, summed over chunks.
type phase struct {
	wall, cpu      time.Duration
	allocs, allocB uint64
}

type sideStats struct{ decode, eval phase }

func (s *sideStats) row(name string, n int) map[string]any {
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(max(n, 1)) }
	perN := func(x uint64) float64 { return float64(x) / float64(max(n, 1)) }
	return map[string]any{
		"side": name, "instances": n,
		"wall_s": (s.decode.wall + s.eval.wall).Seconds(), "cpu_s": (s.decode.cpu + s.eval.cpu).Seconds(),
		"decode_s": s.decode.wall.Seconds(), "decode_cpu_s": s.decode.cpu.Seconds(),
		"eval_s": s.eval.wall.Seconds(), "eval_cpu_s": s.eval.cpu.Seconds(),
		"decode_us": per(s.decode.wall), "eval_us": per(s.eval.wall),
		"decode_allocs": perN(s.decode.allocs), "eval_allocs": perN(s.eval.allocs),
		"decode_bytes": perN(s.decode.allocB), "eval_bytes": perN(s.eval.allocB),
	}
}

// meter measures phases: wall time, the process's CPU time (all threads, the garbage
// collector's included) and heap allocations (runtime.MemStats, read outside the timed span:
// it stops the world, briefly).
type meter struct {
	ms      runtime.MemStats
	t0      time.Time
	cpu0    time.Duration
	allocs0 uint64
	bytes0  uint64
}

func newMeter() *meter { return &meter{} }

func (m *meter) start() {
	runtime.ReadMemStats(&m.ms)
	m.allocs0, m.bytes0 = m.ms.Mallocs, m.ms.TotalAlloc
	m.cpu0 = cpuTime()
	m.t0 = time.Now()
}

func (m *meter) stop(p *phase) {
	p.wall += time.Since(m.t0)
	p.cpu += cpuTime() - m.cpu0
	runtime.ReadMemStats(&m.ms)
	p.allocs += m.ms.Mallocs - m.allocs0
	p.allocB += m.ms.TotalAlloc - m.bytes0
}

// heap returns the bytes of live and not yet swept heap objects at the last stop.
func (m *meter) heap() uint64 { return m.ms.HeapAlloc }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func peakRSS() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // KiB on Linux
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
