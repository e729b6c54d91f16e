package main

import (
	"fmt"

	"github.com/icpcheck/icpcheck/demo"
	"github.com/icpcheck/icpcheck/instancefile"
	"github.com/spf13/cobra"
)

func (m *Main) demoCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Synthetic data for demos, tests and benchmarks",
	}
	var count int
	var seed int64
	var at, format string
	gen := &cobra.Command{
		Use:   "generate",
		Short: "Write a realistic synthetic inventory (seeded; every product and failure mode represented)",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, ok := instancefile.ParseFormat(format)
			if !ok || f == "" {
				return usageError{fmt.Errorf("--format %q: want jsonl or csv", format)}
			}
			if count < 0 {
				return usageError{fmt.Errorf("--count %d: want 0 or more", count)}
			}
			moment, err := m.parseAt(at)
			if err != nil {
				return err
			}
			w := instancefile.NewWriter(m.Stdout, f)
			g := demo.New(demo.Options{Seed: seed, Count: count, At: moment})
			for in := g.Next(); in != nil; in = g.Next() {
				if err := w.Write(in); err != nil {
					return err
				}
			}
			return w.Flush()
		},
	}
	gen.Flags().IntVar(&count, "count", 1000, "instances to generate, the hand-picked demo ones first")
	gen.Flags().Int64Var(&seed, "seed", 1, "seed: the same seed gives the same inventory")
	gen.Flags().StringVar(&at, "at", "", "the moment the inventory is realistic at (RFC 3339); default: now")
	gen.Flags().StringVar(&format, "format", "jsonl", "jsonl or csv")
	cmd.AddCommand(gen)
	return cmd
}
