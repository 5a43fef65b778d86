package optim_test

import (
	"fmt"

	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/optim"
)

// Discriminative fine-tuning with a slanted triangular schedule: the lower
// group learns 2.6 times slower than the head, and the learning rate rises
// from 1/32 of its peak to the peak at 10% of training.
func Example() {
	body, head := nn.NewParam("body.w", 1), nn.NewParam("head.w", 1)
	groups := []*optim.Group{
		optim.NewGroup("body", []*nn.Param{body}),
		optim.NewGroup("head", []*nn.Param{head}),
	}
	optim.Discriminative(groups, 2.6)
	opt, err := optim.NewSGD(groups, optim.SGDConfig{LR: 0.1})
	if err != nil {
		fmt.Println(err)
		return
	}
	sched := optim.SlantedTriangular(100, 0.1, 32)
	for t := 0; t < 100; t++ {
		opt.SetScale(sched(t))
		body.Grad.Data[0], head.Grad.Data[0] = 1, 1 // constant gradient
		opt.Step()
	}
	// Sum of multipliers: (10 + 31·4.5)/32 up + (90 + 31·45.5)/32 down = 51.5625,
	// times 0.1 for the head and 0.1/2.6 for the body.
	fmt.Printf("peak multiplier %.2f at t=10, %.4f at t=0\n", sched(10), sched(0))
	fmt.Printf("head moved %.3f, body moved %.3f (ratio %.1f)\n",
		-head.Value.Data[0], -body.Value.Data[0], head.Value.Data[0]/body.Value.Data[0])
	// Output:
	// peak multiplier 1.00 at t=10, 0.0312 at t=0
	// head moved 5.156, body moved 1.983 (ratio 2.6)
}
