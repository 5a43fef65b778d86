package metrics

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/mulan-nlp/mulan/tags"
)

// ConllOptions are conlleval's command-line options plus the strict mode.
type ConllOptions struct {
	// Raw (-r): tags carry no B-/I- prefix; every non-O tag is its own
	// single-token chunk ("PER" is read as "B-PER").
	Raw bool
	// Delimiter (-d) separates the fields of a line. As in the script it is
	// a regular expression (Go syntax, which agrees with Perl's for the usual
	// delimiters such as `\t` or `\s+`); empty means a single space.
	Delimiter string
	// OTag (-o) is the outside tag in raw mode; empty means "O". As in the
	// script it has no effect without Raw.
	OTag string
	// Strict also scores entities as seqeval's strict mode does under
	// Scheme (IOB2 or IOBES; IOB1 and BMES are accepted too): only
	// well-formed chunks count, within sentences.
	Strict bool
	Scheme tags.Scheme
}

// conllBoundary is the script's sentence boundary token.
const conllBoundary = "-X-"

// ConllType holds the counts and scores of one chunk type. Scores are
// percentages, as conlleval prints them.
type ConllType struct {
	Type      string  `json:"type"`
	Gold      int     `json:"gold"`    // chunks in the corpus (conlleval's foundCorrect)
	Found     int     `json:"found"`   // chunks in the output (foundGuessed)
	Correct   int     `json:"correct"` // correctly identified chunks
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	FB1       float64 `json:"fb1"`
}

// ConllResult is the outcome of a conlleval run. Scores are percentages.
type ConllResult struct {
	Tokens      int         `json:"tokens"`
	CorrectTags int         `json:"correct_tags"`
	Gold        int         `json:"gold_phrases"`
	Found       int         `json:"found_phrases"`
	Correct     int         `json:"correct_phrases"`
	Accuracy    float64     `json:"accuracy"`
	Precision   float64     `json:"precision"`
	Recall      float64     `json:"recall"`
	FB1         float64     `json:"fb1"`
	Types       []ConllType `json:"types"`
	// Strict is seqeval's strict-mode entity report (fractions, micro avg),
	// present when ConllOptions.Strict was set.
	Strict *Report `json:"strict,omitempty"`
	// StrictScheme names the scheme of the strict report.
	StrictScheme string `json:"strict_scheme,omitempty"`
}

type conllCounts struct{ gold, found, correct int }

// Conll is an incremental conlleval evaluator. Feed it input lines with
// Line, or tag pairs with Add and EndSentence, then call Result.
type Conll struct {
	opt   ConllOptions
	delim *regexp.Regexp // nil: split on the literal opt.Delimiter
	lit   string

	nFeatures int // fields per line (-1 until the first line)
	line      int // lines read, for error messages
	fields    []string

	tokens, correctTags, gold, found, correct int
	types                                     map[string]*conllCounts

	inCorrect                    bool
	lastCorrect, lastCorrectType string
	lastGuessed, lastGuessedType string

	strict *seqevalStrict
}

// NewConll returns an evaluator. It fails only on a bad delimiter pattern or
// an unsupported strict scheme.
func NewConll(opt ConllOptions) (*Conll, error) {
	c := &Conll{opt: opt, nFeatures: -1, types: map[string]*conllCounts{},
		lastCorrect: "O", lastGuessed: "O"}
	if c.opt.OTag == "" {
		c.opt.OTag = "O"
	}
	d := opt.Delimiter
	if d == "" {
		d = " "
	}
	if regexp.QuoteMeta(d) == d {
		c.lit = d
	} else {
		re, err := regexp.Compile(d)
		if err != nil {
			return nil, fmt.Errorf("conlleval: bad delimiter pattern %q: %w", d, err)
		}
		c.delim = re
	}
	if opt.Strict {
		if opt.Raw {
			return nil, errors.New("conlleval: strict mode needs prefixed tags; it cannot be combined with raw mode")
		}
		s, err := newSeqevalStrict(opt.Scheme)
		if err != nil {
			return nil, err
		}
		c.strict = s
	}
	return c, nil
}

// split mimics Perl's split(/$delimiter/, $line): a positive-width match at
// the start gives a leading empty field, a zero-width one does not, and
// trailing empty fields are removed.
func (c *Conll) split(line string) []string {
	f := c.fields[:0]
	if c.delim == nil {
		for {
			i := strings.Index(line, c.lit)
			if i < 0 {
				break
			}
			f = append(f, line[:i])
			line = line[i+len(c.lit):]
		}
		f = append(f, line)
	} else {
		prev := 0
		for _, m := range c.delim.FindAllStringIndex(line, -1) {
			if m[1] == m[0] && (m[0] == 0 || m[0] == len(line)) {
				continue
			}
			f = append(f, line[prev:m[0]])
			prev = m[1]
		}
		f = append(f, line[prev:])
	}
	for len(f) > 0 && f[len(f)-1] == "" {
		f = f[:len(f)-1]
	}
	c.fields = f
	return f
}

