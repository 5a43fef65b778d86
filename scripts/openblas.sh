#!/bin/sh
# Install what mulan's fast GEMM path needs at run time: the OpenBLAS shared
# library (libopenblas.so.0). mulan loads it with dlopen at first use and picks
# the right kernel for the CPU itself, so no -dev package and no environment
# variables are needed. Idempotent: does nothing when the library is present.
set -eu

have_lib() {
	for d in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
		for f in "$d/libopenblas.so.0" "$d/openblas-pthread/libopenblas.so.0" "$d/openblas-openmp/libopenblas.so.0" "$d/openblas-serial/libopenblas.so.0"; do
			[ -e "$f" ] && { echo "openblas: found $f"; return 0; }
		done
	done
	return 1
}

have_lib && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "openblas: libopenblas.so.0 not found and apt-get is unavailable; install OpenBLAS with your package manager" >&2
	exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
# The pthread build is the one mulan is tuned for (its threads are set with
# openblas_set_num_threads); the metapackage libopenblas0 pulls it in too.
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libopenblas0-pthread
have_lib
