#!/usr/bin/env bash
# NER transfer table: mulan's BiLSTM-CRF tagger trained from scratch versus
# with frozen contextual features from pretrained forward+backward mulan LMs
# (ner train --base FWD.lm --base-backward BWD.lm, features cached), on the
# full training set and on a seeded 10% of its sentences (--train-fraction).
#
#   Resume  (resume_ner_zh, BMES; dev.char.bmes for selection; test.char.bmes)
#           char LMs 2x256 (emb 128) on Resume train + SIGHAN-2005 PKU/MSR raw
#           test text, 10 epochs (about 20 min each on a shared 2-core box);
#   CoNLL-2003 (conll2003_en, IOB2; valid.txt for selection; test.txt)
#           word LMs (space tokenizer, cased) 2x256 (emb 128), 20k vocabulary
#           (min count 3), dropouts 0.15 (weight 0.2, embedding 0.05), in two
#           stages: a general LM on the CoNLL training sentences + the
#           deduplicated Tatoeba English sentences + the paragraphs of 20
#           Newsgroups (train and test, headers, quoted and signature-like
#           lines dropped; all tokenized by 'mulan tokenize --lang en'; 3.6M
#           tokens), EN_LM_EPOCHS epochs (about 30 min each when it has a
#           core to itself), then fine-tuned on the CoNLL training sentences
#           (pretrain --init --keep-vocab, EN_LM_TUNE_EPOCHS epochs, about 3
#           min each); validated on valid.txt;
#   MSRA    (msra_ner_zh, char BIO; 5% of train held out as dev; test.txt)
#           char LMs 2x256 (emb 128) on MSRA's training text (its last 1,000
#           sentences held out for validation; no test text), MSRA_LM_EPOCHS
#           epochs (about 4 min each); the tagger caches their features
#           (--lm-cache-mb 6000; 2.2 GB for the 2.2M training characters x
#           256 features); about 1.5 min per epoch from scratch and 2 min with
#           the LM features (the first 4.5 min) when two runs share 2 cores.
#
# Every step writes under $OUT (default bench/out/ner_transfer) and is skipped
# when its result exists (NAME.eval for a tagger, NAME.lm.done for an LM), so
# the script can be stopped and rerun. STEPS selects steps (default: all):
#   resume-lm resume-full resume-10 conll-lm conll-full conll-10
#   msra-lm msra-10 msra-full
# Each tagger step trains the scratch and the LM run (NAME_scratch, NAME_lm);
# SKIP="msra_full_scratch ..." leaves individual runs out. The table (test F1
# of the best-dev epoch, conlleval FB1) is printed at the end from whatever
# runs exist. Env:
#   EN_EPOCHS (50) EN_PATIENCE (8)   CoNLL tagger epochs / patience
#   ZH_EPOCHS (15) ZH_PATIENCE (5)   Resume tagger, full (the colleague's setting)
#   ZH10_EPOCHS (30) ZH10_PATIENCE (8) Resume tagger, 10%
#   MSRA_EPOCHS (30) MSRA_PATIENCE (5) MSRA_FULL_EPOCHS (30)
#   EN_LM_EPOCHS (1) EN_LM_TUNE_EPOCHS (2) ZH_LM_EPOCHS (10) MSRA_LM_EPOCHS (6)
#   FRACTION (0.1) SEED (1)
#   ZH_FWD / ZH_BWD  existing Resume char LMs to reuse instead of training
# Usage: [STEPS="conll-lm conll-full"] bench/ner_transfer.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=$(cd .. && pwd)/shared/data
OUT=${OUT:-bench/out/ner_transfer}
STEPS=${STEPS:-resume-lm resume-full resume-10 conll-lm conll-full conll-10 msra-lm msra-10 msra-full}
SKIP=${SKIP:-}
EN_EPOCHS=${EN_EPOCHS:-50} EN_PATIENCE=${EN_PATIENCE:-8}
ZH_EPOCHS=${ZH_EPOCHS:-15} ZH_PATIENCE=${ZH_PATIENCE:-5} ZH10_EPOCHS=${ZH10_EPOCHS:-30} ZH10_PATIENCE=${ZH10_PATIENCE:-8}
MSRA_EPOCHS=${MSRA_EPOCHS:-30} MSRA_PATIENCE=${MSRA_PATIENCE:-5} MSRA_FULL_EPOCHS=${MSRA_FULL_EPOCHS:-30}
EN_LM_EPOCHS=${EN_LM_EPOCHS:-1} EN_LM_TUNE_EPOCHS=${EN_LM_TUNE_EPOCHS:-2} ZH_LM_EPOCHS=${ZH_LM_EPOCHS:-10}
MSRA_LM_EPOCHS=${MSRA_LM_EPOCHS:-6}
FRACTION=${FRACTION:-0.1} SEED=${SEED:-1}
for f in resume_ner_zh/train.char.bmes conll2003_en/train.txt msra_ner_zh/train.txt \
	tatoeba_cmn_eng/cmn.txt zh_lm_corpus/sighan2005_pku_msr/pku_test.utf8 20newsgroups_bydate/train.jsonl.gz; do
	[ -f "$DATA/$f" ] || { echo "ner_transfer.sh: $DATA/$f not found" >&2; exit 1; }
