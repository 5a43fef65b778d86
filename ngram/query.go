package ngram

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"math/big"
	"runtime"
	"slices"
	"strconv"
)

// State is the context a word is scored in: the words of the longest n-gram of
// the model ending at the previous word, most recent first, with their
// back-offs. The zero State is the null context.
type State struct {
	n       int
	words   [MaxOrder - 1]uint32
	backoff [MaxOrder - 1]float32
}

// Len is the number of context words the state holds.
func (s *State) Len() int { return s.n }

// BeginSentence returns the state after <s>.
func (m *Model) BeginSentence() State {
	var s State
	if len(m.Tables) > 1 {
		s.n = 1
		s.words[0] = BOS
		s.backoff[0] = m.Tables[0].Backoff[BOS]
	}
	return s
}

// Score returns log10 p(w | in) and the order of the n-gram that gave the
// probability, and writes the state after w to out (out may be in). Ids
// outside the vocabulary score as <unk>. Like KenLM's FullScore it takes the
// longest n-gram of the model ending in w and adds the back-offs of the longer
// contexts in the state.
func (m *Model) Score(in *State, w uint32, out *State) (logp float32, length int) {
	if m.probes != nil {
		return m.scoreProbe(in, w, out)
	}
	N := len(m.Tables)
	uni := &m.Tables[0]
	if int(w) >= uni.Len() {
		w = Unk
	}
	ctx := *in
	prob := uni.Prob[w]
	idx := int(w)
	matched := 1
	out.n = 0
	if N > 1 {
		out.words[0] = w
		out.backoff[0] = uni.Backoff[w]
		out.n = 1
	}
	for j := 0; j < ctx.n && matched < N; j++ {
		c, ok := m.Child(matched, idx, ctx.words[j])
		if !ok {
			break
		}
		idx = c
		matched++
		t := &m.Tables[matched-1]
		prob = t.Prob[idx]
		if matched < N {
			out.words[matched-1] = ctx.words[j]
			out.backoff[matched-1] = t.Backoff[idx]
			out.n = matched
		}
	}
	for j := matched - 1; j < ctx.n; j++ {
		prob += ctx.backoff[j]
	}
	return prob, matched
}

// Verbosity selects what Query prints, as KenLM's query -v.
type Verbosity int

const (
	VerboseSummary  Verbosity = iota // only the summary
	VerboseSentence                  // a "Total: ... OOV: ..." line per sentence, then the summary
	VerboseWord                      // each word's score on its sentence's line, then the summary
)

// ParseVerbosity reads "summary", "sentence" or "word".
func ParseVerbosity(s string) (Verbosity, error) {
	switch s {
	case "summary":
		return VerboseSummary, nil
	case "sentence":
		return VerboseSentence, nil
	case "word":
		return VerboseWord, nil
	}
	return 0, fmt.Errorf("verbosity %q: want summary, sentence or word", s)
}

// QueryStats sums the scores of a text as KenLM's query does.
type QueryStats struct {
	Total    float64 // sum of the sentence totals (log10), OOVs included
	OOVTotal float64 // sum of the log10 scores of the OOV words alone
	OOVs     uint64  // words not in the vocabulary (a literal <unk> is one too)
	Tokens   uint64  // words plus one </s> per line
}

// PerplexityIncludingOOVs is 10^(-Total/Tokens).
func (s QueryStats) PerplexityIncludingOOVs() float64 {
	return exp10Exact(-(s.Total / float64(s.Tokens)))
}

// PerplexityExcludingOOVs leaves the OOV words out of both the sum and the count.
func (s QueryStats) PerplexityExcludingOOVs() float64 {
	return exp10Exact(-((s.Total - s.OOVTotal) / float64(s.Tokens-s.OOVs)))
}

// WriteSummary prints KenLM's four summary lines.
func (s QueryStats) WriteSummary(w io.Writer) error {
	_, err := fmt.Fprintf(w, "Perplexity including OOVs:\t%s\nPerplexity excluding OOVs:\t%s\nOOVs:\t%d\nTokens:\t%d\n",
		FormatFloat64(s.PerplexityIncludingOOVs()), FormatFloat64(s.PerplexityExcludingOOVs()), s.OOVs, s.Tokens)
	return err
}

