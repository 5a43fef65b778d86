package lm

import (
	"math/rand"
	randv2 "math/rand/v2"
)

// pcgSource is a math/rand Source whose state can be saved and restored
// (PCG from math/rand/v2), so that a resumed run draws the same dropout
// masks as an uninterrupted one.
type pcgSource struct{ p *randv2.PCG }

func newPCGSource(seed int64) *pcgSource {
	return &pcgSource{p: randv2.NewPCG(uint64(seed), 0x6d756c616e4c4d)}
}

func (s *pcgSource) Int63() int64    { return int64(s.p.Uint64() >> 1) }
func (s *pcgSource) Uint64() uint64  { return s.p.Uint64() }
func (s *pcgSource) Seed(seed int64) { s.p.Seed(uint64(seed), 0x6d756c616e4c4d) }

func (s *pcgSource) MarshalBinary() ([]byte, error) { return s.p.MarshalBinary() }
func (s *pcgSource) UnmarshalBinary(b []byte) error { return s.p.UnmarshalBinary(b) }

var _ rand.Source64 = (*pcgSource)(nil)
