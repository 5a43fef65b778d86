#!/usr/bin/env bash
# Learning curve of mulan's transfer learning: accuracy against the number of
# labelled training examples for
#   "pretrained LSTM"  mulan finetune --arch lstm --base LM (ULMFiT-style)
#   "scratch LSTM"     the same classifier, encoder trained from scratch (no --base)
#   "linear"           mulan finetune --arch linear (fastText-style, bigrams)
# each trained on a stratified random sample of N labelled examples
# (finetune --train-size N, drawn with --seed), N in SIZES ("all": the whole
# training file, no --train-size). Sizes up to SMALL_MAX run with seeds
# 1..SEEDS (other samples, other initialisations), larger ones with seed 1.
#
# Data (../shared/data beside the repository):
#   sst2          train.tsv (67,349 phrases); scored on dev.tsv (872) and on
#                 stsa.binary.test (1,821 labelled test sentences, 'label text'
#                 lines, --format label-text); tokens are split at whitespace.
#   chnsenticorp  chnsenticorp_12k/train.tsv (9,600 reviews, column text_a);
#                 scored on dev.tsv (1,200; the test split has no labels);
#                 Chinese word segmentation (zh-word / --lang zh).
# The model scored is the one after the last epoch (no epoch is picked on the
# scoring sets).
#
# Base LMs: SST_LM and ZH_LM name the pretrained LMs (default
# bench/out/sst2.lm and bench/out/chnsenticorp.lm). A missing one is built
# first by this script with (TXT: the texts of the file, one per line):
#   mulan pretrain --arch lstm --tokenizer space   --min-count 2 --epochs 3 \
#       --train TXT(sst2/train.tsv) --valid TXT(sst2/dev.tsv) --out $SST_LM
#   mulan pretrain --arch lstm --tokenizer zh-word --min-count 2 --epochs 3 \
#       --train TXT(chnsenticorp_12k/train.tsv) --valid TXT(chnsenticorp_12k/dev.tsv) --out $ZH_LM
# (about 8 min for SST-2 on 2 cores; PRETRAIN_EPOCHS, PRETRAIN_ARGS change
# them). The LM thus reads the texts, never the labels, of the whole training
# set, as in ULMFiT's semi-supervised setting; the dev texts only choose its
# best epoch. Pass existing LMs to skip this: SST_LM=path/to/sst.lm.
#
# Neural classifiers: the LM's encoder, or a fresh 2x200 AWD-LSTM with the
# tokenizer above, --batch BATCH, Adam with STLR and NEURAL_ARGS (default
# --no-unfreeze --no-discriminative --lr 0.003: one rate for all layers,
# which beat the full-data recipe -- lr 0.01, discriminative rates -- for
# both the pretrained and the scratch model on SST-2 at 500 labels, 3 seeds,
# dev 0.646 vs 0.619 and 0.627 vs 0.573). EPOCHS epochs, raised for small
# samples to at least MIN_UPDATES updates: epochs = max(EPOCHS,
# ceil(MIN_UPDATES / ceil(N / BATCH))), e.g. 80 epochs for N=100, 20 for 500, 6 for 2,000.
# Linear: --word-ngrams 2 --epoch LINEAR_EPOCHS --threads 1 (reproducible).
#
# Output: every run appends its rows (one per scoring set) to TSV (default
# bench/out/learning_curve.tsv) with the columns
#   dataset eval model size labels seed epochs accuracy train_s
# (size: the N asked for; labels: the examples the run trained on; accuracy:
# a fraction; train_s: wall-clock seconds of finetune). Then bench/plot prints
# the markdown table (mean ± sample sd (runs) in %) on stdout and draws PNG
# (default docs/learning_curve.png): one panel per dataset and scoring set.
# With RESUME=1 an existing TSV is kept and runs already in it are skipped
# (an interrupted curve continues); otherwise it starts empty.
#
# Usage: bench/learning_curve.sh        (settings are environment variables:)
#   DATASETS="sst2 chnsenticorp"  MODELS="pretrained scratch linear"
#   SIZES="100 500 2000 all"  SEEDS=3  SMALL_MAX=500
#   EPOCHS=4  MIN_UPDATES=320  BATCH=32  NEURAL_ARGS="--no-unfreeze --no-discriminative --lr 0.003"
#   LINEAR_EPOCHS=25
#   SST_LM=bench/out/sst2.lm  ZH_LM=bench/out/chnsenticorp.lm  PRETRAIN_EPOCHS=3  PRETRAIN_ARGS=
#   TSV=bench/out/learning_curve.tsv  PNG=docs/learning_curve.png  RESUME=0  NICE=10
#   MULAN=path (a built mulan binary; default: built from ./cmd/mulan)
# Example, one dataset, 2 epochs: DATASETS=sst2 EPOCHS=2 bench/learning_curve.sh
# A tiny smoke run (minutes):
#   DATASETS=sst2 SIZES="100 200" SEEDS=1 EPOCHS=1 MIN_UPDATES=0 LINEAR_EPOCHS=1 \
#   SST_LM=/tmp/tiny.lm PRETRAIN_ARGS="--max-steps 50" TSV=/tmp/lc.tsv PNG=/tmp/lc.png bench/learning_curve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DATASETS=${DATASETS:-sst2 chnsenticorp}
MODELS=${MODELS:-pretrained scratch linear}
SIZES=${SIZES:-100 500 2000 all}
SEEDS=${SEEDS:-3}
SMALL_MAX=${SMALL_MAX:-500}
EPOCHS=${EPOCHS:-4}
MIN_UPDATES=${MIN_UPDATES:-320}
BATCH=${BATCH:-32}
NEURAL_ARGS=${NEURAL_ARGS---no-unfreeze --no-discriminative --lr 0.003}
LINEAR_EPOCHS=${LINEAR_EPOCHS:-25}
SST_LM=${SST_LM:-bench/out/sst2.lm}
ZH_LM=${ZH_LM:-bench/out/chnsenticorp.lm}
PRETRAIN_EPOCHS=${PRETRAIN_EPOCHS:-3}
PRETRAIN_ARGS=${PRETRAIN_ARGS:-}
TSV=${TSV:-bench/out/learning_curve.tsv}
PNG=${PNG:-docs/learning_curve.png}
RESUME=${RESUME:-0}
NICE=${NICE:-10}
SHARED=$(cd .. && pwd)/shared/data

