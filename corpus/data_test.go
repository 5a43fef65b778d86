package corpus

import (
	"github.com/mulan-nlp/mulan/internal/shared"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The counts asserted here are the ones written in each data set's SOURCE.md
// under ../shared/data (from the repository root).

func dataDir(t testing.TB, set string) string {
	t.Helper()
	return shared.Data(t, set)
}

func readRecs(t *testing.T, path string, opt Options) []Record {
	t.Helper()
	recs, err := ReadAllRecords(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func labelCounts(recs []Record) map[string]int {
	m := map[string]int{}
	for _, r := range recs {
		m[r.Label]++
	}
	return m
}

func checkCounts(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Errorf("%s: label counts %v, want %v", what, got, want)
	}
}

func TestDataSST2(t *testing.T) {
	d := dataDir(t, "sst2")
	train := readRecs(t, filepath.Join(d, "train.tsv"), Options{})
	if len(train) != 67349 {
		t.Errorf("train rows %d, want 67349", len(train))
	}
	checkCounts(t, "train", labelCounts(train), map[string]int{"1": 37569, "0": 29780})
	if train[0].Text != "hide new secretions from the parental units " || train[0].Line != 2 {
		t.Errorf("first train record %+v", train[0])
	}
	distinct := map[string]bool{}
	for _, r := range train {
		distinct[r.Text] = true
	}
	if dup := len(train) - len(distinct); dup != 371 {
		t.Errorf("train duplicated sentences %d, want 371", dup)
	}
	dev := readRecs(t, filepath.Join(d, "dev.tsv"), Options{Format: TSV, TextCol: "sentence", LabelCol: "label"})
	checkCounts(t, "dev", labelCounts(dev), map[string]int{"1": 444, "0": 428})

	test := readRecs(t, filepath.Join(d, "test.tsv"), Options{})
	checkCounts(t, "test", labelCounts(test), map[string]int{"": 1821})
	if test[0].ID != "0" || test[1820].ID != "1820" {
		t.Errorf("test ids %q..%q, want 0..1820", test[0].ID, test[1820].ID)
	}
	stsa := readRecs(t, filepath.Join(d, "stsa.binary.test"), Options{Format: LabelText})
	checkCounts(t, "stsa.binary.test", labelCounts(stsa), map[string]int{"0": 912, "1": 909})
	if stsa[0].Text != "no movement , no yuks , not much of anything ." {
		t.Errorf("stsa first text %q", stsa[0].Text)
	}
}

func TestDataChnSentiCorp12k(t *testing.T) {
	d := dataDir(t, "chnsenticorp_12k")
	train := readRecs(t, filepath.Join(d, "train.tsv"), Options{})
	checkCounts(t, "train", labelCounts(train), map[string]int{"0": 4801, "1": 4799})
	distinct := map[string]bool{}
	for _, r := range train {
		distinct[r.Text] = true
	}
	if len(distinct) != 8249 {
		t.Errorf("train distinct texts %d, want 8249", len(distinct))
	}
	dev := readRecs(t, filepath.Join(d, "dev.tsv"), Options{IDCol: "qid", TextCol: "text_a", LabelCol: "label"})
	checkCounts(t, "dev", labelCounts(dev), map[string]int{"0": 607, "1": 593})
	inTrain := 0
	for _, r := range dev {
		if distinct[r.Text] {
			inTrain++
		}
	}
	if inTrain != 338 {
		t.Errorf("dev texts also in train %d, want 338", inTrain)
	}
	test := readRecs(t, filepath.Join(d, "test.tsv"), Options{})
	checkCounts(t, "test", labelCounts(test), map[string]int{"": 1200})
	if test[0].ID != "0" || !strings.HasPrefix(test[0].Text, "这个宾馆比较陈旧了") {
		t.Errorf("test first record %+v", test[0])
	}
}

func TestDataChnSentiCorpHtl(t *testing.T) {
	d := dataDir(t, "chnsenticorp_htl")
	recs := readRecs(t, filepath.Join(d, "ChnSentiCorp_htl_all.csv"), Options{})
	if len(recs) != 7766 {
		t.Fatalf("rows %d, want 7766", len(recs))
	}
	checkCounts(t, "htl", labelCounts(recs), map[string]int{"1": 5322, "0": 2444})
	var empty []int
	lens := make([]int, len(recs))
	for i, r := range recs {
		if r.Text == "" {
			empty = append(empty, r.Line)
			if r.Label != "0" {
				t.Errorf("empty review has label %q, want 0", r.Label)
			}
		}
		lens[i] = utf8.RuneCountInString(r.Text)
	}
	if !slices.Equal(empty, []int{6376}) {
		t.Errorf("empty reviews on lines %v, want [6376]", empty)
	}
	slices.Sort(lens)
	if med := (lens[len(lens)/2-1] + lens[len(lens)/2]) / 2; med != 84 || lens[len(lens)-1] != 2924 {
		t.Errorf("review length median %d max %d, want 84 and 2924", med, lens[len(lens)-1])
	}
	// the first review has RFC 4180 quoting with doubled quotes
	if want := `如果是"蔡陆线"的话`; !strings.Contains(recs[0].Text, want) {
		t.Errorf("first review %q lacks %q", recs[0].Text, want)
	}
}

func TestDataTREC(t *testing.T) {
	d := dataDir(t, "trec")
	opt := Options{TextCol: "question", LabelCol: "coarse"}
	train := readRecs(t, filepath.Join(d, "train.tsv"), opt)
	checkCounts(t, "train", labelCounts(train), map[string]int{"ENTY": 1250, "HUM": 1223, "DESC": 1162, "NUM": 896, "LOC": 835, "ABBR": 86})
	test := readRecs(t, filepath.Join(d, "test.tsv"), opt)
	checkCounts(t, "test", labelCounts(test), map[string]int{"DESC": 138, "NUM": 113, "ENTY": 94, "LOC": 81, "HUM": 65, "ABBR": 9})
	fine := readRecs(t, filepath.Join(d, "train.tsv"), Options{TextCol: "question", LabelCol: "fine"})
	if n := len(labelCounts(fine)); n != 50 {
		t.Errorf("fine classes in train %d, want 50", n)
	}

	// The original *.label files: TREC_10 is ASCII; train_5500 has one Latin-1
	// byte, refused as UTF-8 and equal to the derived train.tsv when decoded.
	orig := readRecs(t, filepath.Join(d, "TREC_10.label"), Options{})
	if len(orig) != 500 || orig[0].Label != "NUM:dist" || orig[0].Text != "How far is it from Denver to Aspen ?" {
		t.Fatalf("TREC_10.label: %d records, first %+v", len(orig), orig[0])
	}
	_, err := ReadAllRecords(filepath.Join(d, "train_5500.label"), Options{})
	wantFileLine(t, err, "train_5500.label:66: invalid UTF-8", ErrInvalidUTF8)
	latin := readRecs(t, filepath.Join(d, "train_5500.label"), Options{Encoding: "latin1"})
	if len(latin) != len(fine) {
		t.Fatalf("train_5500.label %d records, train.tsv %d", len(latin), len(fine))
	}
	nonASCII := 0
	for i := range latin {
		if latin[i].Label != fine[i].Label || latin[i].Text != fine[i].Text {
			t.Fatalf("record %d: label file %+v, tsv %+v", i, latin[i], fine[i])
		}
		if strings.ContainsRune(latin[i].Text, 'ð') {
			nonASCII++
		}
	}
	if nonASCII != 1 {
		t.Errorf("%d questions with 'ð', want 1", nonASCII)
	}
}

func TestData20Newsgroups(t *testing.T) {
	d := dataDir(t, "20newsgroups_bydate")
	want := map[string][2]int{
		"alt.atheism": {480, 319}, "comp.graphics": {584, 389}, "comp.os.ms-windows.misc": {591, 394},
		"comp.sys.ibm.pc.hardware": {590, 392}, "comp.sys.mac.hardware": {578, 385}, "comp.windows.x": {593, 395},
		"misc.forsale": {585, 390}, "rec.autos": {594, 396}, "rec.motorcycles": {598, 398},
		"rec.sport.baseball": {597, 397}, "rec.sport.hockey": {600, 399}, "sci.crypt": {595, 396},
		"sci.electronics": {591, 393}, "sci.med": {594, 396}, "sci.space": {593, 394},
		"soc.religion.christian": {599, 398}, "talk.politics.guns": {546, 364}, "talk.politics.mideast": {564, 376},
		"talk.politics.misc": {465, 310}, "talk.religion.misc": {377, 251},
	}
	nonASCII := 0
	for split, file := range []string{"train.jsonl.gz", "test.jsonl.gz"} {
		path := filepath.Join(d, file)
		recs := readRecs(t, path, Options{})
		wantCounts := map[string]int{}
		for k, v := range want {
			wantCounts[k] = v[split]
		}
		checkCounts(t, file, labelCounts(recs), wantCounts)
		for _, r := range recs {
			if !strings.HasPrefix(r.ID, r.Label+"/") || !strings.HasPrefix(r.Text, "From:") && !strings.Contains(r.Text, "\n") {
				t.Fatalf("%s:%d: odd record id %q label %q", file, r.Line, r.ID, r.Label)
			}
			for _, c := range r.Text {
				if c >= utf8.RuneSelf {
					nonASCII++
					break
				}
			}
		}
		// the file is gzip; Open decompresses it to the documented size
		f, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, f)
		f.Close()
		if wantN := []int64{23518218, 14740425}[split]; err != nil || n != wantN {
			t.Errorf("%s: uncompressed %d bytes (%v), want %d", file, n, err, wantN)
		}
	}
	if nonASCII != 37 {
		t.Errorf("%d messages with non-ASCII characters, want 37", nonASCII)
	}
}

type seqStats struct {
	docs, sents, tokens int
	tags                map[string]int
	startsWithI         int
}

func readSeq(t *testing.T, path string, opt Options) ([]Sentence, seqStats) {
	t.Helper()
	sents, err := ReadAllSentences(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	st := seqStats{tags: map[string]int{}, sents: len(sents)}
	for _, s := range sents {
		st.docs = s.Doc + 1
		st.tokens += len(s.Tokens)
		for _, tag := range s.Tags {
			st.tags[tag]++
		}
		if strings.HasPrefix(s.Tags[0], "I-") {
			st.startsWithI++
		}
	}
	return sents, st
}

// prefixed keeps the counts of tags starting with prefix.
func prefixed(tags map[string]int, prefix string) map[string]int {
	out := map[string]int{}
	for k, v := range tags {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out
}

func TestDataCoNLL2003(t *testing.T) {
	d := dataDir(t, "conll2003_en")
	for _, c := range []struct {
		file                string
		docs, sents, tokens int
		b                   map[string]int
	}{
		{"train.txt", 946, 14041, 203621, map[string]int{"B-LOC": 7140, "B-PER": 6600, "B-ORG": 6321, "B-MISC": 3438}},
		{"valid.txt", 216, 3250, 51362, map[string]int{"B-LOC": 1837, "B-PER": 1842, "B-ORG": 1341, "B-MISC": 922}},
		{"test.txt", 231, 3453, 46435, map[string]int{"B-LOC": 1668, "B-PER": 1617, "B-ORG": 1661, "B-MISC": 702}},
	} {
		sents, st := readSeq(t, filepath.Join(d, c.file), Options{Format: CoNLL})
		if st.docs != c.docs || st.sents != c.sents || st.tokens != c.tokens {
			t.Errorf("%s: %d docs %d sentences %d tokens, want %d %d %d", c.file, st.docs, st.sents, st.tokens, c.docs, c.sents, c.tokens)
		}
		checkCounts(t, c.file, prefixed(st.tags, "B-"), c.b)
		if c.file == "train.txt" {
			checkCounts(t, c.file, st.tags, map[string]int{"O": 169578, "B-LOC": 7140, "B-PER": 6600, "B-ORG": 6321,
				"B-MISC": 3438, "I-PER": 4528, "I-ORG": 3704, "I-LOC": 1157, "I-MISC": 1155})
			s := sents[0]
			if s.Line != 3 || s.Doc != 0 || strings.Join(s.Tokens, " ") != "EU rejects German call to boycott British lamb ." ||
				s.Tags[0] != "B-ORG" || len(s.Cols[0]) != 4 || s.Cols[0][1] != "NNP" {
				t.Errorf("first sentence %+v", s)
			}
			// the POS column can be chosen instead of the NER column
			pos, err := ReadAllSentences(filepath.Join(d, c.file), Options{Format: CoNLL, TagCol: 2})
			if err != nil || pos[0].Tags[1] != "VBZ" {
				t.Errorf("POS column: %v %v", err, pos[0].Tags)
			}
		}
	}
}

func TestDataMSRA(t *testing.T) {
	d := dataDir(t, "msra_ner_zh")
	// SOURCE.md: the blank-line units are chunks (long sentences were cut into
	// pieces), not the 46,364 / 4,365 sentences of the original release.
	for _, c := range []struct {
		file                string
		chunks, chars, iniI int
		b                   map[string]int
	}{
		{"train.txt", 50658, 2169879, 6, map[string]int{"B-PER": 17615, "B-LOC": 36517, "B-ORG": 20571}},
		{"test.txt", 4631, 172601, 11, map[string]int{"B-PER": 1973, "B-LOC": 2877, "B-ORG": 1331}},
	} {
		sents, st := readSeq(t, filepath.Join(d, c.file), Options{Format: Chars})
		if st.sents != c.chunks || st.tokens != c.chars || st.startsWithI != c.iniI {
			t.Errorf("%s: %d chunks %d chars %d starting with I-, want %d %d %d", c.file, st.sents, st.tokens, st.startsWithI, c.chunks, c.chars, c.iniI)
		}
		checkCounts(t, c.file, prefixed(st.tags, "B-"), c.b)
		if c.file != "test.txt" {
			continue
		}
		// Independent oracle: the word-level original test file holds the same
		// characters, except 3,139 full-width ASCII forms that the char-level
		// file has as half-width.
		wl, err := ReadAllRecords(filepath.Join(d, "original_wordlevel_test", "msra_testright1.txt"), Options{Format: Lines})
		if err != nil {
			t.Fatal(err)
		}
		if len(wl) != 4365 {
			t.Errorf("testright1: %d lines, want 4365", len(wl))
		}
		var orig []rune
		ents := map[string]int{}
		for _, r := range wl {
			for _, w := range strings.Fields(r.Text) {
				i := strings.LastIndexByte(w, '/')
				orig = append(orig, []rune(w[:i])...)
				ents[w[i+1:]]++
			}
		}
		var chars []rune
		for _, s := range sents {
			for _, tok := range s.Tokens {
				chars = append(chars, []rune(tok)...)
			}
		}
		if len(chars) != len(orig) {
			t.Fatalf("test chars %d, word-level chars %d", len(chars), len(orig))
		}
		diff := 0
		for i := range chars {
			if chars[i] != orig[i] {
				diff++
				if orig[i] < 0xff01 || orig[i] > 0xff5e || chars[i] != orig[i]-0xfee0 {
					t.Fatalf("char %d: %q vs original %q is not a full-width form", i, chars[i], orig[i])
				}
			}
		}
		if diff != 3139 || ents["nr"] != 1973 || ents["ns"] != 2877 || ents["nt"] != 1331 {
			t.Errorf("%d full-width differences (want 3139); entities nr %d ns %d nt %d", diff, ents["nr"], ents["ns"], ents["nt"])
		}
	}
}

func TestDataResume(t *testing.T) {
	d := dataDir(t, "resume_ner_zh")
	for _, c := range []struct {
		file         string
		sents, chars int
	}{{"train.char.bmes", 3821, 124099}, {"dev.char.bmes", 463, 13890}, {"test.char.bmes", 477, 15100}} {
		_, st := readSeq(t, filepath.Join(d, c.file), Options{}) // format from the .bmes extension
		if st.sents != c.sents || st.tokens != c.chars {
			t.Errorf("%s: %d sentences %d chars, want %d %d", c.file, st.sents, st.tokens, c.sents, c.chars)
		}
		if c.file == "train.char.bmes" {
			ents := map[string]int{}
			for tag, n := range st.tags {
				if strings.HasPrefix(tag, "B-") || strings.HasPrefix(tag, "S-") {
					ents[tag[2:]] += n
				}
			}
			checkCounts(t, c.file, ents, map[string]int{"TITLE": 6308, "ORG": 4611, "NAME": 952, "EDU": 858,
				"PRO": 287, "CONT": 260, "RACE": 115, "LOC": 47})
		}
	}
}
