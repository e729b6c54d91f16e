package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/dns"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/monitor"
	"github.com/spf13/cobra"
)

// dnsOptions are the resolver flags of the access monitor, here and in serve.
type dnsOptions struct {
	server      string
	timeout     time.Duration
	concurrency int
}

func (o *dnsOptions) register(cmd *cobra.Command, m *Main) {
	f := cmd.Flags()
	f.StringVar(&o.server, "dns-server", m.env("ICPCHECK_DNS_SERVER", ""), "DNS server (host:port) the access monitor resolves filed domains through (env ICPCHECK_DNS_SERVER)")
	f.DurationVar(&o.timeout, "dns-timeout", dns.DefaultTimeout, "timeout of one DNS query")
	f.IntVar(&o.concurrency, "dns-concurrency", dns.DefaultConcurrency, "domains resolved at once")
}

// resolver returns the resolver of the flags, or nil when no server is set.
func (o *dnsOptions) resolver() (*dns.Resolver, error) {
	if o.server == "" {
		return nil, nil
	}
	if o.concurrency < 1 || o.concurrency > dns.MaxConcurrency {
		return nil, usageError{fmt.Errorf("--dns-concurrency %d: want 1 to %d", o.concurrency, dns.MaxConcurrency)}
	}
	if o.timeout <= 0 {
		return nil, usageError{fmt.Errorf("--dns-timeout %v: want a positive duration", o.timeout)}
	}
	r, err := dns.New(dns.Config{Server: o.server, Timeout: o.timeout, Concurrency: o.concurrency})
	if err != nil {
		return nil, usageError{fmt.Errorf("--dns-server: %s", icpcheck.ErrorMessage(i18n.EN, err))}
	}
	return r, nil
}

func (m *Main) monitorCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "monitor",
		Short: "Run the expiry and access monitors and list their findings",
		Long: "monitor expiry finds instances that carry bound, under-review or filed numbers and expire within the\n" +
			"policy's reminder days, or have expired, with the filings they put at risk. monitor access resolves\n" +
			"every filed website domain through --dns-server and finds those that do not resolve, resolve outside\n" +
			"the provider's active mainland instances, to an address the filing does not declare, or to an expired\n" +
			"instance. A run records its findings in the store (first seen, last seen; a problem no longer seen is\n" +
			"resolved) and prints the open ones; monitor findings lists them.",
	}
	for _, name := range icpcheck.Monitors {
		cmd.AddCommand(m.monitorRunCommand(name))
	}
	cmd.AddCommand(m.findingsCommand())
	return cmd
}

func (m *Main) monitorRunCommand(name string) *cobra.Command {
	var (
		at, format string
		dnsOpts    dnsOptions
	)
	cmd := &cobra.Command{
		Use:   name,
		Short: map[string]string{icpcheck.MonitorExpiry: "Run the expiry monitor once and print its open findings", icpcheck.MonitorAccess: "Resolve every filed website domain once and print the access monitor's open findings"}[name],
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFindingFormat(format); err != nil {
				return err
			}
			t, err := m.parseAt(at)
			if err != nil {
				return err
			}
			svc, ctx, err := m.monitorService(cmd.Context(), &dnsOpts, name == icpcheck.MonitorAccess)
			if err != nil {
				return err
			}
			rep, err := svc.RunMonitor(ctx, name, t)
			if err != nil {
				return err
			}
			fmt.Fprintln(m.Stderr, i18n.T(m.lang, "monitor.cli.summary", rep.Monitor, rep.Checked, rep.Result.Opened, rep.Result.Resolved, rep.Result.Open))
			return m.printFindings(rep.Findings, format)
		},
	}
	f := cmd.Flags()
	f.StringVar(&at, "at", "", "the moment to judge at (RFC 3339); default: now")
	f.StringVar(&format, "format", "json", "output: json (one finding a line) or table")
	if name == icpcheck.MonitorAccess {
		dnsOpts.register(cmd, m)
	}
	return cmd
}

