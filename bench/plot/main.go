// Command plot draws issuance throughput against concurrency on both stores, beside each
// store's raw single-row insert ceiling, from the CSV that bench/issuance.sh writes
// (store,clients,issues_per_s,raw_per_s: medians). It lives in a module of its own so that
// the plotting library stays out of icpcheck's go.mod.
//
//	go run . -in ../../docs/bench/issuance.csv -out ../../docs/bench/issuance.png
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"image/color"
	"math"
	"os"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func main() {
	in := flag.String("in", "issuance.csv", "CSV: store,clients,issues_per_s,raw_per_s")
	out := flag.String("out", "issuance.png", "PNG to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
}

type point struct{ clients, issues, raw float64 }

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return err
	}
	series := map[string][]point{}
	for i, r := range rows {
		if i == 0 || len(r) != 4 {
			continue // the header
		}
		var p point
		for j, dst := range []*float64{&p.clients, &p.issues, &p.raw} {
			v, err := strconv.ParseFloat(r[j+1], 64)
			if err != nil {
				return fmt.Errorf("%s line %d: %v", in, i+1, err)
			}
			*dst = v
		}
		series[r[0]] = append(series[r[0]], p)
	}
	if len(series) == 0 {
		return fmt.Errorf("%s: no data", in)
	}

	p := plot.New()
	p.Title.Text = "Service-number issuance against concurrency"
	p.X.Label.Text = "concurrent clients (log scale)"
	p.Y.Label.Text = "per second (log scale)"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())

	colors := map[string]color.Color{"sqlite": color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, "postgres": color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}}
	names := make([]string, 0, len(series))
	for name := range series {
		names = append(names, name)
	}
	sort.Strings(names)
	top, bottom := 0.0, math.Inf(1)
	for _, pts := range series {
		for _, pt := range pts {
			top = max(top, pt.issues, pt.raw)
			bottom = min(bottom, pt.issues, pt.raw)
		}
	}
	// Headroom above the highest point keeps the legend, top left, clear of the lines; the
	// range reaches down to the power of ten below the lowest, so that the axis has a label
	// at each end.
	p.Y.Max = top * 4
	p.Y.Min = math.Pow(10, math.Floor(math.Log10(bottom)))
	for _, name := range names {
		pts := series[name]
		sort.Slice(pts, func(i, j int) bool { return pts[i].clients < pts[j].clients })
		issues, raw := make(plotter.XYs, len(pts)), make(plotter.XYs, len(pts))
		for i, pt := range pts {
			issues[i] = plotter.XY{X: pt.clients, Y: pt.issues}
			raw[i] = plotter.XY{X: pt.clients, Y: pt.raw}
		}
		c := colors[name]
		if c == nil {
			c = color.Black
		}
		if err := addLine(p, name+": numbers issued", issues, c, nil); err != nil {
			return err
		}
		if err := addLine(p, name+": raw insert ceiling", raw, c, []vg.Length{vg.Points(4), vg.Points(3)}); err != nil {
			return err
		}
	}
	return p.Save(8*vg.Inch, 5*vg.Inch, out)
}

func addLine(p *plot.Plot, label string, xys plotter.XYs, c color.Color, dashes []vg.Length) error {
	l, pts, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	l.Color, l.Dashes, l.Width = c, dashes, vg.Points(1.5)
	pts.Color, pts.Shape = c, draw.CircleGlyph{}
	p.Add(l, pts)
	p.Legend.Add(label, l, pts)
	return nil
}
