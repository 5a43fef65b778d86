package metrics

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mulan-nlp/mulan/tags"
)

// seqeval's strict mode: an entity counts only when its tags form a
// well-formed chunk of the scheme (IOB2: B-X I-X*; IOBES: B-X I-X* E-X or
// S-X); ill-formed pieces such as a stray I-X are ignored rather than
// repaired as conlleval does. The rules are seqeval's per-scheme tables of
// (previous prefix, current prefix, type relation) patterns that mark a token
// as the start of a chunk, inside it, or the end of the one before it.

type strictTag struct {
	prefix byte
	typ    string
}

const (
	relAny = iota
	relSame
	relDiff
)

// strictPattern matches prev→cur; 0 as a prefix matches any prefix.
type strictPattern struct {
	prev, cur byte
	rel       int
}

type strictRules struct {
	allowed               string
	start, inside, finish []strictPattern
}

func (r *strictRules) match(ps []strictPattern, prev, cur strictTag) bool {
	for _, p := range ps {
		if (p.prev == 0 || p.prev == prev.prefix) && (p.cur == 0 || p.cur == cur.prefix) {
			switch p.rel {
			case relAny:
				return true
			case relSame:
				if prev.typ == cur.typ {
					return true
				}
			case relDiff:
				if prev.typ != cur.typ {
					return true
				}
			}
		}
	}
	return false
}

var strictTables = map[tags.Scheme]*strictRules{
	tags.IOB1: {
		allowed: "IOB",
		start:   []strictPattern{{'O', 'I', relAny}, {'I', 'I', relDiff}, {'B', 'I', relAny}, {'I', 'B', relSame}, {'B', 'B', relSame}},
		inside:  []strictPattern{{'B', 'I', relSame}, {'I', 'I', relSame}},
		finish:  []strictPattern{{'I', 'I', relDiff}, {'I', 'O', relAny}, {'I', 'B', relAny}, {'B', 'O', relAny}, {'B', 'I', relDiff}, {'B', 'B', relSame}},
	},
	tags.IOB2: {
		allowed: "IOB",
		start:   []strictPattern{{0, 'B', relAny}},
		inside:  []strictPattern{{'B', 'I', relSame}, {'I', 'I', relSame}},
		finish:  []strictPattern{{'I', 'O', relAny}, {'I', 'I', relDiff}, {'I', 'B', relAny}, {'B', 'O', relAny}, {'B', 'I', relDiff}, {'B', 'B', relAny}},
	},
	tags.IOBES: iobesRules("IOBES", 'I'),
	tags.BMES:  iobesRules("MOBES", 'M'),
}

func iobesRules(allowed string, in byte) *strictRules {
	return &strictRules{
		allowed: allowed,
		start:   []strictPattern{{0, 'B', relAny}, {0, 'S', relAny}},
		inside:  []strictPattern{{'B', in, relSame}, {'B', 'E', relSame}, {in, in, relSame}, {in, 'E', relSame}},
		finish:  []strictPattern{{'S', 0, relAny}, {'E', 0, relAny}},
	}
}

// StrictSpans extracts the entities of one sentence as seqeval's strict mode
// does under scheme s. Untyped tags ("B") get seqeval's type "_". A tag
// whose prefix the scheme does not allow is an error.
func StrictSpans(sentence []string, s tags.Scheme) ([]tags.Span, error) {
	rules := strictTables[s]
	if rules == nil {
		return nil, fmt.Errorf("seqeval strict mode: unsupported scheme %v", s)
	}
	toks := make([]strictTag, len(sentence)+1)
	for i, t := range sentence {
		st, err := parseStrictTag(t, rules)
		if err != nil {
			return nil, err
		}
		toks[i] = st
	}
	toks[len(sentence)] = strictTag{'O', "_"}
	return strictEntities(toks, rules, nil), nil
}

func parseStrictTag(t string, rules *strictRules) (strictTag, error) {
	if t == "" || strings.IndexByte(rules.allowed, t[0]) < 0 {
		return strictTag{}, fmt.Errorf("invalid tag %q: allowed prefixes are %s", t, strings.Join(strings.Split(rules.allowed, ""), ", "))
	}
	typ := strings.Trim(t[1:], "-")
	if typ == "" {
		typ = "_"
	}
	return strictTag{t[0], typ}, nil
}

// strictEntities is seqeval's Tokens.entities over toks, which ends with an
// appended O.
func strictEntities(toks []strictTag, r *strictRules, out []tags.Span) []tags.Span {
	prev := strictTag{'O', "_"}
	for i := 0; i < len(toks); {
		tok := toks[i]
		if r.match(r.start, prev, tok) {
			end := len(toks) - 2
			p := tok
			for j := i + 1; j < len(toks); j++ {
				if !r.match(r.inside, p, toks[j]) {
					end = j
					break
				}
				p = toks[j]
			}
			if r.match(r.finish, toks[end-1], toks[end]) {
				out = append(out, tags.Span{Start: i, End: end, Type: tok.typ})
			}
			i = end
		} else {
			i++
		}
		prev = toks[i-1]
	}
	return out
}

type seqevalStrict struct {
	scheme     tags.Scheme
	rules      *strictRules
	gold, pred []strictTag
	gs, ps     []tags.Span
	counts     map[string]*LabelCounts
}

func newSeqevalStrict(s tags.Scheme) (*seqevalStrict, error) {
	if s == 0 {
		s = tags.IOB2
	}
	r := strictTables[s]
	if r == nil {
		return nil, fmt.Errorf("seqeval strict mode: unsupported scheme %v", s)
	}
	return &seqevalStrict{scheme: s, rules: r, counts: map[string]*LabelCounts{}}, nil
}

func (s *seqevalStrict) add(gold, pred string) error {
	g, err := parseStrictTag(gold, s.rules)
	if err != nil {
		return fmt.Errorf("strict %v: gold %w", s.scheme, err)
	}
	p, err := parseStrictTag(pred, s.rules)
	if err != nil {
		return fmt.Errorf("strict %v: predicted %w", s.scheme, err)
	}
	s.gold = append(s.gold, g)
	s.pred = append(s.pred, p)
	return nil
}

func (s *seqevalStrict) count(t string) *LabelCounts {
	c := s.counts[t]
	if c == nil {
		c = &LabelCounts{Label: strings.Clone(t)}
		s.counts[c.Label] = c
	}
	return c
}

func (s *seqevalStrict) endSentence() {
	if len(s.gold) == 0 {
		return
	}
	end := strictTag{'O', "_"}
	s.gs = strictEntities(append(s.gold, end), s.rules, s.gs[:0])
	s.ps = strictEntities(append(s.pred, end), s.rules, s.ps[:0])
	gold := make(map[tags.Span]bool, len(s.gs))
	for _, e := range s.gs {
		gold[e] = true
		s.count(e.Type).True++
	}
	for _, e := range s.ps {
		c := s.count(e.Type)
		c.Pred++
		if gold[e] {
			c.TP++
		}
	}
	s.gold, s.pred = s.gold[:0], s.pred[:0]
}

func (s *seqevalStrict) report() *Report {
	s.endSentence()
	names := make([]string, 0, len(s.counts))
	for t := range s.counts {
		names = append(names, t)
	}
	sort.Strings(names)
	counts := make([]LabelCounts, len(names))
	for i, t := range names {
		counts[i] = *s.counts[t]
	}
	return NewReport(counts, false)
}
