#!/usr/bin/env bash
# Throughput and peak memory of `warden logs analyze` on generated input.
#
#   scripts/bench-logs.sh                 # 4,000,000 plain-text lines
#   LINES=10000000 scripts/bench-logs.sh  # more lines
#   NDJSON_GB=3 scripts/bench-logs.sh     # also a multi-GB NDJSON subscription archive
#   STREAMS=1000000 scripts/bench-logs.sh # one-invocation streams for the memory figure
#
# Prints lines/s for warden and, as the yardstick, for `grep -c` on the same file, and
# warden's peak RSS. Uses its own target dir; the generated files go to $BENCH_DIR
# (default: a temp dir, removed at the end).
set -euo pipefail

LINES=${LINES:-4000000}
NDJSON_GB=${NDJSON_GB:-0}
STREAMS=${STREAMS:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target-logs}
BENCH_DIR=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$BENCH_DIR"
KEEP=${KEEP:-0}
cleanup() { [ "$KEEP" = 1 ] || rm -rf "$BENCH_DIR"; }
trap cleanup EXIT

cargo build --release -p warden --quiet
WARDEN=$CARGO_TARGET_DIR/release/warden

python3 - "$BENCH_DIR/plain.log" "$LINES" <<'PY'
import random, sys, uuid
path, total = sys.argv[1], int(sys.argv[2])
random.seed(7)
functions = ["checkout", "orders", "payments", "search"]
out = open(path, "w", buffering=1 << 20)
written = 0
ts = 1_700_000_000_000
def iso(ms):
    import datetime
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
stamp = iso(ts)
n = 0
while written < total:
    n += 1
    rid = str(uuid.UUID(int=random.getrandbits(128)))
    out.write(f"START RequestId: {rid} Version: $LATEST\n")
    lines = random.randint(3, 9)
    for i in range(lines):
        if n % 200 == 0 and i == lines - 1:
            out.write(f"{stamp}\t{rid}\tERROR\tInvoke Error \t{{\"errorType\":\"OrderError\",\"errorMessage\":\"order {random.randint(1, 99999)} not found\",\"stack\":[\"OrderError: order not found\",\"    at handler (/var/task/index.js:12:11)\"]}}\n")
        else:
            out.write(f"{stamp}\t{rid}\tINFO\tprocessing item {i} of batch {n} for customer c-{random.randint(1, 5000)}\n")
    out.write(f"END RequestId: {rid}\n")
    d = random.uniform(1, 900)
    status = "\tStatus: timeout" if n % 997 == 0 else ""
    init = f"\tInit Duration: {random.uniform(100, 400):.2f} ms" if n % 50 == 0 else ""
    out.write(f"REPORT RequestId: {rid}\tDuration: {d:.2f} ms\tBilled Duration: {int(d) + 1} ms\tMemory Size: 512 MB\tMax Memory Used: {random.randint(60, 200)} MB{init}{status}\t\n")
    written += lines + 3
    if n % 1000 == 0:
        ts += 1000
        stamp = iso(ts)
PY

run() { # label, command...
  # Wall time suffers when the machine is shared; CPU time (user + sys) is the per-core figure.
  local label=$1; shift
  local start end secs cpu
  start=$(date +%s.%N)
  # Output goes to a file, not /dev/null: GNU grep stops at the first match when it
  # sees /dev/null, which would make the yardstick meaningless.
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$@" > "$BENCH_DIR/out.txt" 2> "$BENCH_DIR/time.txt" || true
    PEAK_KB=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$BENCH_DIR/time.txt")
    cpu=$(awk -F: '/User time|System time/ {s += $2} END {print s}' "$BENCH_DIR/time.txt")
  else
    # No GNU time: poll /proc for the peak RSS and read the CPU ticks at the end.
    "$@" > "$BENCH_DIR/out.txt" 2> /dev/null &
    local pid=$! rss ticks=0
    PEAK_KB=0
    while kill -0 "$pid" 2> /dev/null; do
      rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2> /dev/null || echo 0)
      [ "${rss:-0}" -gt "$PEAK_KB" ] && PEAK_KB=$rss
      ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2> /dev/null || echo "$ticks")
      sleep 0.02
    done
    wait "$pid" || true
    cpu=$(echo "$ticks / $(getconf CLK_TCK)" | bc -l)
  fi
  end=$(date +%s.%N)
  secs=$(echo "$end - $start" | bc -l)
  printf '%-36s wall %6.2f s %11.0f lines/s | cpu %6.2f s %11.0f lines/cpu-s | peak RSS %7.1f MB\n' \
    "$label" "$secs" "$(echo "$COUNT / $secs" | bc -l)" "$cpu" "$(echo "$COUNT / ($cpu + 0.001)" | bc -l)" "$(echo "${PEAK_KB:-0} / 1024" | bc -l)"
}

