// Package ngram holds back-off n-gram language models: the in-memory model
// shared by every estimator and loader, the vocabulary, the ARPA text format
// (reader and writer), a binary format that loads by mmap, querying
// (per-word and per-sentence log10 probabilities and perplexity with KenLM's
// conventions) and linear mixing of models (EM-tuned weights, written as one
// back-off model as SRILM does). Estimation lives apart, in package
// ngram/builder, as KenLM splits lm/ from lm/builder.
//
// It is hand-written because no Go library reads, writes or queries ARPA
// models with KenLM's semantics, and because the same flat layout serves the
// estimator, the reader and the query path without conversion.
//
// # Layout
//
// A Model has a Vocab (string <-> uint32 id; <unk>=0, <s>=1, </s>=2, then
// words in first-seen order) and one Table per order n = 1..N. A Table is
// flat, struct-of-arrays:
//
//	Words   []uint32  n ids per entry, entry i is Words[i*n:(i+1)*n] in text order
//	Prob    []float32 log10 p(w_n | w_1..w_{n-1}), interpolated
//	Backoff []float32 log10 back-off weight of w_1..w_n as a context (0 when it
//	                  is none); nil for the highest order
//	Ext     []uint32  orders < N: the entries of order n+1 whose last n words are
//	                  entry i are Ext[i]:Ext[i+1] of the next table; nil for N
//
// Entries are sorted in suffix order: by the last word, then the one before
// it, and so on (KenLM's SuffixOrder). The unigram table therefore has entry i
// = word id i, and the tables form a reversed trie: the left extensions of an
// entry are contiguous in the next order and sorted by their first word, so a
// lookup walks w, then (h1 w), then (h2 h1 w) with one small binary search per
// order (Model.Child, Model.Find). This is also the order lmplz writes its ARPA files in, so a model
// estimated here and written as ARPA lists n-grams in KenLM's order.
//
// Every model must be suffix-closed (the last n-1 words of every n-gram are an
// (n-1)-gram of the model), which holds for every Kneser-Ney and Katz model
// and is checked on load.
//
// # Query
//
// Model.Score follows KenLM's FullScore: the longest n-gram of the model that
// ends in the word gives the probability, plus the back-offs of the longer
// contexts that could not be extended. A State carries the words and back-offs
// of the matched contexts from one word to the next. Query scores text like
// KenLM's query program (one sentence a line, <s> context, </s> scored and
// counted as a token, OOVs scored with <unk> and excluded from the second
// perplexity) and prints its lines; it scores batches of lines on every core
// and prints and sums them in input order, so the output is the same as a
// sequential scan's to the last bit.
//
// A model loaded from a binary file (or given BuildIndex) also has probe
// tables, one open-addressing hash table per order (probe.go), and Score then
// finds each n-gram with one hash lookup per order instead of a binary search
// among the left extensions; both paths give bit-identical results. The
// slots' starting positions hash the whole n-gram, so those of every order
// are computed before the first lookup and their cache misses overlap, as in
// KenLM's probing structure, while the stored key is exact.
//
// # Binary format
//
// SaveBinary writes the tables' flat arrays and the probe tables
// contiguously, 8-byte aligned, inside a modelfile container (kind
// "ngram-binary", CRC-32C); OpenBinary maps the file and points the tables
// at the mapping without copying; Load picks the format by the magic bytes.
// OpenBinaryLazy (and LoadLazy, which mulan ngram query uses) skips reading
// the tables at open; see BinaryKind for the layout and for what is checked
// when.
//
// # Mixing
//
// TuneMix estimates interpolation weights by EM on held-out text (SRILM's
// compute-best-mix); Mix writes the interpolated model as one back-off model
// over the union of the n-grams (SRILM's ngram -mix-lm -write-lm), whose
// back-off weights RecomputeBackoffs sets so that every context normalises.
package ngram
