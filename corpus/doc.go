// Package corpus reads the data-set files mulan trains and evaluates on, as
// streams: plain text lines, TSV and CSV tables with a header row and named
// columns, JSON lines, fastText `__label__` lines, `label text` lines (SST
// stsa.*, TREC *.label), CoNLL column files and character-per-line tagged files
// (BIO, BMES). It also writes those formats and makes deterministic seeded
// train/dev splits.
//
// Every reader:
//   - detects gzip by its magic bytes (not the file name) and decompresses it;
//   - strips a leading UTF-8 byte-order mark and a CR before each LF;
//   - checks that the text is valid UTF-8 (or decodes Latin-1 when asked);
//   - reports bad input as an *Error naming the file and 1-based line
//     ("dev.tsv:17: row has 3 fields, header has 2"), never panics, and
//     reports a file without any record as ErrNoRecords.
//
// A Sentence is whatever a blank line delimits in the file: in the shared
// MSRA NER files these are the upstream chunks (long sentences cut at ~100
// characters, some starting with an I- tag), not the original sentences; the
// cut points cannot be recovered from the char files alone.
//
// Records come one at a time through Go iterators (iter.Seq2[Record, error],
// iter.Seq2[Sentence, error]) so a corpus larger than memory can be streamed;
// ReadAllRecords and ReadAllSentences collect a whole file.
//
// The package is hand-written on top of the standard library (encoding/csv for
// RFC 4180, encoding/json for JSON lines, compress/gzip) because no single
// library reads these NLP formats with file:line errors and streaming.
package corpus