COUNT=$(wc -l < "$BENCH_DIR/plain.log")
SIZE=$(du -m "$BENCH_DIR/plain.log" | cut -f1)
echo "plain text: $COUNT lines, $SIZE MB"
run "grep -c REPORT (yardstick)" grep -c REPORT "$BENCH_DIR/plain.log"
run "warden logs analyze (text)" "$WARDEN" logs analyze --function bench "$BENCH_DIR/plain.log"
run "warden logs analyze --no-security" "$WARDEN" logs analyze --no-security --function bench "$BENCH_DIR/plain.log"
run "warden logs analyze --format json" "$WARDEN" logs analyze --format json --function bench "$BENCH_DIR/plain.log"

if [ "$NDJSON_GB" != 0 ]; then
  # One decoded subscription payload per line (what a forwarder archives), each carrying
  # 40 events of one stream; repeated until the file reaches NDJSON_GB gigabytes.
  python3 - "$BENCH_DIR/plain.log" "$BENCH_DIR/archive.ndjson" "$NDJSON_GB" <<'PY'
import json, sys
src, dst, gb = sys.argv[1], sys.argv[2], float(sys.argv[3])
limit = int(gb * (1 << 30))
lines = open(src).read().splitlines()[:400000]
out = open(dst, "w", buffering=1 << 20)
size = 0
round_ = 0
while size < limit:
    stream = f"2024/01/01/[$LATEST]{round_:032x}"
    for i in range(0, len(lines), 40):
        doc = json.dumps({"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/aws/lambda/archive", "logStream": stream, "subscriptionFilters": ["f"], "logEvents": [{"id": str(i + j), "timestamp": 1700000000000 + i + j, "message": m} for j, m in enumerate(lines[i:i + 40])]})
        out.write(doc + "\n")
        size += len(doc) + 1
        if size >= limit:
            break
    round_ += 1
PY
  COUNT=$(python3 -c "import sys; print(sum(l.count('\"message\":') for l in open(sys.argv[1])))" "$BENCH_DIR/archive.ndjson")
  SIZE=$(du -m "$BENCH_DIR/archive.ndjson" | cut -f1)
  echo "NDJSON archive: $COUNT log events, $SIZE MB"
  run "grep -c messageType (yardstick)" grep -c messageType "$BENCH_DIR/archive.ndjson"
  run "warden logs analyze (ndjson)" "$WARDEN" logs analyze "$BENCH_DIR/archive.ndjson"
fi

if [ "$STREAMS" != 0 ]; then
  # One decoded subscription payload per line, each a whole invocation of its own stream
  # (START, a line, END, REPORT): memory must not grow with the number of streams.
  python3 - "$BENCH_DIR/streams.ndjson" "$STREAMS" <<'PY'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
out = open(path, "w", buffering=1 << 20)
for i in range(n):
    rid = f"{i:08x}-0000-4000-8000-{i:012x}"
    msgs = [f"START RequestId: {rid} Version: $LATEST\n",
            f"2024-01-01T00:00:00.000Z\t{rid}\tINFO\tprocessed order {i}\n",
            f"END RequestId: {rid}\n",
            f"REPORT RequestId: {rid}\tDuration: 12.5 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n"]
    doc = {"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/aws/lambda/fanout",
           "logStream": f"2024/01/01/[$LATEST]{i:032x}", "subscriptionFilters": ["f"],
           "logEvents": [{"id": f"{i:048d}{j:08d}", "timestamp": 1704067200000 + i, "message": m} for j, m in enumerate(msgs)]}
    out.write(json.dumps(doc) + "\n")
PY
  COUNT=$((STREAMS * 4))
  SIZE=$(du -m "$BENCH_DIR/streams.ndjson" | cut -f1)
  echo "one-invocation streams: $STREAMS streams, $COUNT log events, $SIZE MB"
  run "warden logs analyze ($STREAMS streams)" "$WARDEN" logs analyze "$BENCH_DIR/streams.ndjson"
  printf 'memory for %d one-invocation streams: %.1f MB peak RSS (target: <= 100 MB)\n' "$STREAMS" "$(echo "${PEAK_KB:-0} / 1024" | bc -l)"
fi
