package main

import (
	"context"
	"fmt"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/spf13/cobra"
)

func (m *Main) auditCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read and verify the hash-chained audit log",
	}
	cmd.AddCommand(m.auditListCommand(), m.auditVerifyCommand())
	return cmd
}

func (m *Main) auditListCommand() *cobra.Command {
	var f icpcheck.AuditFilter
	cmd := m.withStore(&cobra.Command{
		Use:   "list [--subject S] [--action A] [--after SEQ] [--limit N]",
		Short: "List audit events in order",
		Args:  args(cobra.NoArgs),
	}, func(ctx context.Context, store icpcheck.Store, format string, _ []string) error {
		events, err := store.FindAuditEvents(ctx, f)
		if err != nil {
			return err
		}
		if format == formatJSON {
			for _, e := range events {
				if err := writeJSON(m.Stdout, e); err != nil {
					return err
				}
			}
			return nil
		}
		t := m.newTable("ledger.col.seq_audit", "ledger.col.time", "ledger.col.actor", "ledger.col.action", "ledger.col.subject", "ledger.col.data")
		for _, e := range events {
			t.row(fmt.Sprint(e.Seq), formatTime(e.Time), e.Actor, e.Action, e.Subject, string(e.Data))
		}
		return t.flush()
	})
	fl := cmd.Flags()
	fl.StringVar(&f.Subject, "subject", "", "only events about this sn, instance, filing, key or account")
	fl.StringVar(&f.Action, "action", "", "only events of this action (number.issue, filing.submit ...)")
	fl.Int64Var(&f.AfterSeq, "after", 0, "only events after this seq")
	fl.IntVar(&f.Limit, "limit", icpcheck.DefaultPageSize, "at most this many events (up to 1000)")
	return cmd
}

func (m *Main) auditVerifyCommand() *cobra.Command {
	return m.withStore(&cobra.Command{
		Use:   "verify",
		Short: "Verify the whole hash chain; exit 1 naming the first bad event when it is broken",
		Args:  args(cobra.NoArgs),
	}, func(ctx context.Context, store icpcheck.Store, format string, _ []string) error {
		v, err := store.VerifyAudit(ctx)
		if err != nil {
			return err
		}
		switch {
		case format == formatJSON:
			if err := writeJSON(m.Stdout, v); err != nil {
				return err
			}
		case v.OK:
			fmt.Fprintln(m.Stdout, i18n.T(m.lang, "ledger.audit.ok", v.Events))
		default:
			fmt.Fprintln(m.Stdout, i18n.T(m.lang, "ledger.audit.broken", v.FirstBad, i18n.T(m.lang, "ledger.audit.problem."+v.Problem), v.Events))
		}
		if !v.OK {
			return errPartial
		}
		return nil
	})
}
