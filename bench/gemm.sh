#!/bin/sh
# bench/gemm.sh: SGEMM throughput (GFLOP/s) of mulan's GEMM backends against
# PyTorch 1.13 (Debian python3-torch, torch.mm on float32, 2 threads) on square
# n×n products. PyTorch runs twice: as Debian installs it, and with
# OPENBLAS_CORETYPE=SkylakeX (Debian's OpenBLAS 0.3.21 misdetects recent CPUs).
# mulan runs with no tuning variables, as a user runs it. The three are run in
# alternation for ROUNDS rounds and the best of each cell is reported, which
# damps noise from other load on the machine.
#
# usage: bench/gemm.sh [sizes]      (default 64,256,1024; env ROUNDS=3;
#        SIMD=1 also builds the experimental GOEXPERIMENT=simd backend)
set -eu
cd "$(dirname "$0")/.."
SIZES=${1:-64,256,1024}
ROUNDS=${ROUNDS:-3}
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
if [ "${SIMD:-0}" = 1 ]; then
	GOEXPERIMENT=simd go build -o "$TMP/gemm" ./bench/gemm
else
	go build -o "$TMP/gemm" ./bench/gemm
fi

cat >"$TMP/torch_mm.py" <<'PYEOF'
import sys, time, torch
torch.set_num_threads(2)
label = sys.argv[1]
for n in [int(s) for s in sys.argv[2].split(",")]:
    g = torch.Generator().manual_seed(1)
    a = torch.rand(n, n, generator=g) - 0.5
    b = torch.rand(n, n, generator=g) - 0.5
    c = torch.empty(n, n)
    torch.mm(a, b, out=c)
    best = 0.0
    for _ in range(3):
        it, t0 = 0, time.perf_counter()
        while it == 0 or time.perf_counter() - t0 < 0.3:
            torch.mm(a, b, out=c)
            it += 1
        best = max(best, 2.0 * n ** 3 * it / (time.perf_counter() - t0) / 1e9)
    print("torch %s %d %.1f" % (label, n, best))
PYEOF

# Keep the user's environment out of the "as installed" runs.
unset OPENBLAS_CORETYPE MULAN_BLAS OMP_NUM_THREADS OPENBLAS_NUM_THREADS 2>/dev/null || true
for r in $(seq "$ROUNDS"); do
	"$TMP/gemm" -sizes "$SIZES" -threads 2 2>>"$TMP/note" >>"$TMP/res"
	$PY "$TMP/torch_mm.py" installed "$SIZES" >>"$TMP/res"
	OPENBLAS_CORETYPE=SkylakeX $PY "$TMP/torch_mm.py" SkylakeX "$SIZES" >>"$TMP/res"
done
sort -u "$TMP/note" >&2

# Table: best GFLOP/s per (engine, variant, n), then mulan/torch ratios.
awk -v sizes="$SIZES" '
{ k = $1 " " $2; v = $4 + 0; if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
  if (v > best[k, $3]) best[k, $3] = v }
END {
  ns = split(sizes, n, ",")
  printf "%-46s", "GFLOP/s (best of rounds)"; for (i = 1; i <= ns; i++) printf "%10s", "n=" n[i]; printf "\n"
  for (j = 1; j <= nk; j++) { printf "%-46s", order[j]; for (i = 1; i <= ns; i++) printf "%10.1f", best[order[j], n[i]]; printf "\n" }
  printf "\nratio mulan / torch\n"
  for (j = 1; j <= nk; j++) { if (order[j] !~ /^mulan/) continue
    for (t = 1; t <= nk; t++) { if (order[t] !~ /^torch/) continue
      printf "%-46s", order[j] " / " order[t]
      for (i = 1; i <= ns; i++) printf "%10.2f", best[order[j], n[i]] / best[order[t], n[i]]
      printf "\n" } }
}' "$TMP/res"
