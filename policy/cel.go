package policy

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"github.com/icpcheck/icpcheck"
)

// Bounds on a condition, so that a policy cannot make a check hang or exhaust memory.
const (
	maxExprSize  = 4096
	maxExprDepth = 32
	maxExprCost  = 100000
)

// newEnv declares what a condition may read:
//
//	instance           the instance as its JSON form, a map (absent fields are absent keys:
//	                   test them with has(instance.edition))
//	at                 the moment of the check (timestamp)
//	expires_at         the coverage end (timestamp); absent for pay-as-you-go
//	subscribed_months  whole months of subscribed time, renewals counted (int)
//	subscribed_days    days of day and week orders (int)
//	max_order_cny      the largest single order (double)
//
// The environment is built once: it is immutable, safe for concurrent use, and costly to make.
var newEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("instance", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("at", cel.TimestampType),
		cel.Variable("expires_at", cel.DynType),
		cel.Variable("subscribed_months", cel.IntType),
		cel.Variable("subscribed_days", cel.IntType),
		cel.Variable("max_order_cny", cel.DoubleType),
		cel.ParserExpressionSizeLimit(maxExprSize),
		cel.ParserRecursionLimit(maxExprDepth),
	)
})

func compile(env *cel.Env, expr string) (func(*icpcheck.Instance, time.Time) (bool, error), error) {
	ast, iss := env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		return nil, iss.Err()
	}
	if t := ast.OutputType(); t != cel.BoolType && t != cel.DynType {
		return nil, fmt.Errorf("the expression gives %s, not bool", t)
	}
	prg, err := env.Program(ast, cel.CostLimit(maxExprCost), cel.InterruptCheckFrequency(100))
	if err != nil {
		return nil, err
	}
	return func(in *icpcheck.Instance, at time.Time) (bool, error) {
		out, _, err := prg.Eval(activation(in, at))
		if err != nil {
			return false, err
		}
		b, ok := out.Value().(bool)
		if !ok {
			return false, errors.New("the expression did not give a bool")
		}
		return b, nil
	}, nil
}

func activation(in *icpcheck.Instance, at time.Time) map[string]any {
	m := map[string]any{
		"id":       in.ID,
		"product":  in.Product,
		"provider": in.Provider,
		"owner":    in.Owner,
		"status":   string(in.Status),
		"billing":  string(in.Billing),
	}
	if in.Region != "" {
		m["region"] = in.Region
	}
	if in.Edition != "" {
		m["edition"] = in.Edition
	}
	if in.PublicBandwidthMbps != nil {
		m["public_bandwidth_mbps"] = *in.PublicBandwidthMbps
	}
	if in.ServerPurchased != nil {
		m["server_purchased"] = *in.ServerPurchased
	}
	ips := make([]string, len(in.PublicIPs))
	for i, ip := range in.PublicIPs {
		ips[i] = ip.String()
	}
	m["public_ips"] = ips
	orders := make([]map[string]any, len(in.Orders))
	var largest float64
	for i, o := range in.Orders {
		om := map[string]any{"type": string(o.Type), "period": int64(o.Period), "unit": string(o.Unit), "amount_cny": o.AmountCNY}
		if !o.Start.IsZero() {
			om["start"] = o.Start
		}
		orders[i] = om
		largest = max(largest, float64(o.AmountFen())/100)
	}
	m["orders"] = orders
	vars := map[string]any{
		"instance":          m,
		"at":                at,
		"subscribed_months": int64(0),
		"subscribed_days":   int64(0),
		"max_order_cny":     largest,
		"expires_at":        nil,
	}
	if cov, ok := in.Coverage(); ok {
		vars["subscribed_months"] = int64(cov.Months)
		vars["subscribed_days"] = int64(cov.Days)
		vars["expires_at"] = cov.End
	}
	return vars
}
