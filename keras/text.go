package keras

// Vocabulary numbers tokens for an Embedding with MaskZero, as Keras's
// Tokenizer with an out-of-vocabulary token does: 0 is padding, 1 stands for
// every unknown token, and the tokens seen at least minCount times are
// numbered from 2 on in order of first occurrence.
type Vocabulary map[string]int32

// Reserved ids of a Vocabulary.
const (
	PadID     int32 = 0
	UnknownID int32 = 1
)

// FitVocabulary builds a Vocabulary from tokenized documents.
func FitVocabulary(docs [][]string, minCount int) Vocabulary {
	count := map[string]int{}
	for _, d := range docs {
		for _, t := range d {
			count[t]++
		}
	}
	ids := Vocabulary{}
	for _, d := range docs {
		for _, t := range d {
			if _, ok := ids[t]; !ok && count[t] >= minCount {
				ids[t] = int32(len(ids) + 2)
			}
		}
	}
	return ids
}

// Size is the number of ids, padding and unknown included (the Embedding's
// input dimension).
func (v Vocabulary) Size() int { return len(v) + 2 }

// Sequences maps each document to its ids, unknown tokens to UnknownID.
// Pad the result with PadSequences.
func (v Vocabulary) Sequences(docs [][]string) [][]int32 {
	seqs := make([][]int32, len(docs))
	for i, d := range docs {
		seqs[i] = make([]int32, len(d))
		for j, t := range d {
			if id, ok := v[t]; ok {
				seqs[i][j] = id
			} else {
				seqs[i][j] = UnknownID
			}
		}
	}
	return seqs
}
