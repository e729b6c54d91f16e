package http

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck"
)

// query reads a request's query parameters strictly: a parameter the endpoint does not know,
// or a single-valued one given twice, is an error rather than silently ignored, because a
// misspelt filter would otherwise widen a listing without anyone noticing.
type query struct {
	values url.Values
	err    error
}

func newQuery(u *url.URL, known ...string) *query {
	q := &query{values: u.Query()}
	names := make([]string, 0, len(q.values))
	for name := range q.values {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !slices.Contains(known, name) {
			q.fail(icpcheck.Invalid(name, "unknown_param"))
		}
	}
	return q
}

func (q *query) fail(err error) {
	if q.err == nil {
		q.err = err
	}
}

// str returns the single value of name, and "" when it is absent.
func (q *query) str(name string) string {
	vs := q.values[name]
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	q.fail(icpcheck.Invalid(name, "repeated_param"))
	return ""
}

// has reports whether name was given.
func (q *query) has(name string) bool { return q.values.Has(name) }

// account returns the account id of name, or "".
func (q *query) account(name string) string {
	v := q.str(name)
	if q.has(name) && !icpcheck.ValidAccountID(v) {
		q.fail(icpcheck.Invalid(name, "bad_account"))
	}
	return v
}

// id returns an instance, filing or other id of name, or "".
func (q *query) id(name string) string {
	v := q.str(name)
	if q.has(name) && (v == "" || len(v) > icpcheck.MaxIDLength) {
		q.fail(icpcheck.Invalid(name, "bad_id"))
	}
	return v
}

// enum returns the value of name, which must be one of allowed.
func (q *query) enum(name string, allowed ...string) string {
	v := q.str(name)
	if q.has(name) && !slices.Contains(allowed, v) {
		q.fail(icpcheck.Invalid(name, "bad_enum", v, strings.Join(allowed, ", ")))
	}
	return v
}

// int64 returns the whole number of name from lo to hi, and def when it is absent.
func (q *query) int64(name string, lo, hi, def int64) int64 {
	if !q.has(name) {
		return def
	}
	v := q.str(name)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		q.fail(icpcheck.Invalid(name, "bad_range", lo, hi))
		return def
	}
	return n
}

// maxOffset bounds paging offsets so that an absurd offset fails here, not in the database.
const maxOffset = 1 << 31

// page returns the offset and limit of a listing; limit 0 means the default page size.
func (q *query) page() (offset, limit int) {
	offset = int(q.int64("offset", 0, maxOffset, 0))
	limit = int(q.int64("limit", 1, icpcheck.MaxPageSize, 0))
	return offset, limit
}

// at returns the moment to check at: the at parameter, or now.
func (q *query) at(now time.Time) time.Time {
	v := q.str("at")
	if !q.has("at") {
		return now
	}
	t, err := icpcheck.ParseTime(v)
	if err != nil {
		q.fail(icpcheck.Invalid("at", "bad_time", v))
		return now
	}
	return t
}
