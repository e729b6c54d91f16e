// Package i18n holds every user-visible text of icpcheck in Simplified Chinese and English.
//
// Texts are looked up by key. A catalog file under catalog/ maps each key to its zh-CN and en
// text; placeholders {0}, {1} ... take the parameters in order. Each subject keeps its own
// catalog file (checks, errors, the console ...), and a test demands that every key has both
// languages and that no key is defined twice.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"
)

// Lang is a supported language tag.
type Lang string

const (
	ZH Lang = "zh-CN" // the default: users are in the Chinese mainland
	EN Lang = "en"
)

// Langs lists the supported languages, the default first.
var Langs = []Lang{ZH, EN}

// Text is one text in both languages, as policies and results carry it.
type Text struct {
	ZH string `json:"zh-CN" yaml:"zh-CN"`
	EN string `json:"en" yaml:"en"`
}

// In returns the text in lang.
func (t Text) In(lang Lang) string {
	if lang == EN {
		return t.EN
	}
	return t.ZH
}

//go:embed catalog/*.json
var catalogFS embed.FS

var catalog = mustLoad(catalogFS)

func mustLoad(fsys fs.FS) map[string]Text {
	m, err := load(fsys)
	if err != nil {
		panic(err) // the catalog is compiled in; a broken one must never ship, and tests catch it
	}
	return m
}

func load(fsys fs.FS) (map[string]Text, error) {
	files, err := fs.Glob(fsys, "catalog/*.json")
	if err != nil {
		return nil, err
	}
	m := make(map[string]Text)
	for _, name := range files {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var entries map[string]Text
		if err := json.Unmarshal(data, &entries); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		for k, t := range entries {
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("i18n: %s: key %q defined twice", name, k)
			}
			if t.ZH == "" || t.EN == "" {
				return nil, fmt.Errorf("i18n: %s: key %q lacks a language", name, k)
			}
			m[k] = t
		}
	}
	return m, nil
}

// Has reports whether key is in the catalog.
func Has(key string) bool {
	_, ok := catalog[key]
	return ok
}

// Lookup returns the text of key in both languages.
func Lookup(key string) (Text, bool) {
	t, ok := catalog[key]
	return t, ok
}

// Keys returns every key of the catalog.
func Keys() []string {
	keys := make([]string, 0, len(catalog))
	for k := range catalog {
		keys = append(keys, k)
	}
	return keys
}

// T returns the text of key in lang with its placeholders filled. An unknown key returns the
// key itself, so that a missing text shows up in the output rather than as an empty string.
func T(lang Lang, key string, params ...any) string {
	t, ok := catalog[key]
	if !ok {
		return key
	}
	return Format(t.In(lang), params...)
}

// Format fills the placeholders {0}, {1} ... of s with params.
func Format(s string, params ...any) string {
	if len(params) == 0 || strings.IndexByte(s, '{') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16*len(params))
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		n, err := strconv.Atoi(s[i+1 : i+j])
		if err != nil || n < 0 || n >= len(params) {
			b.WriteString(s[:i+j+1])
			s = s[i+j+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(str(params[n]))
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

func str(p any) string {
	switch v := p.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case time.Time:
		return v.Format(time.RFC3339)
	case fmt.Stringer:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}

// Parse returns the supported language that tag names ("zh", "zh-CN", "zh-Hans", "en-US" ...).
func Parse(tag string) (Lang, bool) {
	tag = strings.ToLower(strings.TrimSpace(tag))
	switch {
	case tag == "zh" || strings.HasPrefix(tag, "zh-") || strings.HasPrefix(tag, "zh_"):
		return ZH, true
	case tag == "en" || strings.HasPrefix(tag, "en-") || strings.HasPrefix(tag, "en_"):
		return EN, true
	}
	return "", false
}

// FromAcceptLanguage picks the first supported language of an Accept-Language header,
// honouring q-values, and the default (zh-CN) when none is supported.
func FromAcceptLanguage(header string) Lang {
	best, bestQ := ZH, -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(part, ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if lang, ok := Parse(tag); ok && q > bestQ && q > 0 {
			best, bestQ = lang, q
		}
	}
	return best
}
