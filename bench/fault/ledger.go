package main

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/demo"
)

// ledger is the clients' own account of what the server acknowledged, kept apart from the
// store so that the store can be checked against it, and of what the clients may act on
// next. It is safe for concurrent use.
type ledger struct {
	mu     sync.Mutex
	policy *icpcheck.Policy
	v      *violations

	instances map[string]*icpcheck.Instance // every instance the clients know: imported, or put and acknowledged
	inventory []string                      // the imported instances' ids
	templates []*icpcheck.Instance          // eligible imported instances that contended ones are copied from
	hot       []string                      // contended instances still open to issues
	putting   int                           // contended instances being put
	nextHot   int

	numbers   map[string]ackedNumber // acknowledged numbers by sn
	byInst    map[string][]string    // acknowledged numbers of each instance, in acknowledgement order
	ackedIDs  []string               // instances with acknowledged numbers, in the order of their first
	grantable []string               // acknowledged numbers of demo.Customer not yet granted
	grants    map[string]string      // acknowledged grants: sn -> grantee
	puts      int                    // acknowledged instance puts
	issues    int                    // acknowledged issue calls
}

// ackedNumber is a number as its acknowledgement gave it.
type ackedNumber struct {
	instance, owner string
}

func newLedger(p *icpcheck.Policy, v *violations, inventory, templates []*icpcheck.Instance) *ledger {
	l := &ledger{
		policy: p, v: v, templates: templates,
		instances: map[string]*icpcheck.Instance{},
		numbers:   map[string]ackedNumber{}, byInst: map[string][]string{}, grants: map[string]string{},
	}
	for _, in := range inventory {
		l.instances[in.ID] = in
		l.inventory = append(l.inventory, in.ID)
	}
	return l
}

func (l *ledger) quota(instanceID string) int {
	in := l.instances[instanceID]
	if in == nil {
		return 0
	}
	if rule := l.policy.Product(in.Product); rule != nil {
		return rule.Quota
	}
	return 0
}

// instance returns a known instance.
func (l *ledger) instance(id string) *icpcheck.Instance {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.instances[id]
}

// randomInventory returns one imported instance, eligible or not.
func (l *ledger) randomInventory(rng *rand.Rand) *icpcheck.Instance {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.instances[l.inventory[rng.IntN(len(l.inventory))]]
}

// hotInstance returns an open contended instance. When fewer than want are open or being
// put, it returns put instead: the caller is to put a new one (and call put or putFailed).
// It returns neither when none is open yet but enough are being put.
func (l *ledger) hotInstance(rng *rand.Rand, want int) (in *icpcheck.Instance, put bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.hot)+l.putting < want {
		l.putting++
		return nil, true
	}
	if len(l.hot) == 0 {
		return nil, false
	}
	return l.instances[l.hot[rng.IntN(len(l.hot))]], false
}

// newHot returns a new contended instance to put: a copy of an eligible imported instance
// under a new id, owned by demo.Customer every other time so that the customer's key issues
// and grants too.
func (l *ledger) newHot(rng *rand.Rand, run string) *icpcheck.Instance {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nextHot++
	in := *l.templates[rng.IntN(len(l.templates))]
	in.ID = fmt.Sprintf("i-fault-%s-%05d", run, l.nextHot)
	if l.nextHot%2 == 0 {
		in.Owner = demo.Customer
	}
	return &in
}

// put records an acknowledged put of a contended instance, which opens it to issues.
func (l *ledger) put(in *icpcheck.Instance) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.puts++
	l.putting--
	if _, known := l.instances[in.ID]; known {
		return // a retry of a put that had landed
	}
	l.instances[in.ID] = in
	l.hot = append(l.hot, in.ID)
}

// putFailed records that a put of a contended instance was not acknowledged.
func (l *ledger) putFailed() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.putting--
}

// close takes a contended instance out of the open set: its quota is used up.
func (l *ledger) close(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closeLocked(id)
}

// issued records the numbers of an acknowledged issue to instance, and checks the
// acknowledgement itself: the numbers are new, on that instance, owned by its owner, and
// no more than its quota were ever acknowledged.
func (l *ledger) issued(instanceID string, nums []*icpcheck.ServiceNumber) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.issues++
	in := l.instances[instanceID]
	for _, n := range nums {
		if n.InstanceID != instanceID || n.Owner != in.Owner {
			l.v.add("wrong acknowledgement", "number %s acknowledged for %s (owner %s), but shown on %s owned by %s",
				n.SN, instanceID, in.Owner, n.InstanceID, n.Owner)
		}
		if prev, dup := l.numbers[n.SN]; dup {
			l.v.add("number acknowledged twice", "number %s acknowledged again (first on %s)", n.SN, prev.instance)
			continue
		}
		l.numbers[n.SN] = ackedNumber{instance: instanceID, owner: in.Owner}
		if len(l.byInst[instanceID]) == 0 {
			l.ackedIDs = append(l.ackedIDs, instanceID)
		}
		l.byInst[instanceID] = append(l.byInst[instanceID], n.SN)
		if in.Owner == demo.Customer {
			l.grantable = append(l.grantable, n.SN)
		}
	}
	if q := l.quota(instanceID); len(l.byInst[instanceID]) > q {
		l.v.add("over quota", "%d numbers acknowledged for %s, whose quota is %d", len(l.byInst[instanceID]), instanceID, q)
	}
	if len(l.byInst[instanceID]) >= l.quota(instanceID) {
		l.closeLocked(instanceID)
	}
}

func (l *ledger) closeLocked(id string) {
	for i, h := range l.hot {
		if h == id {
			l.hot = append(l.hot[:i], l.hot[i+1:]...)
			return
		}
	}
}

// takeGrantable returns an acknowledged number of demo.Customer to grant, or "" when there
// is none; each is handed out once.
func (l *ledger) takeGrantable(rng *rand.Rand) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.grantable) == 0 {
		return ""
	}
	i := rng.IntN(len(l.grantable))
	sn := l.grantable[i]
	l.grantable[i] = l.grantable[len(l.grantable)-1]
	l.grantable = l.grantable[:len(l.grantable)-1]
	return sn
}

// granted records an acknowledged grant.
func (l *ledger) granted(sn, grantee string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.grants[sn] = grantee
}

// randomAcked returns an acknowledged number and what it was acknowledged as, and its grantee
// if a grant of it was acknowledged; ok is false when there is none yet.
func (l *ledger) randomAcked(rng *rand.Rand) (sn string, n ackedNumber, grantee string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.numbers) == 0 {
		return "", ackedNumber{}, "", false
	}
	// An instance is picked first, then one of its numbers: a map has no random access.
	sns := l.byInst[l.ackedIDs[rng.IntN(len(l.ackedIDs))]]
	sn = sns[rng.IntN(len(sns))]
	return sn, l.numbers[sn], l.grants[sn], true
}

// randomAckedInstance returns an instance with acknowledged numbers and those numbers, as of
// now: a read that starts after this must see every one of them.
func (l *ledger) randomAckedInstance(rng *rand.Rand) (*icpcheck.Instance, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ackedIDs) == 0 {
		return nil, nil
	}
	id := l.ackedIDs[rng.IntN(len(l.ackedIDs))]
	return l.instances[id], append([]string(nil), l.byInst[id]...)
}

// counts returns the acknowledged totals.
func (l *ledger) counts() (issues, numbers, grants, puts int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.issues, len(l.numbers), len(l.grants), l.puts
}
