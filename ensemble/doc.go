// Package ensemble combines language models of different kinds (back-off
// n-gram models of package ngram and neural LMs of package lm) by linear
// interpolation: p(w | h) = Σ_i λ_i p_i(w | h), with the weights λ tuned by EM
// on held-out text, perplexity of a text under the mixture, and a small JSON
// manifest that names the member files and their weights.
//
// # Scoring convention
//
// Every member scores text as KenLM's query does: one whitespace-tokenized
// sentence a line, each word predicted from the words before it in its line
// (with the start-of-sentence context: <s> for an n-gram model, </s> for a
// neural LM, whose streams separate lines with </s>), then </s>, which counts
// as a token. Blank lines are skipped, as package lm skips them. A word
// outside the shared vocabulary is scored as <unk>, by every member alike,
// and counts as a token (the literal <unk> of PTB is such a word: each
// member gives it the probability it estimated for <unk>).
//
// A neural member starts each line from a zero recurrent state unless it is
// opened with Carry, in which case the state flows on from one line to the
// next, as in lm's own streaming evaluation; either way the per-token
// probabilities are proper conditional distributions, so they mix. A neural
// LM's softmax also covers <pad> and <s>, which are never targets; their mass
// is removed and the rest renormalised, so that every member's distribution is
// over the same events: the shared words and </s>.
//
// # Shared vocabulary
//
// Members must predict the same set of words (their vocabularies, less <s>
// and <pad>, must be equal) and tokenize alike: an n-gram model splits at
// white space, so a neural member must use lm's "space" tokenizer and be a
// forward LM. Open and NewMixture refuse anything else with a message that
// names the members and the words that differ.
//
// The package is hand-written because mixing models needs their per-token
// probabilities, which only mulan's own packages expose. The EM update is
// ngram.MixWeights (SRILM's compute-best-mix):
// λ_i ← (1/T) Σ_t λ_i p_i(t) / Σ_j λ_j p_j(t), until no weight moves more
// than the tolerance.
package ensemble
