// Package nn is mulan's neural-network engine: a define-by-run,
// reverse-mode automatic differentiation tape over float32 tensors, the layers
// that the language models, classifiers and taggers are built from, and their
// losses.
//
// It is hand-written because no Go library trains these models at a useful
// speed (see issue 4): the design follows what made a prototype competitive
// with PyTorch on a CPU — recurrent layers are one fused tape node for the
// whole sequence (one GEMM for the input projection of every step, one per
// step for the recurrence, one per weight gradient), attention is one fused
// node per layer, softmax cross-entropy is fused, and every activation buffer
// comes from an arena that is recycled by Tape.Reset, so a steady-state
// training step allocates (almost) nothing. Matrix products go through
// tensor.Gemm.
//
// # Usage
//
// Parameters (*Param) are persistent named tensors owned by layers; a layer's
// Params method lists them with names such as "lstm.0.w_ih" (PyTorch names
// and layouts where a PyTorch counterpart exists) for optimizers and model
// files. A step looks like:
//
//	tp.Reset()                 // recycle last step's activations
//	y := layer.Forward(tp, x)  // record the forward graph
//	loss := tp.CrossEntropy(y, targets, -1, 0)
//	nn.ZeroGrad(params)
//	tp.Backward(loss)          // fill params' Grad
//	// optimizer update on p.Value.Data using p.Grad.Data
//
// Values and gradients of tape Vars live until the next Reset. Set
// Tape.Training to false to disable dropout (and use BatchNorm's running statistics), Tape.NoGrad to true to record
// nothing (inference).
//
// Layouts: matrices are row-major; sequences are batch-major [B, T, D];
// sequence ops take per-row lengths (nil meaning all T) and ignore padding
// steps beyond them. Index slices passed to ops (token ids, targets, lengths)
// are referenced, not copied, and must stay unchanged until Backward.
//
// Ops panic on shape mismatches and out-of-range ids: these are programming
// errors; callers validate user data before it reaches the tape.
package nn
