package tokenize_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/mulan-nlp/mulan/tokenize"
)

func ExampleEnglish() {
	fmt.Printf("%q\n", tokenize.English{}.Tokenize("I don't owe $1,000 (10%) to ann@example.org!"))
	fmt.Printf("%q\n", tokenize.English{Lower: true}.Tokenize("It's state-of-the-art."))
	// Output:
	// ["I" "do" "n't" "owe" "$" "1,000" "(" "10" "%" ")" "to" "ann@example.org" "!"]
	// ["it" "'s" "state-of-the-art" "."]
}

func ExampleAuto() {
	fmt.Printf("%q\n", tokenize.Auto{}.Tokenize("我爱NLP和Go 1.26!"))
	for _, s := range tokenize.Spans("我爱NLP和Go") {
		fmt.Print(s.Script, " ")
	}
	fmt.Println()
	// Output:
	// ["我" "爱" "NLP" "和" "Go" "1.26" "!"]
	// Han Latin Han Latin
}

func ExampleLines() {
	in := strings.NewReader("北京天安门\nHello, world!\n")
	tokenize.Lines(os.Stdout, in, tokenize.Auto{}, 2)
	// Output:
	// 北京 天安门
	// Hello , world !
}
