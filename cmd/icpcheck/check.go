package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/bulkcheck"
	"github.com/icpcheck/icpcheck/instancefile"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func (m *Main) checkCommand() *cobra.Command {
	var format, input, at string
	var workers int
	cmd := &cobra.Command{
		Use:   "check [FILE...]",
		Short: "Check instances for ICP filing eligibility (JSON Lines or CSV; - or nothing for stdin)",
		Long: `Check reads instances, one a line (JSON Lines) or one a row (CSV with a header), and
writes one result a line in input order. A line that is not a valid instance is answered in
place with {"line": N, "error": {...}}, and the other lines are still checked.

CSV columns: id, product, provider, owner, region, status, billing, orders, public_ips,
public_bandwidth_mbps, server_purchased, edition (id, product, owner, status and billing are
required; an empty cell is an absent field). orders holds orders separated by ";", each
"TYPE[@START] PERIOD UNIT [AMOUNT]", e.g.
"new@2026-01-10T00:00:00+08:00 1 month 99; renewal 2 month 198"; public_ips holds addresses
separated by ";".

Exit status: 0 when every line was checked (eligible or not), 1 when some line was not a valid
instance, 2 for bad usage.`,
		RunE: func(cmd *cobra.Command, files []string) error {
			outFormat, ok := bulkcheck.ParseFormat(format)
			if !ok {
				return usageError{fmt.Errorf("--format %q: want json, table or csv", format)}
			}
			inFormat, ok := instancefile.ParseFormat(input)
			if !ok {
				return usageError{fmt.Errorf("--input-format %q: want auto, jsonl or csv", input)}
			}
			moment, err := m.parseAt(at)
			if err != nil {
				return err
			}
			p, err := m.Policy()
			if err != nil {
				return err
			}
			if len(files) == 0 {
				files = []string{"-"}
			}
			out := bufio.NewWriterSize(m.Stdout, 256<<10)
			c := bulkcheck.New(out, bulkcheck.Options{
				Policy: p, At: moment, Lang: m.lang, Format: outFormat, Workers: workers,
			})
			for _, name := range files {
				if err := m.checkFile(cmd, c, name, inFormat, len(files) > 1); err != nil {
					out.Flush()
					return err
				}
			}
			if err := c.Close(); err != nil {
				return err
			}
			if err := out.Flush(); err != nil {
				return err
			}
			if c.Summary.Invalid > 0 {
				return errPartial
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "json", "output: json (one object a line), table or csv")
	f.StringVar(&input, "input-format", "auto", "input: auto, jsonl or csv")
	f.StringVar(&at, "at", "", "the moment to check at (RFC 3339); default: now")
	f.IntVar(&workers, "workers", 0, "parallel workers; default: one a CPU")
	return cmd
}

// parseAt returns the moment of --at, or now.
func (m *Main) parseAt(at string) (time.Time, error) {
	if at == "" {
		return time.Now(), nil
	}
	t, err := icpcheck.ParseTime(at)
	if err != nil {
		return time.Time{}, usageError{fmt.Errorf("--at %q: want an RFC 3339 time such as 2026-11-26T12:00:00+08:00", at)}
	}
	return t, nil
}

// checkFile checks one input, showing progress on stderr when it is a terminal.
func (m *Main) checkFile(cmd *cobra.Command, c *bulkcheck.Checker, name string, format instancefile.Format, several bool) error {
	var r io.Reader = m.Stdin
	var size int64 = -1
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return usageError{err}
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		r = f
		if format == "" {
			format = instancefile.FormatForName(name)
		}
	}
	if bar := m.progress(size, name); bar != nil {
		pr := progressbar.NewReader(r, bar)
		r = &pr
		defer bar.Finish()
	}
	fileName := ""
	if several {
		fileName = name
	}
	c.SetInput(format)
	return c.Check(cmd.Context(), fileName, r)
}

// progress returns a progress bar on stderr when stderr is a terminal, and nil otherwise.
func (m *Main) progress(size int64, name string) *progressbar.ProgressBar {
	f, ok := m.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(name),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}
