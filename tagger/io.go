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

	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/modelfile"
	"github.com/mulan-nlp/mulan/tags"
)

// Kind and Version identify tagger model files. Version is the newest
// format: version 2 files embed the language models of an LMContext; a
// tagger without one is written as version 1.
const (
	Kind    = "ner-tagger"
	Version = 2
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
	// LMContext describes the embedded language models (version 2).
	LMContext *lmContextMeta `json:"lm_context,omitempty"`
}

// lmContextMeta describes an embedded LMContext: its token separator and
// the sizes of its LM files, forward first, stored after the weights.
type lmContextMeta struct {
	Sep string   `json:"sep"`
	LMs []lmMeta `json:"lms"`
}

type lmMeta struct {
	Backward bool `json:"backward"`
	Bytes    int  `json:"bytes"`
}

type pmeta struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// Save writes the tagger to path atomically. The payload of the framed
// container (kind "ner-tagger") is a little-endian uint32 length, the JSON
// metadata (config, schemes, tags, vocabularies, parameter names and shapes),
// then every parameter's float32 values in metadata order. A tagger whose
// context is an *LMContext is written as version 2: its language models'
// files (kind "lm") follow the weights, so the file is self-contained;
// otherwise it is version 1 and a context must be attached with SetContext
// after loading.
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
	version := uint32(1)
	var lmFiles []byte
	if lc, ok := m.ctx.(*LMContext); ok {
		version = 2
		md.LMContext = &lmContextMeta{Sep: lc.opt.Sep}
		for _, s := range lc.sides {
			var b bytes.Buffer
			if _, err := s.model.WriteTo(&b); err != nil {
				return err
			}
			md.LMContext.LMs = append(md.LMContext.LMs, lmMeta{Backward: s.backward, Bytes: b.Len()})
			lmFiles = append(lmFiles, b.Bytes()...)
		}
	}
	js, err := json.Marshal(md)
	if err != nil {
		return err
	}
	payload := make([]byte, 4, 4+len(js)+4*n+len(lmFiles))
	binary.LittleEndian.PutUint32(payload, uint32(len(js)))
	payload = append(payload, js...)
	for _, p := range m.params {
		for _, v := range p.Value.Data {
			payload = binary.LittleEndian.AppendUint32(payload, math.Float32bits(v))
		}
	}
	payload = append(payload, lmFiles...)
	return modelfile.Encode(w, modelfile.Header{Kind: Kind, Version: version}, payload)
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
// error messages. A tagger with embedded language models comes with its
// LMContext attached (frozen, caching features).
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
	if lc := md.LMContext; lc != nil {
		if h.Version < 2 {
			return nil, bad("version %d file with embedded language models", h.Version)
		}
		if len(lc.LMs) == 0 || len(lc.LMs) > 2 {
			return nil, bad("%d embedded language models, want 1 or 2", len(lc.LMs))
		}
		var fwd, bwd *lm.LM
		for i, l := range lc.LMs {
			dir := "forward"
			if l.Backward {
				dir = "backward"
			}
			if l.Bytes < 0 || l.Bytes > len(payload)-off {
				return nil, bad("%s language model truncated", dir)
			}
			x, err := lm.Parse(fmt.Sprintf("%s (%s language model)", name, dir), payload[off:off+l.Bytes])
			if err != nil {
				return nil, err
			}
			off += l.Bytes
			if x.Cfg.Backward != l.Backward || (i == 1 && !l.Backward) {
				return nil, bad("embedded language model %d reads the wrong direction", i+1)
			}
			if l.Backward {
				bwd = x
			} else {
				fwd = x
			}
		}
		// No feature cache: a loaded tagger reads each sentence once
		// (evaluation), or new ones without end (a server).
		c, err := NewLMContext(fwd, bwd, LMContextOptions{Sep: lc.Sep, CacheBytes: -1})
		if err != nil {
			return nil, bad("%v", err)
		}
		if err := m.SetContext(c); err != nil {
			return nil, bad("%v", err)
		}
	}
	if off != len(payload) {
		return nil, bad("%d trailing bytes", len(payload)-off)
	}
	return m, nil
}
