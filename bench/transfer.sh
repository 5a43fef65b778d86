#!/usr/bin/env bash
# Transfer learning for text classification, measured: ULMFiT-style
# pretrained LSTM classifiers vs the same classifiers trained from scratch vs
# mulan's linear classifier vs Debian's fastText, on SST-2 (report dev.tsv and
# the labelled test stsa.binary.test), ChnSentiCorp (report dev.tsv; the test
# split is unlabelled) and TREC-6 (report test.tsv).
#
# The recipe, per language:
#   1. general LM: a 2x200 AWD-LSTM pretrained on general text that is not
#      the task's: English = PTB train + Tatoeba's English sentences
#      (tokenized, lower-cased); Chinese = MSRA-NER train characters (news),
#      the SIGHAN-2005 raw test texts and Tatoeba's Chinese sentences.
#   2. LM fine-tuning on the task's own training text (mulan pretrain --init;
#      the vocabulary is remapped to the task's, new words start at the mean).
#   3. classifier fine-tuning (mulan finetune --base): concat pooling,
#      discriminative learning rates, slanted triangular schedule, best epoch
#      kept by accuracy on a dev set (SST-2: dev.tsv, so its dev figure is
#      optimistic and test is the headline; ChnSentiCorp and TREC: 10% of the
#      training set held out with --dev-fraction).
# "scratch" is the same classifier (same tokenizer, sizes, schedule) without
# steps 1-2. TREC text is lower-cased here, as SST-2's is, to match the
# English LM. Every step writes its output under $OUT and is skipped when the
# output exists, so an interrupted run continues and LMs can be reused.
#
# Usage: bench/transfer.sh [sst2|chn|trec|ablation|arch|ensemble|all]...   (default: all)
# Env: OUT (default bench/out/transfer), EN_EPOCHS (2) and ZH_EPOCHS (1): general LM epochs
#      (English ~1.1M tokens, Chinese ~1.7M words), TASK_EPOCHS (2): LM fine-tuning epochs,
#      CLF_EPOCHS (SST-2 4, ChnSentiCorp 6, TREC 10), SEED (1).
# Installs Debian's fasttext if missing (the only reference tool used).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=$(cd .. && pwd)/shared/data
OUT=${OUT:-bench/out/transfer}
EN_EPOCHS=${EN_EPOCHS:-2}
ZH_EPOCHS=${ZH_EPOCHS:-1}
TASK_EPOCHS=${TASK_EPOCHS:-2}
SEED=${SEED:-1}
WHAT=${*:-all}
mkdir -p "$OUT"
for d in sst2 chnsenticorp_12k trec ptb_mikolov tatoeba_cmn_eng msra_ner_zh zh_lm_corpus; do
	[ -d "$DATA/$d" ] || { echo "transfer.sh: $DATA/$d not found" >&2; exit 1; }
done
if ! command -v fasttext >/dev/null; then
	apt-get update -qq && apt-get install -y -qq fasttext >/dev/null
fi
M="$OUT/mulan"
go build -o "$M" ./cmd/mulan
ROWS="$OUT/results.tsv" # task, model, eval set, accuracy, train seconds
touch "$ROWS"
want() { case " $WHAT " in *" all "* | *" $1 "*) return 0 ;; esac; return 1; }
log() { echo "transfer.sh: $*" >&2; }

# timed FILE CMD...: runs CMD (output to FILE) unless FILE exists; sets SECS.
timed() {
	local f=$1 t0
	shift
	SECS=$(awk -F'\t' -v f="$f" '$1 == f {print $2}' "$OUT/times.tsv" 2>/dev/null | tail -1)
	if [ -s "$f" ]; then return 0; fi
	log "$*"
	t0=$(date +%s)
	"$@" >"$f.log" 2>&1 || { tail -5 "$f.log" >&2; exit 1; }
	SECS=$(($(date +%s) - t0))
	printf '%s\t%s\n' "$f" "$SECS" >>"$OUT/times.tsv"
}

