package ensemble

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/mulan-nlp/mulan/langid"
	"github.com/mulan-nlp/mulan/modelfile"
)

// RouterKind and RouterVersion identify a language router file in the
// modelfile container.
const (
	RouterKind    = "language-router"
	RouterVersion = 1
)

// routerLangs are the languages a router can hold a member for, in order.
var routerLangs = []langid.Lang{langid.English, langid.Chinese}

// Router holds one classifier per language (English, Chinese) and sends each
// input to the member of its language, as identified by package langid:
//
//   - Text whose segments (langid's Segments) are all of one language, und
//     segments aside, goes whole to that language's member.
//   - Mixed text, with both English and Chinese segments, is split: every
//     segment is classified by its language's member and the probabilities
//     are averaged, weighted by segment length (Latin letters count one,
//     Han characters langid.HanWeight, other non-space runes one; a segment
//     without such characters has weight zero, unless all do, in which
//     case the segments are weighed equally).
//   - Text that is und as a whole, and und segments of mixed text, go to the
//     Fallback member; if Fallback is empty, to the member of the text's
//     (segment's) majority script: English when it has more Latin letters
//     than weighted Han characters, Chinese when fewer, English on a tie.
//
// A language without a member is served by the other language's member, so
// a router with one member routes everything to it. All members must share a
// label set (in any order, aligned by name).
type Router struct {
	Members  map[langid.Lang]Classifier
	Files    map[langid.Lang]string // member files (for Save); may be nil
	Fallback langid.Lang            // member for und text; "" = majority script
	id       *langid.Identifier
	al       alignment
	idx      map[langid.Lang]int // member index in al.perm
	scratch  []float64
	segs     []langid.Segment
}

// NewRouter builds a router. members maps "en" and/or "zh" to a classifier;
// files (optional) names them; fallback is "", "en" or "zh"; id nil means
// langid's embedded default identifier.
func NewRouter(members map[langid.Lang]Classifier, files map[langid.Lang]string, fallback langid.Lang, id *langid.Identifier) (*Router, error) {
	if len(members) == 0 {
		return nil, fmt.Errorf("a router needs a member for en or zh")
	}
	var cs []Classifier
	var names []string
	idx := map[langid.Lang]int{}
	for l := range members {
		if !slices.Contains(routerLangs, l) {
			return nil, fmt.Errorf("router member language %q: want en or zh", l)
		}
	}
	for _, l := range routerLangs {
		c, ok := members[l]
		if !ok {
			continue
		}
		if c == nil {
			return nil, fmt.Errorf("router member %s is nil", l)
		}
		idx[l] = len(cs)
		cs = append(cs, c)
		name := string(l) + " member"
		if f := files[l]; f != "" {
			name = fmt.Sprintf("%s member %s", l, f)
		}
		names = append(names, name)
	}
	switch fallback {
	case "":
	case langid.English, langid.Chinese:
		if _, ok := members[fallback]; !ok {
			return nil, fmt.Errorf("fallback language %s has no member", fallback)
		}
	default:
		return nil, fmt.Errorf("fallback language %q: want en, zh or empty (majority script)", fallback)
	}
	al, err := align(cs, names)
	if err != nil {
		return nil, err
	}
	if id == nil {
		if id, err = langid.Default(); err != nil {
			return nil, err
		}
	}
	return &Router{Members: members, Files: files, Fallback: fallback, id: id, al: al, idx: idx}, nil
}

// Labels returns the shared label set, in the order of the English member
// (or of the only member).
func (r *Router) Labels() []string { return slices.Clone(r.al.labels) }

// member returns the language whose member serves language l of text.
func (r *Router) member(l langid.Lang, text string) langid.Lang {
	if l == langid.Unknown {
		l = r.Fallback
		if l == "" {
			lat, han := scriptCounts(text)
			l = langid.English
			if han > lat {
				l = langid.Chinese
			}
		}
	}
	if _, ok := r.Members[l]; ok {
		return l
	}
	for _, o := range routerLangs {
		if _, ok := r.Members[o]; ok {
			return o
		}
	}
	return l // unreachable: NewRouter requires a member
}

// scriptCounts returns the Latin letters and the Han characters (times
// langid.HanWeight) of text.
func scriptCounts(text string) (lat, han int) {
	for _, c := range text {
		switch {
		case unicode.Is(unicode.Han, c):
			han += langid.HanWeight
		case unicode.Is(unicode.Latin, c):
			lat++
		}
	}
	return lat, han
}

