package linear

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/mulan-nlp/mulan/modelfile"
)

// Kind and Version identify linear classifier files in the modelfile container.
const (
	Kind    = "linear-classifier"
	Version = 1
)

// fileHeader is the JSON part of the payload.
type fileHeader struct {
	Config    Config   `json:"config"`
	Labels    []string `json:"labels"`
	Words     int      `json:"words"`
	NgramRows int      `json:"ngram_rows"`
	InitSeed  uint64   `json:"init_seed"`
}

// Payload layout (little-endian), inside the modelfile container:
//
//	uint32 n, n bytes of JSON fileHeader
//	Words × (uvarint length, bytes)       vocabulary, row order
//	NgramRows × uint32                     bucket of each n-gram row
//	(Words+NgramRows) × Dim × float32      input embeddings
//	len(Labels) × Dim × float32            output layer

// WriteTo writes the model as a framed modelfile container to w.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	hdr, err := json.Marshal(fileHeader{Config: m.cfg, Labels: m.labels, Words: len(m.words),
		NgramRows: len(m.buckets), InitSeed: m.initSeed})
	if err != nil {
		return 0, err
	}
	n := 4 + len(hdr) + 4*len(m.buckets) + 4*(len(m.in)+len(m.out))
	for _, wd := range m.words {
		n += binary.MaxVarintLen32 + len(wd)
	}
	p := make([]byte, 0, n)
	p = binary.LittleEndian.AppendUint32(p, uint32(len(hdr)))
	p = append(p, hdr...)
	for _, wd := range m.words {
		p = binary.AppendUvarint(p, uint64(len(wd)))
		p = append(p, wd...)
	}
	for _, b := range m.buckets {
		p = binary.LittleEndian.AppendUint32(p, b)
	}
	for _, v := range m.in {
		p = binary.LittleEndian.AppendUint32(p, math.Float32bits(v))
	}
	for _, v := range m.out {
		p = binary.LittleEndian.AppendUint32(p, math.Float32bits(v))
	}
	return modelfile.WriteTo(w, modelfile.Header{Kind: Kind, Version: Version}, p)
}

// Save writes the model to path atomically.
func (m *Model) Save(path string) error {
	return modelfile.Save(path, m)
}

// Load reads a model saved by Save.
func Load(path string) (*Model, error) {
	h, payload, err := modelfile.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Decode(path, h, payload)
}

// Decode builds a model from a decoded container (header and payload);
// name labels errors. It refuses other kinds and newer versions.
func Decode(name string, h modelfile.Header, payload []byte) (*Model, error) {
	if err := h.Expect(name, Kind, Version); err != nil {
		return nil, err
	}
	bad := func(what string) error {
		return fmt.Errorf("%s: %w: linear classifier %s", name, modelfile.ErrCorrupt, what)
	}
	r := payload
	if len(r) < 4 {
		return nil, bad("payload too short")
	}
	hl := binary.LittleEndian.Uint32(r)
	r = r[4:]
	if uint64(hl) > uint64(len(r)) {
		return nil, bad("header length out of range")
	}
	var fh fileHeader
	dec := json.NewDecoder(bytes.NewReader(r[:hl]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fh); err != nil {
		return nil, bad("header: " + err.Error())
	}
	r = r[hl:]
	cfg := fh.Config
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, modelfile.ErrCorrupt, err)
	}
	if len(fh.Labels) < 2 || !slices.IsSorted(fh.Labels) || fh.Words < 0 || fh.NgramRows < 0 ||
		fh.Words > len(r) || fh.NgramRows > len(r)/4 {
		return nil, bad("header fields out of range")
	}
	tok, err := cfg.Tokenizer.New()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m := &Model{cfg: cfg, dim: cfg.Dim, labels: fh.Labels, initSeed: fh.InitSeed, tok: tok,
		words: make([]string, fh.Words), wordID: make(map[string]int32, fh.Words),
		buckets: make([]uint32, fh.NgramRows), bucketID: make(map[uint32]int32, fh.NgramRows),
		labelID: make(map[string]int, len(fh.Labels))}
	for i, l := range m.labels {
		m.labelID[l] = i
	}
	for i := range m.words {
		n, k := binary.Uvarint(r)
		if k <= 0 || n > uint64(len(r)-k) {
			return nil, bad("vocabulary truncated")
		}
		w := string(r[k : k+int(n)])
		r = r[k+int(n):]
		if _, dup := m.wordID[w]; dup {
			return nil, bad(fmt.Sprintf("duplicate word %q", w))
		}
		m.words[i] = w
		m.wordID[w] = int32(i)
	}
	if len(r) < 4*fh.NgramRows {
		return nil, bad("bucket table truncated")
	}
	for k := range m.buckets {
		b := binary.LittleEndian.Uint32(r[4*k:])
		if int(b) >= cfg.Bucket {
			return nil, bad("bucket out of range")
		}
		m.buckets[k] = b
		m.bucketID[b] = int32(fh.Words + k)
	}
	r = r[4*fh.NgramRows:]
	nin := (fh.Words + fh.NgramRows) * cfg.Dim
	nout := len(fh.Labels) * cfg.Dim
	if uint64(len(r)) != 4*uint64(nin+nout) {
		return nil, bad(fmt.Sprintf("weights: %d bytes, want %d", len(r), 4*(nin+nout)))
	}
	m.in = make([]float32, nin)
	for i := range m.in {
		m.in[i] = math.Float32frombits(binary.LittleEndian.Uint32(r[4*i:]))
	}
	r = r[4*nin:]
	m.out = make([]float32, nout)
	for i := range m.out {
		m.out[i] = math.Float32frombits(binary.LittleEndian.Uint32(r[4*i:]))
	}
	return m, nil
}
