package main

import (
	"fmt"
	"os"

	"github.com/icpcheck/icpcheck/policy"
	"github.com/spf13/cobra"
)

func (m *Main) policyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Show or validate a policy document",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "show",
		Short: "Print the policy in effect (--policy FILE, or the embedded default)",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, doc, err := policy.Load(m.PolicyFile)
			if err != nil {
				return err
			}
			_, err = m.Stdout.Write(doc)
			return err
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "validate FILE...",
		Short: "Report every problem of policy documents, each with its line and column",
		Args:  args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, files []string) error {
			bad := false
			for _, name := range files {
				p, _, err := policy.Load(name)
				if pe, ok := policy.AsError(err); ok {
					fmt.Fprintln(m.Stdout, pe.Localized(m.lang))
					bad = true
					continue
				} else if err != nil {
					if os.IsNotExist(err) {
						return usageError{err}
					}
					return err
				}
				fmt.Fprintf(m.Stdout, "%s: ok (provider %s, version %s, %d products, %d conditions)\n",
					name, p.Provider, p.Version, len(p.Products), len(p.Conditions))
			}
			if bad {
				return errPartial
			}
			return nil
		},
	})
	return cmd
}
