#!/usr/bin/env bash
# Installs what mulan needs to build and test on a fresh Debian machine, idempotently:
# Go modules (from the module proxy) and the Debian packages listed below, each only when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
# libopenblas0-pthread: the fast GEMM path (loaded at run time; mulan falls back to pure Go without it).
for pkg in ${MULAN_DEBIAN_PACKAGES-libopenblas0-pthread}; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "setup: installing Debian packages: ${need[*]}"
	SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

command -v go >/dev/null || { echo "setup: Go 1.26 is required (https://go.dev/dl); not found on PATH" >&2; exit 1; }
go mod download
