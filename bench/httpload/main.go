// Command httpload measures icpcheck's HTTP endpoints under load: requests per second and
// p50/p99 latency at several concurrency levels, for the stateless check, the stored
// instance's check and issuing numbers, beside a minimal net/http handler served by the same
// process in the same run as the ceiling.
//
//	go run ./bench/httpload -duration 3s -c 1,4,16,64
//
// Everything runs on loopback in one process: the servers, a real SQLite store in a temporary
// directory (or PostgreSQL with -postgres DSN) and the load generator, which signs every REST
// request as a client would. On a machine of two cores the generator competes with the
// server for CPU; the baseline pays the same generator costs, less the signing.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/icpcheck/icpcheck"
	icphttp "github.com/icpcheck/icpcheck/http"
	"github.com/icpcheck/icpcheck/metrics"
	"github.com/icpcheck/icpcheck/policy"
	"github.com/icpcheck/icpcheck/postgres"
	"github.com/icpcheck/icpcheck/signature"
	"github.com/icpcheck/icpcheck/sqlite"
	"github.com/icpcheck/icpcheck/sqlstore"
)

func main() {
	duration := flag.Duration("duration", 3*time.Second, "how long each endpoint runs at each concurrency level")
	levels := flag.String("c", "1,4,16,64", "concurrency levels, comma-separated")
	endpoints := flag.String("endpoints", "baseline,healthz,check,stored-check,issue", "endpoints to measure")
	maxRequests := flag.Int("max-requests", 100000, "at most this many requests per endpoint and level")
	issueInstances := flag.Int("issue-instances", 2000, "instances to issue to, five numbers each; issue runs stop when they are used up")
	pg := flag.String("postgres", "", "PostgreSQL DSN to use instead of a temporary SQLite file (its tables must be empty)")
	flag.Parse()

	conc, err := parseLevels(*levels)
	if err != nil {
		log.Fatal(err)
	}
	b, err := newBench(*pg, *issueInstances, *duration, *maxRequests)
	if err != nil {
		log.Fatal(err)
	}
	defer b.close()

	fmt.Printf("store %s, GOMAXPROCS %d, %v per run\n\n", b.storeName, runtime.GOMAXPROCS(0), *duration)
	fmt.Println("| endpoint | concurrency | requests | req/s | p50 | p99 | errors | req/s vs baseline |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
	baseline := map[int]float64{}
	for _, name := range strings.Split(*endpoints, ",") {
		ep, ok := b.endpoints()[name]
		if !ok {
			log.Fatalf("unknown endpoint %q", name)
		}
		for _, c := range conc {
			r := b.run(ep, c)
			if name == "baseline" {
				baseline[c] = r.rate()
			}
			ratio := "-"
			if base := baseline[c]; base > 0 {
				ratio = fmt.Sprintf("%.2f", r.rate()/base)
			}
			fmt.Printf("| %s | %d | %d | %.0f | %s | %s | %d | %s |\n",
				name, c, r.requests, r.rate(), ms(r.percentile(50)), ms(r.percentile(99)), r.errors, ratio)
		}
	}
	b.printStoreTimes()
}

// printStoreTimes prints the mean time of each store call over the whole run, from the
// server's own metrics: where a request's time goes.
func (b *bench) printStoreTimes() {
	families, err := b.metrics.Registry.Gather()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("\n| store call | calls | mean |")
	fmt.Println("|---|---:|---:|")
	for _, f := range families {
		if f.GetName() != "icpcheck_store_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			h := m.GetHistogram()
			if h.GetSampleCount() == 0 {
				continue
			}
			mean := time.Duration(h.GetSampleSum() / float64(h.GetSampleCount()) * float64(time.Second))
			fmt.Printf("| %s | %d | %s |\n", m.GetLabel()[0].GetValue(), h.GetSampleCount(), ms(mean))
		}
	}
}

