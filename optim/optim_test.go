package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/tensor"
)

func param(name string, vals ...float32) *nn.Param {
	p := nn.NewParam(name, len(vals))
	copy(p.Value.Data, vals)
	return p
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*max(1, math.Abs(b)) }

// TestHandComputed checks three updates of each optimizer on a single scalar
// parameter p0 = 1 with gradients 0.5, -1, 2, worked out by hand.
func TestHandComputed(t *testing.T) {
	grads := []float32{0.5, -1, 2}
	tests := []struct {
		name string
		make func([]*Group) (Optimizer, error)
		want []float64
	}{
		{
			// p -= 0.1·g: 1 - 0.05 = 0.95; 0.95 + 0.1 = 1.05; 1.05 - 0.2 = 0.85.
			"sgd", func(g []*Group) (Optimizer, error) { return NewSGD(g, SGDConfig{LR: 0.1}) },
			[]float64{0.95, 1.05, 0.85},
		},
		{
			// momentum 0.9: b1 = 0.5 → p = 0.95; b2 = 0.45 - 1 = -0.55 → p = 1.005;
			// b3 = -0.495 + 2 = 1.505 → p = 0.8545.
			"momentum", func(g []*Group) (Optimizer, error) { return NewSGD(g, SGDConfig{LR: 0.1, Momentum: 0.9}) },
			[]float64{0.95, 1.005, 0.8545},
		},
		{
			// Nesterov 0.9: b1 = 0.5, d = 0.5 + 0.45 = 0.95 → p = 0.905;
			// b2 = -0.55, d = -1 - 0.495 = -1.495 → p = 1.0545;
			// b3 = 1.505, d = 2 + 1.3545 = 3.3545 → p = 0.71905.
			"nesterov", func(g []*Group) (Optimizer, error) {
				return NewSGD(g, SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true})
			},
			[]float64{0.905, 1.0545, 0.71905},
		},
		{
			// weight decay 0.1, lr 0.1: d = 0.5 + 0.1 = 0.6 → 0.94;
			// d = -1 + 0.094 = -0.906 → 1.0306; d = 2 + 0.10306 = 2.10306 → 0.820294.
			"sgd-wd", func(g []*Group) (Optimizer, error) { return NewSGD(g, SGDConfig{LR: 0.1, WeightDecay: 0.1}) },
			[]float64{0.94, 1.0306, 0.820294},
		},
		{
			// Adam lr 0.1, eps 0: after bias correction the first step is
			// m̂/√v̂ = sign(g) → p = 0.9.
			// Step 2: m = 0.9·0.05 + 0.1·(-1) = -0.055, v = 0.999·0.00025 + 0.001 = 0.00124975;
			// m̂ = -0.055/0.19 = -0.289474, √v̂ = √(0.00124975/0.001999) = 0.790695;
			// p = 0.9 + 0.1·0.366101 = 0.936610.
			// Step 3: m = -0.0495 + 0.2 = 0.1505, v = 0.00124850 + 0.004 = 0.00524850;
			// m̂ = 0.1505/0.271 = 0.555351, √v̂ = √(0.00524850/0.002997001) = 1.323351;
			// p = 0.936610 - 0.1·0.419654 = 0.894645.
			"adam", func(g []*Group) (Optimizer, error) {
				c := DefaultAdam(0.1)
				c.Eps = 0
				return NewAdam(g, c)
			},
			[]float64{0.9, 0.936610, 0.894645},
		},
		{
			// AdamW lr 0.1, decay 0.5, eps 0: p = p(1 - 0.05) then the Adam step:
			// 0.95 - 0.1 = 0.85; 0.8075 + 0.0366101 = 0.844110; 0.801905 - 0.0419654 = 0.759939.
			"adamw", func(g []*Group) (Optimizer, error) {
				c := DefaultAdam(0.1)
				c.Eps, c.WeightDecay = 0, 0.5
				return NewAdamW(g, c)
			},
			[]float64{0.85, 0.844110, 0.759939},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := param("p", 1)
			opt, err := tc.make(OneGroup([]*nn.Param{p}))
			if err != nil {
				t.Fatal(err)
			}
			for k, g := range grads {
				p.Grad.Data[0] = g
				opt.Step()
				if got := float64(p.Value.Data[0]); !near(got, tc.want[k], 2e-6) {
					t.Errorf("step %d: p = %.7f, want %.7f", k+1, got, tc.want[k])
				}
			}
		})
	}
}

