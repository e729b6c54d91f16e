package main

import (
	"context"
	"fmt"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/spf13/cobra"
)

func (m *Main) keysCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Create, list and delete AccessKey pairs",
	}
	cmd.AddCommand(m.keysCreateCommand(), m.keysListCommand(), m.keysDeleteCommand())
	return cmd
}

// keyJSON is what keys create prints: the secret, shown this once.
type keyJSON struct {
	Account string `json:"account"`
	ID      string `json:"access_key_id"`
	Secret  string `json:"access_key_secret"`
}

func (m *Main) keysCreateCommand() *cobra.Command {
	var account, role string
	cmd := m.withStore(&cobra.Command{
		Use:     "create --account ID --role admin|customer",
		Short:   "Create an AccessKey pair for an account (created when missing); the secret is shown once",
		Args:    args(cobra.NoArgs),
		PreRunE: requireFlags("account"),
	}, func(ctx context.Context, store icpcheck.Store, format string, _ []string) error {
		k, err := store.CreateAccessKey(ctx, account, icpcheck.Role(role))
		if err != nil {
			return err
		}
		if format == formatJSON {
			return writeJSON(m.Stdout, keyJSON{Account: k.Account, ID: k.ID, Secret: k.Secret})
		}
		fmt.Fprintln(m.Stderr, i18n.T(m.lang, "ledger.key.created", k.Account, string(k.Role)))
		_, err = fmt.Fprintf(m.Stdout, "access_key_id:     %s\naccess_key_secret: %s\n", k.ID, k.Secret)
		return err
	})
	cmd.Flags().StringVar(&account, "account", "", "account id (digits)")
	cmd.Flags().StringVar(&role, "role", string(icpcheck.RoleCustomer), "role of a new account: admin or customer")
	return cmd
}

func (m *Main) keysListCommand() *cobra.Command {
	var account string
	cmd := m.withStore(&cobra.Command{
		Use:   "list [--account ID]",
		Short: "List AccessKey ids (never their secrets)",
		Args:  args(cobra.NoArgs),
	}, func(ctx context.Context, store icpcheck.Store, format string, _ []string) error {
		keys, err := store.FindAccessKeys(ctx, account)
		if err != nil {
			return err
		}
		if format == formatJSON {
			for _, k := range keys {
				if err := writeJSON(m.Stdout, k); err != nil {
					return err
				}
			}
			return nil
		}
		t := m.newTable("ledger.col.key", "ledger.col.account", "ledger.col.role", "ledger.col.created_at")
		for _, k := range keys {
			t.row(k.ID, k.Account, string(k.Role), formatTime(k.CreatedAt))
		}
		return t.flush()
	})
	cmd.Flags().StringVar(&account, "account", "", "only this account's keys")
	return cmd
}

func (m *Main) keysDeleteCommand() *cobra.Command {
	return m.withStore(&cobra.Command{
		Use:   "delete ACCESS_KEY_ID",
		Short: "Delete an AccessKey pair",
		Args:  args(cobra.ExactArgs(1)),
	}, func(ctx context.Context, store icpcheck.Store, _ string, a []string) error {
		if err := store.DeleteAccessKey(ctx, a[0]); err != nil {
			return err
		}
		_, err := fmt.Fprintln(m.Stdout, i18n.T(m.lang, "ledger.key.deleted", a[0]))
		return err
	})
}