func parseLevels(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1024 {
			return nil, fmt.Errorf("-c %q: want concurrency levels from 1 to 1024", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// bench holds the servers under test and what the requests need.
type bench struct {
	storeName   string
	dir         string
	db          *sqlstore.DB
	server      *icphttp.Server
	metrics     *metrics.Metrics
	baseline    *http.Server
	baselineURL string
	key         *icpcheck.AccessKey
	instance    []byte // a stateless check's body
	stored      string // an instance id for the stored check
	duration    time.Duration
	maxRequests int

	issueMu   sync.Mutex
	issueNext int      // the next instance to issue to
	issueIDs  []string // instances with numbers left, five issues each
}

const owner = "1234567890123456"

func newBench(pg string, issueInstances int, duration time.Duration, maxRequests int) (*bench, error) {
	b := &bench{duration: duration, maxRequests: maxRequests}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts := sqlstore.Options{Policy: policy.Default(), Logger: quiet}
	var err error
	if pg != "" {
		b.storeName = "postgres"
		b.db, err = postgres.Open(context.Background(), pg, opts)
	} else {
		b.storeName = "sqlite"
		if b.dir, err = os.MkdirTemp("", "httpload"); err != nil {
			return nil, err
		}
		b.db, err = sqlite.Open(filepath.Join(b.dir, "icpcheck.db"), opts)
	}
	if err != nil {
		return nil, err
	}
	admin := icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)
	if b.key, err = b.db.CreateAccessKey(admin, "1000000000000001", icpcheck.RoleAdmin); err != nil {
		return nil, err
	}

	// Issuing uses up instances (five numbers each); a run that uses up the last stops early
	// and counts it as an error, so the table shows it.
	for i := 0; i < max(issueInstances, 1); i++ {
		in := instance(fmt.Sprintf("i-load-%06d", i))
		if _, err := b.db.PutInstance(admin, in); err != nil {
			return nil, err
		}
		b.issueIDs = append(b.issueIDs, in.ID)
		if i == 0 {
			b.stored = in.ID
			b.instance, _ = json.Marshal(in)
		}
	}

	mx := metrics.New()
	b.metrics = mx
	store := mx.Store(b.db)
	s := icphttp.NewServer()
	s.Addr = "127.0.0.1:0"
	s.Store = store
	s.Policy = policy.Default()
	s.Auth = &signature.Verifier{Keys: store}
	s.Logger = quiet
	s.Metrics = mx
	if err := s.Open(); err != nil {
		return nil, err
	}
	b.server = s

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b.baselineURL = "http://" + ln.Addr().String()
	b.baseline = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}` + "\n"))
	})}
	go b.baseline.Serve(ln)
	return b, nil
}

func (b *bench) close() {
	b.server.Close()
	b.baseline.Close()
	b.db.Close()
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}

// instance is an ECS instance eligible now, with a quota of five numbers.
func instance(id string) *icpcheck.Instance {
	bw := 5.0
	return &icpcheck.Instance{
		ID: id, Product: "ecs", Owner: owner, Region: "cn-hangzhou",
		Status: icpcheck.StatusRunning, Billing: icpcheck.BillingSubscription,
		Orders:              []icpcheck.Order{{Type: icpcheck.OrderNew, Start: time.Now().AddDate(0, -1, 0), Period: 1, Unit: icpcheck.UnitYear, AmountCNY: 1000}},
		PublicIPs:           []netip.Addr{netip.MustParseAddr("47.96.10.20")},
		PublicBandwidthMbps: &bw,
	}
}

// endpoint makes one request of a kind and says which status means success.
type endpoint struct {
	request func() (*http.Request, error)
	want    int
}

func (b *bench) endpoints() map[string]endpoint {
	return map[string]endpoint{
		"baseline": {func() (*http.Request, error) { return http.NewRequest("GET", b.baselineURL+"/", nil) }, 200},
		"healthz":  {func() (*http.Request, error) { return http.NewRequest("GET", b.server.URL()+"/healthz", nil) }, 200},
		"check":    {func() (*http.Request, error) { return b.signed("POST", "/v1/check", b.instance) }, 200},
		"stored-check": {func() (*http.Request, error) {
			return b.signed("GET", "/v1/instances/"+b.stored+"/check", nil)
		}, 200},
		"issue": {func() (*http.Request, error) {
			id, ok := b.nextIssue()
			if !ok {
				return nil, errExhausted
			}
			return b.signed("POST", "/v1/instances/"+id+"/numbers", []byte(`{"num":1}`))
		}, 201},
	}
}

var errExhausted = errors.New("no instance has numbers left")

// nextIssue returns the instance to issue the next number to: each gets five.
func (b *bench) nextIssue() (string, bool) {
	b.issueMu.Lock()
	defer b.issueMu.Unlock()
	i := b.issueNext / 5
	if i >= len(b.issueIDs) {
		return "", false
	}
	b.issueNext++
	return b.issueIDs[i], true
}

var nonces atomic.Int64

func (b *bench) signed(method, path string, body []byte) (*http.Request, error) {
	req, err := http.NewRequest(method, b.server.URL()+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	nonce := "load-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.FormatInt(nonces.Add(1), 10)
	signature.SignV3(req, body, b.key.ID, b.key.Secret, time.Now(), nonce)
	return req, nil
}

// result is one run: its latencies and counts.
type result struct {
	requests  int
	errors    int
	elapsed   time.Duration
	latencies []time.Duration
}

func (r *result) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r *result) percentile(p int) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(len(r.latencies)-1, len(r.latencies)*p/100)]
}

// run sends requests of ep from c workers for the bench's duration, or until maxRequests.
func (b *bench) run(ep endpoint, c int) *result {
	transport := &http.Transport{MaxIdleConnsPerHost: c, MaxConnsPerHost: c}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	var sent atomic.Int64
	var mu sync.Mutex
	total := &result{}
	deadline := time.Now().Add(b.duration)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			errs := 0
			for time.Now().Before(deadline) && sent.Add(1) <= int64(b.maxRequests) {
				req, err := ep.request()
				if errors.Is(err, errExhausted) {
					errs++
					break
				}
				t0 := time.Now()
				status, err := do(client, req)
				lat = append(lat, time.Since(t0))
				if err != nil || status != ep.want {
					errs++
				}
			}
			mu.Lock()
			total.latencies = append(total.latencies, lat...)
			total.errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	total.elapsed = time.Since(start)
	total.requests = len(total.latencies)
	slices.Sort(total.latencies)
	return total
}

func do(client *http.Client, req *http.Request) (int, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
