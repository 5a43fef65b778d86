#!/usr/bin/env bash
# The race detector on the code that runs goroutines, restricted to the tests
# that exercise that code (the race detector slows code 5-20x; the full suites
# run without it in `make test`). Add a line when a package gains concurrency.
set -euo pipefail
cd "$(dirname "$0")/.."
race() { go test -race -count=1 "$@"; }
race ./progress/ ./modelfile/
race -run 'GoBackendSerialAndParallel|Elementwise' ./tensor/        # parallel GEMM and kernels
race -run 'ParallelMatchesSerial' ./nn/                             # nn worker pool
race -run 'ConcurrentEncode' ./subword/                             # shared encode cache
race -run 'CountText' ./vocab/                                      # parallel counting
race -run 'ChineseConcurrent|Lines' ./tokenize/                     # shared gse segmenter, parallel batches
race -run 'KNByHand|KatzByHand|PruneByHand|KenLMReference' ./ngram/builder/   # parallel estimation
race -run 'RoundTripKenLM|MixModel|QueryParallel' ./ngram/          # parallel ARPA writer, mixing, query
race -run 'ParallelMatchesSerial' ./optim/                          # parallel parameter updates
race -run 'TuneMatchesGridSearch' ./ensemble/                      # members scored in parallel
race ./linear/                                                      # Hogwild tests skip themselves under -race
race ./serve/                                                       # one request at a time per model
race -run 'Serve' ./cmd/mulan/                                      # mulan serve: start, answer, shut down