type fixture struct {
	Shapes [][]int       `json:"shapes"`
	Init   [][]float32   `json:"init"`
	Grads  [][][]float32 `json:"grads"`
	Cases  []struct {
		Opt         string        `json:"opt"`
		LR          float64       `json:"lr"`
		Momentum    float64       `json:"momentum"`
		Dampening   float64       `json:"dampening"`
		Nesterov    bool          `json:"nesterov"`
		WeightDecay float64       `json:"weight_decay"`
		Betas       []float64     `json:"betas"`
		Eps         *float64      `json:"eps"`
		GroupLRs    []float64     `json:"group_lrs"`
		Frozen      [][2]int      `json:"frozen"`
		Traj        [][][]float64 `json:"traj"`
	} `json:"cases"`
	OneCycle struct {
		Total          int       `json:"total"`
		PctStart       float64   `json:"pct_start"`
		DivFactor      float64   `json:"div_factor"`
		FinalDivFactor float64   `json:"final_div_factor"`
		LRs            []float64 `json:"lrs"`
	} `json:"onecycle"`
	StepLR struct {
		StepSize int       `json:"step_size"`
		Gamma    float64   `json:"gamma"`
		LRs      []float64 `json:"lrs"`
	} `json:"steplr"`
}

func loadFixture(t *testing.T) *fixture {
	t.Helper()
	data, err := os.ReadFile("testdata/torch_trajectories.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

// TestAgainstPyTorch replays the gradient sequences of
// testdata/torch_trajectories.json (made by gen_torch.py with torch.optim)
// and compares every parameter after every step.
func TestAgainstPyTorch(t *testing.T) {
	f := loadFixture(t)
	if len(f.Cases) == 0 {
		t.Fatal("no cases in fixture")
	}
	for ci, c := range f.Cases {
		t.Run(fmt.Sprintf("%d-%s", ci, c.Opt), func(t *testing.T) {
			var ps []*nn.Param
			for i, s := range f.Shapes {
				p := nn.NewParam(fmt.Sprint("p", i), s...)
				copy(p.Value.Data, f.Init[i])
				ps = append(ps, p)
			}
			var groups []*Group
			if c.GroupLRs != nil {
				// Group LRs relative to the base rate.
				for i, p := range ps {
					g := NewGroup(fmt.Sprint("g", i), []*nn.Param{p})
					g.LRMult = c.GroupLRs[i] / c.LR
					groups = append(groups, g)
				}
			} else {
				groups = OneGroup(ps)
			}
			var opt Optimizer
			var err error
			switch c.Opt {
			case "sgd":
				opt, err = NewSGD(groups, SGDConfig{LR: c.LR, Momentum: c.Momentum, Dampening: c.Dampening, Nesterov: c.Nesterov, WeightDecay: c.WeightDecay})
			default:
				cfg := DefaultAdam(c.LR)
				if c.Opt == "adamw" {
					cfg.WeightDecay = 0.01 // torch's AdamW default
				}
				if c.WeightDecay != 0 {
					cfg.WeightDecay = c.WeightDecay
				}
				if c.Betas != nil {
					cfg.Beta1, cfg.Beta2 = c.Betas[0], c.Betas[1]
				}
				if c.Eps != nil {
					cfg.Eps = *c.Eps
				}
				if c.Opt == "adam" {
					opt, err = NewAdam(groups, cfg)
				} else {
					opt, err = NewAdamW(groups, cfg)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range c.Traj {
				for i, p := range ps {
					copy(p.Grad.Data, f.Grads[k][i])
					frozen := false
					for _, fz := range c.Frozen {
						frozen = frozen || fz == [2]int{k, i}
					}
					p.SetFrozen(frozen)
				}
				opt.Step()
				for i, p := range ps {
					for j, v := range p.Value.Data {
						if !near(float64(v), want[i][j], 1e-6) {
							t.Fatalf("step %d param %d[%d]: %.9g, torch %.9g", k+1, i, j, v, want[i][j])
						}
					}
				}
			}
		})
	}
}

func TestSchedulesAgainstPyTorch(t *testing.T) {
	f := loadFixture(t)
	oc := f.OneCycle
	s := OneCycle(oc.Total, oc.PctStart, oc.DivFactor, oc.FinalDivFactor)
	for step, want := range oc.LRs {
		if got := s(step); !near(got, want, 1e-9) {
			t.Errorf("OneCycle(%d) = %g, torch %g", step, got, want)
		}
	}
	sl := StepDecay(f.StepLR.StepSize, f.StepLR.Gamma)
	for step, want := range f.StepLR.LRs {
		if got := sl(step); !near(got, want, 1e-12) {
			t.Errorf("StepDecay(%d) = %g, torch %g", step, got, want)
		}
	}
}

func TestSchedulePoints(t *testing.T) {
	stlr := SlantedTriangular(1000, 0.1, 32) // cut = 100
	wc := WarmupCosine(10, 110, 0.1)
	tests := []struct {
		name string
		s    Schedule
		t    int
		want float64
	}{
		{"stlr start 1/ratio", stlr, 0, 1.0 / 32},
		{"stlr half-way up: p=0.5", stlr, 50, (1 + 0.5*31) / 32},
		{"stlr peak at cut", stlr, 100, 1},
		// p = 1 - 450/(100·9) = 0.5
		{"stlr half-way down", stlr, 550, (1 + 0.5*31) / 32},
		{"stlr end 1/ratio", stlr, 1000, 1.0 / 32},
		{"stlr beyond end floors", stlr, 2000, 1.0 / 32},
		{"warmup 0", LinearWarmup(4), 0, 0},
		{"warmup 3/4", LinearWarmup(4), 3, 0.75},
		{"warmup done", LinearWarmup(4), 9, 1},
		{"warmup-linear mid decay", WarmupLinear(10, 110), 60, 0.5},
		{"warmup-linear end", WarmupLinear(10, 110), 110, 0},
		{"cosine warm-up half", wc, 5, 0.5},
		{"cosine peak", wc, 10, 1},
		{"cosine middle", wc, 60, 0.1 + 0.9*0.5},
		{"cosine end", wc, 110, 0.1},
		{"cosine after end", wc, 500, 0.1},
		{"step decay", StepDecay(10, 0.1), 25, 0.01},
		{"constant", Constant(), 7, 1},
	}
	for _, tc := range tests {
		if got := tc.s(tc.t); !near(got, tc.want, 1e-12) {
			t.Errorf("%s: s(%d) = %g, want %g", tc.name, tc.t, got, tc.want)
		}
	}
}

func TestGroupsDiscriminativeAndUnfreezing(t *testing.T) {
	ps := []*nn.Param{param("a", 1), param("b", 1), param("c", 1)}
	var groups []*Group
	for _, p := range ps {
		groups = append(groups, NewGroup(p.Name, []*nn.Param{p}))
	}
	Discriminative(groups, 2.6)
	for i, want := range []float64{1 / (2.6 * 2.6), 1 / 2.6, 1} {
		if !near(groups[i].LRMult, want, 1e-12) {
			t.Errorf("group %d LRMult %g, want %g", i, groups[i].LRMult, want)
		}
	}
	opt, err := NewSGD(groups, SGDConfig{LR: 1})
	if err != nil {
		t.Fatal(err)
	}
	opt.SetScale(0.5)
	UnfreezeTop(groups, 2) // a frozen
	for _, p := range ps {
		p.Grad.Data[0] = 1
	}
	opt.Step()
	// a frozen: unchanged; b: 1 - 0.5/2.6; c: 1 - 0.5.
	for i, want := range []float64{1, 1 - 0.5/2.6, 0.5} {
		if got := float64(ps[i].Value.Data[0]); !near(got, want, 1e-6) {
			t.Errorf("param %s = %g, want %g", ps[i].Name, got, want)
		}
	}
	UnfreezeTop(groups, 3)
	for _, p := range ps {
		if p.Frozen() {
			t.Errorf("%s still frozen", p.Name)
		}
	}
	opt.ZeroGrad()
	for _, p := range ps {
		if p.Grad.Data[0] != 0 {
			t.Errorf("%s grad not zeroed", p.Name)
		}
	}
	if _, err := NewSGD([]*Group{groups[0], groups[0]}, SGDConfig{LR: 1}); err == nil {
		t.Error("a parameter in two groups was accepted")
	}
}

func TestClipping(t *testing.T) {
	a, b := param("a", 0, 0), param("b", 0)
	copy(a.Grad.Data, []float32{3, 0})
	b.Grad.Data[0] = 4
	ps := []*nn.Param{a, b}
	// Norm 5; clip to 1 scales by 1/(5+1e-6).
	if n := ClipGradNorm(ps, 1); !near(n, 5, 1e-12) {
		t.Errorf("norm %g, want 5", n)
	}
	if !near(float64(a.Grad.Data[0]), 0.6, 1e-6) || !near(float64(b.Grad.Data[0]), 0.8, 1e-6) {
		t.Errorf("clipped grads %v %v, want 0.6 0.8", a.Grad.Data, b.Grad.Data)
	}
	// Already under the limit: unchanged.
	if n := ClipGradNorm(ps, 10); !near(n, 1, 1e-5) || !near(float64(b.Grad.Data[0]), 0.8, 1e-6) {
		t.Errorf("norm %g grad %g: clipping below the limit changed something", n, b.Grad.Data[0])
	}
	copy(a.Grad.Data, []float32{-3, 0.2})
	ClipGradValue(ps, 0.5)
	if a.Grad.Data[0] != -0.5 || a.Grad.Data[1] != 0.2 || b.Grad.Data[0] != 0.5 {
		t.Errorf("value clipping gave %v %v", a.Grad.Data, b.Grad.Data)
	}
}

func TestStateRoundTrip(t *testing.T) {
	for _, kind := range []string{"sgd", "adam", "adamw"} {
		t.Run(kind, func(t *testing.T) {
			mk := func() ([]*nn.Param, Optimizer) {
				ps := []*nn.Param{param("w", 1, 2, 3), param("b", -1)}
				var opt Optimizer
				var err error
				switch kind {
				case "sgd":
					opt, err = NewSGD(OneGroup(ps), SGDConfig{LR: 0.1, Momentum: 0.9})
				case "adam":
					opt, err = NewAdam(OneGroup(ps), DefaultAdam(0.01))
				default:
					opt, err = NewAdamW(OneGroup(ps), DefaultAdam(0.01))
				}
				if err != nil {
					t.Fatal(err)
				}
				return ps, opt
			}
			feed := func(ps []*nn.Param, k int) {
				for i, p := range ps {
					for j := range p.Grad.Data {
						p.Grad.Data[j] = float32(math.Sin(float64(k*7 + i*3 + j)))
					}
				}
			}
			// Run 6 steps straight, versus 3 steps, save, restore into a fresh
			// optimizer over parameters copied at that point, then 3 more.
			ps1, o1 := mk()
			ps2, o2 := mk()
			for k := 0; k < 3; k++ {
				feed(ps1, k)
				o1.Step()
				feed(ps2, k)
				o2.Step()
			}
			o1.SetLR(0.02)
			state, err := o1.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			ps3, o3 := mk()
			for i := range ps3 {
				copy(ps3[i].Value.Data, ps1[i].Value.Data)
			}
			if err := o3.UnmarshalBinary(state); err != nil {
				t.Fatal(err)
			}
			if o3.LR() != 0.02 {
				t.Errorf("restored LR %g", o3.LR())
			}
			o2.SetLR(0.02)
			for k := 3; k < 6; k++ {
				feed(ps2, k)
				o2.Step()
				feed(ps3, k)
				o3.Step()
			}
			for i := range ps2 {
				for j := range ps2[i].Value.Data {
					if ps2[i].Value.Data[j] != ps3[i].Value.Data[j] {
						t.Fatalf("param %d[%d]: %v straight, %v resumed", i, j, ps2[i].Value.Data[j], ps3[i].Value.Data[j])
					}
				}
			}
			// Corrupt and mismatched states are refused.
			if err := o3.UnmarshalBinary(state[:len(state)-3]); err == nil {
				t.Error("truncated state accepted")
			}
			other, _ := NewSGD(OneGroup([]*nn.Param{param("w", 1, 2)}), SGDConfig{LR: 1, Momentum: 0.5})
			if err := other.UnmarshalBinary(state); err == nil {
				t.Error("state for other parameters accepted")
			}
		})
	}
}

func TestInvalidConfigs(t *testing.T) {
	g := OneGroup([]*nn.Param{param("a", 1)})
	if _, err := NewSGD(g, SGDConfig{LR: 0.1, Nesterov: true}); err == nil {
		t.Error("Nesterov without momentum accepted")
	}
	if _, err := NewSGD(g, SGDConfig{LR: -1}); err == nil {
		t.Error("negative learning rate accepted")
	}
	c := DefaultAdam(0.1)
	c.Beta2 = 1
	if _, err := NewAdam(g, c); err == nil {
		t.Error("beta2 = 1 accepted")
	}
}

func TestStepAllocatesNothing(t *testing.T) {
	ps := []*nn.Param{nn.NewParam("w", 256, 256), nn.NewParam("b", 64)} // w takes the parallel path
	sgd, _ := NewSGD(OneGroup(ps), SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true})
	adam, _ := NewAdamW(OneGroup(ps), DefaultAdam(0.1))
	for _, o := range []Optimizer{sgd, adam} {
		o.Step()
		if a := testing.AllocsPerRun(10, o.Step); a != 0 {
			t.Errorf("%T.Step allocates %v times", o, a)
		}
	}
}

func BenchmarkAdamStep(b *testing.B) {
	ps := []*nn.Param{nn.NewParam("w", 1000, 1000)}
	opt, _ := NewAdam(OneGroup(ps), DefaultAdam(1e-3))
	b.SetBytes(int64(4 * 4 * len(ps[0].Value.Data)))
	for b.Loop() {
		opt.Step()
	}
}

func BenchmarkSGDMomentumStep(b *testing.B) {
	ps := []*nn.Param{nn.NewParam("w", 1000, 1000)}
	opt, _ := NewSGD(OneGroup(ps), SGDConfig{LR: 0.1, Momentum: 0.9})
	b.SetBytes(int64(3 * 4 * len(ps[0].Value.Data)))
	for b.Loop() {
		opt.Step()
	}
}

// TestParallelMatchesSerial checks that splitting a large parameter over
// workers gives bit-identical updates.
func TestParallelMatchesSerial(t *testing.T) {
	defer tensor.SetThreads(tensor.Threads())
	run := func(threads int) []float32 {
		tensor.SetThreads(threads)
		p := nn.NewParam("w", 300, 300)
		for i := range p.Value.Data {
			p.Value.Data[i] = float32(math.Sin(float64(i)))
		}
		c := DefaultAdam(0.01)
		c.WeightDecay = 0.1
		opt, _ := NewAdamW(OneGroup([]*nn.Param{p}), c)
		sgd, _ := NewSGD(OneGroup([]*nn.Param{p}), SGDConfig{LR: 0.01, Momentum: 0.9, Nesterov: true})
		for k := 0; k < 3; k++ {
			for i := range p.Grad.Data {
				p.Grad.Data[i] = float32(math.Cos(float64(i * (k + 1))))
			}
			opt.Step()
			sgd.Step()
		}
		return p.Value.Data
	}
	a, b := run(1), run(2)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("element %d: %v serial, %v parallel", i, a[i], b[i])
		}
	}
}

// Momentum that no gradient feeds decays to exactly zero instead of through
// float32's subnormal range (where arithmetic is 50-100x slower), and the
// flush leaves the parameters as an unflushed update would.
func TestMomentsSkipSubnormals(t *testing.T) {
	for _, name := range []string{"sgd", "nesterov", "adam"} {
		p := nn.NewParam("w", 1, 4)
		copy(p.Value.Data, []float32{0.5, -0.25, 1e-3, 2})
		var o Optimizer
		switch name {
		case "sgd":
			o, _ = NewSGD(OneGroup([]*nn.Param{p}), SGDConfig{LR: 0.1, Momentum: 0.9})
		case "nesterov":
			o, _ = NewSGD(OneGroup([]*nn.Param{p}), SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true})
		default:
			o, _ = NewAdam(OneGroup([]*nn.Param{p}), DefaultAdam(0.01))
		}
		copy(p.Grad.Data, []float32{1, -1, 1e-3, 0.5})
		o.Step()
		before := slices.Clone(p.Value.Data)
		clear(p.Grad.Data)
		sub := 0
		steps := 2000 // 0.9^2000 ≈ 1e-92: every momentum passes 1e-38
		if name == "adam" {
			steps = 80000 // Adam's second moments: 0.999^80000 ≈ 1e-35
		}
		for range steps {
			o.Step()
			for _, s := range moments(o) {
				for _, x := range s {
					if x != 0 && math.Abs(float64(x)) < 0x1p-126 {
						sub++
					}
				}
			}
		}
		if sub > 0 {
			t.Errorf("%s: %d subnormal moments seen", name, sub)
		}
		for _, s := range moments(o) {
			if slices.ContainsFunc(s, func(x float32) bool { return x != 0 }) {
				t.Errorf("%s: moments %v not flushed to zero", name, s)
			}
		}
		// The decaying momentum moves p a little more; the result must be
		// finite and close to the last step's direction.
		for i, v := range p.Value.Data {
			if math.IsNaN(float64(v)) || math.Abs(float64(v-before[i])) > 1 {
				t.Errorf("%s: p[%d] %v -> %v", name, i, before[i], v)
			}
		}
	}
}

