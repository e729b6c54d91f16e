package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/spf13/cobra"
)

// Output formats of the ledger commands: json writes one object a line (a listing is JSON
// Lines), table writes aligned columns for people.
const (
	formatJSON  = "json"
	formatTable = "table"
)

// formatFlag registers --format on cmd and returns where its value lands.
func formatFlag(cmd *cobra.Command, def string) *string {
	var f string
	cmd.Flags().StringVar(&f, "format", def, "output: json or table")
	return &f
}

func checkFormat(f string) error {
	if f != formatJSON && f != formatTable {
		return usageError{fmt.Errorf("--format %q: want json or table", f)}
	}
	return nil
}

// writeJSON writes v as one line of JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// table writes rows of cells under headers given as catalog keys.
type table struct {
	tw *tabwriter.Writer
}

func (m *Main) newTable(headers ...string) *table {
	t := &table{tw: tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)}
	cells := make([]string, len(headers))
	for i, h := range headers {
		cells[i] = i18n.T(m.lang, h)
	}
	t.row(cells...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(c)
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// printTotal tells how much of a listing was shown.
func (m *Main) printTotal(total, offset, shown int) {
	if total > shown {
		fmt.Fprintln(m.Stderr, i18n.T(m.lang, "ledger.total", total, offset+1, offset+shown))
	}
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// explain prints, for a refusal that carries failing checks (not_eligible, access_mismatch),
// each check with its message and remedy on stderr, so that the operator sees what to fix.
func (m *Main) explain(err error) error {
	var e *icpcheck.Error
	if errors.As(err, &e) {
		for i := range e.Checks {
			c := &e.Checks[i]
			fmt.Fprintln(m.Stderr, i18n.T(m.lang, "ledger.check.failed", c.Code, c.Message(m.lang)))
			if r := c.RemedyMessage(m.lang); r != "" {
				fmt.Fprintln(m.Stderr, i18n.T(m.lang, "ledger.check.remedy", r))
			}
		}
	}
	return err
}

// errorJSON is how a refused line or item shows in JSON output.
type errorJSON struct {
	Code    string `json:"code"`
	Reason  string `json:"reason,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (m *Main) errorJSON(err error) errorJSON {
	out := errorJSON{Code: icpcheck.ErrorCode(err), Reason: icpcheck.ErrorReason(err), Message: icpcheck.ErrorMessage(m.lang, err)}
	var e *icpcheck.Error
	if errors.As(err, &e) {
		out.Field = e.Field
	}
	return out
}

// storeRun is what a ledger command does once its flags are checked and the store is open.
type storeRun func(ctx context.Context, store icpcheck.Store, format string, args []string) error

// withStore gives cmd a --format flag (default table) and a RunE that checks it, opens the
// store and calls run. Flags that are missing or malformed are refused in cmd's PreRunE,
// before anything is opened.
func (m *Main) withStore(cmd *cobra.Command, run storeRun) *cobra.Command {
	format := formatFlag(cmd, formatTable)
	cmd.RunE = func(cmd *cobra.Command, a []string) error {
		if err := checkFormat(*format); err != nil {
			return err
		}
		store, ctx, err := m.Store(cmd.Context())
		if err != nil {
			return err
		}
		return run(ctx, store, *format, a)
	}
	return cmd
}

// requireFlags refuses, as bad usage, a command run without the named flags.
func requireFlags(names ...string) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		for _, n := range names {
			if !cmd.Flags().Changed(n) {
				return usageError{fmt.Errorf("--%s is required", n)}
			}
		}
		return nil
	}
}
