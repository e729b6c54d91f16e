package main

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/icpcheck/icpcheck"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func (m *Main) filingsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "filings",
		Short: "Create filings and take them through their states",
	}
	cmd.AddCommand(m.filingsCreateCommand(), m.filingsListCommand(), m.filingsUpdateCommand())
	cmd.AddCommand(m.filingCommand("show ID", "Show one filing", func(ctx context.Context, s icpcheck.Store, id string) (*icpcheck.Filing, error) {
		return s.FindFiling(ctx, id)
	}))
	cmd.AddCommand(m.filingCommand("submit ID", "Verify the access information and submit the filing for review",
		func(ctx context.Context, s icpcheck.Store, id string) (*icpcheck.Filing, error) {
			return s.SubmitFiling(ctx, id)
		}))
	cmd.AddCommand(m.filingCommand("deregister ID", "Deregister a filing (注销备案); its number is never freed",
		func(ctx context.Context, s icpcheck.Store, id string) (*icpcheck.Filing, error) {
			return s.DeregisterFiling(ctx, id)
		}))
	cmd.AddCommand(m.filingCommand("remove-provider ID", "Remove the provider from a filed filing (取消接入); its number is never freed",
		func(ctx context.Context, s icpcheck.Store, id string) (*icpcheck.Filing, error) {
			return s.RemoveProvider(ctx, id)
		}))

	var beianNum, reason string
	approve := m.filingCommand("approve ID --beian-num 浙ICP备12345678号-1", "Record the MIIT filing number of a submitted filing",
		func(ctx context.Context, s icpcheck.Store, id string) (*icpcheck.Filing, error) {
			return s.ApproveFiling(ctx, id, beianNum)
		})
	approve.Flags().StringVar(&beianNum, "beian-num", "", "the MIIT filing number (备案号)")
	reject := m.filingCommand("reject ID [--reason TEXT]", "Send a submitted filing back to its filer",
		func(ctx context.Context, s icpcheck.Store, id string) (*icpcheck.Filing, error) {
			return s.RejectFiling(ctx, id, reason)
		})
	reject.Flags().StringVar(&reason, "reason", "", "why, shown to the filer")
	cmd.AddCommand(approve, reject)
	return cmd
}

// filingCommand is a command that does one thing to the filing its argument names and shows
// the filing afterwards.
func (m *Main) filingCommand(use, short string, do func(context.Context, icpcheck.Store, string) (*icpcheck.Filing, error)) *cobra.Command {
	return m.withStore(&cobra.Command{Use: use, Short: short, Args: args(cobra.ExactArgs(1))},
		func(ctx context.Context, store icpcheck.Store, format string, a []string) error {
			f, err := do(ctx, store, a[0])
			if err != nil {
				return m.explain(err)
			}
			return m.printFilings(format, f)
		})
}

func (m *Main) printFilings(format string, filings ...*icpcheck.Filing) error {
	if format == formatJSON {
		for _, f := range filings {
			if err := writeJSON(m.Stdout, f); err != nil {
				return err
			}
		}
		return nil
	}
	t := m.newTable("ledger.col.id", "ledger.col.type", "ledger.col.filer", "ledger.col.sn", "ledger.col.instance",
		"ledger.col.services", "ledger.col.state", "ledger.col.beian_num")
	for _, f := range filings {
		services := strings.Join(f.Domains, ",")
		if f.Type == icpcheck.FilingApp {
			services = f.AppName
		}
		t.row(f.ID, string(f.Type), f.Filer, f.SN, f.InstanceID, services, string(f.State), dash(f.BeianNum))
	}
	return t.flush()
}

// accessFlags registers the flags of declared access information.
type accessFlags struct {
	provider, method, region string
	ips                      []string
}

func (a *accessFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&a.provider, "access-provider", "", "declared access provider (the policy's provider, e.g. alibaba)")
	fl.StringVar(&a.method, "access-method", "", "declared access method (the product's, e.g. cloud_server)")
	fl.StringVar(&a.region, "access-region", "", "declared region of the instance")
	fl.StringSliceVar(&a.ips, "access-ip", nil, "declared IP address (repeat, or separate with commas)")
}

func (a *accessFlags) info() (icpcheck.AccessInfo, error) {
	info := icpcheck.AccessInfo{Provider: a.provider, Method: a.method, Region: a.region, IPs: []netip.Addr{}}
	for _, s := range a.ips {
		ip, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return info, usageError{fmt.Errorf("--access-ip %q: not an IP address", s)}
		}
		info.IPs = append(info.IPs, ip)
	}
	return info, nil
}