// moments returns an optimizer's moment buffers.
func moments(o Optimizer) [][]float32 {
	var b *base
	switch o := o.(type) {
	case *SGD:
		b = &o.base
	case *Adam:
		b = &o.base
	}
	var out [][]float32
	for _, s := range b.slots {
		for _, m := range [][]float32{s.a, s.b} {
			if m != nil {
				out = append(out, m)
			}
		}
	}
	return out
}

// BenchmarkSGDMomentumDecayed is a step over a momentum buffer that no
// gradient feeds any more (a large embedding table), where the values would
// be subnormal without the flush.
func BenchmarkSGDMomentumDecayed(b *testing.B) {
	p := nn.NewParam("w", 1000, 1000)
	opt, _ := NewSGD(OneGroup([]*nn.Param{p}), SGDConfig{LR: 0.1, Momentum: 0.9})
	for i := range p.Grad.Data {
		p.Grad.Data[i] = 1e-3
	}
	opt.Step()
	clear(p.Grad.Data)
	for range 820 { // 1e-3·0.9^820 ≈ 1e-40
		opt.Step()
	}
	b.SetBytes(int64(3 * 4 * len(p.Value.Data)))
	for b.Loop() {
		opt.Step()
	}
}

// SGD over a parameter that tracks its gradient rows (nn.Param.TrackRows)
// updates only the rows a batch touched and applies the others' momentum
// steps lazily; after Sync it must hold what dense SGD computes, through
// changes of learning rate, clipping, a save and restore of the optimizer
// state, and a step where another op reads the whole table (dense from then
// on). The loss is not linear in the table, so a row read before its
// pending steps are applied would change the gradients.
func TestSGDLazyRowsMatchDense(t *testing.T) {
	const rows, d = 40, 3
	for _, cfg := range []SGDConfig{{LR: 0.1}, {LR: 0.1, Momentum: 0.9}, {LR: 0.05, Momentum: 0.5, Dampening: 0.2}} {
		dense, lazy := nn.NewParam("emb", rows, d), nn.NewParam("emb", rows, d)
		for i := range dense.Value.Data {
			dense.Value.Data[i] = float32(math.Sin(float64(i)))
		}
		copy(lazy.Value.Data, dense.Value.Data)
		lazy.TrackRows()
		od, _ := NewSGD(OneGroup([]*nn.Param{dense}), cfg)
		ol, _ := NewSGD(OneGroup([]*nn.Param{lazy}), cfg)
		var ol2 Optimizer = ol
		for step := range 60 {
			// Five ids from a few rows (some rows untouched for many steps).
			ids := make([]int32, 5)
			for i := range ids {
				ids[i] = int32((step*7 + i*i*3) % (rows / 2))
				if step%9 == 0 {
					ids[i] += rows / 2
				}
			}
			w := make([]float32, len(ids)*d)
			for i := range w {
				w[i] = float32(math.Cos(float64(step*31 + i)))
			}
			wholeTable := step == 50 // turns the row tracking off for good
			for k, p := range []*nn.Param{dense, lazy} {
				o := []Optimizer{od, ol2}[k]
				o.ZeroGrad()
				tp := nn.NewTape(nil)
				loss := tp.Sum(tp.Mul(tp.Tanh(tp.Embed(&p.Var, ids, -1, len(ids))), tp.Input(w, len(ids), d)))
				if wholeTable {
					loss = tp.Add(loss, tp.Scale(tp.Sum(&p.Var), 0.01))
				}
				tp.Backward(loss)
				if rs, ok := p.GradRows(); k == 1 && ok != (step < 50) {
					t.Fatalf("step %d: GradRows ok=%v (rows %v)", step, ok, rs)
				}
				ClipGradNorm([]*nn.Param{p}, 2)
				if step == 20 || step == 45 {
					o.SetLR(o.LR() / 2)
				}
				o.Step()
			}
			if step == 40 { // save and restore the lazy optimizer's state
				st, err := ol2.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				fresh, _ := NewSGD(OneGroup([]*nn.Param{lazy}), cfg)
				if err := fresh.UnmarshalBinary(st); err != nil {
					t.Fatal(err)
				}
				ol2 = fresh
			}
		}
		ol2.Sync()
		if diff := maxAbsDiff(dense.Value.Data, lazy.Value.Data); diff > 1e-5 {
			t.Errorf("%+v: lazy rows differ from dense SGD by %g", cfg, diff)
		}
	}
}