// splitTag applies the script's /^([^-]*)-(.*)$/ and its truthiness rule:
// a type "0" (false in Perl) becomes "".
func splitConllTag(tag string) (prefix, typ string) {
	i := strings.IndexByte(tag, '-')
	if i < 0 {
		return tag, ""
	}
	prefix, typ = tag[:i], tag[i+1:]
	if typ == "0" {
		typ = ""
	}
	return prefix, typ
}

// Line processes one input line (without its trailing newline), exactly as
// the script's main loop does. name is used in error messages.
func (c *Conll) Line(name, line string) error {
	c.line++
	f := c.split(line)
	if c.nFeatures < 0 {
		c.nFeatures = len(f) - 1
	} else if c.nFeatures != len(f)-1 && len(f) != 0 {
		return fmt.Errorf("%s:%d: unexpected number of features: %d (%d)", name, c.line, len(f), c.nFeatures+1)
	}
	if len(f) == 0 || f[0] == conllBoundary {
		c.EndSentence()
		return nil
	}
	if len(f) < 2 {
		return fmt.Errorf("%s:%d: unexpected number of features in line %q (need at least gold and predicted tags)", name, c.line, line)
	}
	if c.strict != nil {
		if err := c.strict.add(f[len(f)-2], f[len(f)-1]); err != nil {
			return fmt.Errorf("%s:%d: %w", name, c.line, err)
		}
	}
	c.add(f[len(f)-2], f[len(f)-1])
	return nil
}

// Add scores one token with gold and predicted tags as they appear in the
// last two columns of conlleval's input.
func (c *Conll) Add(gold, pred string) error {
	if c.strict != nil {
		if err := c.strict.add(gold, pred); err != nil {
			return err
		}
	}
	c.add(gold, pred)
	return nil
}

func (c *Conll) rawTag(t string) string {
	if t == c.opt.OTag {
		t = "O"
	}
	if t != "O" {
		t = "B-" + t
	}
	return t
}

func (c *Conll) add(gold, pred string) {
	if c.opt.Raw {
		gold, pred = c.rawTag(gold), c.rawTag(pred)
	}
	cor, corType := splitConllTag(gold)
	gue, gueType := splitConllTag(pred)
	c.step(cor, corType, gue, gueType)
	if cor == gue && corType == gueType {
		c.correctTags++
	}
	c.tokens++
}

// EndSentence marks a sentence boundary (a blank line or a "-X-" line):
// every open chunk ends there.
func (c *Conll) EndSentence() {
	if c.strict != nil {
		c.strict.endSentence()
	}
	c.step("O", "", "O", "")
}

func (c *Conll) typeCounts(t string) *conllCounts {
	tc := c.types[t]
	if tc == nil {
		tc = &conllCounts{}
		c.types[strings.Clone(t)] = tc
	}
	return tc
}

// step is the body of the script's main loop for one token.
func (c *Conll) step(cor, corType, gue, gueType string) {
	endC := conllEnd(c.lastCorrect, cor, c.lastCorrectType, corType)
	endG := conllEnd(c.lastGuessed, gue, c.lastGuessedType, gueType)
	if c.inCorrect {
		if endC && endG && c.lastGuessedType == c.lastCorrectType {
			c.inCorrect = false
			c.correct++
			c.typeCounts(c.lastCorrectType).correct++
		} else if endC != endG || gueType != corType {
			c.inCorrect = false
		}
	}
	startC := conllStart(c.lastCorrect, cor, c.lastCorrectType, corType)
	startG := conllStart(c.lastGuessed, gue, c.lastGuessedType, gueType)
	if startC && startG && gueType == corType {
		c.inCorrect = true
	}
	if startC {
		c.gold++
		c.typeCounts(corType).gold++
	}
	if startG {
		c.found++
		c.typeCounts(gueType).found++
	}
	c.lastCorrect, c.lastCorrectType = cor, corType
	c.lastGuessed, c.lastGuessedType = gue, gueType
}

// conllEnd is the script's endOfChunk: did a chunk end between the previous
// tag and this one?
func conllEnd(prevTag, tag, prevType, typ string) bool {
	switch {
	case prevTag == "B" && (tag == "B" || tag == "O"),
		prevTag == "I" && (tag == "B" || tag == "O"),
		prevTag == "E" && (tag == "E" || tag == "I" || tag == "O"),
		prevTag != "O" && prevTag != "." && prevType != typ,
		prevTag == "]" || prevTag == "[":
		return true
	}
	return false
}

