package ensemble

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mulan-nlp/mulan/modelfile"
)

// ManifestFormat and ManifestVersion identify a mixture manifest.
const (
	ManifestFormat  = "mulan-mix"
	ManifestVersion = 1
)

// Manifest is the JSON file a mixture is saved as: the member files (paths
// relative to the manifest's directory unless absolute) and their weights,
// and where the weights came from.
type Manifest struct {
	Format  string           `json:"format"`
	Version int              `json:"version"`
	Members []ManifestMember `json:"members"`
	Tuned   *Tuning          `json:"tuned,omitempty"`
}

// ManifestMember names one member.
type ManifestMember struct {
	Path   string  `json:"path"`
	Kind   string  `json:"kind"` // "ngram" or "lm"
	Weight float64 `json:"weight"`
	Carry  bool    `json:"carry,omitempty"` // lm only: state carried across lines
}

// Tuning records the EM run that set the weights.
type Tuning struct {
	Dev              string    `json:"dev"`
	Tokens           int       `json:"tokens"`
	Iterations       int       `json:"iterations"`
	Perplexity       float64   `json:"perplexity"`
	MemberPerplexity []float64 `json:"member_perplexity"`
}

// Save writes m's manifest to path atomically; member paths are written
// relative to path's directory when they can be. tuned may be nil.
func (m *Mixture) Save(path string, tuned *Tuning) error {
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return err
	}
	man := Manifest{Format: ManifestFormat, Version: ManifestVersion, Tuned: tuned}
	for i, x := range m.Members {
		mm := ManifestMember{Weight: m.Weights[i]}
		switch v := x.(type) {
		case *Ngram:
			mm.Kind, mm.Path = "ngram", v.File
		case *Neural:
			mm.Kind, mm.Path, mm.Carry = "lm", v.File, v.Carry
		default:
			return fmt.Errorf("%s: member %d (%T) has no file to name", path, i+1, x)
		}
		abs, err := filepath.Abs(mm.Path)
		if err != nil {
			return err
		}
		if rel, err := filepath.Rel(dir, abs); err == nil {
			mm.Path = rel
		} else {
			mm.Path = abs
		}
		man.Members = append(man.Members, mm)
	}
	data, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if err := modelfile.WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}); err != nil {
		return err
	}
	m.File = path
	return nil
}

// IsManifest reports whether the file at path starts like a mixture
// manifest (a JSON object).
func IsManifest(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [64]byte
	n, _ := io.ReadFull(f, b[:])
	s := bytes.TrimLeft(b[:n], " \t\r\n")
	return len(s) > 0 && s[0] == '{'
}

// ReadManifest reads and checks a manifest.
func ReadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var man Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&man); err != nil {
		return nil, fmt.Errorf("%s: not a mixture manifest: %w", path, err)
	}
	if man.Format != ManifestFormat {
		return nil, fmt.Errorf("%s: format %q, want %q", path, man.Format, ManifestFormat)
	}
	if man.Version != ManifestVersion {
		return nil, fmt.Errorf("%s: manifest version %d, this mulan reads %d", path, man.Version, ManifestVersion)
	}
	if len(man.Members) == 0 {
		return nil, fmt.Errorf("%s: no members", path)
	}
	for i, mm := range man.Members {
		if mm.Kind != "ngram" && mm.Kind != "lm" {
			return nil, fmt.Errorf("%s: member %d: kind %q, want ngram or lm", path, i+1, mm.Kind)
		}
		if mm.Path == "" {
			return nil, fmt.Errorf("%s: member %d: no path", path, i+1)
		}
	}
	return &man, nil
}

// Load reads a manifest and opens its members (relative paths resolved
// against the manifest's directory), checking that each file is of the
// recorded kind and that the vocabularies agree.
func Load(path string) (*Mixture, *Manifest, error) {
	man, err := ReadManifest(path)
	if err != nil {
		return nil, nil, err
	}
	var members []LM
	var weights []float64
	for i, mm := range man.Members {
		p := mm.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(path), p)
		}
		x, err := Open(p, mm.Carry)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: member %d: %w", path, i+1, err)
		}
		kind := "ngram"
		if _, ok := x.(*Neural); ok {
			kind = "lm"
		}
		if kind != mm.Kind {
			return nil, nil, fmt.Errorf("%s: member %d: %s is a %s model, the manifest says %s", path, i+1, p, kind, mm.Kind)
		}
		members = append(members, x)
		weights = append(weights, mm.Weight)
	}
	m, err := NewMixture(members, weights)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	m.File = path
	return m, man, nil
}
