package instancefile

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/icpcheck/icpcheck"
)

// Writer writes instances in one format.
type Writer struct {
	format Format
	bw     *bufio.Writer
	csv    *csv.Writer
	enc    *json.Encoder
	wrote  bool
}

// NewWriter returns a Writer of w in format (JSON Lines when format is "").
func NewWriter(w io.Writer, format Format) *Writer {
	bw := bufio.NewWriterSize(w, 64<<10)
	wr := &Writer{format: format, bw: bw}
	if format == CSV {
		wr.csv = csv.NewWriter(bw)
	} else {
		wr.enc = json.NewEncoder(bw)
		wr.enc.SetEscapeHTML(false)
	}
	return wr
}

// Write writes one instance.
func (w *Writer) Write(in *icpcheck.Instance) error {
	if w.enc != nil {
		return w.enc.Encode(in)
	}
	if !w.wrote {
		w.wrote = true
		if err := w.csv.Write(Columns); err != nil {
			return err
		}
	}
	ips := make([]string, len(in.PublicIPs))
	for i, ip := range in.PublicIPs {
		ips[i] = ip.String()
	}
	var bw, sp string
	if in.PublicBandwidthMbps != nil {
		bw = strconv.FormatFloat(*in.PublicBandwidthMbps, 'f', -1, 64)
	}
	if in.ServerPurchased != nil {
		sp = strconv.FormatBool(*in.ServerPurchased)
	}
	return w.csv.Write([]string{
		in.ID, in.Product, in.Provider, in.Owner, in.Region, string(in.Status), string(in.Billing),
		FormatOrders(in.Orders), strings.Join(ips, ";"), bw, sp, in.Edition,
	})
}

// Flush writes out what is buffered.
func (w *Writer) Flush() error {
	if w.csv != nil {
		w.csv.Flush()
		if err := w.csv.Error(); err != nil {
			return err
		}
	}
	return w.bw.Flush()
}
