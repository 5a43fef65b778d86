// Package ensemble combines models: text classifiers by weighted averaging
// or routing by language (see the section below), and language models of
// different kinds (back-off n-gram models of package ngram and neural LMs of
// package lm) by linear interpolation: p(w | h) = Σ_i λ_i p_i(w | h), with the weights λ tuned by EM
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
// # Generation
//
// Every member kind, and a Mixture, is also a Generator: its Predictor gives
// the whole next-word distribution (for a mixture Σ_i λ_i p_i, in the words
// of its first member with positive weight) and Generate samples from it
// with temperature and top-k as package lm's sampler does, so a mixture with
// weight 1 on one member generates exactly what that member generates.
//
// # Classifier ensembles and language routing
//
// The package also combines text classifiers (anything with Labels and Probs,
// the Classifier interface): an Ensemble averages its members' label
// probabilities with weights λ, p(y|x) = Σ_i λ_i p_i(y|x), tuned on labelled
// dev data by the same EM update applied to the gold labels' probabilities
// (λ_i ← (1/T) Σ_t λ_i p_i(gold_t|x_t) / Σ_j λ_j p_j(gold_t|x_t)), which
// maximises the concave dev log-likelihood; DevProbs reports each member's
// and the ensemble's dev accuracy. A Router holds one classifier per
// language (en, zh) and sends each text to the member of its language as
// package langid identifies it: text of one language whole, mixed text
// segment by segment (probabilities averaged, weighted by segment length),
// text of unknown language to a declared fallback member or else to the
// member of its majority script. Members must share a label set, in any
// order (they are aligned by label name); anything else is refused. Both are
// saved as modelfile containers (kinds "classifier-ensemble" and
// "language-router", version 1) holding JSON that names the member files
// relative to the container; the caller injects a Loader to open members, so
// the package depends on no classifier package.
//
// The package is hand-written because mixing models needs their per-token
// probabilities, which only mulan's own packages expose. The EM update is
// ngram.MixWeights (SRILM's compute-best-mix):
// λ_i ← (1/T) Σ_t λ_i p_i(t) / Σ_j λ_j p_j(t), until no weight moves more
// than the tolerance.
package ensemble
