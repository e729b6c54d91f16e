package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/icpcheck/icpcheck"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// TestAmountThreshold holds the Rego's order amount check, round(amount_cny * 100) >= 10000
// on OPA's numbers, to the engine's, math.Round(amount_cny * 100) on float64, around CNY
// 100: every amount of up to four decimals from 99 to 101, and 99.995 (which rounds up to
// the fen) approached from below to 16 significant digits.
//
// The two do not agree on every fen elsewhere: 1.005 is 100 fen to the engine (float64
// holds 1.00499999999999989) and 101 to OPA (which multiplies with 64-bit mantissas). Only
// the amount shown in a failing check's message depends on that, never the verdict.
func TestAmountThreshold(t *testing.T) {
	var amounts []string
	for k := 990000; k <= 1010000; k++ {
		amounts = append(amounts, strconv.FormatFloat(float64(k)/10000, 'f', -1, 64))
	}
	for n := range 11 {
		amounts = append(amounts, "99.994"+strings.Repeat("9", n), "99.995"+strings.Repeat("0", n)+"1")
	}
	orders := make([]string, len(amounts))
	for i, a := range amounts {
		orders[i] = `{"orders": [{"amount_cny": ` + a + `}]}`
	}
	input, err := ast.ValueFromReader(strings.NewReader("[" + strings.Join(orders, ",") + "]"))
	if err != nil {
		t.Fatal(err)
	}
	const query = `package amounts

reaches contains i if {
	some i, inst in input
	data.icpcheck.table1.some_order_reaches(10000) with input as inst
}`
	rs, err := rego.New(rego.Module("table1.rego", table1Rego), rego.Module("amounts.rego", query),
		rego.Query("data.amounts.reaches"), rego.ParsedInput(input)).Eval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	reaches := map[int]bool{}
	for _, i := range rs[0].Expressions[0].Value.([]any) {
		n, _ := i.(json.Number).Int64()
		reaches[int(n)] = true
	}
	for i, a := range amounts {
		cny, err := strconv.ParseFloat(a, 64)
		if err != nil {
			t.Fatal(err)
		}
		if want := (icpcheck.Order{AmountCNY: cny}).AmountFen() >= 10000; reaches[i] != want {
			t.Errorf("amount %s: reaches CNY 100 to the Rego: %v, to the engine: %v", a, reaches[i], want)
		}
	}
}
