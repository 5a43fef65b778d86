#!/bin/sh
# bench/engine.sh: training throughput of mulan's neural engine against
# PyTorch 1.13 (Debian python3-torch, torch.set_num_threads(2)) on the three
# workloads of issue 4 (see bench/engine/main.go for their exact definition):
#   w1 LSTM LM (vocab 10k, emb 200, 2x LSTM 200, batch 20, BPTT 35, SGD)
#   w2 RNN classifier (Embedding(20000,64), SimpleRNN(64) x2, Dense(1), batch 32, len 200, Adam)
#   w3 Transformer LM (vocab 8k, d 256, 4 layers, 4 heads, ctx 128, batch 16, Adam)
# Four configurations, each measurement in its own process:
#   mulan        as a user runs it: default build, no tuning variables
#   mulan-purego CGO_ENABLED=0 build (pure-Go GEMM)
#   torch        PyTorch as Debian installs it
#   torch-tuned  OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=PASSIVE
# Every repetition runs all configurations of a workload back to back, in an
# order that rotates from one repetition to the next, so load from other
# processes on the machine falls on all of them alike. Each process does
# WARMUP untimed steps, then timed steps until STEPS steps or TIME seconds.
# Printed: median tokens/s (forward+backward+optimizer step), median CPU
# seconds per step, median peak RSS, and mulan's ratio to each PyTorch.
#
# usage: bench/engine.sh [workloads]   (default "w1 w2 w3")
#        env REPS=5 WARMUP=2 STEPS=50 TIME=4 CONFIGS="mulan mulan-purego torch torch-tuned"
set -eu
cd "$(dirname "$0")/.."
WORKLOADS=${1:-w1 w2 w3}
REPS=${REPS:-5}
WARMUP=${WARMUP:-2}
STEPS=${STEPS:-50}
TIME=${TIME:-4}
CONFIGS=${CONFIGS:-mulan mulan-purego torch torch-tuned}
PY=/usr/bin/python3

sh scripts/openblas.sh >/dev/null
if ! $PY -c 'import torch' 2>/dev/null; then
	echo "installing python3-torch (Debian) ..." >&2
	SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-torch >/dev/null
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
go build -o "$TMP/engine" ./bench/engine
CGO_ENABLED=0 go build -o "$TMP/engine-purego" ./bench/engine
OUT="$TMP/results.jsonl"
: >"$OUT"

# A user's environment: none of the tuning variables.
clean="env -u OPENBLAS_CORETYPE -u OMP_WAIT_POLICY -u OMP_NUM_THREADS -u GOMAXPROCS -u MULAN_BLAS"
measure() { # config workload
	case $1 in
	mulan) $clean "$TMP/engine" -w "$2" -warmup "$WARMUP" -steps "$STEPS" -time "${TIME}s" ;;
	mulan-purego) $clean "$TMP/engine-purego" -w "$2" -warmup "$WARMUP" -steps "$STEPS" -time "${TIME}s" ;;
	torch) $clean $PY bench/engine/torch_engine.py "$2" "$WARMUP" "$STEPS" "$TIME" torch ;;
	torch-tuned) $clean OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=PASSIVE \
		$PY bench/engine/torch_engine.py "$2" "$WARMUP" "$STEPS" "$TIME" torch-tuned ;;
	esac | sed "s/^{/{\"config\": \"$1\", /" >>"$OUT"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s)
rep=0
while [ $rep -lt "$REPS" ]; do
	for w in $WORKLOADS; do
		# rotate the order of the configurations by the repetition number
		set -- $CONFIGS
		i=0
		while [ $i -lt $((rep % $#)) ]; do c=$1; shift; set -- "$@" "$c"; i=$((i + 1)); done
		for c in "$@"; do measure "$c" "$w"; done
	done
	rep=$((rep + 1))
	echo "repetition $rep/$REPS done ($(($(date +%s) - start)) s, load $(cut -d' ' -f1 /proc/loadavg))" >&2
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); $(($(date +%s) - start)) s"
$PY - "$OUT" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cfgs = ["mulan", "mulan-purego", "torch", "torch-tuned"]
for c in ("mulan", "mulan-purego"):
    b = sorted({r.get("backend", "") for r in rows if r["config"] == c})
    if b:
        print("%s GEMM backend: %s" % (c, ", ".join(b)))
med = {}
for w in sorted({r["workload"] for r in rows}):
    for c in cfgs:
        rs = [r for r in rows if r["workload"] == w and r["config"] == c]
        if rs:
            med[w, c] = (statistics.median(r["tokens_s"] for r in rs),
                         statistics.median(r["cpu_s_step"] for r in rs),
                         statistics.median(r["peak_rss_mb"] for r in rs), len(rs))
# /torch, /tuned: ratio of median tokens/s to PyTorch as installed and tuned;
# cpu/tuned: tuned PyTorch's CPU seconds per step over mulan's (steadier
# than wall time when other processes load the machine).
print("%-4s %-13s %11s %10s %9s %5s %8s %8s %9s" % ("work", "config", "tokens/s", "cpu-s/step", "peak MiB", "runs", "/torch", "/tuned", "cpu/tuned"))
for (w, c), (tps, cpu, rss, n) in med.items():
    def ratio(base, i=0, inv=False):
        b = med.get((w, base))
        if not b or c.startswith("torch"):
            return ""
        return "%.2fx" % (b[i] / cpu if inv else tps / b[i])
    print("%-4s %-13s %11.0f %10.3f %9.0f %5d %8s %8s %9s" % (w, c, tps, cpu, rss, n, ratio("torch"), ratio("torch-tuned"), ratio("torch-tuned", 1, True)))
PYEOF
