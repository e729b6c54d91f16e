package console

import (
	"fmt"
	"html/template"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
)

// displayZone is the time zone the console shows times in: China Standard Time, where the
// provider's customers and the MIIT work. A fixed zone needs no tzdata on the server.
var displayZone = time.FixedZone("UTC+8", 8*60*60)

// funcs are the template functions that do not depend on the language; the ones that do are
// methods of view.
var funcs = template.FuncMap{
	"ips": func(ips []netip.Addr) string {
		s := make([]string, len(ips))
		for i, ip := range ips {
			s[i] = ip.String()
		}
		return strings.Join(s, ", ")
	},
	"lines": func(ss []string) string { return strings.Join(ss, "\n") },
	"join":  strings.Join,
	"has":   slices.Contains[[]string],
	"pair":  func(v *view, x any) viewAnd { return viewAnd{V: v, X: x} },
}

// viewAnd passes a partial template both the view, for its texts, and the part of the model
// it shows.
type viewAnd struct {
	V *view
	X any
}

// T returns the text of key in the page's language.
func (v *view) T(key string, params ...any) string { return i18n.T(v.Lang, key, params...) }

// Time shows a moment in China Standard Time, or a dash when there is none.
func (v *view) Time(t time.Time) string {
	if t.IsZero() {
		return v.T("console.none")
	}
	return t.In(displayZone).Format("2006-01-02 15:04")
}

// TimePtr is Time for optional moments.
func (v *view) TimePtr(t *time.Time) string {
	if t == nil {
		return v.T("console.none")
	}
	return v.Time(*t)
}

// ISO is a moment for a <time datetime> attribute.
func (v *view) ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Enum names a value of one of the domain's enumerations (instance status, number state,
// filing state ...) in the page's language. A value the catalog does not know, such as a
// policy's own access method, shows as it is.
func (v *view) Enum(kind string, value any) string {
	return enumText(v.Lang, kind, fmt.Sprint(value))
}

func enumText(lang i18n.Lang, kind, value string) string {
	key := "console." + kind + "." + value
	if i18n.Has(key) {
		return i18n.T(lang, key)
	}
	return value
}

// Product is a product's title from the policy in the page's language.
func (v *view) Product(name string) string {
	if r := v.policy.Product(name); r != nil && r.Title.In(v.Lang) != "" {
		return r.Title.In(v.Lang)
	}
	return name
}

// CheckName is the name of a check code in the page's language.
func (v *view) CheckName(code string) string { return checkName(v.Lang, code) }

func checkName(lang i18n.Lang, code string) string { return enumText(lang, "check", code) }

// Provider is the policy's provider name in the page's language.
func (v *view) Provider() string {
	if n := v.policy.ProviderName.In(v.Lang); n != "" {
		return n
	}
	return v.policy.Provider
}

// selectView is a filter's drop-down: its options are the values of one enumeration, each
// named in the page's language, after an option that selects any.
type selectView struct {
	V       *view
	ID      string
	Name    string // the query parameter, which also names the label (console.field.<name>)
	Options []option
}

type option struct {
	Value, Label string
	Selected     bool
}

// Select returns the drop-down named name with id, listing values (a slice of any string or
// Stringer type) named as kind (see Enum; "product" names products by their policy title),
// with current selected.
func (v *view) Select(id, name, kind string, values any, current string) selectView {
	sv := selectView{V: v, ID: id, Name: name}
	rv := reflect.ValueOf(values)
	for i := 0; rv.Kind() == reflect.Slice && i < rv.Len(); i++ {
		value := fmt.Sprint(rv.Index(i).Interface())
		label := v.Enum(kind, value)
		if kind == "product" {
			label = v.Product(value)
		}
		sv.Options = append(sv.Options, option{Value: value, Label: label, Selected: value == current})
	}
	return sv
}

// checkView is one check as the checklist shows it.
type checkView struct {
	Code    string
	Name    string
	Status  string // pass, fail, warn, skip: the badge's class
	Label   string // the status in words, so the badge does not rely on colour
	Message string
	Remedy  string
}

func newCheckView(lang i18n.Lang, c *icpcheck.Check) checkView {
	return checkView{
		Code:    c.Code,
		Name:    checkName(lang, c.Code),
		Status:  c.Status.String(),
		Label:   enumText(lang, "check_status", c.Status.String()),
		Message: c.Message(lang),
		Remedy:  c.RemedyMessage(lang),
	}
}

func checkViews(lang i18n.Lang, checks []icpcheck.Check) []checkView {
	views := make([]checkView, len(checks))
	for i := range checks {
		views[i] = newCheckView(lang, &checks[i])
	}
	return views
}
