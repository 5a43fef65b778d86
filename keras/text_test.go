package keras

import (
	"reflect"
	"testing"
)

func TestVocabulary(t *testing.T) {
	docs := [][]string{{"a", "b", "a"}, {"c", "b", "d"}}
	v := FitVocabulary(docs, 2)
	if want := (Vocabulary{"a": 2, "b": 3}); !reflect.DeepEqual(v, want) {
		t.Fatalf("FitVocabulary = %v, want %v", v, want)
	}
	if v.Size() != 4 {
		t.Fatalf("Size = %d", v.Size())
	}
	got := v.Sequences([][]string{{"b", "z", "a"}, {}})
	if want := [][]int32{{3, 1, 2}, {}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Sequences = %v, want %v", got, want)
	}
	if all := FitVocabulary(docs, 1); len(all) != 4 || all["c"] != 4 || all["d"] != 5 {
		t.Fatalf("min count 1: %v", all)
	}
}
