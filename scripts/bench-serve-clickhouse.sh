# The ClickHouse half of scripts/bench-serve.sh, sourced by it when BENCH_STORE is set (its
# knobs and the header there say what is measured). Not meant to be run alone.

NODE_COUNTS=${BENCH_NODES:-1 3}
CLUSTER=${BENCH_CLICKHOUSE_CLUSTER:-}
TARGET=${CARGO_TARGET_DIR:-target}

cargo build --release -q -p warden --bin warden
cargo build --release -q -p warden-server --example loadgen
cargo build --release -q -p warden-clickhouse --example seed_clickhouse
BIN="$TARGET/release"
WORK=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/warden-bench.XXXXXX")
NODE_PIDS=()
INGEST_PID=""
CH_PID=""
DROP_DATABASE=""

stop_nodes() {
  for pid in "${NODE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${NODE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  NODE_PIDS=()
}
cleanup() {
  if [ -n "$INGEST_PID" ]; then kill "$INGEST_PID" 2>/dev/null || true; fi
  stop_nodes
  if [ -n "$DROP_DATABASE" ]; then ch "DROP DATABASE IF EXISTS $DB${CLUSTER:+ ON CLUSTER $CLUSTER}" >/dev/null || true; fi
  if [ -n "$CH_PID" ]; then kill "$CH_PID" 2>/dev/null || true; wait "$CH_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

if [ "$BENCH_STORE" = clickhouse ]; then
  # A throwaway server, its data in the temporary directory.
  SERVER=$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)
  CH_HTTP=$(free_port)
  CH_TCP=$(free_port)
  mkdir -p "$WORK/clickhouse"
  cat > "$WORK/clickhouse/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$WORK/clickhouse/server.log</log><errorlog>$WORK/clickhouse/error.log</errorlog></logger>
  <http_port>$CH_HTTP</http_port>
  <tcp_port>$CH_TCP</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$WORK/clickhouse/data/</path>
  <tmp_path>$WORK/clickhouse/tmp/</tmp_path>
  <users_config>$WORK/clickhouse/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>1073741824</mark_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
</yandex>
EOF
  cat > "$WORK/clickhouse/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
EOF
  "$SERVER" --config-file="$WORK/clickhouse/config.xml" >/dev/null 2>&1 &
  CH_PID=$!
  for _ in $(seq 1 300); do
    if curl -sf "http://127.0.0.1:$CH_HTTP/ping" >/dev/null; then break; fi
    sleep 0.1
  done
  STORE="clickhouse://default@127.0.0.1:$CH_HTTP/warden_bench"
  echo "== clickhouse-server $(curl -sf "http://127.0.0.1:$CH_HTTP/" --data-binary 'SELECT version()') started on port $CH_HTTP, data in $WORK"
else
  STORE=$BENCH_STORE
fi

# The HTTP endpoint, credentials and database of the store URL, for direct queries.
case "$STORE" in
  clickhouses://*) SCHEME=https ;;
  clickhouse://*) SCHEME=http ;;
  *) echo "BENCH_STORE: expected clickhouse or clickhouse://USER:PASSWORD@HOST:PORT/DATABASE" >&2; exit 2 ;;
esac
REST=${STORE#*://}
AUTH=""
case "$REST" in *@*) AUTH=${REST%%@*}; REST=${REST#*@} ;; esac
# A user without a password: curl would otherwise prompt for one.
case "$AUTH" in ""|*:*) ;; *) AUTH="$AUTH:" ;; esac
HOSTPORT=${REST%%/*}
case "$HOSTPORT" in *:*) ;; *) HOSTPORT="$HOSTPORT:8123" ;; esac
DB=${REST#"${REST%%/*}"}
DB=${DB#/}
DB=${DB:-warden}
ch() {
  curl -sS --fail-with-body ${AUTH:+-u "$AUTH"} "$SCHEME://$HOSTPORT/" --data-binary "$1"
}
PARTS=system.parts
if [ -n "$CLUSTER" ]; then PARTS="$DB.cluster_parts"; fi
size_bytes() {
  ch "SELECT toUInt64(sum(bytes_on_disk)) FROM $PARTS WHERE active AND database = '$DB'$1"
}
status() {
  curl -sf -H "Authorization: Bearer $WARDEN_READ_TOKENS" "$1/api/v1/status"
}
stored_lines() {
  status "$1" | sed -n 's/.*"store":{[^}]*"lines":\([0-9]*\).*/\1/p'
}

if [ "$(ch "SELECT count() FROM system.databases WHERE name = '$DB'")" != 0 ]; then
  echo "the database $DB exists: the benchmark seeds and drops its own (name another one)" >&2
  exit 2
fi
DROP_DATABASE=1

export WARDEN_INGEST_KEYS=bench-ingest-key-0123456789
export WARDEN_READ_TOKENS=bench-read-token-0123456789
export WARDEN_ADMIN_TOKENS=bench-admin-token-0123456789

echo "== load before seeding ($(nproc) cores): $(uptime)"
echo "== seeding $INVOCATIONS invocations over 30 days in $FUNCTIONS functions into $DB${CLUSTER:+ on cluster $CLUSTER}"
SEED_START=$(date +%s)
"$BIN/examples/seed_clickhouse" "$STORE" "$INVOCATIONS" "$FUNCTIONS" ${CLUSTER:+"$CLUSTER"}
echo "seeding took $(( $(date +%s) - SEED_START ))s"
SEED_BYTES=$(size_bytes "")
SEED_BYTES_KEPT=$(size_bytes " AND table NOT IN ('staged', 'staged_local')")

