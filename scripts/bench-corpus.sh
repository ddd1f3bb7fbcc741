#!/usr/bin/env bash
# Times whole scans of the shared Dockerfile corpus with the release binary and
# reports files per second and peak memory (max RSS).
#
#   scripts/bench-corpus.sh [CORPUS_DIR] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus/dockerfile}
runs=${2:-5}
bin=$(mktemp -d)/bulwark
go build -trimpath -o "$bin" ./cmd/bulwark
files=$(find "$corpus" -type f | wc -l)
best=""
for _ in $(seq "$runs"); do
  start=$(date +%s.%N)
  # Exit 1 (findings) and 3 (unparsable files in the corpus) are expected.
  "$bin" scan "$corpus" --format json -o /dev/null 2>/dev/null || true
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc -l)
  if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
done
rss_kb=$(
  { /usr/bin/env time -f '%M' "$bin" scan "$corpus" --format json -o /dev/null >/dev/null 2>/dev/null || true; } 2>&1 |
    tail -n 1
) || true
if ! [[ "$rss_kb" =~ ^[0-9]+$ ]]; then
  # GNU time may be missing: read VmHWM from /proc instead.
  "$bin" scan "$corpus" --format json -o /dev/null >/dev/null 2>&1 & pid=$!
  rss_kb=0
  while kill -0 "$pid" 2>/dev/null; do
    v=$(awk '/VmHWM/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
    [ -n "$v" ] && [ "$v" -gt "$rss_kb" ] && rss_kb=$v
    sleep 0.005
  done
fi
printf 'corpus: %s (%d files)\nbest of %d runs: %.3f s, %.0f files/s\npeak RSS: %.1f MiB\n' \
  "$corpus" "$files" "$runs" "$best" "$(echo "$files / $best" | bc -l)" "$(echo "$rss_kb / 1024" | bc -l)"
