// Package subword is a language-agnostic subword tokenizer: byte-pair encoding
// (BPE) in the manner of SentencePiece, with byte fallback, trained on raw text
// and shared by English and Chinese.
//
// The input is treated as raw text with no normalisation at all. The space
// character is an ordinary symbol, shown as ▁ (U+2581) in pieces; by default a
// space is prepended to every text (the "dummy prefix", as SentencePiece does)
// so a word at the start of a line is segmented like the same word after a
// space. Characters outside the model's character set (rare CJK characters,
// emoji, control bytes, invalid UTF-8 bytes) are encoded as their UTF-8 bytes,
// pieces <0x00>..<0xFF>, so nothing is ever unknown and
//
//	Decode(EncodeIDs(x)) == x
//
// holds for every string x, valid UTF-8 or not: leading, trailing and repeated
// spaces, tabs and carriage returns included.
//
// A literal ▁ (U+2581) in the input is never a member of the character set: it
// is always encoded as its three bytes <0xE2><0x96><0x81>. Byte pieces decode
// to raw bytes while ▁ inside a normal piece decodes to a space, so the round
// trip is exact and no piece string is ambiguous.
//
// # Vocabulary
//
// Ids 0..3 are the control tokens <pad> <unk> <s> </s> (as everywhere in mulan;
// <unk> is never produced), ids 4..259 the byte pieces <0x00>..<0xFF>, then the
// characters kept by the character-coverage rule (most frequent first), then one
// piece per new string produced by a merge, in merge order.
//
// # Pre-tokenisation (chunks)
//
// Merges never cross chunk boundaries. A text is cut into chunks at each space
// (the space starts the next chunk, as in SentencePiece's "▁word" pieces) and
// wherever the character class changes: Han, kana, Hangul, other letters and
// marks, digits, other whitespace (tab, CR, ideographic space) and
// punctuation/symbols. Chinese has no spaces, so without this rule a whole
// paragraph would be one "word"; split at punctuation it becomes clauses of a
// few characters, which keeps the number of distinct words, and so training,
// small. As a safety net a chunk is also cut after MaxChunkLength characters
// (default 64), which bounds the work per chunk on pathological input.
// Training and encoding use the same rule.
//
// # Training
//
// Train counts characters (for coverage) and distinct chunks, maps characters
// outside the kept set to barriers that no merge may cross, and then runs BPE
// over the distinct words weighted by their counts with an incremental
// structure: pair → count, pair → positions, and a max-heap with lazy deletion,
// so each merge touches only the positions of the merged pair instead of
// recounting the corpus. Ties between equally frequent pairs are broken by the
// merged string (byte order), then by the left piece; a merge that would build a
// piece longer than MaxPieceLength characters, or a string equal to a control
// or byte piece name such as "<s>" or "<0x41>", is skipped. A merge whose string
// already exists reuses that piece (as SentencePiece does), so piece strings are
// unique.
//
// Encoding applies the merges by rank (earliest learned first, leftmost first
// among equal ranks) with a priority queue per chunk, and caches the result of
// short chunks.
//
// The package is hand-written because no Go library offers SentencePiece-style
// BPE with byte fallback, an exact round trip and mulan's model-file format;
// the Debian sentencepiece tools serve as a speed reference (bench/subword.sh).
package subword

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// Fixed ids shared with the rest of mulan.
const (
	PadID    = 0 // <pad>
	UnkID    = 1 // <unk>, never produced: unknown characters become bytes
	BOSID    = 2 // <s>
	EOSID    = 3 // </s>
	ByteBase = 4 // id of <0x00>; byte b has id ByteBase+b
	// FirstCharID is the id of the first character piece.
	FirstCharID = ByteBase + 256
)

var controlPieces = [...]string{"<pad>", "<unk>", "<s>", "</s>"}

// SpaceMarker is how a space is shown in pieces.
const SpaceMarker = "\u2581"

type merge struct {
	left, right, result int32
}

// Model is a trained subword model. Its methods are safe for concurrent use.
type Model struct {
	dummyPrefix bool
	maxChunk    int
	maxPiece    int

	chars  []rune  // kept characters; chars[i] has id FirstCharID+i
	merges []merge // in rank order

	texts   []string // raw text of each id (bytes: one byte; controls: "")
	pieces  []string // display string of each id (space shown as ▁)
	pieceID map[string]int32
	bmp     []int32 // id of rune r < 0x10000, or -1
	astral  map[rune]int32
	mergeOf map[uint64]int32 // pair(left,right) → rank

	stats TrainStats

	noCache bool // benchmarks only
	cacheMu sync.Mutex
	cache   map[string][]int32
}

