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
	var batchLines int
	cmd := &cobra.Command{
		Use:   "import FILE|-",
		Short: "Load instances into the store (JSON Lines or CSV), creating owner accounts as needed",
		Long: `Import upserts instances, one a line (JSON Lines) or one a row (CSV with a header, the
columns of icpcheck check), and reports per line what it did: created, updated, unchanged, or
the error. A bad line loads nothing and the other lines still load. Importing the same file
again changes nothing. An instance whose status becomes released has its unbound numbers
made invalid. Lines are loaded up to 500 at a time (--batch), each batch in one
transaction, and reported once it is committed; when the store fails, import stops and the
lines from the batch it failed on are not loaded.

Exit status: 0 when every line loaded, 1 when some line was refused, 2 for bad usage.`,
		Args: args(cobra.ExactArgs(1)),
	}
	format := formatFlag(cmd, formatTable)
	cmd.RunE = func(cmd *cobra.Command, a []string) error {
		if err := checkFormat(*format); err != nil {
			return err
		}
		if batchLines < 1 || batchLines > icpcheck.MaxPutBatch {
			return usageError{fmt.Errorf("--batch %d: want 1 to %d", batchLines, icpcheck.MaxPutBatch)}
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
		// put loads a batch of lines and reports each, in input order, once it is committed.
		put := func(batch *importBatch) error {
			var results []icpcheck.PutResult
			if len(batch.ins) > 0 {
				var err error
				if results, err = store.PutInstances(ctx, batch.ins); err != nil {
					return err // the store failed, not a line: stop rather than refuse every line after
				}
			}
			next := 0
			for _, l := range batch.lines {
				res, err := importLine{Line: l.line}, l.err
				if err == nil {
					res.ID = batch.ins[next].ID
					res.Action, err = results[next].Action, results[next].Err
					next++
				}
				if err != nil {
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
			batch.reset()
			return nil
		}
		batch := importBatch{max: batchLines}
		in := instancefile.NewReader(r, inFormat)
		for {
			rec, err := in.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				return err
			}
			lines++
			if batch.add(rec) {
				if err := put(&batch); err != nil {
					return err
				}
			}
		}
		if len(batch.lines) > 0 {
			if err := put(&batch); err != nil {
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
	cmd.Flags().IntVar(&batchLines, "batch", importBatchLines, "lines loaded in one transaction, 1 to 1000")
	return cmd
}

// A batch of import is at most importBatchLines lines (--batch), and stops growing once its
// instances are about importBatchBytes: each batch is one transaction, so that its commit (an
// fsync on SQLite) is paid once for hundreds of lines, while what is held in memory, what
// other writers wait for and what one request to a server carries stay bounded whatever the
// file's size.
const (
	importBatchLines = 500
	importBatchBytes = 4 << 20
)

// importBatch is the lines read and not yet loaded: every line, good or bad, in input order,
// and the instances of the good ones.
type importBatch struct {
	max   int // lines
	lines []batchLine
	ins   []*icpcheck.Instance
	size  int
}

type batchLine struct {
	line int
	err  error // why the line is not an instance; nil for one of ins
}

// add adds a record and reports whether the batch is full.
func (b *importBatch) add(rec instancefile.Record) bool {
	b.lines = append(b.lines, batchLine{line: rec.Line, err: rec.Err})
	if rec.Err == nil {
		b.ins = append(b.ins, rec.Instance)
		b.size += approxSize(rec.Instance)
	}
	return len(b.lines) >= b.max || b.size >= importBatchBytes
}

func (b *importBatch) reset() {
	clear(b.ins) // let the instances go
	b.lines, b.ins, b.size = b.lines[:0], b.ins[:0], 0
}

// approxSize is about the size of an instance's JSON form, in bytes.
func approxSize(in *icpcheck.Instance) int {
	return 300 + len(in.ID) + len(in.Owner) + len(in.Region) + len(in.Product) + len(in.Edition) +
		100*len(in.Orders) + 44*len(in.PublicIPs)
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