die() { echo "learning_curve.sh: $*" >&2; exit 1; }
posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1=$2: want a positive integer"; }
posint SEEDS "$SEEDS"; posint EPOCHS "$EPOCHS"; posint BATCH "$BATCH"; posint LINEAR_EPOCHS "$LINEAR_EPOCHS"
posint PRETRAIN_EPOCHS "$PRETRAIN_EPOCHS"
[[ $MIN_UPDATES =~ ^[0-9]+$ ]] || die "MIN_UPDATES=$MIN_UPDATES: want an integer ≥ 0"
[[ $SMALL_MAX =~ ^[0-9]+$ ]] || die "SMALL_MAX=$SMALL_MAX: want an integer ≥ 0"
for n in $SIZES; do [ "$n" = all ] || posint "SIZES entry" "$n"; done
for m in $MODELS; do case $m in pretrained | scratch | linear) ;; *) die "unknown model $m (pretrained, scratch, linear)" ;; esac; done
for d in $DATASETS; do case $d in sst2 | chnsenticorp) ;; *) die "unknown dataset $d (sst2, chnsenticorp)" ;; esac; done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [ -z "${MULAN:-}" ]; then
	go build -o "$TMP/mulan" ./cmd/mulan
	MULAN=$TMP/mulan
fi
go build -o "$TMP/plot" ./bench/plot
HELP=$("$MULAN" finetune --help)
grep -q -- '--train-size' <<<"$HELP" || die "$MULAN finetune has no --train-size flag"
mkdir -p "$(dirname "$TSV")" "$(dirname "$PNG")"
HEADER=$'dataset\teval\tmodel\tsize\tlabels\tseed\tepochs\taccuracy\ttrain_s'
if [ "$RESUME" = 1 ] && [ -s "$TSV" ]; then
	[ "$(head -1 "$TSV")" = "$HEADER" ] || die "$TSV: not a learning-curve TSV (header differs); remove it or RESUME=0"
else
	echo "$HEADER" >"$TSV"
fi

# Per dataset: NAME (the TSV's dataset), TRAIN, scoring sets EVALS
# ("eval=file[:format]" words), tokenizer settings and the LM.
setup() {
	case $1 in
	sst2)
		NAME=SST-2 DIR=$SHARED/sst2 TRAIN=$SHARED/sst2/train.tsv LM=$SST_LM
		EVALS="dev=$DIR/dev.tsv test=$DIR/stsa.binary.test:label-text"
		TOK=space LANGARG=space TEXTCOL=1 DEVCOL=1
		;;
	chnsenticorp)
		NAME=ChnSentiCorp DIR=$SHARED/chnsenticorp_12k TRAIN=$SHARED/chnsenticorp_12k/train.tsv LM=$ZH_LM
		EVALS="dev=$DIR/dev.tsv"
		TOK=zh-word LANGARG=zh TEXTCOL=2 DEVCOL=3
		;;
	esac
	[ -f "$TRAIN" ] || die "$TRAIN not found (../shared/data beside the repository)"
	ROWS=$(($(wc -l <"$TRAIN") - 1))
}

# pretrain_lm builds $LM from the dataset's texts when it is missing.
pretrain_lm() {
	[ -f "$LM" ] && return
	echo "learning_curve.sh: $LM missing, pretraining it on the $NAME training texts" >&2
	awk -F'\t' -v c="$TEXTCOL" 'NR > 1 { print $c }' "$TRAIN" >"$TMP/lm.train.txt"
	awk -F'\t' -v c="$DEVCOL" 'NR > 1 { print $c }' "$DIR/dev.tsv" >"$TMP/lm.valid.txt"
	mkdir -p "$(dirname "$LM")"
	# shellcheck disable=SC2086 # PRETRAIN_ARGS is a list of flags
	nice -n "$NICE" "$MULAN" pretrain --arch lstm --tokenizer "$TOK" --min-count 2 --epochs "$PRETRAIN_EPOCHS" \
		--train "$TMP/lm.train.txt" --valid "$TMP/lm.valid.txt" --out "$LM" $PRETRAIN_ARGS >&2
}

