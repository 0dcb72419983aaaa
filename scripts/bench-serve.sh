#!/usr/bin/env bash
# Benchmarks `warden serve` with the embedded store and prints:
#   1. ingest rate through /ingest/firehose (gzip Firehose bodies of demo log lines, the
#      load generator in a second process) into a store already holding BENCH_INVOCATIONS
#      invocations of BENCH_FUNCTIONS functions over 30 days, with their error occurrences
#      (1.2 %) and security events (0.5 %) (seeded through the store's write path, rollups
#      included);
#   2. while that ingest runs: API latency p50/p99 for the 24h, 7d and 30d windows of the
#      functions, overview, series, error-groups and security-groups endpoints. Ingest does
#      not stop after BENCH_LINES: the load generator keeps posting (bodies of earlier
#      hours) until the API phase is over, so every API request is timed while ingest runs;
#      the ingest figure covers the whole time;
#   3. after it: full-text search p99 over the stored lines;
#   4. the server's peak RSS and the database bytes per million stored lines;
#   5. the machine's load (`uptime`) before seeding, before the API phase and at the end:
#      on a shared machine the figures are only comparable with the load beside them.
# Everything lives in a temporary directory that is deleted at the end (also on failure).
# Knobs: BENCH_INVOCATIONS (default 1000000; 10000000 for the issue's figure, seeding takes
# several minutes), BENCH_FUNCTIONS (200), BENCH_LINES (1000000), BENCH_API_REQUESTS (100
# per endpoint and window), BENCH_SEARCH_REQUESTS (200), BENCH_CONCURRENCY (4),
# BENCH_BATCH (5000 lines per request), BENCH_DIR (where the temporary directory goes;
# default $TMPDIR), BENCH_DATA_DIR (a data directory already seeded by
# `target/release/examples/seed DIR N F`: used, and changed, in place instead of seeding;
# it is not deleted).
# The issue's figure: BENCH_INVOCATIONS=10000000 BENCH_FUNCTIONS=200 BENCH_LINES=2000000 \
#   BENCH_API_REQUESTS=100 BENCH_SEARCH_REQUESTS=200 scripts/bench-serve.sh
#
# On ClickHouse: `BENCH_STORE=clickhouse scripts/bench-serve.sh` (or `--store clickhouse`)
# starts a throwaway clickhouse-server in the temporary directory;
# `BENCH_STORE=clickhouse://USER:PASSWORD@HOST:8123/DATABASE` uses a running one (the
# database must not exist: it is created, seeded through the store, and dropped at the end;
# BENCH_CLICKHOUSE_CLUSTER=NAME migrates it ON CLUSTER). The same phases, then, for each
# node count of BENCH_NODES (default "1 3"): that many `warden serve` nodes share the
# database, the load generator spreads its connections over them, and besides the
# acknowledged (staged) rate the script prints the assembled rate: lines stored and
# queryable per second until the last one is. The API phase and the search run during
# and after the first round. Bytes per million lines come from system.parts (all tables,
# and without the staged raw events, which are kept a day).
set -euo pipefail
cd "$(dirname "$0")/.."

while [ $# -gt 0 ]; do
  case "$1" in
    --store) BENCH_STORE=$2; shift 2 ;;
    --clickhouse-cluster) BENCH_CLICKHOUSE_CLUSTER=$2; shift 2 ;;
    *) echo "usage: scripts/bench-serve.sh [--store clickhouse|clickhouse://...] [--clickhouse-cluster NAME]" >&2; exit 2 ;;
  esac
done

INVOCATIONS=${BENCH_INVOCATIONS:-1000000}
FUNCTIONS=${BENCH_FUNCTIONS:-200}
LINES=${BENCH_LINES:-1000000}
API_REQUESTS=${BENCH_API_REQUESTS:-100}
SEARCH_REQUESTS=${BENCH_SEARCH_REQUESTS:-200}
CONCURRENCY=${BENCH_CONCURRENCY:-4}
BATCH=${BENCH_BATCH:-5000}
TARGET=${CARGO_TARGET_DIR:-target}

