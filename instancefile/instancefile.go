// Package instancefile reads and writes files of instances: JSON Lines (one instance's JSON
// form a line) or CSV (one instance a row, columns named in a header). Reading streams: one
// record at a time, so memory stays flat however large the file.
package instancefile

import (
	"bufio"
	"bytes"
	"io"
	"path/filepath"
	"strings"

	"github.com/icpcheck/icpcheck"
)

// Format is the format of an instance file.
type Format string

const (
	JSONL Format = "jsonl"
	CSV   Format = "csv"
)

// ParseFormat returns the format named s ("jsonl", "json", "ndjson", "csv"), and "" for "" or
// "auto".
func ParseFormat(s string) (Format, bool) {
	switch strings.ToLower(s) {
	case "", "auto":
		return "", true
	case "jsonl", "json", "ndjson":
		return JSONL, true
	case "csv":
		return CSV, true
	}
	return "", false
}

// FormatForName returns the format a file name's extension says, or "" when it says none.
func FormatForName(name string) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".json", ".ndjson":
		return JSONL
	case ".csv":
		return CSV
	}
	return ""
}

// MaxLineSize bounds one line of JSON Lines (and one CSV row): a longer one is refused in
// place, and reading goes on with the next.
const MaxLineSize = 1 << 20

// Record is one instance read from a file: the instance, or the EINVALID error that says why
// its line is not one.
type Record struct {
	Line     int // the line it starts on, counting from 1
	Instance *icpcheck.Instance
	Err      error
	Raw      []byte // the line as read (JSON Lines only); unless deferred, valid until the next call to Next
}

// Decode decodes a record that Reader.Defer left undecoded; it does nothing to one already
// decoded.
func (rec *Record) Decode() {
	if rec.Instance == nil && rec.Err == nil && rec.Raw != nil {
		rec.Instance, rec.Err = icpcheck.DecodeInstance(rec.Raw)
	}
}

// Reader reads instances from a file.
type Reader struct {
	// Defer leaves JSON lines undecoded, each in its own copy of Raw, for Record.Decode to
	// decode: decoding is most of the work of a bulk check, and this lets it run in parallel.
	Defer bool

	br     *bufio.Reader
	format Format
	line   int
	csv    *csvReader
	buf    []byte
}

// NewReader returns a Reader of r in format; "" detects the format from the first character
// ('{' is JSON Lines, anything else CSV).
func NewReader(r io.Reader, format Format) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10), format: format}
}

// Next returns the next record, io.EOF after the last, or another error when the file
// cannot be read on: an I/O error, or a CSV header that names no instance columns.
func (r *Reader) Next() (Record, error) {
	if r.format == "" {
		if err := r.detect(); err != nil {
			return Record{}, err
		}
	}
	if r.format == CSV {
		if r.csv == nil {
			c, err := newCSVReader(r.br)
			if err != nil {
				return Record{}, err
			}
			r.csv = c
		}
		return r.csv.next()
	}
	return r.nextJSON()
}

func (r *Reader) detect() error {
	// Skip a UTF-8 byte order mark, which spreadsheet exports put first.
	if b, err := r.br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		r.br.Discard(3)
	}
	for {
		b, err := r.br.Peek(1)
		if err == io.EOF {
			r.format = JSONL // an empty file has no records in any format
			return nil
		} else if err != nil {
			return err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			// Leading blank lines are counted so that line numbers stay true.
			if b[0] == '\n' {
				r.line++
			}
			r.br.Discard(1)
			continue
		case '{':
			r.format = JSONL
		default:
			r.format = CSV
		}
		return nil
	}
}

func (r *Reader) nextJSON() (Record, error) {
	for {
		line, tooLong, err := r.readLine()
		if err != nil {
			return Record{}, err
		}
		r.line++
		if tooLong {
			return Record{Line: r.line, Err: icpcheck.Invalid("", "line_too_long", MaxLineSize)}, nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if r.Defer {
			return Record{Line: r.line, Raw: bytes.Clone(line)}, nil
		}
		in, err := icpcheck.DecodeInstance(line)
		return Record{Line: r.line, Instance: in, Err: err, Raw: line}, nil
	}
}

// readLine returns the next line without its end, and whether it was longer than
// MaxLineSize (its content then dropped); io.EOF when there are no more lines.
func (r *Reader) readLine() ([]byte, bool, error) {
	r.buf = r.buf[:0]
	tooLong := false
	for {
		chunk, err := r.br.ReadSlice('\n')
		if !tooLong {
			if len(r.buf)+len(chunk) > MaxLineSize+2 {
				tooLong, r.buf = true, r.buf[:0]
			} else {
				r.buf = append(r.buf, chunk...)
			}
		}
		switch err {
		case nil:
			return bytes.TrimRight(r.buf, "\r\n"), tooLong, nil
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			if len(r.buf) == 0 && !tooLong {
				return nil, false, io.EOF
			}
			return r.buf, tooLong, nil
		default:
			return nil, false, err
		}
	}
}