func (m *Main) findingsCommand() *cobra.Command {
	var (
		all               bool
		mon, kind, format string
	)
	cmd := &cobra.Command{
		Use:   "findings",
		Short: "List the monitors' open findings (--all: resolved ones too)",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFindingFormat(format); err != nil {
				return err
			}
			if mon != "" && !icpcheck.ValidMonitor(mon) {
				return usageError{errors.New("--monitor " + mon + ": want " + strings.Join(icpcheck.Monitors, " or "))}
			}
			svc, ctx, err := m.monitorService(cmd.Context(), &dnsOptions{}, false)
			if err != nil {
				return err
			}
			var out []*icpcheck.Finding
			for off := 0; ; off += icpcheck.MaxPageSize {
				page, total, err := svc.FindFindings(ctx, icpcheck.FindingFilter{Monitor: mon, Kind: kind, All: all, Offset: off, Limit: icpcheck.MaxPageSize})
				if err != nil {
					return err
				}
				out = append(out, page...)
				if len(page) == 0 || off+len(page) >= total {
					break
				}
			}
			return m.printFindings(out, format)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&all, "all", false, "resolved findings too")
	f.StringVar(&mon, "monitor", "", "only this monitor's: expiry or access")
	f.StringVar(&kind, "kind", "", "only findings of this kind (expired, dns_unresolved ...)")
	f.StringVar(&format, "format", "json", "output: json (one finding a line) or table")
	return cmd
}

func checkFindingFormat(format string) error {
	if format != "json" && format != "table" {
		return usageError{fmt.Errorf("--format %q: want json or table", format)}
	}
	return nil
}

// monitorService returns the monitors of --server, or a Runner over the local store.
func (m *Main) monitorService(ctx context.Context, o *dnsOptions, needDNS bool) (icpcheck.MonitorService, context.Context, error) {
	store, ctx, err := m.Store(ctx)
	if err != nil {
		return nil, nil, err
	}
	if svc, ok := store.(icpcheck.MonitorService); ok {
		if o.server != "" {
			return nil, nil, usageError{errors.New("--dns-server: a server resolves through its own --dns-server; drop the flag with --server")}
		}
		return svc, ctx, nil
	}
	fs, ok := store.(icpcheck.FindingService)
	if !ok {
		return nil, nil, icpcheck.Errorf(icpcheck.EUNAVAILABLE, "unavailable")
	}
	p, err := m.Policy()
	if err != nil {
		return nil, nil, err
	}
	r, err := o.resolver()
	if err != nil {
		return nil, nil, err
	}
	if needDNS && r == nil {
		return nil, nil, usageError{errors.New("--dns-server is required: the DNS server (host:port) to resolve filed domains through")}
	}
	return &monitor.Runner{Store: fs, Policy: p, Resolver: r}, ctx, nil
}

// findingLine is a finding as the CLI prints it: with its message and remedy in the chosen
// language.
type findingLine struct {
	*icpcheck.Finding
	Message string `json:"message"`
	Remedy  string `json:"remedy"`
}

