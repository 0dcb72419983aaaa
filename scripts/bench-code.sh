#!/usr/bin/env bash
# Measures the analysis of handler code on the shared corpora, next to the template scan
# alone: wall time (best and median of RUNS runs) and peak memory (max RSS).
#
#   scripts/bench-code.sh [PATH...]        RUNS=5 by default
#
# Default paths: ../shared/corpora/serverless-patterns and ../shared/corpora/serverless-examples
# (the 2,755 handler files of MANIFEST-code.tsv sit next to their templates). Prints:
#   - `warden scan --no-code` (templates only) and `warden scan` (templates and code);
#   - the code analysis alone, timed inside one process by the `analyse` example of
#     warden-code (templates are loaded first and not counted).
# Needs GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -eq 0 ]; then
  set -- ../shared/corpora/serverless-patterns ../shared/corpora/serverless-examples
fi
runs="${RUNS:-5}"
for path in "$@"; do [ -e "$path" ] || { echo "no such path: $path" >&2; exit 2; }; done
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 2; }

cargo build --release --quiet -p warden
cargo build --release --quiet -p warden-code --example analyse
bin=target/release/warden
example=target/release/examples/analyse

measure=$(mktemp)
trap 'rm -f "$measure"' EXIT

stats() { # label, then the command
  local label=$1; shift
  local times=() peak=0 out wall rss
  "$@" >/dev/null 2>&1 || true # warm the page cache (exit 1: findings)
  for _ in $(seq "$runs"); do
    /usr/bin/time -o "$measure" -f '%e %M' "$@" >/dev/null 2>&1 || true
    out=$(tail -n 1 "$measure")
    read -r wall rss <<<"$out"
    times+=("$wall")
    (( rss > peak )) && peak=$rss
  done
  local sorted best median
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  best=$(echo "$sorted" | head -n 1)
  median=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
  printf '%-28s wall best %ss, median %ss; peak memory %d MB\n' "$label" "$best" "$median" $(( peak / 1024 ))
}

echo "paths: $*"
echo "runs: $runs on $(nproc) cores"
stats "scan --no-code (templates)" "$bin" scan "$@" --no-code --format json --fail-on none
stats "scan (templates + code)" "$bin" scan "$@" --format json --fail-on none

codes=()
summary=""
for _ in $(seq "$runs"); do
  line=$("$example" "$@" 2>&1 >/dev/null | tail -n 1)
  summary=$line
  code=$(sed -E 's/.*code_ms=([0-9]+).*/\1/' <<<"$line")
  codes+=("$code")
done
sorted=$(printf '%s\n' "${codes[@]}" | sort -n)
echo "code analysis alone          best $(echo "$sorted" | head -n 1) ms, median $(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p") ms"
echo "last run: $summary"