// ScoreSentence scores one tokenized sentence in <s> context, </s> included,
// and returns KenLM's float32 total and the number of OOV words.
func (m *Model) ScoreSentence(words []string) (total float32, oov int) {
	s := m.BeginSentence()
	for _, w := range words {
		id, ok := m.Vocab.ID(w)
		if !ok || id == Unk {
			oov++
		}
		p, _ := m.Score(&s, id, &s)
		total += p
	}
	p, _ := m.Score(&s, EOS, &s)
	return total + p, oov
}

// Query scores text from r, one sentence a line with words separated by
// spaces or tabs, like KenLM's query in sentence context: each line is scored
// after <s>, </s> is scored at its end and counted as a token, and unknown
// words (a literal <unk> too) score as <unk>, count as OOVs and are left out
// of the second perplexity. It prints per v to w (the summary only when v is
// VerboseSummary or more; KenLM's number formats) and returns the sums. Unlike
// KenLM, a last line without a newline is scored in full.
func Query(m *Model, r io.Reader, w io.Writer, v Verbosity) (QueryStats, error) {
	return QueryParallel(m, r, w, v, runtime.GOMAXPROCS(0))
}

// queryBatch is a run of whole lines of the input and what scoring them gave.
type queryBatch struct {
	text   []byte
	out    []byte    // the verbose lines
	totals []float32 // per line
	oovP   []float32 // log10 score of each OOV word, in text order
	oovs   uint64
	tokens uint64
	done   chan struct{}
}

// queryBatchBytes is the input a batch holds: big enough that handing it to
// a goroutine costs nothing, small enough that a test set splits into
// batches for every core.
const queryBatchBytes = 32 << 10

// QueryParallel is Query scoring batches of lines on up to workers
// goroutines at once (workers <= 1 scores on the caller's). The output and
// the sums are the same for every workers: batches are printed and summed
// in input order, word by word as a sequential scan would.
func QueryParallel(m *Model, r io.Reader, w io.Writer, v Verbosity, workers int) (QueryStats, error) {
	var st QueryStats
	bw := bufio.NewWriterSize(w, 1<<16)
	free := make(chan *queryBatch, 2*max(workers, 1)+1)
	for range cap(free) {
		free <- &queryBatch{done: make(chan struct{}, 1)}
	}
	var pending []*queryBatch // in input order
	var werr error
	merge := func(b *queryBatch) {
		<-b.done
		if v >= VerboseSentence && werr == nil {
			_, werr = bw.Write(b.out)
		}
		for _, t := range b.totals {
			st.Total += float64(t)
		}
		for _, p := range b.oovP {
			st.OOVTotal += float64(p)
		}
		st.OOVs += b.oovs
		st.Tokens += b.tokens
		free <- b
	}
	var carry []byte
	lineNo := 1
	for eof := false; !eof; {
		var b *queryBatch
		select {
		case b = <-free:
		default:
			merge(pending[0])
			pending = pending[1:]
			b = <-free
		}
		// The carried partial line, then input up to the last newline.
		text := append(b.text[:0], carry...)
		for {
			if cap(text)-len(text) < 4096 {
				text = slices.Grow(text, max(queryBatchBytes, len(text)))
			}
			n, err := r.Read(text[len(text):cap(text)])
			text = text[:len(text)+n]
			if err == io.EOF {
				eof = true
				break
			}
			if err != nil {
				return st, fmt.Errorf("line %d: %w", lineNo+bytes.Count(text, []byte{'\n'}), err)
			}
			if len(text) >= queryBatchBytes && bytes.IndexByte(text[len(text)-n:], '\n') >= 0 {
				break
			}
		}
		cut := len(text)
		if !eof {
			cut = bytes.LastIndexByte(text, '\n') + 1
		}
		carry = append(carry[:0], text[cut:]...)
		b.text = text[:cut]
		lineNo += bytes.Count(b.text, []byte{'\n'})
		if len(b.text) == 0 {
			free <- b
			continue
		}
		if workers <= 1 {
			m.scoreBatch(b, v)
			merge(b)
			continue
		}
		pending = append(pending, b)
		go m.scoreBatch(b, v)
	}
	for _, b := range pending {
		merge(b)
	}
	if werr != nil {
		return st, werr
	}
	if err := st.WriteSummary(bw); err != nil {
		return st, err
	}
	return st, bw.Flush()
}

