package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
)

// Handler returns the server's whole HTTP handler: REST, operations, the Filing Service API
// and the console, behind request ids, access logs, metrics and panic recovery.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes = nil
	s.registerREST(mux)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /openapi.json", serveOpenAPI)
	if s.Metrics != nil {
		mux.Handle("GET /metrics", s.Metrics.Handler())
	}
	if s.Console != nil {
		mux.Handle("/console/", s.Console)
	}
	mux.HandleFunc("/{$}", s.root)
	return s.outer(mux)
}

// outer wraps the routes with what every request gets, whichever interface serves it.
func (s *Server) outer(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: newRequestID()}
		var end func(string, string, int, time.Duration)
		if s.Metrics != nil {
			end = s.Metrics.Begin()
		}
		sw := &statusWriter{ResponseWriter: w}
		sw.Header().Set("X-Request-Id", info.id)
		r = r.WithContext(withInfo(r.Context(), info))
		defer func() {
			v := recover()
			if v != nil && v != http.ErrAbortHandler {
				s.Logger.ErrorContext(r.Context(), "panic", "request_id", info.id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.writeError(sw, r, icpcheck.Internal("http.panic", fmt.Errorf("%v", v)))
				}
			}
			d := time.Since(start)
			if end != nil {
				end(info.route, r.Method, sw.code(), d)
			}
			s.accessLog(r, info, sw, d)
			if v == http.ErrAbortHandler {
				// The handler chose to abort the response; net/http expects to see the panic.
				panic(v)
			}
		}()
		_, pattern := mux.Handler(r)
		if pattern == "" {
			info.route = "unmatched"
			s.notRouted(sw, r, mux)
			return
		}
		info.route = pattern
		mux.ServeHTTP(sw, r)
	})
}

// accessLog writes one structured line per request.
func (s *Server) accessLog(r *http.Request, info *requestInfo, sw *statusWriter, d time.Duration) {
	level := slog.LevelInfo
	if sw.code() >= 500 {
		level = slog.LevelError
	}
	s.Logger.LogAttrs(r.Context(), level, "request",
		slog.String("request_id", info.id),
		slog.String("method", r.Method),
		slog.String("route", info.route),
		slog.String("path", r.URL.Path),
		slog.Int("status", sw.code()),
		slog.Int64("bytes", sw.bytes),
		slog.Duration("duration", d),
		slog.String("actor", info.actor),
		slog.String("remote", r.RemoteAddr),
	)
}

// notRouted answers a request that no route takes, in the REST API's error format: 404 for
// an unknown path, 405 (with Allow) for a known path with another method.
func (s *Server) notRouted(w http.ResponseWriter, r *http.Request, mux *http.ServeMux) {
	// The mux's own answer tells 404 from 405 and carries Allow; only its body is replaced.
	rec := &discardWriter{header: http.Header{}, Code: http.StatusNotFound}
	mux.ServeHTTP(rec, r)
	lang := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
	e := icpcheck.Errorf(icpcheck.ENOTFOUND, "route_not_found", r.URL.Path)
	if rec.Code == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", rec.Header().Get("Allow"))
		e = icpcheck.Errorf(icpcheck.EINVALID, "method_not_allowed", r.Method, rec.Header().Get("Allow"))
	}
	writeJSON(w, rec.Code, ErrorResponse{Error: errorBody(lang, e), RequestID: requestID(r.Context())})
}

// writeError answers with err in the REST API's error format and logs what users are not
// shown.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	logError(s.Logger, r, err)
	lang := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
	body := errorBody(lang, err)
	status := ErrorStatus(body.Kind)
	switch status {
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", retryAfter)
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", "ACS3-HMAC-SHA256")
	}
	writeJSON(w, status, ErrorResponse{Error: body, RequestID: requestID(r.Context())})
}

// writeJSON writes v as the response. It encodes into a buffer first, so that a value that
// fails to encode becomes a 500 rather than a half-written body, and leaves HTML unescaped so
// that audit events' data reach clients byte for byte (their hashes cover those bytes).
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","kind":"EINTERNAL","message":"internal error"}}` + "\n")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// statusWriter remembers the status and size of a response for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer (to flush, say).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// discardWriter keeps a response's status and headers and drops its body.
type discardWriter struct {
	header http.Header
	Code   int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(status int)      { w.Code = status }