# Ingest into INGEST_URLS (comma-separated) by the load generator in the background and,
# once it is posting, time the API on API_URL; ingest goes on until the API phase is over.
# Writes the load generator's report to $WORK/ingest.out. Used by both stores.
ingest_with_api_phase() {
  local ingest_urls=$1 api_url=$2 lines_now
  "$BIN/examples/loadgen" ingest "$ingest_urls" "$WARDEN_INGEST_KEYS" "$LINES" "$CONCURRENCY" "$BATCH" "$WORK/api.done" > "$WORK/ingest.out" &
  INGEST_PID=$!
  # The API phase starts once the load generator has built its bodies and is posting.
  for _ in $(seq 1 6000); do
    if ! kill -0 "$INGEST_PID" 2>/dev/null; then break; fi
    lines_now=$(curl -sf -H "Authorization: Bearer $WARDEN_READ_TOKENS" "$api_url/api/v1/status" | sed -n 's/.*"pipeline":{[^}]*"lines":\([0-9]*\).*/\1/p')
    if [ "${lines_now:-0}" -gt 0 ]; then break; fi
    sleep 0.2
  done
  kill -0 "$INGEST_PID" 2>/dev/null || { cat "$WORK/ingest.out"; echo "ingest ended before the API phase began" >&2; exit 1; }
  echo "load at the start of the API phase: $(uptime)"
  "$BIN/examples/loadgen" api "$api_url" "$WARDEN_READ_TOKENS" "$API_REQUESTS"
  if kill -0 "$INGEST_PID" 2>/dev/null; then
    echo "(every API request above was timed while ingest ran)"
  else
    echo "(warning: ingest ended before the API phase did: the figures above are not all under ingest)"
  fi
  touch "$WORK/api.done"
  wait "$INGEST_PID"; INGEST_PID=""
}

if [ -n "${BENCH_STORE:-}" ]; then
  # shellcheck source=scripts/bench-serve-clickhouse.sh
  . scripts/bench-serve-clickhouse.sh
  exit 0
fi

cargo build --release -q -p warden --bin warden
cargo build --release -q -p warden-server --example loadgen --example seed
BIN="$TARGET/release"
WORK=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/warden-bench.XXXXXX")
SERVER_PID=""
INGEST_PID=""
cleanup() {
  if [ -n "$INGEST_PID" ]; then kill "$INGEST_PID" 2>/dev/null || true; fi
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export WARDEN_INGEST_KEYS=bench-ingest-key-0123456789
export WARDEN_READ_TOKENS=bench-read-token-0123456789
export WARDEN_ADMIN_TOKENS=bench-admin-token-0123456789

echo "== load before seeding ($(nproc) cores): $(uptime)"
if [ -n "${BENCH_DATA_DIR:-}" ]; then
  DATA="$BENCH_DATA_DIR"
  echo "== using the data directory $DATA as seeded (BENCH_INVOCATIONS and BENCH_FUNCTIONS are what it was seeded with)"
else
  DATA="$WORK/data"
  echo "== seeding $INVOCATIONS invocations over 30 days in $FUNCTIONS functions"
  SEED_START=$(date +%s)
  "$BIN/examples/seed" "$DATA" "$INVOCATIONS" "$FUNCTIONS"
  echo "seeding took $(( $(date +%s) - SEED_START ))s"
fi
SEED_BYTES=$(du -sb "$DATA" | cut -f1)

: > "$WORK/server.out"
"$BIN/warden" serve --data-dir "$DATA" --bind 127.0.0.1:0 --ingest-rate 100000 --api-rate 100000 \
  > "$WORK/server.out" 2> "$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 1 600); do
  if grep -q "listening on" "$WORK/server.out"; then break; fi
  sleep 0.1
done
URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/server.out")
[ -n "$URL" ] || { cat "$WORK/server.err"; echo "server did not start" >&2; exit 1; }

echo "== ingest of $LINES lines and on until the API phase ends ($CONCURRENCY connections, $BATCH lines per request), API measured meanwhile"
ingest_with_api_phase "$URL" "$URL"
cat "$WORK/ingest.out"

echo "== search over the stored lines"
"$BIN/examples/loadgen" search "$URL" "$WARDEN_READ_TOKENS" "$SEARCH_REQUESTS"

STATUS=$(curl -sf -H "Authorization: Bearer $WARDEN_READ_TOKENS" "$URL/api/v1/status")
STORED_LINES=$(echo "$STATUS" | sed -n 's/.*"store":{[^}]*"lines":\([0-9]*\).*/\1/p')
PEAK_KB=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SERVER_PID/status")
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
DB_BYTES=$(du -sb "$DATA" | cut -f1)
echo "== resources (load at the end: $(uptime))"
echo "peak RSS of the server: $(( PEAK_KB / 1024 )) MiB"
echo "database: $SEED_BYTES bytes after seeding, $DB_BYTES after ingest of $STORED_LINES lines: $(( (DB_BYTES - SEED_BYTES) * 1000000 / (STORED_LINES > 0 ? STORED_LINES : 1) )) bytes per million lines (lines, search index, their invocations and rollups)"
