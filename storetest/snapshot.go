package storetest

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/icpcheck/icpcheck"
)

// snapshotInstances is how many instances the writers of testSnapshot fill, five numbers
// each: few enough that one page holds every number.
const snapshotInstances = 190

// testSnapshot lists numbers while writers issue them. A listing's page and its total come
// from one snapshot, so a page that holds every match holds exactly total numbers; under
// PostgreSQL's READ COMMITTED each statement took its own snapshot, and numbers committed
// between the count and the page made them disagree.
func testSnapshot(t *testing.T, open OpenFunc) {
	e := NewEnv(t, open)
	const writers = 4
	var next atomic.Int64
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := next.Add(1); k <= snapshotInstances; k = next.Add(1) {
				id := "i-snapshot-" + itoa(int(k))
				if _, err := e.DB.PutInstance(e.Admin, ECS(id, "1001")); err != nil {
					t.Errorf("PutInstance(%s): %v", id, err)
					return
				}
				for range 5 {
					if _, err := e.DB.IssueNumbers(e.Admin, icpcheck.IssueRequest{InstanceID: id, Num: 1}); err != nil {
						t.Errorf("IssueNumbers(%s): %v", id, err)
						return
					}
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	for listings := 0; ; listings++ {
		select {
		case <-done:
			t.Logf("%d listings while the writers wrote", listings)
			return
		default:
		}
		nums, total, err := e.DB.FindNumbers(e.Admin, icpcheck.NumberFilter{Limit: icpcheck.MaxPageSize})
		NoError(t, err)
		if len(nums) != total {
			<-done
			t.Fatalf("listing %d: %d numbers on a page of up to %d, total %d: not one snapshot", listings, len(nums), icpcheck.MaxPageSize, total)
		}
	}
}