# Starts $1 nodes on the store; their URLs go to NODE_URLS (comma-separated).
start_nodes() {
  NODE_URLS=""
  for i in $(seq 1 "$1"); do
    : > "$WORK/node$i.out"
    "$BIN/warden" serve --store "$STORE" ${CLUSTER:+--clickhouse-cluster "$CLUSTER"} \
      --data-dir "$WORK/node$i" --bind 127.0.0.1:0 --ingest-rate 100000 --api-rate 100000 \
      > "$WORK/node$i.out" 2> "$WORK/node$i.err" &
    NODE_PIDS+=($!)
    for _ in $(seq 1 600); do
      if grep -q "listening on" "$WORK/node$i.out"; then break; fi
      sleep 0.1
    done
    local url
    url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/node$i.out")
    [ -n "$url" ] || { cat "$WORK/node$i.err"; echo "node $i did not start" >&2; exit 1; }
    NODE_URLS="${NODE_URLS:+$NODE_URLS,}$url"
  done
}

# Waits until the store holds $2 lines (through node $1), up to 30 minutes; prints the
# seconds waited.
wait_assembled() {
  local start now lines
  start=$(date +%s.%N)
  for _ in $(seq 1 900); do
    lines=$(stored_lines "$1")
    if [ "${lines:-0}" -ge "$2" ]; then break; fi
    sleep 2
  done
  now=$(date +%s.%N)
  awk -v a="$start" -v b="$now" 'BEGIN { printf "%.1f", b - a }'
}

FIRST=1
for NODES in $NODE_COUNTS; do
  echo "== $NODES node(s): ingest of $LINES lines${FIRST:+ and on until the API phase ends} ($CONCURRENCY connections, $BATCH lines per request)"
  start_nodes "$NODES"
  URL=${NODE_URLS%%,*}
  BEFORE=$(stored_lines "$URL")
  if [ -n "$FIRST" ]; then
    ingest_with_api_phase "$NODE_URLS" "$URL"
  else
    "$BIN/examples/loadgen" ingest "$NODE_URLS" "$WARDEN_INGEST_KEYS" "$LINES" "$CONCURRENCY" "$BATCH" > "$WORK/ingest.out"
  fi
  cat "$WORK/ingest.out"
  SENT=$(sed -n 's/^ingest: \([0-9]*\) lines in \([0-9.]*\)s.*/\1/p' "$WORK/ingest.out")
  POSTING=$(sed -n 's/^ingest: \([0-9]*\) lines in \([0-9.]*\)s.*/\2/p' "$WORK/ingest.out")
  WAITED=$(wait_assembled "$URL" $(( BEFORE + SENT )))
  AFTER=$(stored_lines "$URL")
  awk -v n="$(( AFTER - BEFORE ))" -v sent="$SENT" -v posting="$POSTING" -v waited="$WAITED" \
    'BEGIN { printf "assembled: %d of %d lines stored %.1fs after the last was acknowledged = %.0f lines/s from the first post to the last line stored\n", n, sent, waited, n / (posting + waited) }'
  if [ -n "$FIRST" ]; then
    echo "== search over the stored lines"
    "$BIN/examples/loadgen" search "$URL" "$WARDEN_READ_TOKENS" "$SEARCH_REQUESTS"
  fi
  PEAK=0
  for pid in "${NODE_PIDS[@]}"; do
    KB=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status")
    if [ "${KB:-0}" -gt "$PEAK" ]; then PEAK=$KB; fi
  done
  echo "peak RSS of the largest node: $(( PEAK / 1024 )) MiB"
  stop_nodes
  FIRST=""
done

STORED_LINES=$(ch "SELECT count() FROM $DB.lines FINAL")
DB_BYTES=$(size_bytes "")
DB_BYTES_KEPT=$(size_bytes " AND table NOT IN ('staged', 'staged_local')")
echo "== resources (load at the end: $(uptime))"
if [ -n "$CH_PID" ]; then
  echo "peak RSS of clickhouse-server: $(( $(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$CH_PID/status") / 1024 )) MiB"
fi
echo "database: $SEED_BYTES bytes after seeding, $DB_BYTES after ingest of $STORED_LINES lines: $(( (DB_BYTES - SEED_BYTES) * 1000000 / (STORED_LINES > 0 ? STORED_LINES : 1) )) bytes per million lines (lines, their invocations and rollups, and the staged raw events); $(( (DB_BYTES_KEPT - SEED_BYTES_KEPT) * 1000000 / (STORED_LINES > 0 ? STORED_LINES : 1) )) without the staged events (kept a day)"
echo "per table (bytes on disk):"
ch "SELECT replaceRegexpOne(table, '_local\$', '') AS t, toUInt64(sum(bytes_on_disk)) AS bytes, toUInt64(sum(rows)) AS rows FROM $PARTS WHERE active AND database = '$DB' GROUP BY t ORDER BY bytes DESC FORMAT PrettyCompactNoEscapes"