// scoreBatch scores the lines of b.text and signals b.done.
func (m *Model) scoreBatch(b *queryBatch, v Verbosity) {
	b.out, b.totals, b.oovP = b.out[:0], b.totals[:0], b.oovP[:0]
	b.oovs, b.tokens = 0, 0
	text := b.text
	for len(text) > 0 {
		line := text
		if k := bytes.IndexByte(text, '\n'); k >= 0 {
			line, text = text[:k], text[k+1:]
		} else {
			text = nil
		}
		s := m.BeginSentence()
		var total float32
		var oov uint64
		for i := 0; i < len(line); {
			for i < len(line) && isQuerySpace(line[i]) {
				i++
			}
			j := i
			for j < len(line) && !isQuerySpace(line[j]) {
				j++
			}
			if j == i {
				break
			}
			word := line[i:j]
			id := m.Vocab.IDBytes(word)
			p, n := m.Score(&s, id, &s)
			if id == Unk {
				oov++
				b.oovP = append(b.oovP, p)
			}
			total += p
			b.tokens++
			if v == VerboseWord {
				b.out = appendWord(b.out, word, id, n, p)
			}
			i = j
		}
		p, n := m.Score(&s, EOS, &s)
		total += p
		b.tokens++
		if v == VerboseWord {
			b.out = appendWord(b.out, []byte(EOSWord), EOS, n, p)
		}
		if v >= VerboseSentence {
			b.out = append(b.out, "Total: "...)
			b.out = AppendFloat(b.out, float64(total), 32)
			b.out = append(b.out, " OOV: "...)
			b.out = strconv.AppendUint(b.out, oov, 10)
			b.out = append(b.out, '\n')
		}
		b.totals = append(b.totals, total)
		b.oovs += oov
	}
	b.done <- struct{}{}
}

func appendWord(b, word []byte, id uint32, n int, p float32) []byte {
	b = append(b, word...)
	b = append(b, '=')
	b = strconv.AppendUint(b, uint64(id), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, ' ')
	b = AppendFloat(b, float64(p), 32)
	return append(b, '\t')
}

func isQuerySpace(c byte) bool { return isSpace(c) || c == '\n' || c == 0 }

// Natural logarithms of 10 and 2 to 70 digits, for exp10Exact.
const (
	ln10Digits = "2.302585092994045684017991454684364207601101488628772976033327900967573"
	ln2Digits  = "0.6931471805599453094172321214581765680755001343602552541206800094933936"
)

// exp10Exact returns 10^y correctly rounded, evaluating exp(y ln 10) in 256-bit
// arithmetic. KenLM's perplexities come from glibc's pow, which is off by more
// than half an ulp in about 0.1% of cases; Go's math.Pow is off far more often,
// which showed in the last printed digit of KenLM's reference perplexities.
func exp10Exact(y float64) float64 {
	if math.IsNaN(y) || math.IsInf(y, 0) || math.Abs(y) > 400 {
		return math.Pow(10, y)
	}
	const prec = 256
	ln10, _, _ := big.ParseFloat(ln10Digits, 10, prec, big.ToNearestEven)
	ln2, _, _ := big.ParseFloat(ln2Digits, 10, prec, big.ToNearestEven)
	t := new(big.Float).SetPrec(prec).SetFloat64(y)
	t.Mul(t, ln10)
	tf, _ := t.Float64()
	k := math.Round(tf / math.Ln2)
	r := new(big.Float).SetPrec(prec).SetFloat64(k)
	r.Mul(r, ln2)
	r.Sub(t, r) // |r| <= ln2/2 (plus rounding)
	sum := new(big.Float).SetPrec(prec).SetInt64(1)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	eps := new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(1), -prec)
	for n := int64(1); n < 200; n++ {
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(n))
		sum.Add(sum, term)
		if new(big.Float).Abs(term).Cmp(eps) < 0 {
			break
		}
	}
	sum.SetMantExp(sum, int(k))
	out, _ := sum.Float64()
	return out
}