func (m *Main) filingsCreateCommand() *cobra.Command {
	var req icpcheck.FilingCreate
	var typ string
	var access accessFlags
	cmd := m.withStore(&cobra.Command{
		Use:   "create --type website|app (--sn SN | --instance ID) [--domain D]... [--app-name NAME] [--access-...]",
		Short: "Create a draft filing that binds a number, or one issued from the filer's own instance",
		Args:  args(cobra.NoArgs),
		PreRunE: func(*cobra.Command, []string) error {
			info, err := access.info()
			req.Type, req.Access = icpcheck.FilingType(typ), info
			return err
		},
	}, func(ctx context.Context, store icpcheck.Store, format string, _ []string) error {
		var err error
		if req.Filer == "" {
			if req.Filer, err = m.defaultFiler(ctx, store, req); err != nil {
				return err
			}
		}
		f, err := store.CreateFiling(ctx, req)
		if err != nil {
			return m.explain(err)
		}
		return m.printFilings(format, f)
	})
	fl := cmd.Flags()
	fl.StringVar(&typ, "type", "", "website or app")
	fl.StringVar(&req.Filer, "filer", "", "the filing account; default: the owner of the number or instance")
	fl.StringVar(&req.SN, "sn", "", "the number to bind")
	fl.StringVar(&req.InstanceID, "instance", "", "the filer's own instance: one number is issued and bound")
	fl.StringSliceVar(&req.Domains, "domain", nil, "a website's domain (repeat, or separate with commas)")
	fl.StringVar(&req.AppName, "app-name", "", "an app's name")
	access.register(fl)
	return cmd
}

// defaultFiler is the filer when --filer is not given: the owner of the number or instance
// named, as the operator acting for a customer means.
func (m *Main) defaultFiler(ctx context.Context, store icpcheck.Store, req icpcheck.FilingCreate) (string, error) {
	switch {
	case req.SN != "":
		n, err := store.FindNumber(ctx, req.SN)
		if err != nil {
			return "", err
		}
		return n.Owner, nil
	case req.InstanceID != "":
		rec, err := store.FindInstance(ctx, req.InstanceID)
		if err != nil {
			return "", err
		}
		return rec.Instance.Owner, nil
	}
	return "", nil
}

func (m *Main) filingsListCommand() *cobra.Command {
	var f icpcheck.FilingFilter
	var state, typ string
	cmd := m.withStore(&cobra.Command{
		Use:   "list [--filer ID] [--instance ID] [--sn SN] [--state S] [--type T] [--domain D]",
		Short: "List filings, newest first",
		Args:  args(cobra.NoArgs),
	}, func(ctx context.Context, store icpcheck.Store, format string, _ []string) error {
		f.State, f.Type = icpcheck.FilingState(state), icpcheck.FilingType(typ)
		filings, total, err := store.FindFilings(ctx, f)
		if err != nil {
			return err
		}
		if err := m.printFilings(format, filings...); err != nil {
			return err
		}
		m.printTotal(total, f.Offset, len(filings))
		return nil
	})
	fl := cmd.Flags()
	fl.StringVar(&f.Filer, "filer", "", "only this account's filings")
	fl.StringVar(&f.InstanceID, "instance", "", "only filings on this instance")
	fl.StringVar(&f.SN, "sn", "", "only the filing of this number")
	fl.StringVar(&state, "state", "", "only filings in this state (draft, submitted, filed, rejected, deregistered, provider_removed)")
	fl.StringVar(&typ, "type", "", "only website or app filings")
	fl.StringVar(&f.Domain, "domain", "", "only filings that list this domain")
	fl.IntVar(&f.Offset, "offset", 0, "skip this many")
	fl.IntVar(&f.Limit, "limit", icpcheck.DefaultPageSize, "at most this many (up to 1000)")
	return cmd
}

func (m *Main) filingsUpdateCommand() *cobra.Command {
	var domains []string
	var appName string
	var access accessFlags
	var cmd *cobra.Command
	cmd = m.withStore(&cobra.Command{
		Use:   "update ID [--domain D]... [--app-name NAME] [--access-...]",
		Short: "Change what a draft or rejected filing declares; flags not given stay as they are",
		Args:  args(cobra.ExactArgs(1)),
	}, func(ctx context.Context, store icpcheck.Store, format string, a []string) error {
		fl := cmd.Flags()
		var upd icpcheck.FilingUpdate
		if fl.Changed("domain") {
			upd.Domains = append([]string{}, domains...)
		}
		if fl.Changed("app-name") {
			upd.AppName = &appName
		}
		if fl.Changed("access-provider") || fl.Changed("access-method") || fl.Changed("access-region") || fl.Changed("access-ip") {
			cur, err := store.FindFiling(ctx, a[0])
			if err != nil {
				return err
			}
			// Access flags not given keep the filing's current values.
			if !fl.Changed("access-provider") {
				access.provider = cur.Access.Provider
			}
			if !fl.Changed("access-method") {
				access.method = cur.Access.Method
			}
			if !fl.Changed("access-region") {
				access.region = cur.Access.Region
			}
			info, err := access.info()
			if err != nil {
				return err
			}
			if !fl.Changed("access-ip") {
				info.IPs = cur.Access.IPs
			}
			upd.Access = &info
		}
		f, err := store.UpdateFiling(ctx, a[0], upd)
		if err != nil {
			return err
		}
		return m.printFilings(format, f)
	})
	fl := cmd.Flags()
	fl.StringSliceVar(&domains, "domain", nil, "the website's domains, replacing the current ones")
	fl.StringVar(&appName, "app-name", "", "the app's name")
	access.register(fl)
	return cmd
}
