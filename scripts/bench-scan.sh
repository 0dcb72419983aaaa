#!/usr/bin/env bash
# Measures `warden scan` on the shared corpora: wall time (best and median of RUNS runs) and
# peak memory (max RSS).
#
#   scripts/bench-scan.sh [PATH...]        RUNS=10 by default
#
# Default path: ../shared/corpora/serverless-patterns (562 CloudFormation/SAM templates,
# 337 Terraform files, 18 serverless.yml). Add ../shared/corpora/serverless-examples for the
# 191 Serverless Framework services. Needs GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -eq 0 ]; then set -- ../shared/corpora/serverless-patterns; fi
runs="${RUNS:-10}"
for path in "$@"; do [ -e "$path" ] || { echo "no such path: $path" >&2; exit 2; }; done
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 2; }

cargo build --release --quiet -p warden
bin=target/release/warden

# One run to warm the page cache and to count what is scanned.
summary=$("$bin" scan "$@" --format json --fail-on none | python3 -c '
import json, sys
s = json.load(sys.stdin)["summary"]
print("%d files, %d resources, %d findings, %d errors" % (s["files_scanned"], s["resources_scanned"], s["findings"], s["errors"]))')
echo "paths: $*"
echo "scanned: $summary"

times=()
peak=0
for _ in $(seq "$runs"); do
  out=$( { /usr/bin/time -f '%e %M' "$bin" scan "$@" --format json --fail-on none >/dev/null; } 2>&1 | tail -n 1)
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