# record TASK MODEL SET ACC SECS
record() {
	awk -F'\t' -v k="$1	$2	$3" 'index($0, k "\t") != 1' "$ROWS" >"$ROWS.tmp" && mv "$ROWS.tmp" "$ROWS"
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$ROWS"
}

# evaluate MODEL FILE [ARGS...]: prints the accuracy.
evaluate() {
	local m=$1 f=$2
	shift 2
	"$M" evaluate --model "$m" --test "$f" "$@" | awk '/^accuracy:/ {print $2}'
}

# --- corpora ---------------------------------------------------------------
prep() {
	[ -s "$OUT/en-general.txt" ] || {
		cut -f1 "$DATA/tatoeba_cmn_eng/cmn.txt" | sort -u | "$M" tokenize --lang en | tr 'A-Z' 'a-z' >"$OUT/tatoeba.en"
		cat "$DATA/ptb_mikolov/ptb.train.txt" "$OUT/tatoeba.en" >"$OUT/en-general.txt"
	}
	[ -s "$OUT/zh-general.txt" ] || {
		awk -F'\t' '$0 == "" {if (s != "") print s; s = ""; next} {s = s $1} END {if (s != "") print s}' \
			"$DATA/msra_ner_zh/train.txt" >"$OUT/msra.txt"
		cat "$DATA/zh_lm_corpus/sighan2005_pku_msr/pku_test.utf8" "$DATA/zh_lm_corpus/sighan2005_pku_msr/msr_test.utf8" |
			tr -d '\r' >"$OUT/sighan.txt"
		cut -f2 "$DATA/tatoeba_cmn_eng/cmn.txt" | sort -u >"$OUT/tatoeba.zh"
		cat "$OUT/msra.txt" "$OUT/sighan.txt" "$OUT/tatoeba.zh" | shuf --random-source=<(yes) >"$OUT/zh.shuf"
		head -n 1500 "$OUT/zh.shuf" >"$OUT/zh-general.valid.txt"
		tail -n +1501 "$OUT/zh.shuf" >"$OUT/zh-general.txt"
	}
	tail -n +2 "$DATA/sst2/train.tsv" | cut -f1 >"$OUT/sst2.train.txt"
	tail -n +2 "$DATA/sst2/dev.tsv" | cut -f1 >"$OUT/sst2.dev.txt"
	awk -F'\t' 'NR > 1 {print "__label__" $2 " " $1}' "$DATA/sst2/train.tsv" >"$OUT/sst2.train.ft"
	awk -F'\t' 'NR > 1 {print "__label__" $2 " " $1}' "$DATA/sst2/dev.tsv" >"$OUT/sst2.dev.ft"
	awk '{l = $1; sub(/^[^ ]+ /, ""); print "__label__" l " " $0}' "$DATA/sst2/stsa.binary.test" >"$OUT/sst2.test.ft"
	tail -n +2 "$DATA/chnsenticorp_12k/train.tsv" | cut -f2 >"$OUT/chn.train.txt"
	for s in train dev; do
		[ -s "$OUT/chn.$s.ft" ] || awk -F'\t' 'NR > 1 {print $NF}' "$DATA/chnsenticorp_12k/$s.tsv" |
			"$M" tokenize --lang zh | paste -d' ' <(awk -F'\t' 'NR > 1 {print "__label__" $(NF - 1)}' "$DATA/chnsenticorp_12k/$s.tsv") - >"$OUT/chn.$s.ft"
	done
	for s in train test; do
		awk -F'\t' 'BEGIN {OFS = "\t"} NR == 1 {print "label", "text"; next} {print $1, tolower($3)}' "$DATA/trec/$s.tsv" >"$OUT/trec.$s.tsv"
		awk -F'\t' 'NR > 1 {print "__label__" $1 " " $2}' "$OUT/trec.$s.tsv" >"$OUT/trec.$s.ft"
	done
	tail -n +2 "$OUT/trec.train.tsv" | cut -f2 >"$OUT/trec.train.txt"
}

