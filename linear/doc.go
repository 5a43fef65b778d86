// Package linear is a fast linear text classifier in the manner of fastText's
// supervised mode (Joulin et al., "Bag of Tricks for Efficient Text
// Classification", 2017): the tokens of a text and its hashed word n-grams are
// looked up in an embedding matrix, the embeddings are averaged, and a linear
// layer with a softmax gives the label probabilities. Training is plain SGD on
// the log-loss with a learning rate that decays linearly to zero over all the
// tokens of all epochs, run by several goroutines Hogwild-style (lock-free
// updates of shared weights), as fastText does.
//
// # Ids and hashing
//
// A text is tokenized with the model's recorded tokenizer (see TokenizerSpec)
// and an end-of-sentence token "</s>" is appended, as fastText does at the end
// of every line. Every token whose training count reached MinCount is a word
// with its own row (rows 0..nwords-1). Each token, known or not, also has a
// 32-bit hash, FNV-1a over its UTF-8 bytes (offset 2166136261, prime
// 16777619). For WordNgrams = N > 1, the n-grams of length 2..N starting at
// token i hash to
//
//	h = hash(t_i); for j = i+1 .. i+n-1: h = h*116049371 + hash(t_j)  (mod 2^64)
//
// and use row nwords + h mod Bucket. This is fastText's scheme except that
// fastText sign-extends bytes >= 0x80 inside FNV-1a and sign-extends the
// 32-bit hashes before combining them; here everything is unsigned, so ids of
// non-ASCII n-grams differ from fastText's (the model is not file-compatible
// with fastText anyway).
//
// # Sparse storage of the hashed rows
//
// fastText allocates and randomly initialises all nwords+Bucket rows (800 MB
// at dim 100 and 2M buckets) and saves them all. Here the initial value of
// every row is a pure function of (init seed, row id) (uniform in
// [-1/dim, 1/dim], drawn with splitmix64), the init seed itself coming from the
// caller's seeded *rand.Rand. Only rows that occur in the training data can
// ever change, so only those are allocated, trained and saved; a bucket first
// seen at prediction time gets its initial value recomputed on the fly. The
// model computes exactly what a dense model with the same initial values
// would, at a fraction of the memory, time and file size.
//
// # Reproducibility
//
// With Threads = 1 training is deterministic: the same data, Config and seed
// give bit-identical weights. With several threads the goroutines update the
// shared weights without locks (Hogwild), so the result depends on scheduling
// and is not bit-reproducible, exactly as with fastText. Those unsynchronised
// float32 writes are intended data races; the race detector reports them, so
// the multi-threaded tests skip under -race.
//
// The package is hand-written: there is no Go implementation of fastText, and
// the model is small enough (a few hundred lines) that a binding to the C++
// library would cost more than it saves.
package linear