// segWeight is the length of a segment for averaging: Latin letters and
// other non-space runes count one, Han characters langid.HanWeight.
func segWeight(text string) float64 {
	var w int
	for _, c := range text {
		switch {
		case unicode.Is(unicode.Han, c):
			w += langid.HanWeight
		case unicode.IsLetter(c):
			w++
		}
	}
	return float64(w)
}

// Route returns the languages whose members classify text, one per part, and
// the parts' weights (summing to one): a single language for text routed
// whole, one entry per segment for mixed text.
func (r *Router) Route(text string) (langs []langid.Lang, parts []string, weights []float64) {
	r.segs = r.id.AppendSegments(r.segs[:0], text)
	var seen [2]bool
	for _, s := range r.segs {
		switch s.Lang {
		case langid.English:
			seen[0] = true
		case langid.Chinese:
			seen[1] = true
		}
	}
	if !(seen[0] && seen[1]) {
		l := langid.Unknown
		if seen[0] {
			l = langid.English
		} else if seen[1] {
			l = langid.Chinese
		}
		return []langid.Lang{r.member(l, text)}, []string{text}, []float64{1}
	}
	var total float64
	for _, s := range r.segs {
		w := segWeight(s.Text)
		langs = append(langs, r.member(s.Lang, s.Text))
		parts = append(parts, s.Text)
		weights = append(weights, w)
		total += w
	}
	for i := range weights {
		if total > 0 {
			weights[i] /= total
		} else {
			weights[i] = 1 / float64(len(weights))
		}
	}
	return langs, parts, weights
}

// Probs returns the label probabilities of text from the member(s) it is
// routed to (see Router). It reuses buffers, so a Router must not be used by
// several goroutines at once.
func (r *Router) Probs(dst []float64, text string) []float64 {
	dst = zeroed(dst, len(r.al.labels))
	langs, parts, ws := r.Route(text)
	for i, l := range langs {
		if ws[i] == 0 {
			continue
		}
		r.scratch = r.Members[l].Probs(r.scratch[:0], parts[i])
		r.al.addAligned(dst, r.idx[l], ws[i], r.scratch)
	}
	return dst
}

// routerFile is the JSON payload of a language-router file.
type routerFile struct {
	Members  map[langid.Lang]string `json:"members"` // language → path relative to the router file unless absolute
	Fallback langid.Lang            `json:"fallback,omitempty"`
	Labels   []string               `json:"labels"`
}

// Save writes the router to path atomically as a framed modelfile container
// of kind RouterKind whose payload is JSON naming the member file of each
// language (relative to path's directory) and the fallback language. Files
// must name every member.
func (r *Router) Save(path string) error {
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return err
	}
	f := routerFile{Members: map[langid.Lang]string{}, Fallback: r.Fallback, Labels: r.al.labels}
	for l := range r.Members {
		file := r.Files[l]
		if file == "" {
			return fmt.Errorf("%s: the %s member needs a file name to save a router", path, l)
		}
		if f.Members[l], err = relPath(dir, file); err != nil {
			return err
		}
	}
	return writeJSON(path, RouterKind, RouterVersion, f)
}

// DecodeRouter reads a router from the payload of a container read from the
// file name, opening each member with load and identifying languages with id
// (nil: langid's default).
func DecodeRouter(name string, h modelfile.Header, payload []byte, load Loader, id *langid.Identifier) (*Router, error) {
	var f routerFile
	if err := readJSON(name, h, payload, RouterKind, RouterVersion, &f); err != nil {
		return nil, err
	}
	members := map[langid.Lang]Classifier{}
	files := map[langid.Lang]string{}
	for _, l := range routerLangs {
		p, ok := f.Members[l]
		if !ok {
			continue
		}
		path := memberPath(name, p)
		c, err := load(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %s member %s: %w", name, l, p, err)
		}
		members[l], files[l] = c, path
	}
	for l := range f.Members {
		if !slices.Contains(routerLangs, l) {
			return nil, fmt.Errorf("%s: member language %q: want en or zh", name, l)
		}
	}
	r, err := NewRouter(members, files, f.Fallback, id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !sameSet(r.al.labels, f.Labels) {
		return nil, fmt.Errorf("%s: members now have labels %s, the router was saved with %s", name, strings.Join(r.al.labels, ", "), strings.Join(f.Labels, ", "))
	}
	return r, nil
}

// LoadRouter reads the router file at path, opening members with load.
func LoadRouter(path string, load Loader) (*Router, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	h, p, err := modelfile.Decode(path, data)
	if err != nil {
		return nil, err
	}
	return DecodeRouter(path, h, p, load, nil)
}
