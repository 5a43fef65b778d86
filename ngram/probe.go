package ngram

import "math"

// Probe tables: the query index of a binary model.
//
// Every order n >= 2 has an open-addressing hash table (linear probing) with
// about 1.5 slots per n-gram. A slot holds the n-gram's exact key, the pair
// (slot of its (n-1)-gram suffix in the table of order n-1, or the word id
// for n-1 = 1; its first word), and its probability and back-off, so that a
// lookup touches one slot per order and nothing else. The slot an n-gram
// starts probing at is taken from a hash of all its words rather than of the
// key, so that the slots of every order a word needs can be computed from the
// context alone, before any lookup: the lookups of one word then miss the
// cache in parallel instead of one after the other, as in KenLM's probing
// structure. Unlike KenLM's, whose slots hold a 64-bit hash of the n-gram and
// may in principle confuse two n-grams, the stored key is exact.

// slot is one probe-table entry; emptyWord marks an unused slot.
type slot struct {
	parent  uint32  // slot of the (n-1)-gram suffix in the order below (its word id for bigrams)
	word    uint32  // first word of the n-gram
	prob    float32 // log10 probability
	backoff float32 // log10 back-off; 0 for the highest order
}

const emptyWord = math.MaxUint32

// slotsFor is the probe-table size for count n-grams: 1.5 slots per n-gram
// and at least one empty slot.
func slotsFor(count int) int { return count + count/2 + 1 }

// Hashes of n-grams, built from the last word leftwards as a lookup extends
// its context: hashWord(w_n), then hashStep(.., w_{n-1}) and so on. They are
// part of the binary format.
func hashWord(w uint32) uint64 { return mix64(uint64(w) + 0x9e3779b97f4a7c15) }

func hashStep(h uint64, w uint32) uint64 { return mix64(h ^ (uint64(w)+1)*0xc2b2ae3d27d4eb4f) }

// mix64 is a 64-bit finaliser (Stafford's variant 13 of MurmurHash3's fmix64).
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// home maps a hash to a slot of a table of size slots (Lemire's multiply-shift).
func home(h uint64, size int) int { return int((h >> 32) * uint64(size) >> 32) }

// buildProbes makes the probe tables of a linked model; probes[n-1] is the
// table of order n (nil for the unigrams).
func buildProbes(m *Model) [][]slot {
	N := len(m.Tables)
	probes := make([][]slot, N)
	uni := &m.Tables[0]
	hashes := make([]uint64, uni.Len())
	for w := range hashes {
		hashes[w] = hashWord(uint32(w))
	}
	var prevPos []uint32 // slot of each entry of the order below; nil for unigrams
	for n := 2; n <= N; n++ {
		lo, t := &m.Tables[n-2], &m.Tables[n-1]
		slots := make([]slot, slotsFor(t.Len()))
		for i := range slots {
			slots[i].word = emptyWord
		}
		pos := make([]uint32, t.Len())
		next := make([]uint64, t.Len())
		for p := 0; p < lo.Len(); p++ {
			parent := uint32(p)
			if prevPos != nil {
				parent = prevPos[p]
			}
			for i := int(lo.Ext[p]); i < int(lo.Ext[p+1]); i++ {
				first := t.Words[i*n]
				h := hashStep(hashes[p], first)
				next[i] = h
				s := home(h, len(slots))
				for slots[s].word != emptyWord {
					if s++; s == len(slots) {
						s = 0
					}
				}
				slots[s] = slot{parent: parent, word: first, prob: t.Prob[i]}
				if t.Backoff != nil {
					slots[s].backoff = t.Backoff[i]
				}
				pos[i] = uint32(s)
			}
		}
		probes[n-1] = slots
		hashes, prevPos = next, pos
	}
	return probes
}

// BuildIndex gives the model the probe tables a binary model carries, so
// that Score finds each n-gram with one hash lookup per order instead of a
// binary search; it costs about 24 bytes an n-gram above the unigrams. It is
// worth it for a model loaded from ARPA that scores much text. The tables
// must not change afterwards.
func (m *Model) BuildIndex() error {
	if err := m.Verify(); err != nil {
		return err
	}
	for n := 1; n < len(m.Tables); n++ {
		if len(m.Tables[n-1].Ext) != m.Tables[n-1].Len()+1 {
			return errNotLinked(n)
		}
	}
	m.probes = buildProbes(m)
	return nil
}

// scoreProbe is Score through the probe tables.
func (m *Model) scoreProbe(in *State, w uint32, out *State) (logp float32, length int) {
	N := len(m.Tables)
	uni := &m.Tables[0]
	if int(w) >= uni.Len() {
		w = Unk
	}
	ctx := *in
	prob := uni.Prob[w]
	matched := 1
	out.n = 0
	if N > 1 {
		out.words[0] = w
		out.backoff[0] = uni.Backoff[w]
		out.n = 1
	}
	lim := min(ctx.n, N-1)
	// The starting slot of every order first, loaded by a loop that no
	// branch waits on, so that their cache misses overlap.
	var at [MaxOrder - 1]int
	var first [MaxOrder - 1]slot
	h := hashWord(w)
	for j := 0; j < lim; j++ {
		h = hashStep(h, ctx.words[j])
		slots := m.probes[j+1]
		s := home(h, len(slots))
		at[j], first[j] = s, slots[s]
	}
	parent := w
	for j := 0; j < lim; j++ {
		slots := m.probes[j+1]
		c := ctx.words[j]
		s := at[j]
		e := first[j]
		found := false
		// At most len(slots) probes, so that even a corrupted table without
		// an empty slot ends.
		for range slots {
			if e.word == c && e.parent == parent {
				found = true
				break
			}
			if e.word == emptyWord {
				break
			}
			if s++; s == len(slots) {
				s = 0
			}
			e = slots[s]
		}
		if !found {
			break
		}
		parent = uint32(s)
		matched++
		prob = e.prob
		if matched < N {
			out.words[matched-1] = c
			out.backoff[matched-1] = e.backoff
			out.n = matched
		}
	}
	for j := matched - 1; j < ctx.n; j++ {
		prob += ctx.backoff[j]
	}
	return prob, matched
}
