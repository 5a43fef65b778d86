// Package keras is a Keras-like API for training sequence classifiers on
// mulan's engine (packages nn and optim), in Go idiom:
//
//	m := keras.Sequential(
//		keras.Embedding(vocab, 64),
//		keras.SimpleRNN(64, keras.ReturnSequences()),
//		keras.SimpleRNN(64),
//		keras.Dense(1, keras.Sigmoid),
//	)
//	err := m.Compile(keras.Adam(1e-3), keras.BinaryCrossentropy, keras.Accuracy)
//	hist, err := m.Fit(x, y, keras.Epochs(5), keras.BatchSize(32),
//		keras.ValidationData(xv, yv), keras.Shuffle(seed),
//		keras.Callbacks(keras.EarlyStopping(keras.Patience(2)),
//			keras.ModelCheckpoint(dir, keras.SaveBestOnly()), keras.Progress(os.Stderr)))
//	probs, err := m.Predict(xtest, 0)
//
// Inputs are token-id sequences padded to one length (PadSequences mirrors
// Keras's pad_sequences). Layers: Embedding (optionally MaskZero), SimpleRNN,
// LSTM, GRU (ReturnSequences, Bidirectional), Dense (Linear, ReLU, Tanh,
// Sigmoid, Softmax), Dropout, GlobalMaxPool, GlobalAvgPool, LayerNorm. Losses:
// BinaryCrossentropy and SparseCategoricalCrossentropy, computed from the
// output layer's logits (the final sigmoid/softmax is fused into the loss).
// Compile infers every layer's shape and reports mismatched layers by position
// and kind.
//
// Training is deterministic: weights, dropout masks and shuffling draw from
// sources seeded by Seed (default 1), so the same seed gives bit-identical
// weights run to run.
//
// Save writes a directory with the weights as safetensors (readable by
// PyTorch and Hugging Face) and a JSON config (format name and version,
// architecture, weights checksum); Load rebuilds the model from it.
//
// It is hand-written because no Go library offers this API over an engine
// fast enough to train these models on a CPU (see issue 4).
package keras