// TrainStats describes a training run; it is zero for a loaded model.
type TrainStats struct {
	Lines        int64   // lines read
	SkippedLines int64   // lines longer than MaxSentenceLength bytes, ignored
	Chars        int64   // characters counted (spaces included)
	DistinctChar int     // distinct characters seen
	KeptChars    int     // characters in the vocabulary
	Coverage     float64 // share of counted characters that are kept
	Words        int     // distinct chunks
	Merges       int     // merges learned
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// newModel builds the lookup tables from chars and merges. merges' result
// fields are recomputed: a merge whose string already exists reuses its id.
// It returns an error message (without file context) for inconsistent input.
func newModel(dummyPrefix bool, maxChunk, maxPiece int, chars []rune, pairs [][2]int32) (*Model, string) {
	m := &Model{
		dummyPrefix: dummyPrefix,
		maxChunk:    maxChunk,
		maxPiece:    maxPiece,
		chars:       chars,
		pieceID:     make(map[string]int32, FirstCharID+len(chars)+len(pairs)),
		bmp:         make([]int32, 0x10000),
		astral:      map[rune]int32{},
		mergeOf:     make(map[uint64]int32, len(pairs)),
		cache:       map[string][]int32{},
	}
	for i := range m.bmp {
		m.bmp[i] = -1
	}
	for _, p := range controlPieces {
		m.addPiece(p, "")
	}
	for b := 0; b < 256; b++ {
		m.addPiece(bytePiece(b), string([]byte{byte(b)}))
	}
	for i, r := range chars {
		id := int32(FirstCharID + i)
		if !utf8.ValidRune(r) || r == '\u2581' {
			return nil, "invalid character in vocabulary"
		}
		if m.charID(r) >= 0 {
			return nil, "duplicate character in vocabulary"
		}
		if r < 0x10000 {
			m.bmp[r] = id
		} else {
			m.astral[r] = id
		}
		s := string(r)
		m.addPiece(display(s), s)
	}
	if m.charID(' ') < 0 {
		return nil, "space missing from the characters"
	}
	m.merges = make([]merge, 0, len(pairs))
	for rank, p := range pairs {
		l, r := p[0], p[1]
		if l < FirstCharID || r < FirstCharID || int(l) >= len(m.texts) || int(r) >= len(m.texts) {
			return nil, "merge refers to a piece that is not a character or earlier merge"
		}
		k := pairKey(l, r)
		if _, dup := m.mergeOf[k]; dup {
			return nil, "duplicate merge"
		}
		s := m.texts[l] + m.texts[r]
		d := display(s)
		if reservedPiece(d) {
			return nil, "merge builds a reserved piece name"
		}
		res, ok := m.pieceID[d]
		if !ok {
			res = m.addPiece(d, s)
		}
		m.mergeOf[k] = int32(rank)
		m.merges = append(m.merges, merge{l, r, res})
	}
	return m, ""
}

func (m *Model) addPiece(piece, text string) int32 {
	id := int32(len(m.texts))
	m.texts = append(m.texts, text)
	m.pieces = append(m.pieces, piece)
	m.pieceID[piece] = id
	return id
}

func (m *Model) charID(r rune) int32 {
	if r >= 0 && r < 0x10000 {
		return m.bmp[r]
	}
	if id, ok := m.astral[r]; ok {
		return id
	}
	return -1
}

const hexDigits = "0123456789ABCDEF"

func bytePiece(b int) string {
	return string([]byte{'<', '0', 'x', hexDigits[b>>4], hexDigits[b&15], '>'})
}

// display shows spaces as ▁.
func display(s string) string {
	if strings.IndexByte(s, ' ') < 0 {
		return s
	}
	return strings.ReplaceAll(s, " ", SpaceMarker)
}

// reservedPiece reports whether a multi-character string is the name of a
// control or byte piece, which no merge may build.
func reservedPiece(s string) bool {
	for _, c := range controlPieces {
		if s == c {
			return true
		}
	}
	if len(s) == 6 && s[:3] == "<0x" && s[5] == '>' &&
		strings.IndexByte(hexDigits, s[3]) >= 0 && strings.IndexByte(hexDigits, s[4]) >= 0 {
		return true
	}
	return false
}

// Len is the vocabulary size: control tokens, bytes, characters and merged pieces.
func (m *Model) Len() int { return len(m.pieces) }

// Piece returns the display string of id ("" when id is out of range).
func (m *Model) Piece(id int) string {
	if id < 0 || id >= len(m.pieces) {
		return ""
	}
	return m.pieces[id]
}

// ID returns the id of a piece string.
func (m *Model) ID(piece string) (int, bool) {
	id, ok := m.pieceID[piece]
	return int(id), ok
}

// NumChars is the number of character pieces.
func (m *Model) NumChars() int { return len(m.chars) }

// NumMerges is the number of merge rules (at least Len()-FirstCharID-NumChars()).
func (m *Model) NumMerges() int { return len(m.merges) }

// Merges returns the merge rules in rank order as display strings (left, right).
func (m *Model) Merges() [][2]string {
	out := make([][2]string, len(m.merges))
	for i, mg := range m.merges {
		out[i] = [2]string{m.pieces[mg.left], m.pieces[mg.right]}
	}
	return out
}

// DummyPrefix reports whether a space is prepended to every encoded text.
func (m *Model) DummyPrefix() bool { return m.dummyPrefix }

// TrainStats returns the statistics of the training run that built m.
func (m *Model) TrainStats() TrainStats { return m.stats }