func maxAbsDiff(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		m = max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

// BenchmarkSGDEmbeddingStep is a step of SGD with momentum and clipping over
// a 300k x 50 table (MSRA's character bigrams) of which a batch touches 500
// rows: dense, and with the table tracking its rows (lazy momentum).
func BenchmarkSGDEmbeddingStep(b *testing.B) {
	const rows, d, touched = 300_000, 50, 500
	for _, track := range []bool{false, true} {
		name := "dense"
		if track {
			name = "rows"
		}
		b.Run(name, func(b *testing.B) {
			p := nn.NewParam("emb", rows, d)
			if track {
				p.TrackRows()
			}
			opt, _ := NewSGD(OneGroup([]*nn.Param{p}), SGDConfig{LR: 0.01, Momentum: 0.9})
			ids := make([]int32, touched)
			dy := make([]float32, touched*d)
			for i := range dy {
				dy[i] = 1e-3
			}
			tp := nn.NewTape(nil)
			for i := 0; b.Loop(); i++ {
				for j := range ids {
					ids[j] = int32((i*7919 + j*104729) % rows)
				}
				opt.ZeroGrad()
				tp.Reset()
				e := tp.Embed(&p.Var, ids, -1, touched)
				tp.Backward(tp.Sum(tp.Mul(e, tp.Input(dy, touched, d))))
				ClipGradNorm([]*nn.Param{p}, 5)
				opt.Step()
			}
		})
	}
}
