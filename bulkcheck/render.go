package bulkcheck

import (
	"errors"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
)

// renderer appends one format's bytes to a batch's output. Results are rendered by hand
// rather than through encoding/json: rendering is done once per instance in a bulk check of
// millions, and reflection would cost more than the check itself.
type renderer interface {
	header() []byte
	result(out []byte, line int, r *icpcheck.CheckResult) []byte
	invalid(out []byte, file string, line int, err error) []byte
	footer(s Summary) []byte
	sizeHint() int
}

func newRenderer(f Format, lang i18n.Lang) renderer {
	switch f {
	case CSV:
		return csvRenderer{lang}
	case Table:
		return tableRenderer{lang}
	}
	return jsonRenderer{lang}
}

// errorFields returns what an error object shows: the code, the field and reason of an
// *icpcheck.Error, and its message in lang.
func errorFields(err error, lang i18n.Lang) (code, field, reason, message string) {
	var e *icpcheck.Error
	if errors.As(err, &e) {
		return e.Code, e.Field, e.Reason, e.Localized(lang)
	}
	return icpcheck.EINTERNAL, "", "internal", icpcheck.ErrorMessage(lang, err)
}

type jsonRenderer struct{ lang i18n.Lang }

func (jsonRenderer) header() []byte        { return nil }
func (jsonRenderer) footer(Summary) []byte { return nil }
func (jsonRenderer) sizeHint() int         { return 1500 }

// result writes {"id": ..., "eligible": ..., "expires_at": ..., "checks": [...]}, the shape
// of icpcheck.Report.
func (j jsonRenderer) result(out []byte, line int, r *icpcheck.CheckResult) []byte {
	out = append(out, `{"id":`...)
	out = appendString(out, r.InstanceID)
	out = append(out, `,"eligible":`...)
	out = strconv.AppendBool(out, r.Eligible())
	if !r.ExpiresAt.IsZero() {
		out = append(out, `,"expires_at":"`...)
		out = r.ExpiresAt.AppendFormat(out, time.RFC3339)
		out = append(out, '"')
	}
	out = append(out, `,"checks":[`...)
	for i := range r.Checks {
		c := &r.Checks[i]
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, `{"code":`...)
		out = appendString(out, c.Code)
		out = append(out, `,"status":"`...)
		out = append(out, c.Status.String()...)
		out = append(out, `","message":`...)
		out = appendString(out, c.Message(j.lang))
		if rem := c.RemedyMessage(j.lang); rem != "" {
			out = append(out, `,"remedy":`...)
			out = appendString(out, rem)
		}
		out = append(out, '}')
	}
	return append(out, "]}\n"...)
}

// invalid writes {"line": N, "error": {"code": "EINVALID", "field": ..., "reason": ...,
// "message": ...}}, with "file" when several files are checked.
func (j jsonRenderer) invalid(out []byte, file string, line int, err error) []byte {
	code, field, reason, msg := errorFields(err, j.lang)
	out = append(out, '{')
	if file != "" {
		out = append(out, `"file":`...)
		out = appendString(out, file)
		out = append(out, ',')
	}
	out = append(out, `"line":`...)
	out = strconv.AppendInt(out, int64(line), 10)
	out = append(out, `,"error":{"code":`...)
	out = appendString(out, code)
	if field != "" {
		out = append(out, `,"field":`...)
		out = appendString(out, field)
	}
	out = append(out, `,"reason":`...)
	out = appendString(out, reason)
	out = append(out, `,"message":`...)
	out = appendString(out, msg)
	return append(out, "}}\n"...)
}

const hex = "0123456789abcdef"

// appendString appends s as a JSON string: quotes, backslashes and control characters
// escaped, invalid UTF-8 replaced, everything else (Chinese included) as it is.
func appendString(out []byte, s string) []byte {
	out = append(out, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			out = append(out, s[start:i]...)
			switch b {
			case '"', '\\':
				out = append(out, '\\', b)
			case '\n':
				out = append(out, '\\', 'n')
			case '\r':
				out = append(out, '\\', 'r')
			case '\t':
				out = append(out, '\\', 't')
			default:
				out = append(out, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			out = append(out, s[start:i]...)
			if r == utf8.RuneError {
				out = append(out, `\ufffd`...)
			} else {
				out = append(out, `\u202`...)
				out = append(out, hex[r&0xf])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	out = append(out, s[start:]...)
	return append(out, '"')
}
