package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/instancefile"
	"github.com/spf13/cobra"
)

// importLine is what import reports of one line in JSON.
type importLine struct {
	Line   int                `json:"line"`
	ID     string             `json:"id,omitempty"`
	Action icpcheck.PutAction `json:"action,omitempty"`
	Error  *errorJSON         `json:"error,omitempty"`
}

func (m *Main) importCommand() *cobra.Command {
	var input string
	cmd := &cobra.Command{
		Use:   "import FILE|-",
		Short: "Load instances into the store (JSON Lines or CSV), creating owner accounts as needed",
		Long: `Import upserts instances, one a line (JSON Lines) or one a row (CSV with a header, the
columns of icpcheck check), and reports per line what it did: created, updated, unchanged, or
the error. A bad line loads nothing and the other lines still load. Importing the same file
again changes nothing. An instance whose status becomes released has its unbound numbers
made invalid.

Exit status: 0 when every line loaded, 1 when some line was refused, 2 for bad usage.`,
		Args: args(cobra.ExactArgs(1)),
	}
	format := formatFlag(cmd, formatTable)
	cmd.RunE = func(cmd *cobra.Command, a []string) error {
		if err := checkFormat(*format); err != nil {
			return err
		}
		inFormat, ok := instancefile.ParseFormat(input)
		if !ok {
			return usageError{fmt.Errorf("--input-format %q: want auto, jsonl or csv", input)}
		}
		var r io.Reader = m.Stdin
		if name := a[0]; name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return usageError{err}
			}
			defer f.Close()
			r = f
			if inFormat == "" {
				inFormat = instancefile.FormatForName(name)
			}
		}
		store, ctx, err := m.Store(cmd.Context())
		if err != nil {
			return err
		}
		out := bufio.NewWriter(m.Stdout)
		defer out.Flush()
		counts := map[icpcheck.PutAction]int{}
		lines, refused := 0, 0
		in := instancefile.NewReader(r, inFormat)
		for {
			rec, err := in.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				return err
			}
			lines++
			res := importLine{Line: rec.Line}
			err = rec.Err
			if err == nil {
				res.ID = rec.Instance.ID
				res.Action, err = store.PutInstance(ctx, rec.Instance)
			}
			if err != nil {
				if icpcheck.ErrorCode(err) == icpcheck.EINTERNAL || icpcheck.ErrorCode(err) == icpcheck.EUNAVAILABLE {
					return err // the store failed, not the line: stop rather than refuse every line after
				}
				refused++
				e := m.errorJSON(err)
				res.Action, res.Error = "", &e
			} else {
				counts[res.Action]++
			}
			if err := m.printImportLine(out, *format, res); err != nil {
				return err
			}
		}
		if err := out.Flush(); err != nil {
			return err
		}
		if *format == formatTable {
			fmt.Fprintln(m.Stderr, i18n.T(m.lang, "ledger.import.summary", lines,
				counts[icpcheck.PutCreated], counts[icpcheck.PutUpdated], counts[icpcheck.PutUnchanged], refused))
		}
		if refused > 0 {
			return errPartial
		}
		return nil
	}
	cmd.Flags().StringVar(&input, "input-format", "auto", "input: auto, jsonl or csv")
	return cmd
}

func (m *Main) printImportLine(w io.Writer, format string, res importLine) error {
	if format == formatJSON {
		return writeJSON(w, res)
	}
	var err error
	if res.Error != nil {
		_, err = fmt.Fprintln(w, i18n.T(m.lang, "ledger.import.line_error", res.Line, res.Error.Message))
	} else {
		_, err = fmt.Fprintln(w, i18n.T(m.lang, "ledger.import.line", res.Line, res.ID, i18n.T(m.lang, "ledger.put."+string(res.Action))))
	}
	return err
}
