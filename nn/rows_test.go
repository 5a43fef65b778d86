package nn

import (
	"slices"
	"testing"
)

// A table that tracks its rows records the rows Embed writes (not the
// padding row), sorted; ClearGrad zeroes only those and forgets them; the
// read hook sees the ids before the lookup; any other op reading the table
// turns tracking off for good.
func TestTrackRows(t *testing.T) {
	p := NewParam("emb", 6, 2)
	for i := range p.Value.Data {
		p.Value.Data[i] = float32(i)
	}
	if _, ok := p.GradRows(); ok {
		t.Fatal("an untracked table reports rows")
	}
	p.TrackRows()
	var seen [][]int32
	p.OnRowRead(func(ids []int32) {
		seen = append(seen, slices.Clone(ids))
		p.Value.Data[2*int(ids[0])] += 100 // a pending update, applied before the read
	})
	backward := func(ids []int32, other bool) *Var {
		tp := NewTape(nil)
		e := tp.Embed(&p.Var, ids, 0, len(ids))
		loss := tp.Sum(e)
		if other {
			loss = tp.Add(loss, tp.Sum(&p.Var))
		}
		tp.Backward(loss)
		return e
	}
	e := backward([]int32{4, 0, 2, 4}, false)
	if e.Value.Data[0] != 108 {
		t.Errorf("Embed read row 4 as %v before the read hook's update", e.Value.Data[:2])
	}
	if !slices.Equal(seen[0], []int32{4, 0, 2, 4}) {
		t.Errorf("read hook saw %v", seen)
	}
	rows, ok := p.GradRows()
	if !ok || !slices.Equal(rows, []int32{2, 4}) {
		t.Errorf("GradRows = %v, %v; want [2 4], true", rows, ok)
	}
	if !slices.Equal(p.Grad.Data, []float32{0, 0, 0, 0, 1, 1, 0, 0, 2, 2, 0, 0}) {
		t.Errorf("gradient %v", p.Grad.Data)
	}
	p.Grad.Data[2] = 7 // a row no op wrote: ClearGrad leaves it alone
	p.ClearGrad()
	if rows, ok := p.GradRows(); !ok || len(rows) != 0 || !slices.Equal(p.Grad.Data, []float32{0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0}) {
		t.Errorf("after ClearGrad: rows %v, gradient %v", rows, p.Grad.Data)
	}
	p.Grad.Data[2] = 0
	backward([]int32{1}, true)
	if _, ok := p.GradRows(); ok {
		t.Error("rows still tracked after Sum read the whole table")
	}
	p.ClearGrad()
	backward([]int32{3}, false)
	if _, ok := p.GradRows(); ok {
		t.Error("tracking came back after ClearGrad")
	}
	if slices.ContainsFunc(p.Grad.Data[:6], func(v float32) bool { return v != 0 }) {
		t.Errorf("dense ClearGrad left %v", p.Grad.Data)
	}
}
