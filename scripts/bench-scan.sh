#!/usr/bin/env bash
# Measures `warden scan` on the CloudFormation/SAM templates of the shared corpus:
# wall time (best and median of N runs) and peak memory (max RSS).
#
#   scripts/bench-scan.sh [CORPUS_DIR] [RUNS]
#
# Defaults: ../shared/corpora/serverless-patterns, 10 runs. Needs GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-../shared/corpora/serverless-patterns}"
runs="${2:-10}"
[ -d "$corpus" ] || { echo "no corpus at $corpus" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 2; }

cargo build --release --quiet -p warden
bin=target/release/warden

# One run to warm the page cache and to count what is scanned.
summary=$("$bin" scan "$corpus" --format json --fail-on none | python3 -c '
import json, sys
s = json.load(sys.stdin)["summary"]
print("%d templates, %d resources, %d findings, %d files with errors" % (s["files_scanned"], s["resources_scanned"], s["findings"], s["errors"]))')
echo "corpus: $corpus"
echo "scanned: $summary"

times=()
peak=0
for _ in $(seq "$runs"); do
  out=$( { /usr/bin/time -f '%e %M' "$bin" scan "$corpus" --format json --fail-on none >/dev/null; } 2>&1 | tail -n 1)
  read -r wall rss <<<"$out"
  times+=("$wall")
  (( rss > peak )) && peak=$rss
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
best=$(echo "$sorted" | head -n 1)
median=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
echo "runs: $runs on $(nproc) cores"
echo "wall: best ${best}s, median ${median}s"
echo "peak memory: $(( peak / 1024 )) MB (max RSS over all runs)"
