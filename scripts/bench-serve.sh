#!/usr/bin/env bash
# Benchmarks `warden serve` with the embedded store and prints:
#   1. sustained ingest through /ingest/firehose (gzip Firehose bodies of demo log lines),
#      with the load generator in a second process;
#   2. API latency (functions and series endpoints, p50/p99) with BENCH_INVOCATIONS stored
#      invocations, seeded through the store's write path.
# Knobs: BENCH_LINES (default 1000000), BENCH_CONCURRENCY (4), BENCH_BATCH (5000 lines per
# request), BENCH_INVOCATIONS (default 1000000; 10000000 for the issue's figure — seeding
# takes several minutes), BENCH_API_REQUESTS (200).
set -euo pipefail
cd "$(dirname "$0")/.."

LINES=${BENCH_LINES:-1000000}
CONCURRENCY=${BENCH_CONCURRENCY:-4}
BATCH=${BENCH_BATCH:-5000}
INVOCATIONS=${BENCH_INVOCATIONS:-1000000}
API_REQUESTS=${BENCH_API_REQUESTS:-200}
TARGET=${CARGO_TARGET_DIR:-target}

cargo build --release -q -p warden --bin warden
cargo build --release -q -p warden-server --example loadgen --example seed
BIN="$TARGET/release"
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export WARDEN_INGEST_KEYS=bench-ingest-key-0123456789
export WARDEN_READ_TOKENS=bench-read-token-0123456789
export WARDEN_ADMIN_TOKENS=bench-admin-token-0123456789

start_server() {
  : > "$WORK/server.out"
  "$BIN/warden" serve --data-dir "$1" --bind 127.0.0.1:0 --ingest-rate 100000 > "$WORK/server.out" 2> "$WORK/server.err" &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    if grep -q "listening on" "$WORK/server.out"; then break; fi
    sleep 0.1
  done
  URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/server.out")
  [ -n "$URL" ] || { cat "$WORK/server.err"; echo "server did not start" >&2; exit 1; }
}

stop_server() {
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
}

echo "== ingest: $LINES lines, $CONCURRENCY connections, $BATCH lines per request ($(nproc) cores)"
start_server "$WORK/ingest"
"$BIN/examples/loadgen" ingest "$URL" "$WARDEN_INGEST_KEYS" "$LINES" "$CONCURRENCY" "$BATCH"
stop_server

echo "== API latency with $INVOCATIONS stored invocations"
SEED_START=$(date +%s)
"$BIN/examples/seed" "$WORK/api" "$INVOCATIONS" 20
echo "seeding took $(( $(date +%s) - SEED_START ))s"
start_server "$WORK/api"
"$BIN/examples/loadgen" api "$URL" "$WARDEN_READ_TOKENS" "$API_REQUESTS"
stop_server
