package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
)

// pageError is a refusal of the console itself, before the store is asked: a form without
// its token, a page that does not exist. Its message is a catalog key.
type pageError struct {
	status int
	key    string
}

func (e *pageError) Error() string { return i18n.T(i18n.EN, e.key) }

var (
	errCSRF      = &pageError{http.StatusForbidden, "console.error.csrf"}
	errBadForm   = &pageError{http.StatusBadRequest, "console.error.bad_form"}
	errNoPage    = &pageError{http.StatusNotFound, "console.error.no_page"}
	errMethod    = &pageError{http.StatusMethodNotAllowed, "console.error.method"}
	errSignin    = &pageError{http.StatusUnauthorized, "console.error.signin_failed"}
	errSigninOld = &pageError{http.StatusBadRequest, "console.error.signin_expired"}
	errCross     = &pageError{http.StatusForbidden, "console.error.cross_origin"}
)

// statusOf maps an error to the HTTP status of the page that shows it, by the one table of
// the domain's error codes.
func statusOf(err error) int {
	var pe *pageError
	if errors.As(err, &pe) {
		return pe.status
	}
	switch icpcheck.ErrorCode(err) {
	case icpcheck.EINVALID:
		return http.StatusBadRequest
	case icpcheck.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case icpcheck.EFORBIDDEN:
		return http.StatusForbidden
	case icpcheck.ENOTFOUND:
		return http.StatusNotFound
	case icpcheck.ECONFLICT:
		return http.StatusConflict
	case icpcheck.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// problem is an error as a page shows it: one message in the page's language and, for a
// refusal that names checks (not eligible, access mismatch), each failing check.
type problem struct {
	Status  int
	Message string
	Checks  []checkView
}

// problemOf renders err in lang. Anything that is not the domain's or the console's own
// error is logged in full and shown only as the generic internal message, since its text may
// hold internals.
func (h *handler) problemOf(c *call, err error) *problem {
	p := &problem{Status: statusOf(err)}
	var pe *pageError
	var de *icpcheck.Error
	switch {
	case errors.As(err, &pe):
		p.Message = i18n.T(c.lang, pe.key)
	case errors.As(err, &de):
		p.Message = errorMessage(c.lang, de)
		for i := range de.Checks {
			p.Checks = append(p.Checks, newCheckView(c.lang, &de.Checks[i]))
		}
		if de.Code == icpcheck.EINTERNAL || de.Code == icpcheck.EUNAVAILABLE {
			h.logger.Error("console: store failure", "path", c.r.URL.Path, "op", de.Op, "err", err)
		}
	default:
		h.logger.Error("console: unexpected error", "path", c.r.URL.Path, "err", err)
		p.Message = icpcheck.ErrorMessage(c.lang, err)
	}
	return p
}

// errorMessage is the domain error's localized message, with the offending field named by
// its label in lang where the console has one, rather than by its wire name.
func errorMessage(lang i18n.Lang, e *icpcheck.Error) string {
	key, ok := fieldLabelKey(e.Field)
	if !ok {
		return e.Localized(lang)
	}
	return i18n.T(lang, "console.field_error", i18n.T(lang, key), i18n.T(lang, "error."+e.Reason, e.Params...))
}

// fieldLabelKey returns the catalog key of a field's label: "access.ips[2]" is labelled as
// access_ips, and failing that as ips.
func fieldLabelKey(field string) (string, bool) {
	if field == "" {
		return "", false
	}
	var b strings.Builder
	depth := 0
	for _, r := range field {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	name := b.String()
	for _, cand := range []string{strings.ReplaceAll(name, ".", "_"), name[strings.LastIndexByte(name, '.')+1:]} {
		if key := "console.field." + cand; i18n.Has(key) {
			return key, true
		}
	}
	return "", false
}

// fail answers the request with an error page.
func (h *handler) fail(c *call, err error) {
	p := h.problemOf(c, err)
	h.render(c, p.Status, "error", &errorData{}, p)
}

// errorData is the model of the error page, which shows only the problem and a way back.
type errorData struct{}

// crossOrigin answers a state-changing request that the browser says came from another site.
func (h *handler) crossOrigin(w http.ResponseWriter, r *http.Request) {
	c := h.begin(w, r)
	h.fail(c, errCross)
}
