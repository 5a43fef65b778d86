package lm

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand"
	"os"
	"slices"

	"github.com/mulan-nlp/mulan/modelfile"
	"github.com/mulan-nlp/mulan/vocab"
)

// File kinds and format versions.
const (
	Kind              = "lm"
	Version           = 1
	CheckpointKind    = "lm-checkpoint"
	CheckpointVersion = 1
)

// A payload is a sequence of named sections: uint16 name length, name,
// uint64 body length, body.
type sections map[string][]byte

func appendSection(dst []byte, name string, body []byte) []byte {
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(name)))
	dst = append(dst, name...)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(len(body)))
	return append(dst, body...)
}

func parseSections(name string, p []byte) (sections, error) {
	s := sections{}
	for len(p) > 0 {
		if len(p) < 2 {
			return nil, fmt.Errorf("%s: truncated section header: %w", name, modelfile.ErrCorrupt)
		}
		k := int(binary.LittleEndian.Uint16(p))
		p = p[2:]
		if len(p) < k+8 {
			return nil, fmt.Errorf("%s: truncated section header: %w", name, modelfile.ErrCorrupt)
		}
		key := string(p[:k])
		n := binary.LittleEndian.Uint64(p[k:])
		p = p[k+8:]
		if uint64(len(p)) < n {
			return nil, fmt.Errorf("%s: section %q truncated: %w", name, key, modelfile.ErrCorrupt)
		}
		s[key] = p[:n]
		p = p[n:]
	}
	return s, nil
}

func (s sections) need(name string, keys ...string) error {
	for _, k := range keys {
		if _, ok := s[k]; !ok {
			return fmt.Errorf("%s: missing section %q: %w", name, k, modelfile.ErrCorrupt)
		}
	}
	return nil
}

type paramInfo struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

type header struct {
	Config Config      `json:"config"`
	Params []paramInfo `json:"params"`
}

// payload serialises the model: config and parameter list (JSON), the
// vocabulary (text format) or subword model, and the weights (float32 LE).
func (m *LM) payload() ([]byte, error) {
	h := header{Config: m.Cfg}
	size := 0
	for _, p := range m.params {
		h.Params = append(h.Params, paramInfo{p.Name, p.Shape()})
		size += len(p.Data())
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	out := appendSection(nil, "header", hj)
	if m.codec.sw != nil {
		out = appendSection(out, "subword", m.codec.swBytes)
	} else {
		var vb bytes.Buffer
		if err := m.codec.voc.Write(&vb); err != nil {
			return nil, err
		}
		out = appendSection(out, "vocab", vb.Bytes())
	}
	w := make([]byte, 0, 4*size)
	for _, p := range m.params {
		for _, v := range p.Data() {
			w = binary.LittleEndian.AppendUint32(w, math.Float32bits(v))
		}
	}
	return appendSection(out, "weights", w), nil
}

// WriteTo writes the model as a framed file (kind "lm").
func (m *LM) WriteTo(w io.Writer) (int64, error) {
	p, err := m.payload()
	if err != nil {
		return 0, err
	}
	cw := &countWriter{w: w}
	err = modelfile.Encode(cw, modelfile.Header{Kind: Kind, Version: Version}, p)
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Save writes the model to path atomically.
func (m *LM) Save(path string) error {
	return modelfile.Save(path, m)
}

// Load reads a model written by Save. It refuses other kinds of model file
// and damaged files with a clear error.
func Load(path string) (*LM, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse decodes a model file held in data; name is used in errors.
func Parse(name string, data []byte) (*LM, error) {
	h, p, err := modelfile.Decode(name, data)
	if err != nil {
		return nil, err
	}
	if h.Kind == CheckpointKind {
		return nil, fmt.Errorf("%s is a training checkpoint, not a language model (use it with --resume)", name)
	}
	if err := h.Expect(name, Kind, Version); err != nil {
		return nil, err
	}
	return parseModel(name, p)
}

func parseModel(name string, p []byte) (*LM, error) {
	s, err := parseSections(name, p)
	if err != nil {
		return nil, err
	}
	if err := s.need(name, "header", "weights"); err != nil {
		return nil, err
	}
	var h header
	if err := json.Unmarshal(s["header"], &h); err != nil {
		return nil, fmt.Errorf("%s: model header: %v: %w", name, err, modelfile.ErrCorrupt)
	}
	var c *codec
	if b, ok := s["subword"]; ok {
		if c, err = newSubwordCodec(name, bytes.Clone(b)); err != nil {
			return nil, err
		}
	} else {
		if err := s.need(name, "vocab"); err != nil {
			return nil, err
		}
		v, err := vocab.Read(name+" (vocabulary)", bytes.NewReader(s["vocab"]))
		if err != nil {
			return nil, err
		}
		tok, err := tokenizerFor(h.Config.Tokenizer)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		c = &codec{spec: h.Config.Tokenizer, tok: tok, voc: v}
	}
	if c.size() != h.Config.Vocab {
		return nil, fmt.Errorf("%s: vocabulary has %d ids, config says %d: %w", name, c.size(), h.Config.Vocab, modelfile.ErrCorrupt)
	}
	m, err := newLM(h.Config, c, rand.New(rand.NewSource(1)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(h.Params) != len(m.params) {
		return nil, fmt.Errorf("%s: %d parameters stored, architecture has %d: %w", name, len(h.Params), len(m.params), modelfile.ErrCorrupt)
	}
	w := s["weights"]
	for i, pr := range m.params {
		if h.Params[i].Name != pr.Name || !slices.Equal(h.Params[i].Shape, pr.Shape()) {
			return nil, fmt.Errorf("%s: parameter %d is %s%v, want %s%v: %w", name, i, h.Params[i].Name, h.Params[i].Shape, pr.Name, pr.Shape(), modelfile.ErrCorrupt)
		}
		d := pr.Data()
		if len(w) < 4*len(d) {
			return nil, fmt.Errorf("%s: weights truncated at %s: %w", name, pr.Name, modelfile.ErrCorrupt)
		}
		for j := range d {
			d[j] = math.Float32frombits(binary.LittleEndian.Uint32(w[4*j:]))
		}
		w = w[4*len(d):]
	}
	if len(w) != 0 {
		return nil, fmt.Errorf("%s: %d bytes of weights left over: %w", name, len(w), modelfile.ErrCorrupt)
	}
	return m, nil
}

func floatsBytes(dst []byte, xs []float32) []byte {
	for _, v := range xs {
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(v))
	}
	return dst
}

func readFloats(name string, b []byte, dst []float32) ([]byte, error) {
	if len(b) < 4*len(dst) {
		return nil, errors.New(name + ": state truncated: " + modelfile.ErrCorrupt.Error())
	}
	for j := range dst {
		dst[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
	}
	return b[4*len(dst):], nil
}
