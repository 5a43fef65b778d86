#!/usr/bin/env bash
# Zero-shot cross-lingual sentiment transfer with one multilingual LM.
#
#  1. a shared BPE (mulan subword train) over English and Chinese text: SST-2
#     train sentences, ChnSentiCorp train reviews and both sides of the
#     Tatoeba English-Chinese pairs;
#  2. one LSTM LM (mulan pretrain --tokenizer subword:BPE) on all of it; with
#     TIE=1 the Tatoeba pairs are also given as "english ||| chinese" lines,
#     so that the LM sees the two languages side by side;
#  3. three ULMFiT classifiers (mulan finetune --arch lstm --base LM): trained
#     on SST-2 only, on ChnSentiCorp only, and on both (one combined TSV);
#  4. every classifier scored (mulan evaluate) on SST-2 dev and ChnSentiCorp
#     dev.
# Prints a table train set x test set of accuracies, with chance (the
# majority class of each test set). The diagonal is the in-language model;
# sst2 -> chnsenticorp and chnsenticorp -> sst2 are the zero-shot transfers.
# No classifier sees any dev set (no --valid: nothing is selected on them).
#
# Sizes are set by environment variables (defaults in brackets; the defaults
# took 25 min of wall time on 2 cores shared with others, load ~10):
#   BPE_VOCAB [8000]  shared BPE vocabulary
#   TIE [1]           1: add the Tatoeba pairs as "en ||| zh" lines
#   LM_EMB [200] LM_HIDDEN [200] LM_LAYERS [2]
#   LM_BATCH [32] LM_BPTT [50]  LM_EPOCHS [1] LM_STEPS [1200] (0: epochs only)
#   FT_EPOCHS [4] FT_BATCH [32] FT_MAXLEN [64] (subword tokens read per text)
#   SST_N [6000]      SST-2 training examples used (random, seeded; 0: all 67k)
#   ZH_N [6000]       ChnSentiCorp training examples used (0: all 9.6k)
#   SEED [1]
#   OUT [bench/out/crosslingual]   work directory (kept: models, logs, data)
#   MULAN                          mulan binary (default: built into OUT)
#   NICE [10]                      niceness of the training commands
# Usage: [VAR=value ...] bench/crosslingual.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-$(cd .. && pwd)/shared/data}
BPE_VOCAB=${BPE_VOCAB:-8000}
TIE=${TIE:-1}
LM_EMB=${LM_EMB:-200}
LM_HIDDEN=${LM_HIDDEN:-200}
LM_LAYERS=${LM_LAYERS:-2}
LM_BATCH=${LM_BATCH:-32}
LM_BPTT=${LM_BPTT:-50}
LM_EPOCHS=${LM_EPOCHS:-1}
LM_STEPS=${LM_STEPS:-1200}
FT_EPOCHS=${FT_EPOCHS:-4}
FT_BATCH=${FT_BATCH:-32}
FT_MAXLEN=${FT_MAXLEN:-64}
SST_N=${SST_N:-6000}
ZH_N=${ZH_N:-6000}
SEED=${SEED:-1}
NICE=${NICE:-10}
OUT=${OUT:-bench/out/crosslingual}

SST=$DATA/sst2
ZH=$DATA/chnsenticorp_12k
TAT=$DATA/tatoeba_cmn_eng/cmn.txt
for f in "$SST/train.tsv" "$SST/dev.tsv" "$ZH/train.tsv" "$ZH/dev.tsv" "$TAT"; do
	[ -f "$f" ] || { echo "crosslingual.sh: $f not found (DATA=$DATA)" >&2; exit 1; }
done
mkdir -p "$OUT"
if [ -z "${MULAN:-}" ]; then
	MULAN=$OUT/mulan
	go build -o "$MULAN" ./cmd/mulan
fi
run() { nice -n "$NICE" "$MULAN" "$@"; }
START=$(date +%s)
stamp() { echo "[$(($(date +%s) - START))s] $*" >&2; }

# seeded shuffle: shuf with a deterministic byte stream.
rand() { openssl enc -aes-256-ctr -pass pass:"$SEED" -nosalt </dev/zero 2>/dev/null; }
shuffle() { shuf --random-source=<(rand); }
# take N lines (0: all) of stdin after a seeded shuffle.
take() { if [ "$1" -gt 0 ]; then shuf -n "$1" --random-source=<(rand); else shuffle; fi; }

# tsv2 FILE: "label<TAB>text" rows of a TSV with a header naming the columns
# label and sentence / text_a.
tsv2() {
	awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "label") l = i; if ($i == "sentence" || $i == "text_a") t = i }
		if (!l || !t) { print FILENAME ": no label/text columns" > "/dev/stderr"; exit 1 }; next }
		{ print $l "\t" $t }' "$1"
}

