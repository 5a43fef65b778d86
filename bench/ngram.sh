#!/usr/bin/env bash
# bench/ngram.sh: n-gram language-model speed of mulan beside KenLM's figures.
# Times, on the full Penn Treebank (Mikolov's split, <unk> renamed UNK as for
# KenLM's reference models in ../shared/reference/kenlm):
#   train     mulan ngram train --order 5 (modified Kneser-Ney) on ptb.train.txt
#   train-ext the same counting by external sort (--memory 64M)
#   katz      mulan ngram train --order 5 --smoothing katz
#   binarize  mulan ngram binarize of the order-5 ARPA model
#   query     mulan ngram query --verbose summary on ptb.test.txt from the binary model
#             (opened lazily: header and vocabulary checked, tables read where
#             scoring touches them; probe-table lookups; lines scored on every core)
#   query-verify  the same with --verify (whole-file checksum and table checks first)
#   query-1cpu  the same as query on one core (GOMAXPROCS=1)
#   query-arpa  the same from the ARPA file (parsing included, binary search)
# Each step runs RUNS times under /usr/bin/time; the table shows the median
# wall time, the median peak RSS and tokens/s, and the median CPU time
# (user+sys, which a busy machine inflates less than wall time; the load
# average is printed with the table) (training tokens include one </s>
# a line: 929,589; test tokens 82,430). KenLM's reference figures, measured on
# this machine kind: lmplz -o 5 on full PTB about 2.0 s and 233 MB peak RSS;
# query of the test set from KenLM's binary about 0.02 s. ratio = mulan time /
# KenLM time (below 1 is faster); CPU ratio = mulan CPU time / KenLM time, the
# fairer figure when the load average exceeds the number of CPUs (KenLM's
# query is single-threaded, so its wall time on an idle machine is its CPU
# time; /usr/bin/time reports CPU time in steps of 10 ms).
#
# usage: bench/ngram.sh [RUNS]    (default 3; installs Debian's "time" if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
DATA=$(cd .. && pwd)/shared/data/ptb_mikolov
[ -f "$DATA/ptb.train.txt" ] || { echo "ngram.sh: PTB not found in $DATA" >&2; exit 1; }
if [ ! -x /usr/bin/time ]; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
go build -o "$TMP/mulan" ./cmd/mulan
sed 's/<unk>/UNK/g' "$DATA/ptb.train.txt" > "$TMP/train.txt"
sed 's/<unk>/UNK/g' "$DATA/ptb.test.txt" > "$TMP/test.txt"
TRAIN_TOK=$(awk '{n += NF + 1} END {print n}' "$TMP/train.txt")
TEST_TOK=$(awk '{n += NF + 1} END {print n}' "$TMP/test.txt")
M="$TMP/mulan"

# run NAME CMD...: RUNS timed runs; prints "NAME median_s median_rss_mb".
run() {
	local name=$1; shift
	local i
	for i in $(seq "$RUNS"); do
		/usr/bin/time -f "%e %M %U %S" -o "$TMP/t.$name.$i" "$@" > "$TMP/out.$name" 2> "$TMP/err.$name" ||
			{ cat "$TMP/err.$name" >&2; exit 1; }
	done
	local m=$(( (RUNS + 1) / 2 ))
	local t r c
	t=$(cat "$TMP"/t."$name".* | awk '{print $1}' | sort -g | sed -n "${m}p")
	r=$(cat "$TMP"/t."$name".* | awk '{print $2}' | sort -g | sed -n "${m}p")
	c=$(cat "$TMP"/t."$name".* | awk '{print $3 + $4}' | sort -g | sed -n "${m}p")
	echo "$name $t $(awk -v r="$r" 'BEGIN {printf "%.1f", r / 1024}') $c"
}

{
	run train "$M" ngram train -q --order 5 --text "$TMP/train.txt" --arpa "$TMP/o5.arpa"
	run train-ext "$M" ngram train -q --order 5 --text "$TMP/train.txt" --arpa "$TMP/o5ext.arpa" --memory 64M --temp-dir "$TMP"
	run katz "$M" ngram train -q --order 5 --smoothing katz --text "$TMP/train.txt" --arpa "$TMP/katz5.arpa"
	run binarize "$M" ngram binarize "$TMP/o5.arpa" "$TMP/o5.bin"
	run query "$M" ngram query --verbose summary --model "$TMP/o5.bin" --text "$TMP/test.txt"
	cp "$TMP/out.query" "$TMP/summary.bin"
	run query-verify "$M" ngram query --verify --verbose summary --model "$TMP/o5.bin" --text "$TMP/test.txt"
	run query-1cpu env GOMAXPROCS=1 "$M" ngram query --verbose summary --model "$TMP/o5.bin" --text "$TMP/test.txt"
	run query-arpa "$M" ngram query --verbose summary --model "$TMP/o5.arpa" --text "$TMP/test.txt"
} > "$TMP/results"
cmp -s "$TMP/o5.arpa" "$TMP/o5ext.arpa" || { echo "ngram.sh: external-sort model differs" >&2; exit 1; }
for q in query-arpa query-verify query-1cpu; do
	cmp -s "$TMP/summary.bin" "$TMP/out.$q" || { echo "ngram.sh: $q output differs from query's" >&2; exit 1; }
done

echo "mulan n-gram benchmark, full PTB (train $TRAIN_TOK tokens, test $TEST_TOK tokens), median of $RUNS runs, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "test perplexity of the order-5 model: $(awk -F'\t' '/including/ {print $2}' "$TMP/summary.bin") (KenLM 141.1862070921484)"
echo "model: $(head -7 "$TMP/o5.arpa" | awk '/ngram/ {printf "%s ", $2}')| ARPA $(du -m "$TMP/o5.arpa" | cut -f1) MB, binary $(du -m "$TMP/o5.bin" | cut -f1) MB"
awk -v tr="$TRAIN_TOK" -v te="$TEST_TOK" '
	BEGIN {
		printf "%-12s %9s %9s %9s %12s   %-22s %7s %9s\n", "step", "wall s", "CPU s", "RSS MB", "tokens/s", "KenLM", "ratio", "CPU ratio"
		k["train"] = 2.0; kr["train"] = "lmplz 2.0 s, 233 MB"
		k["train-ext"] = 2.0; kr["train-ext"] = "lmplz 2.0 s, 233 MB"
		k["query"] = 0.02; kr["query"] = "query (binary) 0.02 s"
		k["query-arpa"] = 0.02; kr["query-arpa"] = "query (binary) 0.02 s"
		k["query-verify"] = 0.02; kr["query-verify"] = "query (binary) 0.02 s"
		k["query-1cpu"] = 0.02; kr["query-1cpu"] = "query (binary) 0.02 s"
	}
	{
		tok = ($1 ~ /^query/) ? te : (($1 == "binarize") ? 0 : tr)
		rate = (tok > 0 && $2 > 0) ? sprintf("%12.0f", tok / $2) : sprintf("%12s", "-")
		ref = ($1 in k) ? kr[$1] : "-"
		ratio = ($1 in k) ? sprintf("%7.2f", $2 / k[$1]) : sprintf("%7s", "-")
		cratio = ($1 in k) ? sprintf("%9.2f", $4 / k[$1]) : sprintf("%9s", "-")
		printf "%-12s %9.3f %9.3f %9.1f %s   %-22s %s %s\n", $1, $2, $4, $3, rate, ref, ratio, cratio
	}' "$TMP/results"
