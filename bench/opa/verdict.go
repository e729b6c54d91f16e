package main

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/icpcheck/icpcheck"
)

// Verdict is what both sides must agree on for one instance: eligibility, the set of failing
// checks and the set of warnings, each set a bit mask over icpcheck.Codes, so that building
// and comparing a verdict costs neither side an allocation.
type Verdict struct {
	ID       string
	Eligible bool
	Fail     uint32
	Warn     uint32
}

// codeBits maps each built-in check code to its bit.
var codeBits = func() map[string]uint32 {
	m := make(map[string]uint32, len(icpcheck.Codes))
	for i, c := range icpcheck.Codes {
		m[c] = 1 << i
	}
	return m
}()

// codeBit returns the bit of code, and an error for a code that is not a built-in check's.
func codeBit(code string) (uint32, error) {
	if b, ok := codeBits[code]; ok {
		return b, nil
	}
	return 0, fmt.Errorf("unknown check code %q", code)
}

// codes returns the codes of mask in icpcheck.Codes order.
func codes(mask uint32) []string {
	out := []string{}
	for mask != 0 {
		i := bits.TrailingZeros32(mask)
		out = append(out, icpcheck.Codes[i])
		mask &^= 1 << i
	}
	return out
}

// String is the verdict in one line, the form mismatches are reported in.
func (v Verdict) String() string {
	return fmt.Sprintf("eligible=%v fail=[%s] warn=[%s]", v.Eligible,
		strings.Join(codes(v.Fail), " "), strings.Join(codes(v.Warn), " "))
}

// Digest is an FNV-1a hash of a stream of verdicts, so that two runs in separate processes
// can be compared: the same verdicts in the same order give the same digest.
type Digest struct{ h uint64 }

// NewDigest returns the digest of no verdicts.
func NewDigest() Digest { return Digest{h: 14695981039346656037} }

func (d *Digest) byte(b byte) { d.h = (d.h ^ uint64(b)) * 1099511628211 }

// Add folds v into the digest.
func (d *Digest) Add(v *Verdict) {
	for i := 0; i < len(v.ID); i++ {
		d.byte(v.ID[i])
	}
	d.byte(0)
	if v.Eligible {
		d.byte(1)
	} else {
		d.byte(0)
	}
	for _, m := range [2]uint32{v.Fail, v.Warn} {
		d.byte(byte(m))
		d.byte(byte(m >> 8))
	}
}

// String returns the digest in hex.
func (d Digest) String() string { return fmt.Sprintf("%016x", d.h) }