# --- language models ---------------------------------------------------------
# general_lm en|zh: the general-domain LM of a language.
general_lm() {
	case $1 in
	en) timed "$OUT/en-general.lm" nice "$M" pretrain --arch lstm --tokenizer space --train "$OUT/en-general.txt" \
		--valid "$DATA/ptb_mikolov/ptb.valid.txt" --min-count 2 --max-vocab 30000 --epochs "$EN_EPOCHS" --seed "$SEED" \
		--out "$OUT/en-general.lm" ;;
	zh) timed "$OUT/zh-general.lm" nice "$M" pretrain --arch lstm --tokenizer zh-word --train "$OUT/zh-general.txt" \
		--valid "$OUT/zh-general.valid.txt" --min-count 2 --max-vocab 30000 --epochs "$ZH_EPOCHS" --seed "$SEED" \
		--out "$OUT/zh-general.lm" ;;
	esac
}

# task_lm NAME GENERAL TRAIN_TXT [VALID_TXT]: LM fine-tuning on the task's text.
task_lm() {
	timed "$OUT/$1.lm" nice "$M" pretrain --init "$2" --train "$3" ${4:+--valid "$4"} --min-count 2 \
		--epochs "$TASK_EPOCHS" --seed "$SEED" --out "$OUT/$1.lm"
}

# --- classifiers -------------------------------------------------------------
# clf TASK NAME ARGS...: fine-tunes a neural classifier into $OUT/TASK.NAME.clf.
clf() {
	local task=$1 name=$2
	shift 2
	timed "$OUT/$task.$name.clf" nice "$M" finetune --seed "$SEED" --quiet --out "$OUT/$task.$name.clf" "$@"
	CLF_SECS=$SECS
}

# fasttext_run TASK TRAIN.ft [ARGS]: trains fastText (bigrams; 25 epochs for the
# smaller ChnSentiCorp and TREC, where the default 5 are too few, for both linear models).
fasttext_run() {
	local task=$1 train=$2 t0
	shift 2
	if [ ! -s "$OUT/$task.ft.bin" ]; then
		t0=$(date +%s)
		nice fasttext supervised -input "$train" -output "$OUT/$task.ft" -wordNgrams 2 -thread 2 -verbose 0 "$@"
		printf '%s\t%s\n' "$OUT/$task.ft.bin" $(($(date +%s) - t0)) >>"$OUT/times.tsv"
	fi
	SECS=$(awk -F'\t' -v f="$OUT/$task.ft.bin" '$1 == f {print $2}' "$OUT/times.tsv" | tail -1)
}
ftacc() { fasttext test "$OUT/$1.ft.bin" "$2" | awk '/^P@1/ {print $2}'; }

sst2() {
	local D=$DATA/sst2 m
	general_lm en
	task_lm sst2 "$OUT/en-general.lm" "$OUT/sst2.train.txt" "$OUT/sst2.dev.txt"
	E=${CLF_EPOCHS:-4}
	clf sst2 pretrained --arch lstm --base "$OUT/sst2.lm" --no-unfreeze --epoch "$E" --train "$D/train.tsv" --valid "$D/dev.tsv"
	clf sst2 scratch --arch lstm --tokenizer space --min-count 2 --no-unfreeze --epoch "$E" --train "$D/train.tsv" --valid "$D/dev.tsv"
	clf sst2 linear --arch linear --lang space --word-ngrams 2 --threads 1 --train "$D/train.tsv"
	for m in pretrained scratch linear; do
		s=$(awk -F'\t' -v f="$OUT/sst2.$m.clf" '$1 == f {print $2}' "$OUT/times.tsv" | tail -1)
		record sst2 "$m" dev "$(evaluate "$OUT/sst2.$m.clf" "$D/dev.tsv")" "$s"
		record sst2 "$m" test "$(evaluate "$OUT/sst2.$m.clf" "$D/stsa.binary.test" --format label-text)" "$s"
	done
	fasttext_run sst2 "$OUT/sst2.train.ft"
	record sst2 fasttext dev "$(ftacc sst2 "$OUT/sst2.dev.ft")" "$SECS"
	record sst2 fasttext test "$(ftacc sst2 "$OUT/sst2.test.ft")" "$SECS"
}

