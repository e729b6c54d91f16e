package policy

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
	"gopkg.in/yaml.v3"
)

// Limits of a policy document's values.
const (
	maxQuota        = 1000
	maxMonths       = 120
	maxResourceType = 99
	maxReminderDays = 366
	maxConditions   = 100
)

// decoder walks the YAML tree of a policy document by hand, rather than through struct tags,
// so that every problem is reported with the line and column it is at and decoding goes on
// after the first.
type decoder struct {
	problems []Problem
}

func (d *decoder) problem(n *yaml.Node, path, key string, params ...any) {
	d.problems = append(d.problems, Problem{Line: n.Line, Column: n.Column, Path: path, Key: key, Params: params})
}

type field struct {
	required bool
	decode   func(n *yaml.Node, path string)
}

// mapping decodes a mapping node field by field, reporting unknown, duplicate and missing
// keys.
func (d *decoder) mapping(n *yaml.Node, path string, fields map[string]field) {
	if n.Kind != yaml.MappingNode {
		d.problem(n, path, "policy.want_mapping")
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		f, ok := fields[k.Value]
		switch {
		case !ok:
			d.problem(k, p, "policy.unknown_key", known(fields))
		case seen[k.Value]:
			d.problem(k, p, "policy.duplicate_key")
		default:
			seen[k.Value] = true
			f.decode(v, p)
		}
	}
	for _, name := range sortedKeys(fields) {
		if fields[name].required && !seen[name] {
			d.problem(n, join(path, name), "policy.missing_key")
		}
	}
}

func known(fields map[string]field) string { return strings.Join(sortedKeys(fields), ", ") }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (d *decoder) scalar(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.problem(n, path, "policy.want_scalar")
		return "", false
	}
	return n.Value, true
}

func (d *decoder) str(dst *string) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		if s, ok := d.scalar(n, path); ok {
			if strings.TrimSpace(s) == "" {
				d.problem(n, path, "policy.empty_value")
			}
			*dst = s
		}
	}
}

func (d *decoder) name(dst *string) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		if s, ok := d.scalar(n, path); ok {
			if !icpcheck.ValidName(s) {
				d.problem(n, path, "policy.bad_name", s)
			}
			*dst = s
		}
	}
}

func (d *decoder) boolean(dst *bool) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		switch s {
		case "true":
			*dst = true
		case "false":
			*dst = false
		default:
			d.problem(n, path, "policy.want_bool", s)
		}
	}
}

func (d *decoder) integer(dst *int, lo, hi int) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		v, err := strconv.Atoi(s)
		if err != nil || v < lo || v > hi {
			d.problem(n, path, "policy.want_int", lo, hi, s)
			return
		}
		*dst = v
	}
}

func (d *decoder) text(dst *i18n.Text) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		d.mapping(n, path, map[string]field{
			"zh-CN": {required: true, decode: d.str(&dst.ZH)},
			"en":    {required: true, decode: d.str(&dst.EN)},
		})
	}
}

func (d *decoder) list(n *yaml.Node, path string, each func(n *yaml.Node, path string)) {
	if n.Kind != yaml.SequenceNode {
		d.problem(n, path, "policy.want_list")
		return
	}
	for i, item := range n.Content {
		each(item, path+"["+strconv.Itoa(i)+"]")
	}
}

func (d *decoder) regexps(dst *[]*regexp.Regexp) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		d.list(n, path, func(item *yaml.Node, p string) {
			s, ok := d.scalar(item, p)
			if !ok {
				return
			}
			re, err := regexp.Compile(s)
			if err != nil {
				d.problem(item, p, "policy.bad_regexp", err.Error())
				return
			}
			*dst = append(*dst, re)
		})
	}
}

