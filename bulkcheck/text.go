package bulkcheck

import (
	"strconv"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
)

// csvRenderer writes one row a check: line,id,eligible,code,status,message,remedy. An invalid
// line is one row whose code is the error code and whose status is "error".
type csvRenderer struct{ lang i18n.Lang }

func (csvRenderer) header() []byte        { return []byte("line,id,eligible,code,status,message,remedy\n") }
func (csvRenderer) footer(Summary) []byte { return nil }
func (csvRenderer) sizeHint() int         { return 2000 }

func (c csvRenderer) result(out []byte, line int, r *icpcheck.CheckResult) []byte {
	eligible := strconv.FormatBool(r.Eligible())
	for i := range r.Checks {
		ch := &r.Checks[i]
		out = strconv.AppendInt(out, int64(line), 10)
		out = append(out, ',')
		out = appendCSV(out, r.InstanceID)
		out = append(out, ',')
		out = append(out, eligible...)
		out = append(out, ',')
		out = appendCSV(out, ch.Code)
		out = append(out, ',')
		out = append(out, ch.Status.String()...)
		out = append(out, ',')
		out = appendCSV(out, ch.Message(c.lang))
		out = append(out, ',')
		out = appendCSV(out, ch.RemedyMessage(c.lang))
		out = append(out, '\n')
	}
	return out
}

func (c csvRenderer) invalid(out []byte, file string, line int, err error) []byte {
	code, _, _, msg := errorFields(err, c.lang) // the message names the field
	out = strconv.AppendInt(out, int64(line), 10)
	out = append(out, ',')
	if file != "" {
		out = appendCSV(out, file)
	}
	out = append(out, ",,"...)
	out = append(out, code...)
	out = append(out, ",error,"...)
	out = appendCSV(out, msg)
	return append(out, ",\n"...)
}

// appendCSV appends s as a CSV field, quoted when it must be. A field that a spreadsheet
// would take for a formula (=, +, -, @ first) is prefixed with a quote mark, so that opening
// the output cannot run anything.
func appendCSV(out []byte, s string) []byte {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		s = "'" + s
	}
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(out, s...)
	}
	out = append(out, '"')
	out = append(out, strings.ReplaceAll(s, `"`, `""`)...)
	return append(out, '"')
}

// tableRenderer writes, for people, each instance with what fails or warns and what to do,
// and a summary at the end.
type tableRenderer struct{ lang i18n.Lang }

func (tableRenderer) header() []byte { return nil }
func (tableRenderer) sizeHint() int  { return 600 }

func (t tableRenderer) result(out []byte, line int, r *icpcheck.CheckResult) []byte {
	verdict := "table.eligible"
	if !r.Eligible() {
		verdict = "table.ineligible"
	}
	out = append(out, r.InstanceID...)
	out = append(out, "  "...)
	out = append(out, i18n.T(t.lang, verdict)...)
	if !r.ExpiresAt.IsZero() {
		out = append(out, "  "...)
		out = append(out, i18n.T(t.lang, "table.expires", r.ExpiresAt.Format(time.DateOnly))...)
	}
	out = append(out, '\n')
	for i := range r.Checks {
		c := &r.Checks[i]
		if c.Status != icpcheck.Fail && c.Status != icpcheck.Warn {
			continue
		}
		mark := "  ✗ "
		if c.Status == icpcheck.Warn {
			mark = "  ! "
		}
		out = append(out, mark...)
		out = append(out, c.Code...)
		out = append(out, ": "...)
		out = append(out, c.Message(t.lang)...)
		if rem := c.RemedyMessage(t.lang); rem != "" {
			out = append(out, "\n      → "...)
			out = append(out, rem...)
		}
		out = append(out, '\n')
	}
	return out
}

func (t tableRenderer) invalid(out []byte, file string, line int, err error) []byte {
	_, _, _, msg := errorFields(err, t.lang)
	where := strconv.Itoa(line)
	if file != "" {
		where = file + ":" + where
	}
	out = append(out, i18n.T(t.lang, "table.invalid_line", where)...)
	out = append(out, ": "...)
	out = append(out, msg...)
	return append(out, '\n')
}

func (t tableRenderer) footer(s Summary) []byte {
	return []byte("\n" + i18n.T(t.lang, "table.summary", s.Checked, s.Eligible, s.Ineligible, s.Invalid) + "\n")
}
