#!/usr/bin/env bash
# Events per second `warden logs pull` and `warden serve --poll` (first sweep, committed to
# the store) read from moto's server (a local AWS API), for one log group and for many, with
# pacing off. moto is far faster to answer and far slower to
# page than CloudWatch Logs, so the figures measure Warden's side (SDK, paging, assembly),
# not what an account will give: there, 5 requests per second × up to 10,000 events per
# page is the ceiling.
#
#   scripts/bench-pull.sh                          # 1 group of 20,000 events; 100 groups of 2,000
#   LOG_GROUPS=20 EVENTS=5000 scripts/bench-pull.sh
#   WARDEN=target/debug/warden scripts/bench-pull.sh   # an already built binary
#
# Needs `moto_server` and boto3 (.venv-moto, as `.ci/run` installs them).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MANY=${LOG_GROUPS:-100}
EVENTS=${EVENTS:-2000}
ONE_EVENTS=${ONE_EVENTS:-20000}
VENV=${VENV:-$ROOT/.venv-moto}
if [ -z "${WARDEN:-}" ]; then
  export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target-pull}
  cargo build --release -p warden --quiet
  WARDEN=$CARGO_TARGET_DIR/release/warden
fi
PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >/dev/null 2>&1 &
MOTO=$!
trap 'kill $MOTO 2>/dev/null || true' EXIT
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export AWS_ENDPOINT_URL=http://127.0.0.1:$PORT AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent

"$VENV/bin/python" - "$PORT" "$MANY" "$EVENTS" "$ONE_EVENTS" <<'PY'
import socket, sys, time, boto3
port, groups, events, one_events = (int(a) for a in sys.argv[1:5])
for _ in range(300):
    try:
        socket.create_connection(("127.0.0.1", port)).close()
        break
    except OSError:
        time.sleep(0.1)
logs = boto3.client("logs", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1")
start = int(time.time() * 1000) - 30 * 60_000
def fill(prefix, count, events):
    for g in range(count):
        group = f"{prefix}{g}"
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="s")
        batch = []
        for n in range(events // 4):
            rid = f"{g:08x}-0000-4000-8000-{n:012x}"
            at = start + n * 10
            batch += [
                {"timestamp": at, "message": f"START RequestId: {rid} Version: $LATEST"},
                {"timestamp": at + 1, "message": f"2026-01-01T00:00:00.001Z\t{rid}\tINFO\tprocessing order {n}"},
                {"timestamp": at + 2, "message": f"END RequestId: {rid}"},
                {"timestamp": at + 3, "message": f"REPORT RequestId: {rid}\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB"},
            ]
        for i in range(0, len(batch), 5000):
            logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=batch[i:i + 5000])
fill("/aws/lambda/one-", 1, one_events)
fill("/aws/lambda/many-", groups, events)
PY

run() {
  local label=$1 prefix=$2
  local t0 t1
  t0=$(date +%s.%N)
  "$WARDEN" logs pull --log-group-prefix "$prefix" --since 1h --requests-per-second 100000 \
    --format json >/dev/null 2>"$ROOT/target/bench-pull.err" || { cat "$ROOT/target/bench-pull.err"; exit 1; }
  t1=$(date +%s.%N)
  local summary
  summary=$(grep 'pulled' "$ROOT/target/bench-pull.err")
  local events
  events=$(echo "$summary" | sed -E 's/.*pulled ([0-9]+) events.*/\1/')
  python3 -c "import sys; e,t=int(sys.argv[1]),float(sys.argv[2])-float(sys.argv[3]); print(f'{sys.argv[4]}: {e} events in {t:.2f}s = {e/t:,.0f} events/s ({sys.argv[5]})')" \
    "$events" "$t1" "$t0" "$label" "$summary"
}
# `warden serve --poll`: from start until the first sweep is over (status `poll.sweeps`),
# every event committed to a fresh store with its checkpoint.
poll() {
  local label=$1 prefix=$2 data
  data=$(mktemp -d)
  local t0 t1
  t0=$(date +%s.%N)
  "$WARDEN" serve --insecure-no-auth --bind 127.0.0.1:0 --data-dir "$data" --poll \
    --log-group-prefix "$prefix" --poll-interval 1h --poll-requests-per-second 100000 \
    >"$data/out" 2>"$data/err" &
  local server=$!
  local addr=""
  while [ -z "$addr" ]; do
    sleep 0.05
    addr=$(sed -n 's/.*listening on http:\/\///p' "$data/out")
    kill -0 $server 2>/dev/null || { cat "$data/err"; exit 1; }
  done
  local status
  while :; do
    status=$(curl -s "http://$addr/api/v1/status")
    if echo "$status" | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["poll"]["sweeps"] >= 1 else 1)'; then
      break
    fi
    sleep 0.05
  done
  t1=$(date +%s.%N)
  kill $server; wait $server 2>/dev/null || true
  echo "$status" | python3 -c "import json,sys; s=json.load(sys.stdin); e=s['poll']['events']; t=float(sys.argv[1])-float(sys.argv[2]); print(f'{sys.argv[3]}: {e} events in {t:.2f}s = {e/t:,.0f} events/s ({s[\"poll\"][\"calls\"]} requests, {len(s[\"poll\"][\"log_groups\"])} log groups, {s[\"store\"][\"invocations\"]} invocations stored)')" "$t1" "$t0" "$label"
  rm -rf "$data"
}
mkdir -p "$ROOT/target"
run "logs pull, 1 log group" /aws/lambda/one-
run "logs pull, $MANY log groups" /aws/lambda/many-
poll "serve --poll, 1 log group" /aws/lambda/one-
poll "serve --poll, $MANY log groups" /aws/lambda/many-