# epochs_for N: the neural epochs for N examples (see the header).
epochs_for() {
	local batches=$((($1 + BATCH - 1) / BATCH))
	local e=$(((MIN_UPDATES + batches - 1) / batches))
	echo $((e > EPOCHS ? e : EPOCHS))
}

# done_before MODEL SIZE SEED: the TSV has this run of this dataset.
done_before() {
	awk -F'\t' -v d="$NAME" -v m="$1" -v s="$2" -v r="$3" \
		'$1 == d && $3 == m && $4 == s && $6 == r { f = 1 } END { exit !f }' "$TSV"
}

# train_one MODEL SIZE SEED: trains one classifier into $TMP/m and appends
# its rows to the TSV.
train_one() {
	local model=$1 size=$2 seed=$3 label args=() n epochs t0 t1 secs used
	case $model in
	pretrained) label="pretrained LSTM" ;;
	scratch) label="scratch LSTM" ;;
	linear) label=linear ;;
	esac
	done_before "$label" "$size" "$seed" && return
	[ "$size" = all ] && n=$ROWS || { n=$size; args+=(--train-size "$size"); }
	if [ "$model" = linear ]; then
		epochs=$LINEAR_EPOCHS
		args+=(--arch linear --lang "$LANGARG" --word-ngrams 2 --epoch "$epochs" --threads 1)
	else
		epochs=$(epochs_for "$n")
		args+=(--arch lstm --epoch "$epochs" --batch "$BATCH")
		if [ "$model" = pretrained ]; then args+=(--base "$LM"); else args+=(--tokenizer "$TOK"); fi
		# shellcheck disable=SC2206 # NEURAL_ARGS is a list of flags
		args+=($NEURAL_ARGS)
	fi
	t0=$(date +%s.%N)
	nice -n "$NICE" "$MULAN" finetune "${args[@]}" --train "$TRAIN" --seed "$seed" --quiet --out "$TMP/m" >"$TMP/ft.log" 2>&1 ||
		{ cat "$TMP/ft.log" >&2; die "$NAME $label N=$size seed $seed: finetune failed"; }
	t1=$(date +%s.%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	# The examples the run trained on, as finetune reports them.
	used=$(grep -oE 'on [0-9]+ examples' "$TMP/ft.log" | head -1 | grep -oE '[0-9]+' || true)
	[ -n "$used" ] || { cat "$TMP/ft.log" >&2; die "$NAME $label N=$size: finetune did not say how many examples it used"; }
	[ "$size" = all ] || [ "$used" = "$n" ] || die "$NAME $label N=$size seed $seed: finetune trained on $used examples, want $n"
	local e name file fmt acc msg=""
	for e in $EVALS; do
		name=${e%%=*} file=${e#*=} fmt=""
		if [[ $file == *:* ]]; then fmt=${file##*:} file=${file%:*}; fi
		acc=$(nice -n "$NICE" "$MULAN" evaluate --model "$TMP/m" --test "$file" ${fmt:+--format "$fmt"} | awk '/^accuracy:/ { print $2 }')
		[ -n "$acc" ] || die "$NAME $label N=$size: no accuracy from evaluate on $file"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$NAME" "$name" "$label" "$size" "$used" "$seed" "$epochs" "$acc" "$secs" >>"$TSV"
		msg+=" $name $acc"
	done
	echo "learning_curve.sh: $NAME, $label, N=$used, seed $seed, $epochs epochs:$msg (${secs} s)" >&2
	rm -f "$TMP/m"
}

for d in $DATASETS; do
	setup "$d"
	case " $MODELS " in *" pretrained "*) pretrain_lm ;; esac
	for size in $SIZES; do
		[ "$size" = all ] || [ "$size" -lt "$ROWS" ] || die "SIZES entry $size: $NAME has only $ROWS training examples (use all)"
		seeds=1
		[ "$size" != all ] && [ "$size" -le "$SMALL_MAX" ] && seeds=$SEEDS
		for seed in $(seq 1 "$seeds"); do
			for m in $MODELS; do train_one "$m" "$size" "$seed"; done
		done
	done
done

lms=""
for d in $DATASETS; do setup "$d"; lms+=" $LM"; done
echo "Learning curve: $DATASETS; models: $MODELS; sizes: $SIZES; seeds 1..$SEEDS up to N=$SMALL_MAX; neural: $EPOCHS epochs (at least $MIN_UPDATES updates), batch $BATCH, ${NEURAL_ARGS:-no extra flags}; linear: $LINEAR_EPOCHS epochs; LMs:$lms; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
echo "Accuracy in % (mean ± sample sd (runs) where several seeds); rows in $TSV, plot in $PNG"
echo
"$TMP/plot" -in "$TSV" -out "$PNG" -md
