package nn_test

import (
	"fmt"
	"math/rand"

	"github.com/mulan-nlp/mulan/nn"
)

// A two-layer MLP learns XOR with plain gradient descent.
func Example() {
	rng := rand.New(rand.NewSource(1))
	l1 := nn.NewDense("l1", 2, 8, true, rng)
	l2 := nn.NewDense("l2", 8, 1, true, rng)
	params := nn.CollectParams(l1, l2)

	inputs := []float32{0, 0, 0, 1, 1, 0, 1, 1}
	targets := []float32{0, 1, 1, 0}
	tp := nn.NewTape(rng)
	for step := 0; step < 2000; step++ {
		tp.Reset()
		x := tp.Input(inputs, 4, 2)
		logits := l2.Forward(tp, tp.Tanh(l1.Forward(tp, x)))
		loss := tp.BCEWithLogits(logits, targets)
		nn.ZeroGrad(params)
		tp.Backward(loss)
		for _, p := range params { // SGD, learning rate 0.5
			for i, g := range p.Grad.Data {
				p.Value.Data[i] -= 0.5 * g
			}
		}
	}

	tp.Reset()
	tp.NoGrad = true
	probs := tp.Sigmoid(l2.Forward(tp, tp.Tanh(l1.Forward(tp, tp.Input(inputs, 4, 2)))))
	for i, p := range probs.Data() {
		fmt.Printf("%v XOR %v -> %d\n", inputs[2*i], inputs[2*i+1], int(p+0.5))
	}
	// Output:
	// 0 XOR 0 -> 0
	// 0 XOR 1 -> 1
	// 1 XOR 0 -> 1
	// 1 XOR 1 -> 0
}

// A bidirectional LSTM with a CRF output layer learns to tag a toy
// sequence task (tag = token id mod 3), then decodes with Viterbi.
func ExampleCRF() {
	rng := rand.New(rand.NewSource(1))
	const vocab, dim, tags, B, T = 12, 16, 3, 4, 5
	emb := nn.NewEmbedding("emb", vocab, dim, 0, rng)
	bi := nn.NewBidirectional("bilstm", nn.LSTM, dim, dim, rng)
	proj := nn.NewDense("proj", 2*dim, tags, true, rng)
	crf := nn.NewCRF("crf", tags, rng)
	params := nn.CollectParams(emb, bi, proj, crf)

	ids := make([]int32, B*T)
	gold := make([]int32, B*T)
	lengths := []int{5, 3, 4, 5}
	for i := range ids {
		ids[i] = int32(1 + rng.Intn(vocab-1))
		gold[i] = ids[i] % tags
	}
	tp := nn.NewTape(rng)
	emissions := func() *nn.Var {
		seq, _ := bi.Forward(tp, emb.Forward(tp, ids, B, T), lengths)
		return proj.Forward(tp, seq)
	}
	for step := 0; step < 100; step++ {
		tp.Reset()
		loss := crf.NLL(tp, emissions(), gold, lengths)
		nn.ZeroGrad(params)
		tp.Backward(loss)
		for _, p := range params {
			for i, g := range p.Grad.Data {
				p.Value.Data[i] -= 0.1 * g
			}
		}
	}
	tp.Reset()
	tp.NoGrad = true
	paths := crf.Decode(emissions(), lengths)
	correct, total := 0, 0
	for b, path := range paths {
		for t, tag := range path {
			if int32(tag) == gold[b*T+t] {
				correct++
			}
			total++
		}
	}
	fmt.Printf("%d of %d tags right\n", correct, total)
	// Output:
	// 17 of 17 tags right
}