chn() {
	local D=$DATA/chnsenticorp_12k m
	general_lm zh
	task_lm chn "$OUT/zh-general.lm" "$OUT/chn.train.txt" "$OUT/zh-general.valid.txt"
	E=${CLF_EPOCHS:-6}
	clf chn pretrained --arch lstm --base "$OUT/chn.lm" --no-unfreeze --epoch "$E" --train "$D/train.tsv" --dev-fraction 0.1
	clf chn scratch --arch lstm --tokenizer zh-word --min-count 2 --no-unfreeze --epoch "$E" --train "$D/train.tsv" --dev-fraction 0.1
	clf chn linear --arch linear --lang zh --word-ngrams 2 --epoch 25 --threads 1 --train "$D/train.tsv"
	for m in pretrained scratch linear; do
		s=$(awk -F'\t' -v f="$OUT/chn.$m.clf" '$1 == f {print $2}' "$OUT/times.tsv" | tail -1)
		record chn "$m" dev "$(evaluate "$OUT/chn.$m.clf" "$D/dev.tsv")" "$s"
	done
	fasttext_run chn "$OUT/chn.train.ft" -epoch 25
	record chn fasttext dev "$(ftacc chn "$OUT/chn.dev.ft")" "$SECS"
}

trec() {
	local m
	general_lm en
	task_lm trec "$OUT/en-general.lm" "$OUT/trec.train.txt"
	E=${CLF_EPOCHS:-10}
	clf trec pretrained --arch lstm --base "$OUT/trec.lm" --no-unfreeze --epoch "$E" --train "$OUT/trec.train.tsv" --dev-fraction 0.1
	clf trec scratch --arch lstm --tokenizer space --no-unfreeze --epoch "$E" --train "$OUT/trec.train.tsv" --dev-fraction 0.1
	clf trec linear --arch linear --lang space --word-ngrams 2 --epoch 25 --threads 1 --train "$OUT/trec.train.tsv"
	for m in pretrained scratch linear; do
		s=$(awk -F'\t' -v f="$OUT/trec.$m.clf" '$1 == f {print $2}' "$OUT/times.tsv" | tail -1)
		record trec "$m" test "$(evaluate "$OUT/trec.$m.clf" "$OUT/trec.test.tsv")" "$s"
	done
	fasttext_run trec "$OUT/trec.train.ft" -epoch 25
	record trec fasttext test "$(ftacc trec "$OUT/trec.test.ft")" "$SECS"
}

# ablation: each step of the recipe switched off in turn, on TREC (small).
ablation() {
	trec
	local E=${CLF_EPOCHS:-10} T=$OUT/trec.train.tsv a
	clf trec no-lm-finetuning --arch lstm --base "$OUT/en-general.lm" --no-unfreeze --epoch "$E" --train "$T" --dev-fraction 0.1
	clf trec no-discriminative --arch lstm --base "$OUT/trec.lm" --no-unfreeze --no-discriminative --epoch "$E" --train "$T" --dev-fraction 0.1
	clf trec no-stlr --arch lstm --base "$OUT/trec.lm" --no-unfreeze --no-stlr --epoch "$E" --train "$T" --dev-fraction 0.1
	clf trec gradual-unfreezing --arch lstm --base "$OUT/trec.lm" --epoch "$E" --train "$T" --dev-fraction 0.1
	for a in no-lm-finetuning no-discriminative no-stlr gradual-unfreezing; do
		s=$(awk -F'\t' -v f="$OUT/trec.$a.clf" '$1 == f {print $2}' "$OUT/times.tsv" | tail -1)
		record trec "$a" test "$(evaluate "$OUT/trec.$a.clf" "$OUT/trec.test.tsv")" "$s"
	done
}

