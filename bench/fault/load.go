package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/demo"
	"github.com/icpcheck/icpcheck/eligibility"
	icphttp "github.com/icpcheck/icpcheck/http"
	"github.com/icpcheck/icpcheck/i18n"
)

// load is the clients: cfg.Clients workers, each a loop of requests chosen at random, every
// request retried through outages until the server decides it.
type load struct {
	cfg    *Config
	run    string // names the contended instances this run puts
	policy *icpcheck.Policy
	admin  *icphttp.Client
	cust   *icphttp.Client // demo.Customer's key
	keys   map[string]keyPair
	bsn    *bsnClient
	ledger *ledger
	stats  *stats
	v      *violations

	stopping atomic.Bool // set by Stop: workers finish the request they are on, then end
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

func newLoad(cfg *Config, url string, fx *fixture, p *icpcheck.Policy, v *violations) (*load, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = cfg.Clients + 4
	hc := &http.Client{Timeout: cfg.Hang, Transport: transport}
	rest := func(k keyPair) (*icphttp.Client, error) {
		c, err := icphttp.NewClient(url, k.ID, k.Secret)
		if err != nil {
			return nil, err
		}
		c.HTTPClient, c.Lang = hc, i18n.EN
		return c, nil
	}
	admin, err := rest(fx.admin)
	if err != nil {
		return nil, err
	}
	cust, err := rest(fx.customer)
	if err != nil {
		return nil, err
	}
	// Contended instances are copies of imported ones that are eligible now, well inside
	// their coverage, and of a product the Filing Service API serves, so that both
	// interfaces issue to them.
	now := time.Now()
	var templates []*icpcheck.Instance
	for _, in := range fx.inventory {
		rule := p.Product(in.Product)
		res := eligibility.Check(in, p, now.Add(24*time.Hour))
		if rule != nil && rule.ResourceType != 0 && res.Eligible() {
			templates = append(templates, in)
		}
	}
	if len(templates) == 0 {
		return nil, fmt.Errorf("no imported instance is eligible to copy contended instances from; raise -inventory")
	}
	return &load{
		cfg: cfg, run: fmt.Sprintf("%x", uint32(cfg.Seed)), policy: p,
		admin: admin, cust: cust,
		keys:   map[string]keyPair{demo.Admin: fx.admin, demo.Customer: fx.customer},
		bsn:    &bsnClient{url: url, http: hc},
		ledger: newLedger(p, v, fx.inventory, templates),
		stats:  &stats{},
		v:      v,
	}, nil
}

// Start starts the workers.
func (l *load) Start(ctx context.Context) {
	ctx, l.cancel = context.WithCancel(ctx)
	for i := range l.cfg.Clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.worker(ctx, rand.New(rand.NewPCG(uint64(l.cfg.Seed), uint64(i))))
		}()
	}
}

// Stop stops the workers and waits for them. Each finishes the request it is on, so that
// the server sees no request abandoned; those still running after cfg.Hang are abandoned.
func (l *load) Stop() {
	l.stopping.Store(true)
	done := make(chan struct{})
	go func() {
		l.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(l.cfg.Hang):
		l.cancel()
		<-done
	}
	l.cancel()
}

func (l *load) worker(ctx context.Context, rng *rand.Rand) {
	for ctx.Err() == nil && !l.stopping.Load() {
		switch p := rng.IntN(100); {
		case p < 40:
			l.issueContended(ctx, rng)
		case p < 55:
			l.issueInventory(ctx, rng)
		case p < 65:
			l.grant(ctx, rng)
		case p < 80:
			l.readInstanceNumbers(ctx, rng)
		case p < 95:
			l.readNumber(ctx, rng)
		default:
			l.checkInstance(ctx, rng)
		}
	}
}