done
mkdir -p "$OUT"
M=$OUT/mulan
go build -o "$M" ./cmd/mulan
NICE="nice -n 10"
want() { [[ " $STEPS " == *" $1 "* ]]; }

# pretrain NAME ARGS...: an LM in $OUT/NAME.lm (skipped when NAME.lm.done exists).
pretrain() {
	local name=$1
	shift
	[ -f "$OUT/$name.lm.done" ] && { echo "skip $name.lm (exists)" >&2; return; }
	echo "pretrain $name.lm" >&2
	local t0=$SECONDS
	$NICE "$M" pretrain --arch lstm --emb 128 --hidden 256 --layers 2 --min-count 2 --seed "$SEED" \
		"$@" --out "$OUT/$name.lm" >"$OUT/$name.lm.log" 2>&1
	echo $((SECONDS - t0)) >"$OUT/$name.lm.done"
}

# tag NAME TEST ARGS...: train $OUT/NAME.ner with ner train ARGS, score it on
# TEST into NAME.eval; the wall time of training goes to NAME.time.
tag() {
	local name=$1 test=$2
	shift 2
	[[ " $SKIP " == *" $name "* ]] && { echo "skip $name (SKIP)" >&2; return; }
	[ -f "$OUT/$name.eval" ] && { echo "skip $name (exists)" >&2; return; }
	echo "train $name" >&2
	local t0=$SECONDS
	$NICE "$M" ner train --seed "$SEED" --quiet "$@" --out "$OUT/$name.ner" >"$OUT/$name.log" 2>&1
	echo $((SECONDS - t0)) >"$OUT/$name.time"
	$NICE "$M" ner evaluate --model "$OUT/$name.ner" --test "$test" >"$OUT/$name.eval.tmp" 2>>"$OUT/$name.log"
	mv "$OUT/$name.eval.tmp" "$OUT/$name.eval"
}

# pair NAME TEST FWD BWD ARGS...: NAME_scratch and NAME_lm.
pair() {
	local name=$1 test=$2 fwd=$3 bwd=$4
	shift 4
	tag "${name}_scratch" "$test" "$@"
	tag "${name}_lm" "$test" "$@" --base "$fwd" --base-backward "$bwd"
}

# conll2txt FILE: the tokens of a CoNLL file, one sentence per line.
conll2txt() {
	awk '/^-DOCSTART-/ { next }
		/^[ \t]*$/ { if (n) print line; line = ""; n = 0; next }
		{ line = n ? line " " $1 : $1; n++ }
		END { if (n) print line }' "$1"
}
# chars2txt FILE: the characters of a char-per-line file, one sentence per line.
chars2txt() {
	awk '/^[ \t]*$/ { if (n) print line; line = ""; n = 0; next }
		{ line = line $1; n++ }
		END { if (n) print line }' "$1"
}

