#!/usr/bin/env bash
# mulan's linear classifier beside Debian's fastText on SST-2, in one run with
# the same data files and hyper-parameters: -wordNgrams 2 -epoch E -lr LR
# -dim D -thread 2 (fastText's defaults otherwise, mulan's mirror them).
# Both read the same fastText-format files (SST-2 is lower-cased and tokenized
# already; mulan splits at whitespace, --lang space, as fastText does).
# Train: train.tsv (67,349 phrases); accuracy on dev.tsv (872) and
# stsa.binary.test (1,821). Runs alternate which tool goes first.
# Times (median over runs): wall-clock and CPU (user+sys) time of the whole
# training command (reading, training,
# writing the model: fastText writes a dense (nwords+2M)×dim .bin and a .vec,
# mulan only the rows seen in training). Accuracy: mean over runs (fastText's
# 2-thread Hogwild runs are not reproducible; mulan uses --seed RUN).
# Usage: bench/linear.sh [RUNS] [EPOCH] [LR] [DIM]     (installs apt fasttext if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
EPOCH=${2:-5}
LR=${3:-0.1}
DIM=${4:-100}
DATA=$(cd .. && pwd)/shared/data/sst2
[ -f "$DATA/train.tsv" ] || { echo "linear.sh: SST-2 not found in $DATA" >&2; exit 1; }
if ! command -v fasttext >/dev/null; then
	apt-get update -qq && apt-get install -y -qq fasttext >/dev/null
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
go build -o "$TMP/mulan" ./cmd/mulan

# fastText format: __label__L text (trailing spaces of the GLUE rows are harmless to both).
awk -F'\t' 'NR>1 {print "__label__" $2 " " $1}' "$DATA/train.tsv" >"$TMP/train.ft"
awk -F'\t' 'NR>1 {print "__label__" $2 " " $1}' "$DATA/dev.tsv" >"$TMP/dev.ft"
awk '{l=$1; sub(/^[^ ]+ /, ""); print "__label__" l " " $0}' "$DATA/stsa.binary.test" >"$TMP/test.ft"

# timed CMD...: runs CMD and sets WALL and CPU (user+sys seconds, children included).
timed() {
	local out
	out=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null; } 2>&1 | tail -1)
	WALL=$(echo "$out" | awk '{print $1}')
	CPU=$(echo "$out" | awk '{printf "%.3f", $2 + $3}')
}
ROWS="$TMP/rows.tsv"
run_fasttext() {
	local dev test
	timed fasttext supervised -input "$TMP/train.ft" -output "$TMP/ft" -wordNgrams 2 -epoch "$EPOCH" \
		-lr "$LR" -dim "$DIM" -thread 2 -verbose 0
	dev=$(fasttext test "$TMP/ft.bin" "$TMP/dev.ft" | awk '/^P@1/ {print $2}')
	test=$(fasttext test "$TMP/ft.bin" "$TMP/test.ft" | awk '/^P@1/ {print $2}')
	printf 'fasttext\t%s\t%s\t%s\t%s\t%s\n' "$WALL" "$CPU" "$dev" "$test" "$(stat -c %s "$TMP/ft.bin")" >>"$ROWS"
	rm -f "$TMP/ft.bin" "$TMP/ft.vec"
}
run_mulan() {
	local dev test
	timed "$TMP/mulan" finetune --arch linear --train "$TMP/train.ft" --format fasttext --lang space \
		--word-ngrams 2 --epoch "$EPOCH" --lr "$LR" --dim "$DIM" --threads 2 --seed "$1" --quiet \
		--out "$TMP/m.lin"
	dev=$("$TMP/mulan" evaluate --model "$TMP/m.lin" --test "$TMP/dev.ft" --format fasttext | awk '/^accuracy:/ {print $2}')
	test=$("$TMP/mulan" evaluate --model "$TMP/m.lin" --test "$TMP/test.ft" --format fasttext | awk '/^accuracy:/ {print $2}')
	printf 'mulan\t%s\t%s\t%s\t%s\t%s\n' "$WALL" "$CPU" "$dev" "$test" "$(stat -c %s "$TMP/m.lin")" >>"$ROWS"
	rm -f "$TMP/m.lin"
}
for r in $(seq 1 "$RUNS"); do
	if [ $((r % 2)) -eq 1 ]; then run_fasttext; run_mulan "$r"; else run_mulan "$r"; run_fasttext; fi
done

echo "SST-2, fasttext $(dpkg-query -W -f='${Version}' fasttext 2>/dev/null || echo '?'), runs=$RUNS, -wordNgrams 2 -epoch $EPOCH -lr $LR -dim $DIM -thread 2, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for k in fasttext mulan; do
	printf '%s\t%s\t%s\n' "$k" "$(awk -F'\t' -v k=$k '$1 == k {print $2}' "$ROWS" | median)" \
		"$(awk -F'\t' -v k=$k '$1 == k {print $3}' "$ROWS" | median)"
done >"$TMP/med.tsv"
echo "per run (tool, wall s, cpu s, dev, test, model bytes):"
sed 's/^/  /' "$ROWS"
awk -F'\t' '
	FILENAME == ARGV[1] { wall[$1] = $2; cpu[$1] = $3; next }
	{ n[$1]++; dev[$1] += $4; test[$1] += $5; size[$1] = $6 }
	END {
		printf "%-9s %13s %12s %9s %9s %10s\n", "tool", "train_wall_s", "train_cpu_s", "dev_acc", "test_acc", "model_MB"
		split("fasttext mulan", ks, " ")
		for (i = 1; i <= 2; i++) { k = ks[i]
			printf "%-9s %13.2f %12.2f %8.2f%% %8.2f%% %10.1f\n", k, wall[k], cpu[k], 100 * dev[k] / n[k], 100 * test[k] / n[k], size[k] / 1e6 }
		printf "mulan/fasttext: wall time %.2fx (speed-up %.2fx), cpu time %.2fx, dev %+.2f pt, test %+.2f pt\n", wall["mulan"] / wall["fasttext"],
			wall["fasttext"] / wall["mulan"], cpu["mulan"] / cpu["fasttext"], 100 * (dev["mulan"] / n["mulan"] - dev["fasttext"] / n["fasttext"]),
			100 * (test["mulan"] / n["mulan"] - test["fasttext"] / n["fasttext"])
	}' "$TMP/med.tsv" "$ROWS"
