package instancefile

import (
	"encoding/csv"
	"errors"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/icpcheck/icpcheck"
)

// Columns are the CSV columns, in the order Writer writes them. A file may hold them in any
// order; id, product, owner, status and billing are required, the others optional, and an
// empty cell means the field is absent.
//
//	orders      orders separated by ";", each "TYPE[@START] PERIOD UNIT [AMOUNT]", e.g.
//	            "new@2026-01-10T00:00:00+08:00 1 month 99; renewal 2 month 198"
//	public_ips  addresses separated by ";" or spaces
var Columns = []string{
	"id", "product", "provider", "owner", "region", "status", "billing", "orders",
	"public_ips", "public_bandwidth_mbps", "server_purchased", "edition",
}

var requiredColumns = []string{"id", "product", "owner", "status", "billing"}

type csvReader struct {
	r    *csv.Reader
	cols []string // column name by position
}

func newCSVReader(r io.Reader) (*csvReader, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // checked per row, so that one short row is refused in place
	header, err := cr.Read()
	if err == io.EOF {
		return &csvReader{r: cr}, nil
	} else if err != nil {
		return nil, csvError(err)
	}
	c := &csvReader{r: cr, cols: make([]string, len(header))}
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case !isColumn(h):
			return nil, icpcheck.Invalid(h, "unknown_column")
		case seen[h]:
			return nil, icpcheck.Invalid(h, "duplicate", h)
		}
		seen[h] = true
		c.cols[i] = h
	}
	for _, h := range requiredColumns {
		if !seen[h] {
			return nil, icpcheck.Invalid(h, "missing_column")
		}
	}
	return c, nil
}

func isColumn(name string) bool {
	for _, c := range Columns {
		if c == name {
			return true
		}
	}
	return false
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return icpcheck.Invalid("", "bad_csv", pe.Err.Error())
	}
	return err
}

func (c *csvReader) next() (Record, error) {
	if c.cols == nil {
		return Record{}, io.EOF
	}
	for {
		row, err := c.r.Read()
		if err == io.EOF {
			return Record{}, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Record{Line: pe.StartLine, Err: icpcheck.Invalid("", "bad_csv", pe.Err.Error())}, nil
		} else if err != nil {
			return Record{}, err
		}
		line, _ := c.r.FieldPos(0)
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue // a blank line
		}
		if len(row) != len(c.cols) {
			return Record{Line: line, Err: icpcheck.Invalid("", "bad_csv", "wrong number of fields: "+strconv.Itoa(len(row))+", want "+strconv.Itoa(len(c.cols)))}, nil
		}
		in, err := c.decode(row)
		return Record{Line: line, Instance: in, Err: err}, nil
	}
}

func (c *csvReader) decode(row []string) (*icpcheck.Instance, error) {
	in := &icpcheck.Instance{}
	for i, col := range c.cols {
		v := strings.TrimSpace(row[i])
		if v == "" {
			continue
		}
		switch col {
		case "id":
			in.ID = v
		case "product":
			in.Product = v
		case "provider":
			in.Provider = v
		case "owner":
			in.Owner = v
		case "region":
			in.Region = v
		case "status":
			in.Status = icpcheck.InstanceStatus(v)
		case "billing":
			in.Billing = icpcheck.Billing(v)
		case "edition":
			in.Edition = v
		case "orders":
			orders, err := ParseOrders(v)
			if err != nil {
				return nil, err
			}
			in.Orders = orders
		case "public_ips":
			for j, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ' ' || r == '\t' }) {
				ip, err := netip.ParseAddr(s)
				if err != nil {
					return nil, icpcheck.Invalid("public_ips["+strconv.Itoa(j)+"]", "bad_ip", s)
				}
				in.PublicIPs = append(in.PublicIPs, ip)
			}
		case "public_bandwidth_mbps":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, icpcheck.Invalid(col, "bad_number", 0, icpcheck.MaxBandwidth)
			}
			in.PublicBandwidthMbps = &f
		case "server_purchased":
			b, ok := parseBool(v)
			if !ok {
				return nil, icpcheck.Invalid(col, "bad_bool", v)
			}
			in.ServerPurchased = &b
		}
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return in, nil
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "1", "yes", "y":
		return true, true
	case "false", "0", "no", "n":
		return false, true
	}
	return false, false
}

// ParseOrders reads the orders column: orders separated by ";", each
// "TYPE[@START] PERIOD UNIT [AMOUNT]".
func ParseOrders(s string) ([]icpcheck.Order, error) {
	var orders []icpcheck.Order
	for i, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		field := "orders[" + strconv.Itoa(i) + "]"
		if part == "" {
			return nil, icpcheck.Invalid(field, "bad_csv_order", part)
		}
		f := strings.Fields(part)
		if len(f) < 3 || len(f) > 4 {
			return nil, icpcheck.Invalid(field, "bad_csv_order", part)
		}
		typ, start, hasStart := strings.Cut(f[0], "@")
		o := icpcheck.Order{Type: icpcheck.OrderType(typ), Unit: icpcheck.Unit(f[2])}
		if hasStart {
			t, err := icpcheck.ParseTime(start)
			if err != nil {
				return nil, icpcheck.Invalid(field+".start", "bad_time", start)
			}
			o.Start = t
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			return nil, icpcheck.Invalid(field+".period", "bad_period", icpcheck.MaxPeriod)
		}
		o.Period = n
		if len(f) == 4 {
			a, err := strconv.ParseFloat(f[3], 64)
			if err != nil {
				return nil, icpcheck.Invalid(field+".amount_cny", "bad_amount")
			}
			o.AmountCNY = a
		}
		orders = append(orders, o)
	}
	return orders, nil
}

// FormatOrders writes orders as the orders column holds them.
func FormatOrders(orders []icpcheck.Order) string {
	var b strings.Builder
	for i, o := range orders {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(string(o.Type))
		if !o.Start.IsZero() {
			b.WriteString("@" + o.Start.Format("2006-01-02T15:04:05.999999999Z07:00"))
		}
		b.WriteString(" " + strconv.Itoa(o.Period) + " " + string(o.Unit) + " ")
		b.WriteString(strconv.FormatFloat(o.AmountCNY, 'f', -1, 64))
	}
	return b.String()
}
