#!/usr/bin/env bash
# Subword BPE: mulan beside SentencePiece (Debian package sentencepiece:
# spm_train, spm_encode) on the same English+Chinese text, same settings:
# BPE, byte fallback, vocabulary VOCAB, character coverage 0.9995, no
# normalisation, whitespace kept, single thread, lines up to 64 KiB.
# Training text: PTB train (5.1 MB English) + the three classic novels
# (6.9 MB Chinese). Encoding: each part separately, to ids, model loading and
# writing the ids included for both tools.
# Times are CPU seconds (user+sys, from /usr/bin/time) so a busy machine
# distorts them less than wall time; wall seconds are shown too.
# ratio = sentencepiece CPU time / mulan CPU time (>1: mulan is faster).
# Usage: bench/subword.sh [VOCAB]   (installs sentencepiece with apt if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
VOCAB=${1:-8000}
DATA=$(cd .. && pwd)/shared/data
PTB=$DATA/ptb_mikolov/ptb.train.txt
NOVELS=("$DATA"/zh_lm_corpus/classic_novels/*.txt)
[ -f "$PTB" ] && [ -f "${NOVELS[0]}" ] || { echo "subword.sh: shared data not found under $DATA" >&2; exit 1; }
if ! command -v spm_train >/dev/null || ! command -v spm_encode >/dev/null; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sentencepiece >/dev/null
fi
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
go build -o "$TMP/mulan" ./cmd/mulan
cat "$PTB" >"$TMP/en.txt"
cat "${NOVELS[@]}" >"$TMP/zh.txt"
cat "$TMP/en.txt" "$TMP/zh.txt" >"$TMP/train.txt"

# run NAME CMD...: time CMD (stdin/stdout as given by the caller), record "NAME cpu wall".
run() {
	local name=$1
	shift
	/usr/bin/time -f "%U %S %e" -o "$TMP/time" "$@"
	read -r u s e <"$TMP/time"
	echo "$name $(echo "$u + $s" | bc) $e" >>"$TMP/rows"
}

run train-mulan "$TMP/mulan" subword train --input "$TMP/train.txt" --vocab-size "$VOCAB" \
	--character-coverage 0.9995 --max-sentence-length 65536 --out "$TMP/m.bpe" 2>"$TMP/mulan_train.log"
run train-spm spm_train --input="$TMP/train.txt" --model_prefix="$TMP/spm" --vocab_size="$VOCAB" \
	--model_type=bpe --byte_fallback=true --character_coverage=0.9995 \
	--normalization_rule_name=identity --remove_extra_whitespaces=false \
	--max_sentence_length=65536 --input_sentence_size=0 --num_threads=1 \
	--minloglevel=1 >"$TMP/spm_train.log" 2>&1

for part in en zh; do
	run "encode-$part-mulan" "$TMP/mulan" subword encode --model "$TMP/m.bpe" --ids \
		<"$TMP/$part.txt" >"$TMP/$part.mulan.ids"
	run "encode-$part-spm" spm_encode --model="$TMP/spm.model" --output_format=id \
		<"$TMP/$part.txt" >"$TMP/$part.spm.ids"
	# Exact round trip of mulan's ids.
	"$TMP/mulan" subword decode --model "$TMP/m.bpe" --ids <"$TMP/$part.mulan.ids" | cmp -s - "$TMP/$part.txt" &&
		echo "$part round-trip ok" >>"$TMP/notes" || echo "$part ROUND TRIP FAILED" >>"$TMP/notes"
	echo "$part tokens mulan $(wc -w <"$TMP/$part.mulan.ids") spm $(wc -w <"$TMP/$part.spm.ids")" >>"$TMP/notes"
done

echo "sentencepiece $(dpkg-query -W -f '${Version}' sentencepiece 2>/dev/null || echo '?'), vocab $VOCAB, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "text: en $(wc -c <"$TMP/en.txt") bytes, zh $(wc -c <"$TMP/zh.txt") bytes"
awk -v en="$(wc -c <"$TMP/en.txt")" -v zh="$(wc -c <"$TMP/zh.txt")" '
	{ cpu[$1]=$2; wall[$1]=$3 }
	END {
		printf "%-12s %12s %12s %10s %10s %8s\n", "task", "mulan cpu s", "spm cpu s", "mulan MB/s", "spm MB/s", "ratio"
		split("train encode-en encode-zh", ts, " ")
		for (k=1; k<=3; k++) {
			t=ts[k]; m=cpu[t "-mulan"]; s=cpu[t "-spm"]
			b = (t=="train") ? en+zh : (t=="encode-en" ? en : zh)
			printf "%-12s %12.2f %12.2f %10.2f %10.2f %7.1fx   (wall %.2f s / %.2f s)\n", t, m, s,
				(m>0 ? b/1e6/m : 0), (s>0 ? b/1e6/s : 0), (m>0 ? s/m : 0), wall[t "-mulan"], wall[t "-spm"]
		}
	}' "$TMP/rows"
cat "$TMP/notes"
tail -1 "$TMP/mulan_train.log"
