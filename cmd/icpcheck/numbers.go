package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/icpcheck/icpcheck"
	"github.com/spf13/cobra"
)

func (m *Main) numbersCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "numbers",
		Short: "Issue, list, grant and void service numbers (服务号)",
	}
	cmd.AddCommand(m.numbersApplyCommand(), m.numbersListCommand(), m.numbersShowCommand(),
		m.numbersGrantCommand(), m.numbersVoidCommand())
	return cmd
}

// printNumbers writes numbers as JSON Lines or a table.
func (m *Main) printNumbers(format string, nums ...*icpcheck.ServiceNumber) error {
	if format == formatJSON {
		for _, n := range nums {
			if err := writeJSON(m.Stdout, n); err != nil {
				return err
			}
		}
		return nil
	}
	t := m.newTable("ledger.col.sn", "ledger.col.instance", "ledger.col.seq", "ledger.col.owner",
		"ledger.col.granted_to", "ledger.col.state", "ledger.col.filing", "ledger.col.issued_at")
	for _, n := range nums {
		t.row(n.SN, n.InstanceID, strconv.Itoa(n.Seq), n.Owner, dash(n.GrantedTo),
			fmt.Sprintf("%d %s", n.State, n.State), dash(n.FilingID), formatTime(n.IssuedAt))
	}
	return t.flush()
}

func (m *Main) numbersApplyCommand() *cobra.Command {
	var req icpcheck.IssueRequest
	cmd := m.withStore(&cobra.Command{
		Use:     "apply --instance ID --num N [--owner ID]",
		Short:   "Issue N new numbers to an eligible instance, all or nothing (ProductBindBsn)",
		Args:    args(cobra.NoArgs),
		PreRunE: requireFlags("instance"),
	}, func(ctx context.Context, store icpcheck.Store, format string, _ []string) error {
		nums, err := store.IssueNumbers(ctx, req)
		if err != nil {
			return m.explain(err)
		}
		return m.printNumbers(format, nums...)
	})
	fl := cmd.Flags()
	fl.StringVar(&req.InstanceID, "instance", "", "instance id")
	fl.StringVar(&req.Owner, "owner", "", "the instance's owner, checked when given")
	fl.StringVar(&req.Product, "product", "", "the instance's product, checked when given")
	fl.IntVar(&req.Num, "num", 1, "how many numbers (1 to 20)")
	return cmd
}

func (m *Main) numbersListCommand() *cobra.Command {
	var f icpcheck.NumberFilter
	var state string
	cmd := m.withStore(&cobra.Command{
		Use:   "list [--instance ID] [--account ID] [--state S]",
		Short: "List numbers in issue order",
		Args:  args(cobra.NoArgs),
		PreRunE: func(*cobra.Command, []string) error {
			if state == "" {
				return nil
			}
			st, ok := icpcheck.ParseNumberState(state)
			if !ok {
				return usageError{fmt.Errorf("--state %q: want unbound, bound, filed, invalid, under_review or 0..4", state)}
			}
			f.State = &st
			return nil
		},
	}, func(ctx context.Context, store icpcheck.Store, format string, _ []string) error {
		nums, total, err := store.FindNumbers(ctx, f)
		if err != nil {
			return err
		}
		if err := m.printNumbers(format, nums...); err != nil {
			return err
		}
		m.printTotal(total, f.Offset, len(nums))
		return nil
	})
	fl := cmd.Flags()
	fl.StringVar(&f.InstanceID, "instance", "", "only this instance's numbers")
	fl.StringVar(&f.Account, "account", "", "only numbers owned by or granted to this account")
	fl.StringVar(&state, "state", "", "only numbers in this state")
	fl.IntVar(&f.Offset, "offset", 0, "skip this many")
	fl.IntVar(&f.Limit, "limit", icpcheck.DefaultPageSize, "at most this many (up to 1000)")
	return cmd
}

func (m *Main) numbersShowCommand() *cobra.Command {
	return m.withStore(&cobra.Command{
		Use:   "show SN",
		Short: "Show one number",
		Args:  args(cobra.ExactArgs(1)),
	}, func(ctx context.Context, store icpcheck.Store, format string, a []string) error {
		n, err := store.FindNumber(ctx, a[0])
		if err != nil {
			return err
		}
		return m.printNumbers(format, n)
	})
}

func (m *Main) numbersGrantCommand() *cobra.Command {
	var owner, to, notes string
	cmd := m.withStore(&cobra.Command{
		Use:     "grant SN --to ID [--notes TEXT]",
		Short:   "Grant an unbound number to another account (GrantBsnCode)",
		Args:    args(cobra.ExactArgs(1)),
		PreRunE: requireFlags("to"),
	}, func(ctx context.Context, store icpcheck.Store, format string, a []string) error {
		if owner == "" {
			n, err := store.FindNumber(ctx, a[0])
			if err != nil {
				return err
			}
			owner = n.Owner
		}
		n, err := store.GrantNumber(ctx, a[0], owner, to, notes)
		if err != nil {
			return err
		}
		return m.printNumbers(format, n)
	})
	fl := cmd.Flags()
	fl.StringVar(&owner, "owner", "", "the number's owner, checked when given; default: its owner")
	fl.StringVar(&to, "to", "", "the account to grant it to")
	fl.StringVar(&notes, "notes", "", "notes kept with the grant")
	return cmd
}

func (m *Main) numbersVoidCommand() *cobra.Command {
	var reason string
	cmd := m.withStore(&cobra.Command{
		Use:   "void SN [--reason TEXT]",
		Short: "Make a number invalid (state 3); it stays counted against the quota",
		Args:  args(cobra.ExactArgs(1)),
	}, func(ctx context.Context, store icpcheck.Store, format string, a []string) error {
		n, err := store.VoidNumber(ctx, a[0], reason)
		if err != nil {
			return err
		}
		return m.printNumbers(format, n)
	})
	cmd.Flags().StringVar(&reason, "reason", "", "why, kept with the number")
	return cmd
}