# newsgroups_paragraphs DIR: the paragraphs of the 20 Newsgroups JSONL files,
# one per line: headers, quoted lines and lines with addresses, long runs of
# symbols or base64 dropped; paragraphs of 5-120 words that are mostly letters.
newsgroups_paragraphs() {
	python3 - "$1" <<'PY'
import gzip, json, re, sys
bad = re.compile(r"(@|writes:|wrote:|^[-=_*#|~+]{3,}|[A-Za-z0-9+/]{30,}|In article)")
for name in ("train.jsonl.gz", "test.jsonl.gz"):
    for line in gzip.open(sys.argv[1] + "/" + name, "rt", encoding="utf-8"):
        body = json.loads(line)["text"].split("\n\n", 1)
        for para in re.split(r"\n\s*\n", body[1] if len(body) > 1 else ""):
            kept = [x.strip() for x in para.split("\n")]
            kept = [x for x in kept if x and not x.startswith((">", "|", ":")) and not bad.search(x)]
            text = " ".join(kept)
            if 5 <= len(text.split()) <= 120 and sum(c.isalpha() for c in text) >= 0.6 * len(text):
                print(text)
PY
}

# --- Resume (zh, BMES) and the char LMs (also used for MSRA) ---
R=$DATA/resume_ner_zh
ZH_FWD=${ZH_FWD:-$OUT/zh_char_fwd.lm}
ZH_BWD=${ZH_BWD:-$OUT/zh_char_bwd.lm}
if want resume-lm && { [ ! -f "$ZH_FWD" ] || [ ! -f "$ZH_BWD" ]; }; then
	chars2txt "$R/train.char.bmes" >"$OUT/zh_lm_train.txt"
	cat "$DATA"/zh_lm_corpus/sighan2005_pku_msr/{pku,msr}_test.utf8 | tr -d '\r' >>"$OUT/zh_lm_train.txt"
	chars2txt "$R/dev.char.bmes" >"$OUT/zh_lm_valid.txt"
	zh_lm=(--tokenizer char --train "$OUT/zh_lm_train.txt" --valid "$OUT/zh_lm_valid.txt" --epochs "$ZH_LM_EPOCHS")
	pretrain zh_char_fwd "${zh_lm[@]}"
	pretrain zh_char_bwd "${zh_lm[@]}" --backward
fi
zh_resume=(--lang zh --train "$R/train.char.bmes" --valid "$R/dev.char.bmes" --epochs "$ZH_EPOCHS" --patience "$ZH_PATIENCE")
want resume-full && pair resume_full "$R/test.char.bmes" "$ZH_FWD" "$ZH_BWD" "${zh_resume[@]}"
want resume-10 && pair resume_10 "$R/test.char.bmes" "$ZH_FWD" "$ZH_BWD" "${zh_resume[@]}" --train-fraction "$FRACTION" \
	--epochs "$ZH10_EPOCHS" --patience "$ZH10_PATIENCE"

# --- CoNLL-2003 (en, IOB2) and its word LMs ---
C=$DATA/conll2003_en
if want conll-lm; then
	conll2txt "$C/train.txt" >"$OUT/en_conll_train.txt"
	conll2txt "$C/valid.txt" >"$OUT/en_lm_valid.txt"
	{
		cat "$OUT/en_conll_train.txt"
		cut -f1 "$DATA/tatoeba_cmn_eng/cmn.txt" | "$M" tokenize --lang en | awk '!seen[$0]++'
		newsgroups_paragraphs "$DATA/20newsgroups_bydate" | "$M" tokenize --lang en
	} >"$OUT/en_lm_train.txt"
	en_lm=(--tokenizer space --min-count 3 --max-vocab 20000 --dropout 0.15 --drop-weight 0.2 --drop-emb 0.05
		--train "$OUT/en_lm_train.txt" --valid "$OUT/en_lm_valid.txt" --epochs "$EN_LM_EPOCHS")
	pretrain en_general_fwd "${en_lm[@]}"
	pretrain en_general_bwd "${en_lm[@]}" --backward
	for d in fwd bwd; do
		[ -f "$OUT/en_word_$d.lm.done" ] && continue
		t0=$SECONDS
		$NICE "$M" pretrain --init "$OUT/en_general_$d.lm" --keep-vocab --train "$OUT/en_conll_train.txt" \
			--valid "$OUT/en_lm_valid.txt" --epochs "$EN_LM_TUNE_EPOCHS" --out "$OUT/en_word_$d.lm" >"$OUT/en_word_$d.lm.log" 2>&1
		echo $((SECONDS - t0)) >"$OUT/en_word_$d.lm.done"
	done
