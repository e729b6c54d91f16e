// Package policy reads a provider's policy from its YAML document, reports every problem of
// the document with its line and column, and compiles the document's CEL conditions once. The
// default policy, Alibaba Cloud's published rules, is embedded.
package policy

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
	"gopkg.in/yaml.v3"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the document of the default policy.
func DefaultYAML() []byte { return slices.Clone(defaultYAML) }

var defaultPolicy = sync.OnceValue(func() *icpcheck.Policy {
	p, err := Parse("default.yaml", defaultYAML)
	if err != nil {
		panic(err) // embedded and tested: a broken default never ships
	}
	return p
})

// Default returns the default policy. It is shared and must not be modified.
func Default() *icpcheck.Policy { return defaultPolicy() }

// MaxDocumentSize bounds a policy document, which is read whole.
const MaxDocumentSize = 1 << 20

// Load reads and parses the policy at path; "" means the default policy.
func Load(path string) (*icpcheck.Policy, []byte, error) {
	if path == "" {
		return Default(), DefaultYAML(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxDocumentSize+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > MaxDocumentSize {
		return nil, nil, &Error{File: path, Problems: []Problem{{Line: 1, Column: 1, Key: "policy.too_large", Params: []any{MaxDocumentSize}}}}
	}
	p, err := Parse(path, data)
	return p, data, err
}

// Problem is one problem of a policy document, where it is.
type Problem struct {
	Line, Column int
	Path         string // "products.ecs.quota"
	Key          string // i18n key of the message
	Params       []any
}

// Message returns the problem's text in lang.
func (p Problem) Message(lang i18n.Lang) string { return i18n.T(lang, p.Key, p.Params...) }

// Error is every problem of one document. Parse returns it as a whole, so that a provider
// fixes a policy in one pass rather than one problem per run.
type Error struct {
	File     string
	Problems []Problem
}

func (e *Error) Error() string { return e.Localized(i18n.EN) }

// Localized lists the problems in lang, one a line, as file:line:column: path: message.
func (e *Error) Localized(lang i18n.Lang) string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s:%d:%d: ", e.File, p.Line, p.Column)
		if p.Path != "" {
			b.WriteString(p.Path + ": ")
		}
		b.WriteString(p.Message(lang))
	}
	return b.String()
}

// AsError returns the *Error in err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Parse reads a policy document. name is used in problem locations. Every problem is
// reported, in document order, as an *Error.
func Parse(name string, data []byte) (*icpcheck.Policy, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 1
		var te *yaml.TypeError
		msg := err.Error()
		if !errors.As(err, &te) {
			fmt.Sscanf(msg, "yaml: line %d:", &line)
		}
		return nil, &Error{File: name, Problems: []Problem{{Line: line, Column: 1, Key: "policy.bad_yaml", Params: []any{strings.TrimPrefix(msg, "yaml: ")}}}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &Error{File: name, Problems: []Problem{{Line: 1, Column: 1, Key: "policy.empty"}}}
	}
	d := &decoder{}
	p := d.policy(doc.Content[0])
	if len(d.problems) > 0 {
		return nil, &Error{File: name, Problems: d.problems}
	}
	return p, nil
}