func (m *Main) printFindings(fs []*icpcheck.Finding, format string) error {
	if format == "table" {
		w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		for _, f := range fs {
			state := f.FirstSeen.Format(time.RFC3339)
			if !f.Open() {
				state += " → " + f.ResolvedAt.Format(time.RFC3339) + " " + f.Resolution
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", f.Kind, subjectOf(f), state, f.Message(m.lang))
		}
		return w.Flush()
	}
	enc := json.NewEncoder(m.Stdout)
	enc.SetEscapeHTML(false)
	for _, f := range fs {
		if err := enc.Encode(findingLine{Finding: f, Message: f.Message(m.lang), Remedy: f.Remedy(m.lang)}); err != nil {
			return err
		}
	}
	return nil
}

// subjectOf names what a finding is about in a table: the instance, or the filing's domain
// and address.
func subjectOf(f *icpcheck.Finding) string {
	if f.Monitor == icpcheck.MonitorExpiry {
		return f.InstanceID
	}
	s := f.FilingID + " " + f.Domain
	if f.IP.IsValid() {
		s += " " + f.IP.String()
	}
	return s
}

// monitorServeOptions are serve's monitor flags.
type monitorServeOptions struct {
	interval      time.Duration
	dns           dnsOptions
	webhookURL    string
	webhookSecret string
}

// webhookPoll is how often serve looks for webhook events due a retry; runs that change
// findings wake the sender at once.
const webhookPoll = 15 * time.Second

func (o *monitorServeOptions) register(cmd *cobra.Command, m *Main) {
	f := cmd.Flags()
	f.DurationVar(&o.interval, "monitor-interval", 0, "run the expiry monitor (and with --dns-server the access monitor) this often, e.g. 1h; 0: only on request")
	o.dns.register(cmd, m)
	f.StringVar(&o.webhookURL, "webhook-url", m.env("ICPCHECK_WEBHOOK_URL", ""), "POST each finding opened or resolved to this URL, signed with --webhook-secret (env ICPCHECK_WEBHOOK_URL)")
	f.StringVar(&o.webhookSecret, "webhook-secret", m.env("ICPCHECK_WEBHOOK_SECRET", ""), "HMAC-SHA256 key of the webhook signature; the environment is the better place for it (env ICPCHECK_WEBHOOK_SECRET)")
}

// startMonitors makes the monitors of a server over store and starts what the flags ask to
// run in the background until ctx ends: the periodic runs and the webhook sender. It returns
// the monitors for the REST API and the console (nil when the store keeps no findings) and a
// function that stops the background work and waits for it.
func (m *Main) startMonitors(ctx context.Context, store icpcheck.Store, p *icpcheck.Policy, logger *slog.Logger, o monitorServeOptions) (icpcheck.MonitorService, func(), error) {
	if o.interval < 0 {
		return nil, nil, usageError{fmt.Errorf("--monitor-interval %v: want 0 (off) or a positive duration", o.interval)}
	}
	if o.webhookURL != "" {
		if err := monitor.ValidateWebhookURL(o.webhookURL); err != nil {
			return nil, nil, usageError{fmt.Errorf("--webhook-url: %s", icpcheck.ErrorMessage(m.lang, err))}
		}
		if o.webhookSecret == "" {
			return nil, nil, usageError{errors.New("--webhook-url needs --webhook-secret (or ICPCHECK_WEBHOOK_SECRET): receivers must be able to check the signature")}
		}
	}
	r, err := o.dns.resolver()
	if err != nil {
		return nil, nil, err
	}
	fs, ok := store.(icpcheck.FindingService)
	if !ok {
		return nil, func() {}, nil
	}
	runner := &monitor.Runner{Store: fs, Policy: p, Resolver: r, Logger: logger}
	// The background work stops with the returned function too, so that a serve that fails
	// before ctx ends does not wait for it forever.
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if o.webhookURL != "" {
		wh := &monitor.Webhook{URL: o.webhookURL, Secret: []byte(o.webhookSecret), Store: fs, Logger: logger}
		runner.OnChange = wh.Wake
		wg.Go(func() { wh.Loop(ctx, webhookPoll) })
	}
	if o.interval > 0 {
		wg.Go(func() { runner.Loop(ctx, o.interval) })
	}
	return runner, func() { cancel(); wg.Wait() }, nil
}

// withFindings is a store that also lists findings, for the console, which asks its store.
type withFindings struct {
	icpcheck.Store
	icpcheck.MonitorService
}

// storeWithFindings returns store with the findings of mon, or store alone when mon is nil.
func storeWithFindings(store icpcheck.Store, mon icpcheck.MonitorService) icpcheck.Store {
	if mon == nil {
		return store
	}
	return withFindings{Store: store, MonitorService: mon}
}
