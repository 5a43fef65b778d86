package ngram

import "fmt"

// Ids of the special words, fixed in every Vocab.
const (
	Unk uint32 = 0 // <unk>, the unknown word
	BOS uint32 = 1 // <s>, begin of sentence
	EOS uint32 = 2 // </s>, end of sentence
)

// Special word spellings.
const (
	UnkWord = "<unk>"
	BOSWord = "<s>"
	EOSWord = "</s>"
)

// Vocab maps words to dense uint32 ids and back. Ids are handed out in the
// order words are first added, after the three special words.
type Vocab struct {
	words []string
	index map[string]uint32
}

// NewVocab returns a vocabulary holding only <unk>, <s> and </s>.
func NewVocab() *Vocab {
	v := &Vocab{index: make(map[string]uint32, 1024)}
	v.Add(UnkWord)
	v.Add(BOSWord)
	v.Add(EOSWord)
	return v
}

// Add returns the id of w, adding it when new.
func (v *Vocab) Add(w string) uint32 {
	if id, ok := v.index[w]; ok {
		return id
	}
	id := uint32(len(v.words))
	v.words = append(v.words, w)
	v.index[w] = id
	return id
}

// AddBytes is Add for a byte slice; it allocates only when w is new.
func (v *Vocab) AddBytes(w []byte) uint32 {
	if id, ok := v.index[string(w)]; ok {
		return id
	}
	return v.Add(string(w))
}

// ID returns the id of w and whether w is in the vocabulary.
func (v *Vocab) ID(w string) (uint32, bool) {
	id, ok := v.index[w]
	return id, ok
}

// IDBytes returns the id of w, or Unk when w is not in the vocabulary.
func (v *Vocab) IDBytes(w []byte) uint32 {
	if id, ok := v.index[string(w)]; ok {
		return id
	}
	return Unk
}

// Word returns the spelling of id; it panics on an id the vocabulary never handed out.
func (v *Vocab) Word(id uint32) string { return v.words[id] }

// Size is the number of words including the three special ones.
func (v *Vocab) Size() int { return len(v.words) }

// Words returns the words in id order; the caller must not modify it.
func (v *Vocab) Words() []string { return v.words }

func (v *Vocab) String() string { return fmt.Sprintf("Vocab(%d words)", len(v.words)) }
