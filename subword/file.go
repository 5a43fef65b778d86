package subword

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"github.com/mulan-nlp/mulan/modelfile"
)

// Kind and Version identify subword model files (see package modelfile).
const (
	Kind    = "subword-bpe"
	Version = 1
)

// Payload of version 1 (unsigned varints):
//
//	flags           bit 0: dummy prefix
//	maxChunk        chunk length cap in characters
//	maxPiece        piece length cap used in training
//	nChars, then nChars code points (ids FirstCharID...)
//	nMerges, then nMerges (left id, right id) pairs in rank order
//
// The piece built by each merge is derived on load (a new id unless its
// string already exists), so the file cannot disagree with itself.

// WriteTo writes m as a framed model file to w.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var p []byte
	flags := uint64(0)
	if m.dummyPrefix {
		flags |= 1
	}
	p = binary.AppendUvarint(p, flags)
	p = binary.AppendUvarint(p, uint64(m.maxChunk))
	p = binary.AppendUvarint(p, uint64(m.maxPiece))
	p = binary.AppendUvarint(p, uint64(len(m.chars)))
	for _, r := range m.chars {
		p = binary.AppendUvarint(p, uint64(r))
	}
	p = binary.AppendUvarint(p, uint64(len(m.merges)))
	for _, mg := range m.merges {
		p = binary.AppendUvarint(p, uint64(mg.left))
		p = binary.AppendUvarint(p, uint64(mg.right))
	}
	return modelfile.WriteTo(w, modelfile.Header{Kind: Kind, Version: Version}, p)
}

// Save writes m to path atomically.
func (m *Model) Save(path string) error {
	return modelfile.Save(path, m)
}

// Load reads a model written by Save.
func Load(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("subword: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes a model file held in data; name is used in error messages.
func Parse(name string, data []byte) (*Model, error) {
	h, p, err := modelfile.Decode(name, data)
	if err != nil {
		return nil, fmt.Errorf("subword: %w", err)
	}
	if err := h.Expect(name, Kind, Version); err != nil {
		return nil, fmt.Errorf("subword: %w", err)
	}
	r := bytes.NewReader(p)
	bad := func(what string) error {
		return fmt.Errorf("subword: %s: %s at payload offset %d: %w", name, what, len(p)-r.Len(), modelfile.ErrCorrupt)
	}
	uv := func(what string, max uint64) (uint64, error) {
		v, err := binary.ReadUvarint(r)
		if err != nil {
			return 0, bad("truncated " + what)
		}
		if v > max {
			return 0, bad(fmt.Sprintf("%s %d out of range", what, v))
		}
		return v, nil
	}
	flags, err := uv("flags", 1)
	if err != nil {
		return nil, err
	}
	maxChunk, err := uv("chunk length", 1<<20)
	if err != nil {
		return nil, err
	}
	maxPiece, err := uv("piece length", 1<<20)
	if err != nil {
		return nil, err
	}
	if maxChunk == 0 {
		return nil, bad("zero chunk length")
	}
	// Every entry takes at least one byte: bound counts by what is left.
	nChars, err := uv("character count", uint64(r.Len()))
	if err != nil {
		return nil, err
	}
	chars := make([]rune, nChars)
	for i := range chars {
		c, err := uv("character", 0x10FFFF)
		if err != nil {
			return nil, err
		}
		chars[i] = rune(c)
	}
	nMerges, err := uv("merge count", uint64(r.Len()/2))
	if err != nil {
		return nil, err
	}
	pairs := make([][2]int32, nMerges)
	limit := uint64(FirstCharID) + nChars + nMerges
	for i := range pairs {
		a, err := uv("merge left id", limit)
		if err != nil {
			return nil, err
		}
		b, err := uv("merge right id", limit)
		if err != nil {
			return nil, err
		}
		pairs[i] = [2]int32{int32(a), int32(b)}
	}
	if r.Len() != 0 {
		return nil, bad(fmt.Sprintf("%d trailing bytes", r.Len()))
	}
	m, msg := newModel(flags&1 != 0, int(maxChunk), int(maxPiece), chars, pairs)
	if m == nil {
		return nil, bad(msg)
	}
	return m, nil
}
