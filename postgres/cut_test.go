package postgres_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/sqlstore"
	"github.com/icpcheck/icpcheck/storetest"
)

// TestConnectionCut cuts the store's connections the way a crash of PostgreSQL (or of the
// network) does: the query is sent and the connection then closes without an answer. Every
// call fails with EUNAVAILABLE, which clients retry, not with the driver's "unexpected EOF"
// as an internal error.
func TestConnectionCut(t *testing.T) {
	dsn := NewSchema(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := newCutProxy(t, u.Host)
	u.Host = p.addr
	db := MustOpen(t, u.String(), sqlstore.Options{})
	admin := icpcheck.NewContextWithActor(context.Background(), icpcheck.Operator)
	in := storetest.ECS("i-cut", "1001")
	if _, err := db.PutInstance(admin, in); err != nil {
		t.Fatal(err)
	}

	p.cut.Store(true)
	_, err = db.FindInstance(admin, in.ID)
	storetest.WantError(t, err, icpcheck.EUNAVAILABLE, "unavailable")
	_, err = db.IssueNumbers(admin, icpcheck.IssueRequest{InstanceID: in.ID, Num: 1})
	storetest.WantError(t, err, icpcheck.EUNAVAILABLE, "unavailable")
}

// cutProxy forwards TCP connections to PostgreSQL until cut is set; from then on it closes
// a connection as soon as the client sends on it, before PostgreSQL can answer.
type cutProxy struct {
	addr string
	cut  atomic.Bool
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.serve(client, target)
			}()
		}
	}()
	return p
}

func (p *cutProxy) serve(client net.Conn, target string) {
	defer client.Close()
	server, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer server.Close()
	go io.Copy(client, server)
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		if err != nil || p.cut.Load() {
			return // the deferred Closes cut both sides
		}
		if _, err := server.Write(buf[:n]); err != nil {
			return
		}
	}
}
