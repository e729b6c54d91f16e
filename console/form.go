package console

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/icpcheck/icpcheck"
)

// maxText bounds the free-text fields of the console's forms (notes, reasons, the MIIT
// number), which the store keeps and the audit log repeats.
const maxText = 500

// parseInt reads a small whole number typed into a form.
func parseInt(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// textField reads a trimmed free-text field, refusing one that is too long or not UTF-8,
// and an empty one when required.
func textField(form map[string][]string, name string, required bool) (string, error) {
	var s string
	if v := form[name]; len(v) > 0 {
		s = strings.TrimSpace(v[0])
	}
	switch {
	case s == "" && required:
		return "", icpcheck.Invalid(name, "required")
	case !utf8.ValidString(s):
		return "", icpcheck.Invalid(name, "console_bad_text")
	case utf8.RuneCountInString(s) > maxText:
		return "", icpcheck.Invalid(name, "too_long", maxText)
	}
	return s, nil
}

// splitList splits a textarea of values separated by lines, commas or spaces (full-width
// commas too, as Chinese input methods type them), dropping empty entries.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ',', '，', '、', ';', '；', ' ', '\t', '\n', '\r', '　':
			return true
		}
		return false
	})
}