# arch: the three architectures through the same commands, on SST-2: each LM
# pretrained on SST-2's training text only (ARCH_LM_EPOCHS, default 1), then
# fine-tuned (ARCH_EPOCHS, default 3) on all of SST-2's training set.
arch() {
	local a s E=${ARCH_EPOCHS:-3} D=$DATA/sst2
	for a in rnn lstm transformer; do
		timed "$OUT/sst2-text.$a.lm" nice "$M" pretrain --arch "$a" --tokenizer space --train "$OUT/sst2.train.txt" \
			--valid "$OUT/sst2.dev.txt" --min-count 2 --epochs "${ARCH_LM_EPOCHS:-1}" --seed "$SEED" --out "$OUT/sst2-text.$a.lm"
		clf sst2 "arch-$a" --arch "$a" --base "$OUT/sst2-text.$a.lm" --no-unfreeze --epoch "$E" --train "$D/train.tsv" --valid "$D/dev.tsv"
		s=$(awk -F'\t' -v f="$OUT/sst2.arch-$a.clf" '$1 == f {print $2}' "$OUT/times.tsv" | tail -1)
		record sst2 "arch-$a" dev "$(evaluate "$OUT/sst2.arch-$a.clf" "$D/dev.tsv")" "$s"
		record sst2 "arch-$a" test "$(evaluate "$OUT/sst2.arch-$a.clf" "$D/stsa.binary.test" --format label-text)" "$s"
	done
}

# ensemble: the classifiers above combined (mulan ensemble). SST-2: weights
# tuned by EM on dev.tsv, scored on the test set; ChnSentiCorp: uniform
# weights (its dev set is the reported one, so nothing is tuned on it).
ensembles() {
	local D=$DATA/sst2 args=() m
	for m in pretrained scratch linear arch-rnn arch-lstm arch-transformer; do
		[ -s "$OUT/sst2.$m.clf" ] && args+=(--model "$OUT/sst2.$m.clf")
	done
	"$M" ensemble "${args[@]}" --valid "$D/dev.tsv" --out "$OUT/sst2.ens" >"$OUT/sst2.ens.log"
	record sst2 ensemble-tuned test "$(evaluate "$OUT/sst2.ens" "$D/stsa.binary.test" --format label-text)" -
	"$M" ensemble --model "$OUT/sst2.pretrained.clf" --model "$OUT/sst2.linear.clf" --valid "$D/dev.tsv" --out "$OUT/sst2.ens2" >"$OUT/sst2.ens2.log"
	record sst2 ensemble-pretrained+linear test "$(evaluate "$OUT/sst2.ens2" "$D/stsa.binary.test" --format label-text)" -
	D=$DATA/chnsenticorp_12k
	"$M" ensemble --model "$OUT/chn.pretrained.clf" --model "$OUT/chn.scratch.clf" --model "$OUT/chn.linear.clf" --out "$OUT/chn.ens" >"$OUT/chn.ens.log"
	record chn ensemble-uniform dev "$(evaluate "$OUT/chn.ens" "$D/dev.tsv")" -
	"$M" ensemble --model "$OUT/chn.pretrained.clf" --model "$OUT/chn.linear.clf" --out "$OUT/chn.ens2" >"$OUT/chn.ens2.log"
	record chn ensemble-pretrained+linear dev "$(evaluate "$OUT/chn.ens2" "$D/dev.tsv")" -
}

prep
want sst2 && sst2
want chn && chn
want trec && trec
want ablation && ablation
want arch && arch
want ensemble && ensembles

echo "transfer learning, seed $SEED, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg), fasttext $(dpkg-query -W -f='${Version}' fasttext 2>/dev/null || echo '?')"
echo "| task | model | eval set | accuracy | train s |"
echo "|---|---|---|---|---|"
sort -t"$(printf '\t')" -k1,1 -k3,3 -k2,2 "$ROWS" | awk -F'\t' '{printf "| %s | %s | %s | %.4f | %s |\n", $1, $2, $3, $4, $5}'