fi
en=(--lang en --train "$C/train.txt" --valid "$C/valid.txt" --epochs "$EN_EPOCHS" --patience "$EN_PATIENCE")
want conll-full && pair conll_full "$C/test.txt" "$OUT/en_word_fwd.lm" "$OUT/en_word_bwd.lm" "${en[@]}"
want conll-10 && pair conll_10 "$C/test.txt" "$OUT/en_word_fwd.lm" "$OUT/en_word_bwd.lm" "${en[@]}" --train-fraction "$FRACTION"

# --- MSRA (zh, char BIO): 5% of train held out as dev; char LMs on its training text ---
S=$DATA/msra_ner_zh
if want msra-lm; then
	chars2txt "$S/train.txt" >"$OUT/msra_text.txt"
	head -n -1000 "$OUT/msra_text.txt" >"$OUT/msra_lm_train.txt"
	tail -n 1000 "$OUT/msra_text.txt" >"$OUT/msra_lm_valid.txt"
	msra_lm=(--tokenizer char --train "$OUT/msra_lm_train.txt" --valid "$OUT/msra_lm_valid.txt" --epochs "$MSRA_LM_EPOCHS")
	pretrain msra_char_fwd "${msra_lm[@]}"
	pretrain msra_char_bwd "${msra_lm[@]}" --backward
fi
msra=(--lang zh --train "$S/train.txt" --valid-frac 0.05 --patience "$MSRA_PATIENCE" --lm-cache-mb 6000)
want msra-10 && pair msra_10 "$S/test.txt" "$OUT/msra_char_fwd.lm" "$OUT/msra_char_bwd.lm" "${msra[@]}" --epochs "$MSRA_EPOCHS" --train-fraction "$FRACTION"
want msra-full && pair msra_full "$S/test.txt" "$OUT/msra_char_fwd.lm" "$OUT/msra_char_bwd.lm" "${msra[@]}" --epochs "$MSRA_FULL_EPOCHS"

# --- the table ---
f1() { [ -f "$OUT/$1.eval" ] && awk 'NR == 2 { print $NF }' "$OUT/$1.eval" || echo "-"; }
# epochs NAME: "best/run" epochs from the training log.
epochs() {
	[ -f "$OUT/$1.log" ] || { echo "-"; return; }
	awk '$1 == "epoch" && $(NF) == "*" { b = $2 } $1 == "epoch" && $3 == "lr" { n = $2 } END { if (n) print b "/" n; else print "-" }' "$OUT/$1.log"
}
secs() { [ -f "$OUT/$1.time" ] && cat "$OUT/$1.time" || echo "-"; }
nsent() { [ -f "$OUT/$1.log" ] && awk '$1 == "ner:" && $3 == "training" { print $2; exit }' "$OUT/$1.log" || echo "-"; }
{
	echo "mulan BiLSTM-CRF, test F1 (conlleval FB1) of the best-dev epoch; epochs best/run; train wall s (nice 10, $(nproc) cores shared)"
	printf "%-10s %-6s %7s | %8s %7s %6s | %8s %7s %6s\n" data train sent "scratch" epochs secs "LM" epochs secs
	for row in resume_full:Resume:full resume_10:Resume:10% conll_full:CoNLL:full conll_10:CoNLL:10% msra_full:MSRA:full msra_10:MSRA:10%; do
		IFS=: read -r n d part <<<"$row"
		s=${n}_scratch l=${n}_lm
		[ -f "$OUT/$s.log" ] || [ -f "$OUT/$l.log" ] || continue
		ns=$(nsent "$s")
		[ "$ns" = "-" ] && ns=$(nsent "$l")
		printf "%-10s %-6s %7s | %8s %7s %6s | %8s %7s %6s\n" "$d" "$part" "$ns" \
			"$(f1 "$s")" "$(epochs "$s")" "$(secs "$s")" "$(f1 "$l")" "$(epochs "$l")" "$(secs "$l")"
	done
} | tee "$OUT/table.txt"
