package main

import (
	"context"
	"fmt"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/eligibility"
	"github.com/icpcheck/icpcheck/policy"
)

// engineSide is icpcheck's side: each line decoded strictly (icpcheck.DecodeInstance, which
// also validates), then checked by the policy engine with the default policy, into one
// reused result, as bulk checks do.
type engineSide struct {
	p         *icpcheck.Policy
	at        time.Time
	instances []*icpcheck.Instance
	r         icpcheck.CheckResult
}

func newEngineSide(at time.Time) *engineSide {
	return &engineSide{p: policy.Default(), at: at}
}

func (s *engineSide) name() string { return "engine" }

func (s *engineSide) close(context.Context) {}

func (s *engineSide) decode(lines [][]byte) error {
	s.instances = s.instances[:0]
	for i, line := range lines {
		in, err := icpcheck.DecodeInstance(line)
		if err != nil {
			return fmt.Errorf("instance %d: %w", i+1, err)
		}
		s.instances = append(s.instances, in)
	}
	return nil
}

func (s *engineSide) eval(_ context.Context, out []Verdict) error {
	for i, in := range s.instances {
		eligibility.Evaluate(&s.r, in, s.p, s.at, eligibility.Ledger{})
		v := Verdict{ID: in.ID, Eligible: s.r.Eligible()}
		for _, c := range s.r.Checks {
			var mask *uint32
			switch c.Status {
			case icpcheck.Fail:
				mask = &v.Fail
			case icpcheck.Warn:
				mask = &v.Warn
			default:
				continue
			}
			b, err := codeBit(c.Code)
			if err != nil {
				return fmt.Errorf("instance %d: %w", i+1, err)
			}
			*mask |= b
		}
		out[i] = v
	}
	return nil
}