# 1. Data.
stamp "preparing data in $OUT"
tsv2 "$SST/train.tsv" >"$OUT/sst2.all.tsv"
tsv2 "$ZH/train.tsv" >"$OUT/zh.all.tsv"
cut -f2 "$OUT/sst2.all.tsv" | sed 's/ *$//' >"$OUT/en.txt"
cut -f2 "$OUT/zh.all.tsv" >"$OUT/zh.txt"
cut -f1 "$TAT" >"$OUT/tat.en.txt"
cut -f2 "$TAT" >"$OUT/tat.zh.txt"
{
	cat "$OUT/en.txt" "$OUT/zh.txt" "$OUT/tat.en.txt" "$OUT/tat.zh.txt"
	[ "$TIE" = 1 ] && awk -F'\t' '{ print $1 " ||| " $2 }' "$TAT"
	true
} | awk 'NF' | shuffle >"$OUT/lm.all.txt"
head -n 1000 "$OUT/lm.all.txt" >"$OUT/lm.valid.txt"
tail -n +1001 "$OUT/lm.all.txt" >"$OUT/lm.train.txt"
for n in sst2 zh; do
	N=$SST_N
	[ $n = zh ] && N=$ZH_N
	{ echo "label	text"; take "$N" <"$OUT/$n.all.tsv"; } >"$OUT/$n.train.tsv"
done
{ echo "label	text"; tail -n +2 -q "$OUT/sst2.train.tsv" "$OUT/zh.train.tsv" | shuffle; } >"$OUT/both.train.tsv"

# 2. Shared BPE.
stamp "BPE $BPE_VOCAB"
run subword train --input "$OUT/en.txt" --input "$OUT/zh.txt" --input "$OUT/tat.en.txt" --input "$OUT/tat.zh.txt" \
	--vocab-size "$BPE_VOCAB" --out "$OUT/enzh.bpe" >"$OUT/bpe.log" 2>&1

# 3. One LM on everything.
stamp "pretraining the LM ($(wc -l <"$OUT/lm.train.txt") lines, TIE=$TIE, ${LM_LAYERS}x$LM_HIDDEN, max steps $LM_STEPS)"
run pretrain --arch lstm --tokenizer "subword:$OUT/enzh.bpe" --train "$OUT/lm.train.txt" --valid "$OUT/lm.valid.txt" \
	--emb "$LM_EMB" --hidden "$LM_HIDDEN" --layers "$LM_LAYERS" --batch "$LM_BATCH" --bptt "$LM_BPTT" \
	--epochs "$LM_EPOCHS" --max-steps "$LM_STEPS" --checkpoint-every 0 --seed "$SEED" \
	--out "$OUT/enzh.lm" >"$OUT/pretrain.log" 2>&1
grep -i "perplexity" "$OUT/pretrain.log" | tail -n 2 >&2 || true

# 4. Classifiers.
for n in sst2 zh both; do
	stamp "fine-tuning on $n ($(($(wc -l <"$OUT/$n.train.tsv") - 1)) examples)"
	run finetune --arch lstm --base "$OUT/enzh.lm" --train "$OUT/$n.train.tsv" --epoch "$FT_EPOCHS" \
		--batch "$FT_BATCH" --max-len "$FT_MAXLEN" --seed "$SEED" --out "$OUT/$n.clf" >"$OUT/ft.$n.log" 2>&1
	grep "^epoch" "$OUT/ft.$n.log" >&2 || true
done

# 5. Scores.
acc() { # MODEL TEST -> accuracy
	run evaluate --model "$1" --test "$2" --json 2>/dev/null |
		sed -n 's/.*"accuracy": *\([0-9.eE+-]*\).*/\1/p' | head -n 1 | xargs printf "%.4f"
}
chance() { # majority-class share of a test set
	tsv2 "$1" | cut -f1 | sort | uniq -c | awk '{ n += $1; if ($1 > m) m = $1 } END { printf "%.4f", m / n }'
}
stamp "evaluating"
declare -A A
for n in sst2 zh both; do
	A[$n,sst2]=$(acc "$OUT/$n.clf" "$SST/dev.tsv")
	A[$n,zh]=$(acc "$OUT/$n.clf" "$ZH/dev.tsv")
done
C_SST=$(chance "$SST/dev.tsv")
C_ZH=$(chance "$ZH/dev.tsv")
{
	echo "# cross-lingual sentiment: shared BPE $BPE_VOCAB, one LSTM LM ${LM_LAYERS}x$LM_HIDDEN (TIE=$TIE, max steps $LM_STEPS), ULMFiT classifiers ($FT_EPOCHS epochs, max-len $FT_MAXLEN)"
	echo "# $(grep -i 'perplexity' "$OUT/pretrain.log" | tail -n 1)"
	printf "%-26s %12s %18s\n" "train \\ test (accuracy)" "SST-2 dev" "ChnSentiCorp dev"
	printf "%-26s %12s %18s\n" "chance (majority class)" "$C_SST" "$C_ZH"
	printf "%-26s %12s %18s\n" "SST-2 ($SST_N)" "${A[sst2,sst2]}" "${A[sst2,zh]} *"
	printf "%-26s %12s %18s\n" "ChnSentiCorp ($ZH_N)" "${A[zh,sst2]} *" "${A[zh,zh]}"
	printf "%-26s %12s %18s\n" "both" "${A[both,sst2]}" "${A[both,zh]}"
	echo "# * zero-shot (no training example in the test language); in-language: SST-2 ${A[sst2,sst2]}, ChnSentiCorp ${A[zh,zh]}"
	echo "# dev sizes: SST-2 $(($(wc -l <"$SST/dev.tsv") - 1)), ChnSentiCorp $(($(wc -l <"$ZH/dev.tsv") - 1)); wall time $(($(date +%s) - START)) s"
} | tee "$OUT/table.txt"
