package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/icpcheck/icpcheck"
)

// Classes of a request's outcome.
const (
	classOK          = "ok"
	classRefused     = "refused"     // a 4xx refusal: the request reached a decision
	classUnavailable = "unavailable" // a 503: the server is up, its database is not
	classTransport   = "transport"   // no answer: the server is down or went down mid-request
	classInternal    = "internal"    // a 500, or an answer that is not the API's: always a violation
	classCanceled    = "canceled"    // the load ended while the request ran; not counted
)

// outcome is what became of one request: its class and the detail that tells kinds of one
// class apart (the reason of a refusal, the cause of a transport error).
type outcome struct {
	class, detail string
}

func (o outcome) String() string { return o.class + " " + o.detail }

// retryable reports whether a client should try the request again: nothing was decided.
func (o outcome) retryable() bool { return o.class == classUnavailable || o.class == classTransport }

// bsnError is a refusal of the Filing Service API: its HTTP status and its Code.
type bsnError struct {
	status int
	code   string
}

func (e *bsnError) Error() string { return fmt.Sprintf("Filing Service API: %d %s", e.status, e.code) }

// transportError is a request of the Filing Service API that got no answer.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// classify tells the outcome of a request from the error the REST client or the Filing
// Service API call returned.
func classify(ctx context.Context, err error) outcome {
	if err == nil {
		return outcome{classOK, ""}
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return outcome{classCanceled, ""}
	}
	var be *bsnError
	if errors.As(err, &be) {
		switch {
		case be.status == 503:
			return outcome{classUnavailable, "503 " + be.code}
		case be.status >= 500 || be.status < 400:
			return outcome{classInternal, fmt.Sprintf("%d %s", be.status, be.code)}
		}
		return outcome{classRefused, be.code}
	}
	var ue *url.Error
	var te *transportError
	if errors.As(err, &ue) || errors.As(err, &te) {
		return outcome{classTransport, transportCause(err)}
	}
	switch icpcheck.ErrorCode(err) {
	case icpcheck.EUNAVAILABLE:
		// The client calls a 503 without the API's error document server_unreachable too.
		return outcome{classUnavailable, "503 " + icpcheck.ErrorReason(err)}
	case icpcheck.EINTERNAL:
		return outcome{classInternal, "500 " + icpcheck.ErrorReason(err)}
	}
	return outcome{classRefused, icpcheck.ErrorReason(err)}
}

// transportCause names why a request got no answer.
func transportCause(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EPIPE):
		return "broken pipe"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed (EOF)"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	// The REST client's error reads as a user's message; the transport's own is inside it.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return "other: " + err.Error()
}

// record is one request: when it ran, what it was and what became of it.
type record struct {
	op         string
	start, end time.Time
	out        outcome
}

// stats counts the requests of a run. It is safe for concurrent use.
type stats struct {
	mu      sync.Mutex
	records []record
}

func (s *stats) add(r record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = append(s.records, r)
}

// snapshot returns the records so far.
func (s *stats) snapshot() []record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]record(nil), s.records...)
}

// violations collects what must never happen. It is safe for concurrent use.
type violations struct {
	mu    sync.Mutex
	count map[string]int // by kind
	first []string       // the first messages, for the report
}

const maxViolationMessages = 50

// add records one violation of kind, described by the message.
func (v *violations) add(kind, format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.count == nil {
		v.count = map[string]int{}
	}
	v.count[kind]++
	if len(v.first) < maxViolationMessages {
		v.first = append(v.first, kind+": "+fmt.Sprintf(format, args...))
	}
}

func (v *violations) list() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.first...)
}

func (v *violations) counts() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[string]int{}
	for k, n := range v.count {
		out[k] = n
	}
	return out
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
