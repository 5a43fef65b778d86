#!/usr/bin/env bash
# Chinese word segmentation: mulan (gse) beside jieba on the SIGHAN 2005 PKU
# and MSR test sets, both scored by the same Go scorer (metrics.ScoreSegmentation).
# MB/s: raw test file bytes / median single-thread segmentation time, dictionary
# loading excluded for both tools. ratio: MB/s relative to jieba (default mode,
# HMM on) on the same corpus.
# Usage: bench/segment.sh [RUNS]   (needs apt for python3-jieba if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
DATA=$(cd .. && pwd)/shared/data/zh_lm_corpus/sighan2005_pku_msr
PY=/usr/bin/python3  # Debian's python, where python3-jieba installs
[ -f "$DATA/pku_test.utf8" ] || { echo "segment.sh: SIGHAN data not found in $DATA" >&2; exit 1; }
if ! "$PY" -c 'import jieba' 2>/dev/null; then
	apt-get update -qq && apt-get install -y -qq python3-jieba >/dev/null
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
go build -o "$TMP/segment" ./bench/segment

cat >"$TMP/jieba_seg.py" <<'PY'
import re, statistics, sys, time
import jieba
raw, out, runs, hmm = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "hmm"
jieba.setLogLevel(60)
jieba.initialize()
data = open(raw, "rb").read()
lines = [re.sub(r"\s+", "", l) for l in data.decode("utf-8").split("\n")]
if lines and lines[-1] == "":
    lines.pop()
times = []
for _ in range(runs):
    t = time.perf_counter()
    res = [jieba.lcut(l, HMM=hmm) for l in lines]
    times.append(time.perf_counter() - t)
with open(out, "w", encoding="utf-8") as f:
    for words in res:
        f.write(" ".join(words) + "\n")
print("%.3f" % (len(data) / 1e6 / statistics.median(times)))
PY

ROWS="$TMP/rows.tsv"
"$TMP/segment" -data "$DATA" -runs "$RUNS" -algorithms shortest,dag,dag-hmm >>"$ROWS"
for c in pku msr; do
	for mode in hmm nohmm; do
		mbps=$("$PY" "$TMP/jieba_seg.py" "$DATA/${c}_test.utf8" "$TMP/jieba_$c.txt" "$RUNS" "$mode")
		"$TMP/segment" -score "$TMP/jieba_$c.txt" -gold "$DATA/${c}_test_gold.utf8" \
			-tool "jieba-$mode" -corpus "$c" -mbps "$mbps" >>"$ROWS"
	done
done
jieba_ver=$("$PY" -c 'import jieba; print(jieba.__version__)')
echo "jieba $jieba_ver (python3 $("$PY" -c 'import platform; print(platform.python_version())')), runs=$RUNS, $(nproc) CPUs"
awk -F'\t' '
	{ tool[NR]=$1; corp[NR]=$2; p[NR]=$3; r[NR]=$4; f[NR]=$5; s[NR]=$6; if ($1=="jieba-hmm") base[$2]=$6 }
	END {
		printf "%-16s %-6s %7s %7s %7s %8s %7s\n", "tool", "corpus", "P", "R", "F1", "MB/s", "ratio"
		for (c in base) ; # noop
		split("pku msr", cs, " ")
		for (k=1; k<=2; k++) for (i=1; i<=NR; i++) if (corp[i]==cs[k])
			printf "%-16s %-6s %7.4f %7.4f %7.4f %8.3f %6.2fx\n", tool[i], corp[i], p[i], r[i], f[i], s[i], (base[corp[i]]>0 ? s[i]/base[corp[i]] : 0)
	}' "$ROWS"
