// Package builder estimates n-gram language models from text: counting the
// n-grams of tokenized sentences (behind the small Counter interface, so an
// external-sort counter can replace the in-memory one) and interpolated
// modified Kneser-Ney smoothing computed exactly as KenLM's lmplz computes it,
// down to its float32 arithmetic. The result is an *ngram.Model, the same
// structure the ARPA reader returns, so estimation, ARPA output and query share
// one representation.
//
// It is hand-written because no Go package estimates back-off models; the
// design follows KenLM's lm/builder (counting, adjusted counts, initial
// probabilities, interpolation), but in memory on flat arrays:
//
//   - Counting pads each sentence as <s> w1 .. wk </s> and, for every position
//     after <s>, takes the n-gram ending there of length min(N, position+1),
//     which is KenLM's "N-gram padded with <s>" without the repeated <s>: a
//     full-length window, or a shorter n-gram starting with <s>. Windows are
//     sorted in suffix order by an LSD radix sort on word ids (one counting
//     pass per word position) and deduplicated into raw counts.
//   - Adjusted counts of order n < N are the number of distinct words to the
//     left of each n-gram, read off the suffix-sorted order-(n+1) table in one
//     pass, except that n-grams starting with <s> keep their raw count.
//   - Discounts, per-context gammas, initial probabilities and the
//     interpolation down to the uniform distribution follow
//     adjust_counts.cc, initial_probabilities.cc and interpolate.cc, in the
//     same float32 operations. The context of w1..wn is found as the left
//     extension by w1 of the context of w2..wn: one binary search per n-gram.
//
// Bit-level agreement with lmplz: besides float32 arithmetic, EstimateKN
// reproduces lmplz's count-of-counts of the last open n-grams (see
// lastEntryQuirk) and glibc's float log10f (log10f). About 0.1% of the
// printed numbers still differ from lmplz's in the last float32 digit, where
// glibc's logf is not correctly rounded; all differ by less than 3e-7.
//
// Where lmplz refuses input, this package goes on: a literal <unk> in the
// text is counted as the unknown word like any other (its unigram gets its
// discounted count plus its share of the interpolation mass, and n-grams
// ending in it can be contexts), and a vocabulary word never seen gets a
// zero count and the uniform share.
//
// # Beyond lmplz's defaults
//
//   - Pruning (KNOptions.Prune) follows lmplz --prune: n-grams of order n >= 2
//     occurring at most the order's threshold times are dropped after the
//     discounts are computed from all counts, and their adjusted counts join
//     their contexts' gamma numerators so every context still sums to one.
//   - Katz back-off with Good-Turing discounting (EstimateKatz) follows
//     SRILM's ngram-count defaults: raw counts at every order, GT
//     coefficients from the count-of-counts (Discount.cc), minimum counts
//     that drop rare n-grams, and back-off weights recomputed to normalise
//     each context (ngram.RecomputeBackoffs).
//   - NewExternalCounter counts by external sort under a memory limit:
//     sorted runs of padded n-gram records on disk, k-way merged (in passes
//     of MergeFanIn runs), with counts identical to the in-memory counter's.
package builder
