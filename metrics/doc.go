// Package metrics scores model output the way the reference tools do, so that
// numbers printed by mulan can be compared with published ones:
//
//   - classification: accuracy, per-class precision, recall, F1 and support,
//     micro, macro and weighted averages, the confusion matrix, and a text
//     report laid out exactly like scikit-learn's classification_report
//     (checked byte for byte against scikit-learn's own output), plus JSON;
//   - language modelling: perplexity and bits per character/token from summed
//     log-probabilities (natural, base-10 or base-2 logarithms);
//   - chunking/NER: a re-implementation of the CoNLL-2000 conlleval perl
//     script (version 2004-01-26) that reproduces its counts, its quirks and
//     its output byte for byte (options -r, -d, -o, -l), plus seqeval's strict
//     mode with micro/macro/weighted averages;
//   - word segmentation: the SIGHAN bakeoff scorer (segment.go).
//
// It is hand-written because no Go library reproduces these tools' exact
// counting rules and number formatting, and evaluation numbers are only
// comparable when they are computed identically.
package metrics