// attempt sends one request and records what became of it. A 500 and a request that took
// longer than cfg.Hang are violations.
func (l *load) attempt(ctx context.Context, op string, f func(context.Context) error) outcome {
	start := time.Now()
	err := f(ctx)
	end := time.Now()
	o := classify(ctx, err)
	if o.class == classCanceled {
		return o
	}
	l.stats.add(record{op: op, start: start, end: end, out: o})
	if d := end.Sub(start); d >= l.cfg.Hang {
		l.v.add("hang", "%s took %v (%s)", op, d.Round(time.Millisecond), o)
	}
	if o.class == classInternal {
		l.v.add("internal error", "%s: %s (%v)", op, o.detail, err)
	}
	return o
}

// do sends a request until the server decides it: while the server is down or its database
// unavailable it tries again, backing off up to half a second. It returns the deciding
// outcome and whether some earlier attempt went undecided (and so may have landed).
func (l *load) do(ctx context.Context, op string, f func(context.Context) error) (outcome, bool) {
	backoff := 20 * time.Millisecond
	undecided := false
	for {
		o := l.attempt(ctx, op, f)
		if !o.retryable() {
			return o, undecided
		}
		undecided = true
		if l.stopping.Load() {
			return outcome{classCanceled, ""}, undecided
		}
		select {
		case <-ctx.Done():
			return outcome{classCanceled, ""}, undecided
		case <-time.After(backoff/2 + time.Duration(rand.Int64N(int64(backoff)))):
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
}

// refused records a refusal the op did not expect as a violation.
func (l *load) refused(op string, o outcome, expected ...string) {
	if o.class == classRefused && !slices.Contains(expected, o.detail) {
		l.v.add("unexpected refusal", "%s refused with %s", op, o.detail)
	}
}

// client returns a REST client that may act for owner: demo.Customer's own key half the
// time for its instances, the admin's otherwise.
func (l *load) client(owner string, rng *rand.Rand) *icphttp.Client {
	if owner == demo.Customer && rng.IntN(2) == 0 {
		return l.cust
	}
	return l.admin
}

func (l *load) key(owner string, rng *rand.Rand) keyPair {
	if owner == demo.Customer && rng.IntN(2) == 0 {
		return l.keys[demo.Customer]
	}
	return l.keys[demo.Admin]
}

// issueContended issues one or two numbers to one of the few instances every client issues
// to, through REST or (one time in four) the Filing Service API, putting a new contended
// instance first when too few are open.
func (l *load) issueContended(ctx context.Context, rng *rand.Rand) {
	in, put := l.ledger.hotInstance(rng, l.cfg.Hot)
	if put {
		l.putContended(ctx, rng)
		return
	}
	if in == nil {
		l.issueInventory(ctx, rng) // another client is putting the next one
		return
	}
	num := 1 + rng.IntN(2)
	if rng.IntN(4) == 0 {
		l.issueBSN(ctx, rng, in, num)
		return
	}
	c := l.client(in.Owner, rng)
	var nums []*icpcheck.ServiceNumber
	o, _ := l.do(ctx, "issue contended (REST)", func(ctx context.Context) error {
		var err error
		nums, err = c.IssueNumbers(ctx, icpcheck.IssueRequest{InstanceID: in.ID, Num: num})
		return err
	})
	l.issueDone("issue contended (REST)", in, num, o, nums, "quota_exceeded")
}

// issueBSN issues through ProductBindBsn.
func (l *load) issueBSN(ctx context.Context, rng *rand.Rand, in *icpcheck.Instance, num int) {
	rt := l.policy.Product(in.Product).ResourceType
	key := l.key(in.Owner, rng)
	var sns []string
	o, _ := l.do(ctx, "issue contended (ProductBindBsn)", func(ctx context.Context) error {
		var err error
		sns, err = l.bsn.productBindBsn(ctx, key, rt, in.ID, in.Owner, num)
		return err
	})
	nums := make([]*icpcheck.ServiceNumber, len(sns))
	for i, sn := range sns {
		nums[i] = &icpcheck.ServiceNumber{SN: sn, InstanceID: in.ID, Owner: in.Owner}
	}
	l.issueDone("issue contended (ProductBindBsn)", in, num, o, nums, "609")
}

// issueDone records an issue's outcome: the acknowledged numbers, or the refusal, which
// closes the instance when even one number is refused.
func (l *load) issueDone(op string, in *icpcheck.Instance, num int, o outcome, nums []*icpcheck.ServiceNumber, quotaCode string) {
	switch o.class {
	case classOK:
		if len(nums) != num {
			l.v.add("wrong acknowledgement", "%s of %d to %s acknowledged %d numbers", op, num, in.ID, len(nums))
		}
		l.ledger.issued(in.ID, nums)
	case classRefused:
		if o.detail == quotaCode && num == 1 {
			l.ledger.close(in.ID)
		}
		l.refused(op, o, quotaCode)
	}
}

// putContended puts a new contended instance as the admin.
func (l *load) putContended(ctx context.Context, rng *rand.Rand) {
	in := l.ledger.newHot(rng, l.run)
	o, _ := l.do(ctx, "put instance", func(ctx context.Context) error {
		_, err := l.admin.PutInstance(ctx, in)
		return err
	})
	if o.class == classOK {
		l.ledger.put(in)
		return
	}
	l.ledger.putFailed()
	l.refused("put instance", o)
}

// issueInventory issues one to three numbers to any imported instance as the admin: most
// are refused, as not eligible or out of quota.
func (l *load) issueInventory(ctx context.Context, rng *rand.Rand) {
	in := l.ledger.randomInventory(rng)
	num := 1 + rng.IntN(3)
	var nums []*icpcheck.ServiceNumber
	o, _ := l.do(ctx, "issue inventory (REST)", func(ctx context.Context) error {
		var err error
		nums, err = l.admin.IssueNumbers(ctx, icpcheck.IssueRequest{InstanceID: in.ID, Num: num})
		return err
	})
	if o.class == classOK {
		if len(nums) != num {
			l.v.add("wrong acknowledgement", "issue of %d to %s acknowledged %d numbers", num, in.ID, len(nums))
		}
		l.ledger.issued(in.ID, nums)
	}
	l.refused("issue inventory (REST)", o, "quota_exceeded", "not_eligible")
}

// grant grants an acknowledged number of demo.Customer to demo.OtherCustomer with the
// customer's key. A grant that is refused as already granted is expected only after an
// attempt that went undecided: that attempt landed.
func (l *load) grant(ctx context.Context, rng *rand.Rand) {
	sn := l.ledger.takeGrantable(rng)
	if sn == "" {
		l.readNumber(ctx, rng)
		return
	}
	var n *icpcheck.ServiceNumber
	o, undecided := l.do(ctx, "grant (REST)", func(ctx context.Context) error {
		var err error
		n, err = l.cust.GrantNumber(ctx, sn, demo.Customer, demo.OtherCustomer, "fault injection")
		return err
	})
	switch {
	case o.class == classOK:
		if n.SN != sn || n.GrantedTo != demo.OtherCustomer {
			l.v.add("wrong acknowledgement", "grant of %s acknowledged as %s granted to %s", sn, n.SN, n.GrantedTo)
		}
		l.ledger.granted(sn, demo.OtherCustomer)
	case undecided:
		l.refused("grant (REST)", o, "already_granted")
	default:
		l.refused("grant (REST)", o)
	}
}

// readInstanceNumbers lists the numbers of an instance with acknowledged ones, through REST
// or the Filing Service API's GetBsnByResource: every number acknowledged before the read
// began is listed, and no more than the quota.
func (l *load) readInstanceNumbers(ctx context.Context, rng *rand.Rand) {
	in, acked := l.ledger.randomAckedInstance(rng)
	if in == nil {
		l.issueContended(ctx, rng)
		return
	}
	var listed []string
	op := "list numbers (REST)"
	rule := l.policy.Product(in.Product)
	var o outcome
	if rule != nil && rule.ResourceType != 0 && rng.IntN(2) == 0 {
		op = "list numbers (GetBsnByResource)"
		o, _ = l.do(ctx, op, func(ctx context.Context) error {
			var err error
			listed, err = l.bsn.getBsnByResource(ctx, l.keys[demo.Admin], rule.ResourceType, in.ID, in.Owner)
			return err
		})
	} else {
		o, _ = l.do(ctx, op, func(ctx context.Context) error {
			nums, total, err := l.admin.FindNumbers(ctx, icpcheck.NumberFilter{InstanceID: in.ID, Limit: 100})
			listed = listed[:0]
			for _, n := range nums {
				listed = append(listed, n.SN)
			}
			if err == nil && total != len(nums) {
				l.v.add("wrong listing", "numbers of %s: total %d, %d listed", in.ID, total, len(nums))
			}
			return err
		})
	}
	if o.class != classOK {
		l.refused(op, o)
		return
	}
	for _, sn := range acked {
		if !slices.Contains(listed, sn) {
			l.v.add("acknowledged write not read", "%s of %s lacks %s, acknowledged before the read", op, in.ID, sn)
		}
	}
	if rule != nil && len(listed) > rule.Quota {
		l.v.add("over quota", "%s of %s shows %d numbers, quota %d", op, in.ID, len(listed), rule.Quota)
	}
}

// readNumber reads an acknowledged number through REST: it is there, on its instance, of its
// owner, and granted if its grant was acknowledged.
func (l *load) readNumber(ctx context.Context, rng *rand.Rand) {
	sn, want, grantee, ok := l.ledger.randomAcked(rng)
	if !ok {
		l.issueContended(ctx, rng)
		return
	}
	var n *icpcheck.ServiceNumber
	o, _ := l.do(ctx, "read number (REST)", func(ctx context.Context) error {
		var err error
		n, err = l.admin.FindNumber(ctx, sn)
		return err
	})
	switch {
	case o.class == classRefused && o.detail == "sn_not_found":
		l.v.add("acknowledged write not read", "number %s, acknowledged on %s, not found", sn, want.instance)
	case o.class == classOK:
		if n.InstanceID != want.instance || n.Owner != want.owner {
			l.v.add("acknowledged write not read", "number %s read on %s of %s, acknowledged on %s of %s", sn, n.InstanceID, n.Owner, want.instance, want.owner)
		}
		if grantee != "" && n.GrantedTo != grantee {
			l.v.add("acknowledged write not read", "number %s read granted to %q, its grant to %s acknowledged", sn, n.GrantedTo, grantee)
		}
	default:
		l.refused("read number (REST)", o)
	}
}

// checkInstance checks a stored instance with acknowledged numbers: the ledger the check
// reads counts at least those, and no more than the quota.
func (l *load) checkInstance(ctx context.Context, rng *rand.Rand) {
	in, acked := l.ledger.randomAckedInstance(rng)
	if in == nil {
		l.issueContended(ctx, rng)
		return
	}
	var res *icpcheck.CheckResult
	o, _ := l.do(ctx, "check instance (REST)", func(ctx context.Context) error {
		var err error
		res, err = l.admin.CheckInstance(ctx, in.ID, time.Time{})
		return err
	})
	if o.class != classOK {
		l.refused("check instance (REST)", o)
		return
	}
	if res.Issued < len(acked) {
		l.v.add("acknowledged write not read", "check of %s counts %d issued, %d acknowledged before it", in.ID, res.Issued, len(acked))
	}
	if res.Quota > 0 && res.Issued > res.Quota {
		l.v.add("over quota", "check of %s counts %d issued, quota %d", in.ID, res.Issued, res.Quota)
	}
}
