package tokenize

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestEnglish(t *testing.T) {
	tests := []struct {
		name, in string
		lower    bool
		want     string // tokens joined by single spaces
	}{
		{"empty", "", false, ""},
		{"spaces only", " \t\u3000\u00a0\n", false, ""},
		{"sentence", "Hello, world!", false, "Hello , world !"},
		{"dont", "I don't know.", false, "I do n't know ."},
		{"cant wont", "We can't and won't.", false, "We ca n't and wo n't ."},
		{"its", "it's John's dog", false, "it 's John 's dog"},
		{"other clitics", "I'm sure they're here, we've, I'd, you'll", false, "I 'm sure they 're here , we 've , I 'd , you 'll"},
		{"upper clitic", "DON'T IT'S", false, "DO N'T IT 'S"},
		{"curly apostrophe", "don\u2019t it\u2019s", false, "do n\u2019t it \u2019s"},
		{"inner apostrophe", "O'Neill rock'n'roll", false, "O'Neill rock'n'roll"},
		{"plural possessive", "the students' books", false, "the students ' books"},
		{"quotes kept", `He said "no" and 'yes'.`, false, `He said " no " and ' yes ' .`},
		{"numbers", "pi is 3.14, not 1,000 or 10:30", false, "pi is 3.14 , not 1,000 or 10:30"},
		{"percent currency", "10% of $5.50 is -0.55", false, "10 % of $ 5.50 is - 0.55"},
		{"leading decimal", "only .5 left", false, "only .5 left"},
		{"number then period", "It cost 42.", false, "It cost 42 ."},
		{"url", "see https://example.com/a?b=1&c=(2).", false, "see https://example.com/a?b=1&c=(2) ."},
		{"url in parens", "(www.go.dev/doc)", false, "( www.go.dev/doc )"},
		{"url scheme only", "http:// x", false, "http : / / x"},
		{"email", "mail me: ann.lee+nlp@mail.example.org.", false, "mail me : ann.lee+nlp@mail.example.org ."},
		{"not email", "a@b and x@y.1", false, "a @ b and x @ y .1"},
		{"hyphen", "a state-of-the-art e-mail -- really", false, "a state-of-the-art e-mail -- really"},
		{"trailing hyphen", "pre- and post-war", false, "pre - and post-war"},
		{"ellipsis", "Wait... what?!", false, "Wait ... what ? !"},
		{"abbreviations", "Mr. Smith met Dr. Who in the U.S. e.g. today.", false, "Mr. Smith met Dr. Who in the U.S. e.g. today ."},
		{"ampersand", "AT&T and R&D & more", false, "AT&T and R&D & more"},
		{"accents", "naïve café Zoë's", false, "naïve café Zoë 's"},
		{"lower", "The U.S. Don't AT&T", true, "the u.s. do n't at&t"},
		{"lower url", "Visit WWW.Example.COM", true, "visit www.example.com"},
		{"symbols", "a+b=c #1 @home", false, "a + b = c # 1 @ home"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(English{Lower: tt.lower}.Tokenize(tt.in), " ")
			if got != tt.want {
				t.Errorf("English(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSpans(t *testing.T) {
	text := "我爱NLP和Go 1.26!"
	type sp struct {
		script Script
		text   string
	}
	want := []sp{{ScriptHan, "我爱"}, {ScriptLatin, "NLP"}, {ScriptHan, "和"}, {ScriptLatin, "Go"},
		{ScriptDigit, "1"}, {ScriptOther, "."}, {ScriptDigit, "26"}, {ScriptOther, "!"}}
	var got []sp
	for _, s := range Spans(text) {
		got = append(got, sp{s.Script, text[s.Start:s.End]})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Spans(%q) = %v, want %v", text, got, want)
	}

	// Full-width digits are digits, 〇 is Han, accented letters and a
	// following combining mark are Latin, kana is Other.
	text = "１９〇五年 Zoë e\u0301 かな"
	want = []sp{{ScriptDigit, "１９"}, {ScriptHan, "〇五年"}, {ScriptLatin, "Zoë"}, {ScriptLatin, "e\u0301"}, {ScriptOther, "かな"}}
	got = nil
	for _, s := range Spans(text) {
		got = append(got, sp{s.Script, text[s.Start:s.End]})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Spans(%q) = %v, want %v", text, got, want)
	}
}

func TestChinese(t *testing.T) {
	tests := []struct {
		name string
		tok  Tokenizer
		in   string
		want string
	}{
		{"words", Chinese{}, "我爱北京天安门", "我 爱 北京 天安门"},
		{"sentence", Chinese{}, "中国人民进入了新的历史时期。", "中国 人民 进入 了 新 的 历史 时期 。"},
		{"dag", Chinese{Algorithm: DAG}, "我爱北京天安门", "我 爱 北京 天安门"},
		{"hmm", Chinese{Algorithm: DAGHMM}, "我来到北京清华大学", "我 来到 北京 清华大学"},
		{"chars", Chinese{Chars: true}, "我爱北京，Go!", "我 爱 北 京 ， Go !"},
		{"mixed", Chinese{}, "我用Go 1.26写代码", "我 用 Go 1.26 写 代码"},
		{"whitespace inside", Chinese{}, "北京 天安门\u3000广场", "北京 天安门 广场"},
		{"auto", Auto{}, "我爱NLP和Go 1.26!", "我 爱 NLP 和 Go 1.26 !"},
		{"auto english rules", Auto{Lower: true}, "他说：I don't know.", "他 说 ： i do n't know ."},
		{"auto chars", Auto{Chinese: Chinese{Chars: true}}, "你好world", "你 好 world"},
		{"chars type", Chars{}, "a b\t我们!", "a b 我 们 !"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(tt.tok.Tokenize(tt.in), " ")
			if got != tt.want {
				t.Errorf("%T.Tokenize(%q) = %q, want %q", tt.tok, tt.in, got, tt.want)
			}
		})
	}
}

// The shared gse segmenter is used from many goroutines at once (run with -race).
func TestChineseConcurrent(t *testing.T) {
	in := "中国人民进入了新的历史时期。我爱北京天安门"
	want := strings.Join(Chinese{}.Tokenize(in), " ")
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if got := strings.Join(Chinese{}.Tokenize(in), " "); got != want {
					t.Errorf("concurrent Tokenize = %q, want %q", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestAppendAlignedFallback(t *testing.T) {
	// Words that do not cover the text: the rest becomes characters.
	got := appendAligned(nil, "北京天安门", []string{"北京", "天安门广场"})
	if want := []string{"北京", "天", "安", "门"}; !reflect.DeepEqual(got, want) {
		t.Errorf("appendAligned = %q, want %q", got, want)
	}
	// Lowercased words (as gse returns) are aligned by rune count.
	got = appendAligned(nil, "İSTANBUL市", []string{"istanbul", "市"})
	if want := []string{"İSTANBUL", "市"}; !reflect.DeepEqual(got, want) {
		t.Errorf("appendAligned = %q, want %q", got, want)
	}
}

func TestLines(t *testing.T) {
	// Many batches, so the parallel workers must keep the order.
	var in, want strings.Builder
	in.WriteString("\ufeff")
	for i := 0; i < 30000; i++ {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&in, "Line %d: it's 北京天安门\r\n", i)
			fmt.Fprintf(&want, "Line %d : it 's 北京 天安门\n", i)
		case 1:
			in.WriteString(" \t \n")
			want.WriteString("\n")
		default:
			fmt.Fprintf(&in, "%d\n", i)
			fmt.Fprintf(&want, "%d\n", i)
		}
	}
	in.WriteString("no newline")
	want.WriteString("no newline\n")
	var out strings.Builder
	n, err := Lines(&out, strings.NewReader(in.String()), Auto{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if n != 30001 {
		t.Errorf("Lines = %d, want 30001", n)
	}
	if out.String() != want.String() {
		g, w := strings.Split(out.String(), "\n"), strings.Split(want.String(), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("line %d = %q, want %q", i+1, g[i], w[i])
			}
		}
		t.Fatalf("got %d lines, want %d", len(g), len(w))
	}
}

// A tokenizer that is not an Appender goes through Tokenize.
type upper struct{}

func (upper) Tokenize(s string) []string { return strings.Fields(strings.ToUpper(s)) }

func TestLinesPlainTokenizer(t *testing.T) {
	var out strings.Builder
	if _, err := Lines(&out, strings.NewReader("a  b\nc"), upper{}, 1); err != nil {
		t.Fatal(err)
	}
	if out.String() != "A B\nC\n" {
		t.Errorf("Lines = %q", out.String())
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	w.n++
	return 0, fmt.Errorf("disk full")
}

func TestLinesWriteError(t *testing.T) {
	in := strings.Repeat("some words here\n", 200000) // several batches
	w := &failWriter{}
	_, err := Lines(w, strings.NewReader(in), English{}, 2)
	if err == nil || !strings.Contains(err.Error(), "writing: disk full") {
		t.Errorf("Lines error = %v, want the write error", err)
	}
}
