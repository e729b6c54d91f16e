package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/bsnapi"
	"github.com/icpcheck/icpcheck/console"
	"github.com/icpcheck/icpcheck/demo"
	icphttp "github.com/icpcheck/icpcheck/http"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/metrics"
	"github.com/icpcheck/icpcheck/signature"
	"github.com/spf13/cobra"
)

// serveOptions are the flags of serve.
type serveOptions struct {
	addr            string
	demo            bool
	demoCount       int
	secureCookies   bool
	logFormat       string
	shutdownTimeout time.Duration
	monitor         monitorServeOptions
}

func (m *Main) serveCommand() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the REST API, Alibaba Cloud's Filing Service API and the web console over the store",
		Long: "serve listens on --addr and serves, over the store of --db: the REST API under /v1/ (described at\n" +
			"/openapi.json), Alibaba Cloud's Filing Service API at / (requests with an Action parameter), the web\n" +
			"console under /console/, and /healthz, /readyz and /metrics. SIGTERM or SIGINT stops it gracefully:\n" +
			"requests in flight finish first.",
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return m.serve(cmd.Context(), o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", m.env("ICPCHECK_ADDR", "127.0.0.1:8080"), "host:port to listen on (env ICPCHECK_ADDR)")
	f.BoolVar(&o.demo, "demo", false, "load a generated demo inventory into an empty store and print a demo admin and customer AccessKey pair")
	f.IntVar(&o.demoCount, "demo-count", 200, "instances of the --demo inventory")
	f.BoolVar(&o.secureCookies, "secure-cookies", false, "mark console cookies Secure (behind a TLS-terminating proxy)")
	f.StringVar(&o.logFormat, "log-format", "json", "access and error logs on stderr: json or text")
	f.DurationVar(&o.shutdownTimeout, "shutdown-timeout", icphttp.DefaultShutdownTimeout, "how long to wait for requests in flight when stopping")
	o.monitor.register(cmd, m)
	return cmd
}

// serve runs the server until ctx ends (SIGTERM or SIGINT), then shuts it down gracefully.
func (m *Main) serve(ctx context.Context, o serveOptions) error {
	if m.Server != "" {
		return usageError{errors.New(i18n.T(m.lang, "serve.server_flag"))}
	}
	if o.demoCount < 1 || o.demoCount > 1_000_000 {
		return usageError{fmt.Errorf("--demo-count %d: want 1 to 1000000", o.demoCount)}
	}
	logger, err := m.serveLogger(o.logFormat)
	if err != nil {
		return err
	}
	m.logger = logger
	p, err := m.Policy()
	if err != nil {
		return err
	}
	store, ctx, err := m.Store(ctx)
	if err != nil {
		return err
	}

	// The metrics decorator wraps the store once for every interface, so that REST, the
	// Filing Service API and the console are all counted the same way.
	mx := metrics.New()
	counted := mx.Store(store)
	verifier := &signature.Verifier{Keys: counted}
	s := icphttp.NewServer()
	s.Addr = o.addr
	s.Store = counted
	s.Policy = p
	s.Auth = verifier
	s.Logger = logger
	s.Metrics = mx
	s.ShutdownTimeout = o.shutdownTimeout
	s.BSN = bsnapi.New(counted, bsnapi.Options{Policy: p, Verifier: verifier, Logger: logger})
	mon, stopMonitors, err := m.startMonitors(ctx, store, p, logger, o.monitor)
	if err != nil {
		return err
	}
	defer stopMonitors()
	s.Monitor = mon
	s.Console = console.New(console.Options{Store: storeWithFindings(counted, mon), Policy: p, Logger: logger, Secure: o.secureCookies})

	var keys []*icpcheck.AccessKey
	if o.demo {
		if keys, err = m.loadDemo(ctx, store, o.demoCount); err != nil {
			return err
		}
	}
	if err := s.Open(); err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, i18n.T(m.lang, "serve.listening", s.URL()))
	fmt.Fprintln(m.Stdout, i18n.T(m.lang, "serve.console", s.URL()+"/console/"))
	m.printDemoKeys(s.URL(), keys)

	<-ctx.Done()
	fmt.Fprintln(m.Stderr, i18n.T(m.lang, "serve.stopping"))
	return s.Close()
}

func (m *Main) serveLogger(format string) (*slog.Logger, error) {
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(m.Stderr, nil)), nil
	case "text":
		return slog.New(slog.NewTextHandler(m.Stderr, nil)), nil
	}
	return nil, usageError{fmt.Errorf("--log-format %q: want json or text", format)}
}

// loadDemo puts a generated inventory into an empty store as the operator, and creates an
// admin and a customer AccessKey pair so that a new user can sign in. A store that already
// holds instances keeps them untouched; the keys are created anyway, since the secrets of
// earlier ones were shown only once.
func (m *Main) loadDemo(ctx context.Context, store icpcheck.Store, count int) ([]*icpcheck.AccessKey, error) {
	ctx = icpcheck.NewContextWithActor(ctx, icpcheck.Operator)
	_, total, err := store.FindInstances(ctx, icpcheck.InstanceFilter{Limit: 1})
	if err != nil {
		return nil, err
	}
	if total > 0 {
		fmt.Fprintln(m.Stderr, i18n.T(m.lang, "serve.demo_skipped", total))
	} else {
		ins := demo.Inventory(demo.Options{Seed: 1, Count: count, At: time.Now()})
		for _, in := range ins {
			if _, err := store.PutInstance(ctx, in); err != nil {
				return nil, err
			}
		}
		fmt.Fprintln(m.Stderr, i18n.T(m.lang, "serve.demo_loaded", len(ins)))
	}
	admin, err := store.CreateAccessKey(ctx, demo.Admin, icpcheck.RoleAdmin)
	if err != nil {
		return nil, err
	}
	customer, err := store.CreateAccessKey(ctx, demo.Customer, icpcheck.RoleCustomer)
	if err != nil {
		return nil, err
	}
	return []*icpcheck.AccessKey{admin, customer}, nil
}

func (m *Main) printDemoKeys(url string, keys []*icpcheck.AccessKey) {
	if len(keys) != 2 {
		return
	}
	admin, customer := keys[0], keys[1]
	fmt.Fprintln(m.Stdout, i18n.T(m.lang, "serve.demo_admin_key", admin.Account, admin.ID, admin.Secret))
	fmt.Fprintln(m.Stdout, i18n.T(m.lang, "serve.demo_customer_key", customer.Account, customer.ID, customer.Secret))
	fmt.Fprintln(m.Stdout, i18n.T(m.lang, "serve.demo_try", url, customer.ID, customer.Secret))
}
