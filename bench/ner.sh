#!/usr/bin/env bash
# Named-entity tagger speed: mulan's BiLSTM-CRF (default sizes) trained for a
# fixed, small number of epochs on
#   - Resume (resume_ner_zh, BMES, char-per-line): train.char.bmes (3,821
#     sentences), dev.char.bmes for model selection, test.char.bmes (477);
#   - CoNLL-2003 (conll2003_en, IOB2): the first N sentences of train.txt
#     (default 2,000 of 14,041), valid.txt (3,250), test.txt (3,453).
# Per run (seed = run number) it reports
#   train sent/s : training sentences per second of the training epochs, as
#                  the trainer logs them (forward, backward, update; dev
#                  scoring and file reading excluded), mean over the epochs;
#   infer sent/s : test sentences per second of 'mulan evaluate' (tagging and
#                  scoring; model loading excluded), one thread;
#   test F1      : conlleval FB1 on the test file of the best-dev epoch.
# The table shows the median over RUNS runs of each figure. These are short
# runs for speed: full-length training reaches higher F1 (Resume about 93.4,
# CoNLL-2003 about 83.4 with the whole training set).
# Usage: bench/ner.sh [RUNS] [EPOCHS] [CONLL_SENTENCES]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
EPOCHS=${2:-2}
NSENT=${3:-2000}
DATA=$(cd .. && pwd)/shared/data
for f in resume_ner_zh/train.char.bmes conll2003_en/train.txt; do
	[ -f "$DATA/$f" ] || { echo "ner.sh: $DATA/$f not found" >&2; exit 1; }
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
go build -o "$TMP/mulan" ./cmd/mulan

# The first NSENT sentences of CoNLL-2003 train (-DOCSTART- lines dropped).
awk -v n="$NSENT" '
	/^-DOCSTART-/ { skip = 1; next }
	/^[ \t]*$/ { if (skip) { skip = 0; next } if (len) { print ""; k++; len = 0; if (k == n) exit } next }
	{ skip = 0; print; len++ }
	END { if (len) print "" }' "$DATA/conll2003_en/train.txt" >"$TMP/conll_train.txt"
got=$(grep -c '^$' "$TMP/conll_train.txt" || true)

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# bench NAME LANG TRAIN DEV TEST: one line of the table.
bench() {
	local name=$1 lang=$2 train=$3 dev=$4 test=$5 tr=() inf=() f1=()
	for run in $(seq 1 "$RUNS"); do
		"$TMP/mulan" finetune --task ner --lang "$lang" --train "$train" --valid "$dev" \
			--epoch "$EPOCHS" --patience 0 --seed "$run" --quiet --out "$TMP/m.ner" >/dev/null 2>"$TMP/train.log"
		tr+=("$(awk '$1 == "epoch" { for (i = 1; i < NF; i++) if ($(i+1) == "sent/s") { s += $i; n++ } } END { printf "%.1f\n", s / n }' "$TMP/train.log")")
		"$TMP/mulan" evaluate --model "$TMP/m.ner" --test "$test" >"$TMP/eval.txt" 2>"$TMP/eval.log"
		inf+=("$(awk '{ for (i = 2; i <= NF; i++) if ($i == "sentences/s") print $(i-1) }' "$TMP/eval.log")")
		f1+=("$(awk 'NR == 2 { print $NF }' "$TMP/eval.txt")")
		echo "  $name run $run: train ${tr[-1]} sent/s, infer ${inf[-1]} sent/s, test F1 ${f1[-1]}" >&2
	done
	printf "%-26s %8s %14s %14s %9s\n" "$name" "$EPOCHS" \
		"$(printf '%s\n' "${tr[@]}" | median)" "$(printf '%s\n' "${inf[@]}" | median)" "$(printf '%s\n' "${f1[@]}" | median)"
}

echo "mulan BiLSTM-CRF, $EPOCHS epochs, median of $RUNS runs ($(nproc) cores, $(go env GOARCH))"
printf "%-26s %8s %14s %14s %9s\n" "data" "epochs" "train sent/s" "infer sent/s" "test F1"
bench "Resume (zh, 3821 sent)" zh "$DATA/resume_ner_zh/train.char.bmes" "$DATA/resume_ner_zh/dev.char.bmes" "$DATA/resume_ner_zh/test.char.bmes"
bench "CoNLL-2003 (en, $got sent)" en "$TMP/conll_train.txt" "$DATA/conll2003_en/valid.txt" "$DATA/conll2003_en/test.txt"