func (d *decoder) policy(root *yaml.Node) *icpcheck.Policy {
	p := &icpcheck.Policy{Products: map[string]*icpcheck.ProductRule{}}
	p.Mainland.Regions = map[string]bool{}
	var effective string
	var effectiveNode *yaml.Node
	var conditions *yaml.Node
	d.mapping(root, "", map[string]field{
		"provider": {required: true, decode: d.name(&p.Provider)},
		"name":     {decode: d.text(&p.ProviderName)},
		"version":  {required: true, decode: d.str(&p.Version)},
		"effective": {required: true, decode: func(n *yaml.Node, path string) {
			effectiveNode = n
			effective, _ = d.scalar(n, path)
		}},
		"regions":    {required: true, decode: func(n *yaml.Node, path string) { d.regions(n, path, &p.Mainland) }},
		"reminders":  {decode: func(n *yaml.Node, path string) { d.reminders(n, path, &p.Reminder) }},
		"products":   {required: true, decode: func(n *yaml.Node, path string) { d.products(n, path, p) }},
		"conditions": {decode: func(n *yaml.Node, _ string) { conditions = n }},
	})
	if effectiveNode != nil && effective != "" {
		t, err := parseDate(effective)
		if err != nil {
			d.problem(effectiveNode, "effective", "policy.bad_date", effective)
		}
		p.Effective = t
	}
	if p.ProviderName.ZH == "" {
		p.ProviderName = i18n.Text{ZH: p.Provider, EN: p.Provider}
	}
	if p.Reminder.Days == nil {
		p.Reminder = icpcheck.Reminder{Days: []int{30, 15, 7, 1}, CancellationDays: p.Reminder.CancellationDays}
	}
	// Conditions are decoded last: they name products, which must all be known by then.
	if conditions != nil {
		d.conditions(conditions, "conditions", p)
	}
	return p
}

func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		// A date alone takes effect at midnight in the Chinese mainland.
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, chinaTime), nil
	}
	return icpcheck.ParseTime(s)
}

var chinaTime = time.FixedZone("CST", 8*3600)

func (d *decoder) regions(n *yaml.Node, path string, set *icpcheck.RegionSet) {
	d.mapping(n, path, map[string]field{
		"mainland": {required: true, decode: func(n *yaml.Node, path string) {
			d.list(n, path, func(item *yaml.Node, p string) {
				s, ok := d.scalar(item, p)
				switch {
				case !ok:
				case !validRegion(s):
					d.problem(item, p, "policy.bad_region", s)
				case set.Regions[s]:
					d.problem(item, p, "policy.duplicate_value", s)
				default:
					set.Regions[s] = true
				}
			})
		}},
		"mainland_patterns": {decode: d.regexps(&set.Patterns)},
		"exclude_patterns":  {decode: d.regexps(&set.Exclude)},
	})
}

func validRegion(s string) bool {
	in := icpcheck.Instance{ID: "x", Product: "x", Owner: "1", Status: icpcheck.StatusRunning, Billing: icpcheck.BillingPayAsYouGo, Region: s}
	return s != "" && in.Validate() == nil
}

func (d *decoder) reminders(n *yaml.Node, path string, r *icpcheck.Reminder) {
	d.mapping(n, path, map[string]field{
		"days": {required: true, decode: func(n *yaml.Node, path string) {
			r.Days = []int{}
			d.list(n, path, func(item *yaml.Node, p string) {
				var v int
				d.integer(&v, 1, maxReminderDays)(item, p)
				if v == 0 {
					return
				}
				if len(r.Days) > 0 && v >= r.Days[len(r.Days)-1] {
					d.problem(item, p, "policy.reminders_descending")
				}
				r.Days = append(r.Days, v)
			})
			if len(r.Days) == 0 && len(n.Content) == 0 {
				d.problem(n, path, "policy.empty_list")
			}
		}},
		"cancellation_deadline_days": {decode: d.integer(&r.CancellationDays, 0, 3650)},
	})
}

func (d *decoder) products(n *yaml.Node, path string, p *icpcheck.Policy) {
	if n.Kind != yaml.MappingNode {
		d.problem(n, path, "policy.want_mapping")
		return
	}
	if len(n.Content) == 0 {
		d.problem(n, path, "policy.no_products")
	}
	resourceTypes := map[int]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		pp := join(path, k.Value)
		if !icpcheck.ValidName(k.Value) {
			d.problem(k, pp, "policy.bad_name", k.Value)
		}
		if p.Products[k.Value] != nil {
			d.problem(k, pp, "policy.duplicate_key")
			continue
		}
		rule := d.product(v, pp, k.Value)
		p.Products[k.Value] = rule
		p.ProductOrder = append(p.ProductOrder, k.Value)
		if rt := rule.ResourceType; rt != 0 {
			if other, dup := resourceTypes[rt]; dup {
				d.problem(v, join(pp, "resource_type"), "policy.duplicate_resource_type", rt, other)
			}
			resourceTypes[rt] = k.Value
		}
	}
}

