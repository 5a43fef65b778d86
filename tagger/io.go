package tagger

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand"
	"os"
	"slices"

	"github.com/mulan-nlp/mulan/modelfile"
	"github.com/mulan-nlp/mulan/tags"
)

// Kind and Version identify tagger model files.
const (
	Kind    = "ner-tagger"
	Version = 1
)

// meta is the JSON part of a model file.
type meta struct {
	Config     Config   `json:"config"`
	FileScheme string   `json:"file_scheme"`
	Tags       []string `json:"tags"`
	Words      []string `json:"words"`
	Chars      []string `json:"chars,omitempty"`
	Bigrams    []string `json:"bigrams,omitempty"`
	Params     []pmeta  `json:"params"`
}

type pmeta struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// Save writes the tagger to path atomically. The payload of the framed
// container (kind "ner-tagger", version 1) is a little-endian uint32 length,
// the JSON metadata (config, schemes, tags, vocabularies, parameter names and
// shapes), then every parameter's float32 values in metadata order.
func (m *Tagger) Save(path string) error {
	return modelfile.WriteAtomic(path, func(w io.Writer) error { return m.Write(w) })
}

// Write writes the tagger's framed container to w.
func (m *Tagger) Write(w io.Writer) error {
	md := meta{Config: m.cfg, FileScheme: m.fileScheme.String(), Tags: m.tagList, Words: m.words.list}
	if m.cfg.CharDim > 0 {
		md.Chars = m.chars.list
	}
	if m.cfg.BigramDim > 0 {
		md.Bigrams = m.bigrams.list
	}
	n := 0
	for _, p := range m.params {
		md.Params = append(md.Params, pmeta{p.Name, p.Value.Shape})
		n += p.Value.Len()
	}
	js, err := json.Marshal(md)
	if err != nil {
		return err
	}
	payload := make([]byte, 4, 4+len(js)+4*n)
	binary.LittleEndian.PutUint32(payload, uint32(len(js)))
	payload = append(payload, js...)
	for _, p := range m.params {
		for _, v := range p.Value.Data {
			payload = binary.LittleEndian.AppendUint32(payload, math.Float32bits(v))
		}
	}
	return modelfile.Encode(w, modelfile.Header{Kind: Kind, Version: Version}, payload)
}

// Load reads a tagger written by Save.
func Load(path string) (*Tagger, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Read(path, data)
}

// Read decodes a tagger from the bytes of a model file; name is used in
// error messages.
func Read(name string, data []byte) (*Tagger, error) {
	h, payload, err := modelfile.Decode(name, data)
	if err != nil {
		return nil, err
	}
	if err := h.Expect(name, Kind, Version); err != nil {
		return nil, err
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: %w: %s", name, modelfile.ErrCorrupt, fmt.Sprintf(format, a...))
	}
	if len(payload) < 4 {
		return nil, bad("payload too short")
	}
	jl := int(binary.LittleEndian.Uint32(payload))
	if jl > len(payload)-4 {
		return nil, bad("metadata length %d exceeds payload", jl)
	}
	var md meta
	dec := json.NewDecoder(bytes.NewReader(payload[4 : 4+jl]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&md); err != nil {
		return nil, bad("metadata: %v", err)
	}
	if err := md.Config.Validate(); err != nil {
		return nil, bad("%v", err)
	}
	m := &Tagger{cfg: md.Config}
	m.scheme, _ = md.Config.internalScheme()
	if m.fileScheme, err = tags.ParseScheme(md.FileScheme); err != nil {
		return nil, bad("%v", err)
	}
	if len(md.Tags) == 0 || md.Tags[0] != tags.Outside || len(md.Words) < 2 ||
		(md.Config.CharDim > 0 && len(md.Chars) < 2) || (md.Config.BigramDim > 0 && len(md.Bigrams) < 2) {
		return nil, bad("missing tags or vocabularies")
	}
	m.tagList = md.Tags
	m.tagID = make(map[string]int32, len(m.tagList))
	for i, t := range m.tagList {
		m.tagID[t] = int32(i)
	}
	m.words, m.chars, m.bigrams = indexFrom(md.Words), newIndex(), newIndex()
	if md.Chars != nil {
		m.chars = indexFrom(md.Chars)
	}
	if md.Bigrams != nil {
		m.bigrams = indexFrom(md.Bigrams)
	}
	m.build(rand.New(rand.NewSource(0)))
	if len(md.Params) != len(m.params) {
		return nil, bad("%d parameters, the configuration needs %d", len(md.Params), len(m.params))
	}
	off := 4 + jl
	for i, p := range m.params {
		if md.Params[i].Name != p.Name || !slices.Equal(md.Params[i].Shape, p.Value.Shape) {
			return nil, bad("parameter %d is %s %v, want %s %v", i, md.Params[i].Name, md.Params[i].Shape, p.Name, p.Value.Shape)
		}
		n := 4 * p.Value.Len()
		if off+n > len(payload) {
			return nil, bad("weights truncated at %s", p.Name)
		}
		for j := range p.Value.Data {
			p.Value.Data[j] = math.Float32frombits(binary.LittleEndian.Uint32(payload[off+4*j:]))
		}
		off += n
	}
	if off != len(payload) {
		return nil, bad("%d trailing bytes", len(payload)-off)
	}
	return m, nil
}
