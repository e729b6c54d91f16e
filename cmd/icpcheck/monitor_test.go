package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/icpcheck/icpcheck/dns/dnstest"
)

// TestFilingToMonitor takes a filing from draft to filed through the CLI, each access
// mismatch refused with its own code, and then watches it with both monitors until it is
// deregistered.
func TestFilingToMonitor(t *testing.T) {
	db := filepath.Join(t.TempDir(), "icpcheck.db")
	run := func(stdin string, args ...string) string {
		t.Helper()
		out, errOut, status := ledgerRun(t, db, stdin, args...)
		if status != exitOK {
			t.Fatalf("icpcheck %s: status %d\n%s%s", strings.Join(args, " "), status, out, errOut)
		}
		return out
	}
	run(ledgerInstance("i-1", "1001", "cn-hangzhou")+"\n", "import", "-")
	var f struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	good := []string{"--access-provider", "alibaba", "--access-method", "cloud_server", "--access-region", "cn-hangzhou", "--access-ip", "47.96.10.20"}
	out := run("", append([]string{"filings", "create", "--type", "website", "--instance", "i-1", "--domain", "www.example.com,shop.example.com", "--format", "json"}, good...)...)
	if err := json.Unmarshal([]byte(out), &f); err != nil || f.State != "draft" {
		t.Fatalf("created %s (%v)", out, err)
	}

	// Each mismatch on its own: the submit is refused naming exactly that check.
	for _, tc := range []struct {
		flag, value, code string
	}{
		{"--access-provider", "tencent", "access_provider"},
		{"--access-method", "virtual_host", "access_method"},
		{"--access-region", "cn-beijing", "access_region"},
		{"--access-region", "cn-hongkong", "access_mainland"},
		{"--access-ip", "8.8.8.8", "access_ip"},
	} {
		args := slices.Clone(good)
		i := slices.Index(args, tc.flag)
		args[i+1] = tc.value
		run("", append([]string{"filings", "update", f.ID}, args...)...)
		_, errOut, status := ledgerRun(t, db, "", "filings", "submit", f.ID)
		if status != exitFail || !strings.Contains(errOut, "✗ "+tc.code+":") {
			t.Fatalf("%s %s: status %d\n%s", tc.flag, tc.value, status, errOut)
		}
		for _, other := range []string{"access_provider", "access_method", "access_ip"} {
			if other != tc.code && strings.Contains(errOut, "✗ "+other+":") {
				t.Fatalf("%s %s also fails %s:\n%s", tc.flag, tc.value, other, errOut)
			}
		}
	}
	run("", append([]string{"filings", "update", f.ID}, good...)...)
	run("", "filings", "submit", f.ID)
	run("", "filings", "approve", f.ID, "--beian-num", "浙ICP备12345678号-1")

	// The access monitor resolves through a loopback server: www points at the declared
	// address, shop does not exist.
	zone := dnstest.NewZone()
	zone.SetAddrs("www.example.com", "47.96.10.20")
	srv, err := dnstest.Start(zone)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	_, errOut, status := ledgerRun(t, db, "", "monitor", "access")
	if status != exitUsage || !strings.Contains(errOut, "--dns-server") {
		t.Fatalf("access without --dns-server: %d %s", status, errOut)
	}
	findings := func(out string) map[string]map[string]any {
		t.Helper()
		m := map[string]map[string]any{}
		if strings.TrimSpace(out) == "" {
			return m
		}
		for _, l := range jsonLines(t, out) {
			m[l["key"].(string)] = l
		}
		return m
	}
	got := findings(run("", "monitor", "access", "--dns-server", srv.Addr, "--dns-timeout", "500ms"))
	key := "access/dns_unresolved/" + f.ID + "/shop.example.com"
	if len(got) != 1 || got[key] == nil || got[key]["reason"] != "nxdomain" || got[key]["message"] == "" {
		t.Fatalf("access findings %v", got)
	}
	if listed := findings(run("", "monitor", "findings")); len(listed) != 1 || listed[key] == nil {
		t.Fatalf("monitor findings %v", listed)
	}
	if table := run("", "monitor", "findings", "--format", "table"); !strings.Contains(table, "dns_unresolved") || !strings.Contains(table, "shop.example.com") {
		t.Fatalf("table:\n%s", table)
	}

	// The instance is covered for a year from a month ago: in 11 months and a day it has
	// expired, putting the filing at risk.
	at := time.Now().AddDate(0, 11, 1).Format(time.RFC3339)
	got = findings(run("", "monitor", "expiry", "--at", at))
	if e := got["expiry/expired/i-1"]; len(got) != 1 || e == nil || e["filings"].([]any)[0] != f.ID || e["cancellation_deadline"] == nil {
		t.Fatalf("expiry findings %v", got)
	}

	// Fixed in DNS, the access finding resolves; deregistered, the filing is watched no more.
	zone.SetAddrs("shop.example.com", "47.96.10.20")
	if got = findings(run("", "monitor", "access", "--dns-server", srv.Addr)); len(got) != 0 {
		t.Fatalf("after the fix: %v", got)
	}
	zone.Delete("shop.example.com")
	run("", "filings", "deregister", f.ID)
	if got = findings(run("", "monitor", "access", "--dns-server", srv.Addr)); len(got) != 0 {
		t.Fatalf("after deregistering: %v", got)
	}
	all := findings(run("", "monitor", "findings", "--all", "--monitor", "access"))
	if a := all[key]; a == nil || a["resolution"] != "fixed" {
		t.Fatalf("all findings %v", all)
	}

	// Bad usage is refused before anything runs.
	for _, args := range [][]string{
		{"monitor", "access", "--dns-server", "not a server"},
		{"monitor", "expiry", "--at", "yesterday"},
		{"monitor", "expiry", "--format", "xml"},
		{"monitor", "findings", "--monitor", "disk"},
		{"advise", "--domain", "example.com", "--service", "ecs"},
		{"advise", "--domain", "example.com", "--service", "cdn", "--origin", "self_managed"},
	} {
		if _, errOut, status := ledgerRun(t, db, "", args...); status != exitUsage {
			t.Errorf("%v: status %d, want %d\n%s", args, status, exitUsage, errOut)
		}
	}
}

func TestAdvise(t *testing.T) {
	db := filepath.Join(t.TempDir(), "icpcheck.db")
	out, errOut, status := ledgerRun(t, db, "", "advise", "--domain", "www.example.com", "--service", "waf",
		"--origin", "this_provider", "--provider-listed", "--origin-provider-listed=false")
	if status != exitOK {
		t.Fatalf("status %d: %s", status, errOut)
	}
	var a struct {
		Items []struct{ Code, Verdict string } `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatal(err)
	}
	want := []struct{ Code, Verdict string }{{"waf_filing", "not_needed"}, {"origin_this_provider", "origin_unreachable"}}
	if !slices.Equal(a.Items, want) {
		t.Fatalf("items %v, want %v", a.Items, want)
	}
}