func (d *decoder) product(n *yaml.Node, path, name string) *icpcheck.ProductRule {
	r := &icpcheck.ProductRule{Name: name}
	d.mapping(n, path, map[string]field{
		"title":         {decode: d.text(&r.Title)},
		"resource_type": {decode: d.integer(&r.ResourceType, 0, maxResourceType)},
		"access_method": {required: true, decode: d.name(&r.AccessMethod)},
		"quota":         {required: true, decode: d.integer(&r.Quota, 1, maxQuota)},
		"requires": {required: true, decode: func(n *yaml.Node, path string) {
			d.mapping(n, path, map[string]field{
				"mainland":                {decode: d.boolean(&r.Mainland)},
				"subscription_billing":    {decode: d.boolean(&r.SubscriptionBilling)},
				"min_subscription_months": {decode: d.integer(&r.MinMonths, 0, maxMonths)},
				"public_bandwidth":        {decode: d.boolean(&r.PublicBandwidth)},
				"server_purchased":        {decode: d.boolean(&r.ServerPurchased)},
				"min_order_cny": {decode: func(n *yaml.Node, path string) {
					s, ok := d.scalar(n, path)
					if !ok {
						return
					}
					v, err := strconv.ParseFloat(s, 64)
					if err != nil || math.IsNaN(v) || v < 0 || v > icpcheck.MaxAmountCNY {
						d.problem(n, path, "policy.want_amount", s)
						return
					}
					r.MinOrderFen = int64(math.Round(v * 100))
				}},
				"editions": {decode: func(n *yaml.Node, path string) {
					d.list(n, path, func(item *yaml.Node, p string) {
						var e string
						d.name(&e)(item, p)
						r.Editions = append(r.Editions, e)
					})
				}},
			})
		}},
	})
	if r.Title.ZH == "" {
		r.Title = i18n.Text{ZH: name, EN: name}
	}
	return r
}

func (d *decoder) conditions(n *yaml.Node, path string, p *icpcheck.Policy) {
	env, err := newEnv()
	if err != nil {
		d.problem(n, path, "policy.cel_env", err.Error())
		return
	}
	codes := map[string]bool{}
	d.list(n, path, func(item *yaml.Node, cp string) {
		if len(p.Conditions) >= maxConditions {
			d.problem(item, cp, "policy.too_many_conditions", maxConditions)
			return
		}
		c := &icpcheck.Condition{Severity: icpcheck.Fail}
		var exprNode, codeNode *yaml.Node
		d.mapping(item, cp, map[string]field{
			"code": {required: true, decode: func(n *yaml.Node, path string) {
				codeNode = n
				d.name(&c.Code)(n, path)
			}},
			"products": {decode: func(n *yaml.Node, path string) {
				d.list(n, path, func(item *yaml.Node, pp string) {
					var name string
					d.name(&name)(item, pp)
					if name != "" && p.Products[name] == nil {
						d.problem(item, pp, "policy.unknown_product", name)
					}
					c.Products = append(c.Products, name)
				})
			}},
			"severity": {decode: func(n *yaml.Node, path string) {
				s, _ := d.scalar(n, path)
				switch s {
				case "fail":
					c.Severity = icpcheck.Fail
				case "warn":
					c.Severity = icpcheck.Warn
				default:
					d.problem(n, path, "policy.bad_severity", s)
				}
			}},
			"expr": {required: true, decode: func(n *yaml.Node, path string) {
				exprNode = n
				d.str(&c.Expr)(n, path)
			}},
			"message": {required: true, decode: d.text(&c.Message)},
			"remedy":  {required: true, decode: d.text(&c.Remedy)},
			"passed":  {decode: d.text(&c.Passed)},
		})
		if codeNode != nil && c.Code != "" {
			switch {
			case icpcheck.IsBuiltinCheck(c.Code):
				d.problem(codeNode, join(cp, "code"), "policy.builtin_code", c.Code)
			case codes[c.Code]:
				d.problem(codeNode, join(cp, "code"), "policy.duplicate_value", c.Code)
			}
			codes[c.Code] = true
		}
		if exprNode != nil && c.Expr != "" {
			eval, err := compile(env, c.Expr)
			if err != nil {
				d.problem(exprNode, join(cp, "expr"), "policy.bad_expr", err.Error())
			}
			c.Eval = eval
		}
		p.Conditions = append(p.Conditions, c)
	})
}