// conllStart is the script's startOfChunk: did a chunk start between the
// previous tag and this one? Note what it omits: E followed by B, and S
// followed by S, of one type continue the chunk.
func conllStart(prevTag, tag, prevType, typ string) bool {
	switch {
	case tag == "B" && (prevTag == "B" || prevTag == "I" || prevTag == "O"),
		prevTag == "O" && (tag == "I" || tag == "E"),
		prevTag == "E" && (tag == "E" || tag == "I"),
		tag != "O" && tag != "." && prevType != typ,
		tag == "[" || tag == "]":
		return true
	}
	return false
}

func conllPct(a, b int) float64 {
	if b <= 0 {
		return 0
	}
	return float64(100*a) / float64(b)
}

func conllF(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// Result closes the input (an open correct chunk at the end counts, as in
// the script) and returns the scores. Call it once, after the last line.
func (c *Conll) Result() *ConllResult {
	if c.inCorrect {
		c.inCorrect = false
		c.correct++
		c.typeCounts(c.lastCorrectType).correct++
	}
	r := &ConllResult{Tokens: c.tokens, CorrectTags: c.correctTags, Gold: c.gold, Found: c.found, Correct: c.correct}
	r.Accuracy = conllPct(c.correctTags, c.tokens)
	r.Precision = conllPct(c.correct, c.found)
	r.Recall = conllPct(c.correct, c.gold)
	r.FB1 = conllF(r.Precision, r.Recall)
	names := make([]string, 0, len(c.types))
	for t, tc := range c.types {
		if tc.gold > 0 || tc.found > 0 {
			names = append(names, t)
		}
	}
	sort.Strings(names)
	r.Types = make([]ConllType, 0, len(names))
	for _, t := range names {
		tc := c.types[t]
		ct := ConllType{Type: t, Gold: tc.gold, Found: tc.found, Correct: tc.correct}
		ct.Precision = conllPct(tc.correct, tc.found)
		ct.Recall = conllPct(tc.correct, tc.gold)
		ct.FB1 = conllF(ct.Precision, ct.Recall)
		r.Types = append(r.Types, ct)
	}
	if c.strict != nil {
		r.Strict = c.strict.report()
		r.StrictScheme = c.strict.scheme.String()
	}
	return r
}

// Conlleval reads conlleval input from r (name is used in error messages)
// and returns the scores. Lines end at '\n' only; like the script it keeps a
// '\r' as part of the last field.
func Conlleval(r io.Reader, name string, opt ConllOptions) (*ConllResult, error) {
	c, err := NewConll(opt)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(r, 1<<16)
	var long []byte
	for {
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, b...)
			continue
		}
		if len(long) > 0 {
			b = append(long, b...)
			long = long[:0]
		}
		if len(b) > 0 {
			line := string(b)
			line = strings.TrimSuffix(line, "\n")
			if lerr := c.Line(name, line); lerr != nil {
				return nil, lerr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return c.Result(), nil
}

// conllTypeOrder returns the types in the order the script prints them. Its
// de-duplication of the sorted type list treats the previous entry "" as
// false, so the empty type is printed twice when it occurs both in the
// corpus and in the output.
func (r *ConllResult) conllTypeOrder() []ConllType {
	out := make([]ConllType, 0, len(r.Types)+1)
	for _, t := range r.Types {
		out = append(out, t)
		if t.Type == "" && t.Gold > 0 && t.Found > 0 {
			out = append(out, t)
		}
	}
	return out
}

// padBytes right-aligns s in width bytes, as Perl's printf "%17s" does on
// byte strings.
func padBytes(s string, width int) string {
	if len(s) < width {
		return strings.Repeat(" ", width-len(s)) + s
	}
	return s
}

// WriteText prints the result exactly as conlleval does by default.
func (r *ConllResult) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "processed %d tokens with %d phrases; found: %d phrases; correct: %d.\n", r.Tokens, r.Gold, r.Found, r.Correct)
	if r.Tokens > 0 {
		fmt.Fprintf(&b, "accuracy: %6.2f%%; precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f\n", r.Accuracy, r.Precision, r.Recall, r.FB1)
	}
	for _, t := range r.conllTypeOrder() {
		fmt.Fprintf(&b, "%s: precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f  %d\n", padBytes(t.Type, 17), t.Precision, t.Recall, t.FB1, t.Found)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteLatex prints the result as conlleval -l does: a LaTeX table body.
func (r *ConllResult) WriteLatex(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`        & Precision &  Recall  & F$_{\beta=1} \\\hline`)
	for _, t := range r.conllTypeOrder() {
		name := t.Type
		if len(name) < 7 {
			name += strings.Repeat(" ", 7-len(name))
		}
		fmt.Fprintf(&b, "\n%s &  %6.2f\\%% & %6.2f\\%% & %6.2f \\\\", name, t.Precision, t.Recall, t.FB1)
	}
	b.WriteString("\\hline\n")
	fmt.Fprintf(&b, "Overall &  %6.2f\\%% & %6.2f\\%% & %6.2f \\\\\\hline\n", r.Precision, r.Recall, r.FB1)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the result as one indented JSON object.
func (r *ConllResult) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
