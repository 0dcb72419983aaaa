#!/usr/bin/env bash
# Attacks a release build of `warden serve` the way issue 10 found it vulnerable and prints,
# per attack, the HTTP status counts and the slowest /api/v1/status answer seen meanwhile,
# then the server's peak RSS (VmHWM; the target is < 512 MB):
#   1. memory-bomb records: Firehose deliveries whose one record (~140 KiB gzip) expands to
#      1.2 M log events, ATTACK_BOMBS (6) at once, three rounds;
#   2. unauthenticated big uploads: 64 concurrent 15 MiB bodies with a wrong key;
#   3. gzip bombs: 8 concurrent bodies of 1 GiB of zeros (Content-Encoding: gzip);
#   4. concurrent large deliveries: 16 valid Firehose deliveries of 4 records x 50 000 events;
#   5. extreme series queries: 200 read-token queries with i64 extremes for from/to/step.
# Needs python3. WARDEN_BIN points at a built binary (default: build target/release/warden).
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=${CARGO_TARGET_DIR:-target}
if [ -z "${WARDEN_BIN:-}" ]; then
  cargo build --release -q -p warden --bin warden
  WARDEN_BIN="$TARGET/release/warden"
fi
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export WARDEN_INGEST_KEYS=attack-ingest-key-0123456789
export WARDEN_READ_TOKENS=attack-read-token-0123456789
export WARDEN_ADMIN_TOKENS=attack-admin-token-0123456789

: > "$WORK/server.out"
"$WARDEN_BIN" serve --data-dir "$WORK/data" --bind 127.0.0.1:0 --ingest-rate 100000 \
  > "$WORK/server.out" 2> "$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 1 300); do
  if grep -q "listening on" "$WORK/server.out"; then break; fi
  sleep 0.1
done
URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/server.out")
[ -n "$URL" ] || { cat "$WORK/server.err"; echo "server did not start" >&2; exit 1; }
echo "== warden serve at $URL (pid $SERVER_PID, $(nproc) cores)"

python3 - "$URL" "$SERVER_PID" "${ATTACK_BOMBS:-6}" <<'PY'
import base64, collections, concurrent.futures as cf, gzip, http.client, json, sys, threading, time, urllib.parse, zlib

url, pid, bombs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
host = urllib.parse.urlparse(url)
INGEST, READ = "attack-ingest-key-0123456789", "attack-read-token-0123456789"

def rss_mib(field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0

def request(method, path, body=None, headers=None, timeout=120):
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=timeout)
    try:
        try:
            conn.request(method, path, body=body, headers=headers or {})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (and closed) before reading the whole body
        response = conn.getresponse()
        response.read()
        return response.status
    except (ConnectionError, OSError, http.client.HTTPException) as error:
        return type(error).__name__
    finally:
        conn.close()

def subscription_record(events, ids=True):
    now = int(time.time() * 1000)
    event = ('{"id":"%d","timestamp":%d,"message":"x"}' if ids else '{"timestamp":%d,"message":"x"}%.0s')
    payload = ('{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"/aws/lambda/attack","logStream":"s",'
               '"subscriptionFilters":[],"logEvents":[' +
               ",".join((event % (i, now)) if ids else (event % (now, "")) for i in range(events)) + "]}")
    return base64.b64encode(gzip.compress(payload.encode(), 9)).decode()

def firehose(request_id, records):
    body = json.dumps({"requestId": request_id, "timestamp": int(time.time() * 1000),
                       "records": [{"data": r} for r in records]})
    return request("POST", "/ingest/firehose", body, {"X-Amz-Firehose-Access-Key": INGEST,
                   "X-Amz-Firehose-Request-Id": request_id, "Content-Type": "application/json"})

def attack(name, calls, workers):
    slowest, stop = [0.0], threading.Event()
    def probe():
        while not stop.is_set():
            started = time.time()
            request("GET", "/api/v1/status", headers={"Authorization": "Bearer " + READ}, timeout=60)
            slowest[0] = max(slowest[0], time.time() - started)
            time.sleep(0.1)
    prober = threading.Thread(target=probe)
    prober.start()
    started = time.time()
    with cf.ThreadPoolExecutor(workers) as pool:
        statuses = collections.Counter(pool.map(lambda call: call(), calls))
    stop.set()
    prober.join()
    print(f"{name:<34} {dict(sorted(statuses.items(), key=str))}  {time.time() - started:6.1f} s"
          f"  status p100 {slowest[0] * 1000:6.0f} ms  rss now {rss_mib('VmRSS:'):5.0f} MiB  peak {rss_mib('VmHWM:'):5.0f} MiB")

bomb = subscription_record(1_200_000, ids=False)
print(f"bomb record: {len(bomb) * 3 // 4 // 1024} KiB gzip, 1.2 M events")
for round_ in range(3):
    attack(f"memory-bomb records x{bombs} (round {round_ + 1})",
           [lambda n=n: firehose(f"bomb-{round_}-{n}", [bomb]) for n in range(bombs)], bombs)
near = subscription_record(300_000)
print(f"near-limit record: {len(near) * 3 // 4 // 1024} KiB gzip, 300 k events (under every per-request limit)")
attack(f"near-limit records x{bombs}",
       [lambda n=n: firehose(f"near-{n}", [near]) for n in range(bombs)], bombs)

big = b"{" + b" " * (15 << 20) + b"}"
attack("unauthenticated 15 MiB uploads x64",
       [lambda: request("POST", "/ingest/lines", big, {"Authorization": "Bearer wrong"}) for _ in range(64)], 64)

compressor, block = zlib.compressobj(9, zlib.DEFLATED, 31), b"\0" * (1 << 20)
gz = b"".join(compressor.compress(block) for _ in range(1024)) + compressor.flush()
attack("gzip bombs (1 GiB of zeros) x8",
       [lambda: request("POST", "/ingest/lines", gz, {"Authorization": "Bearer " + INGEST,
                                                     "Content-Encoding": "gzip"}) for _ in range(8)], 8)

record = subscription_record(50_000)
attack("large deliveries (4 x 50k events) x16",
       [lambda n=n: firehose(f"large-{n}", [record] * 4) for n in range(16)], 16)

extremes = ["-9223372036854775808", "9223372036854775807", "0", "60", "1e308", "253402300799999"]
queries = [f"/api/v1/functions/attack/series?from={a}&to={b}&step={c}"
           for a in extremes for b in extremes for c in extremes][:200]
attack("extreme series queries x200",
       [lambda q=q: request("GET", q, headers={"Authorization": "Bearer " + READ}) for q in queries], 16)

print(f"peak RSS (VmHWM) {rss_mib('VmHWM:'):.0f} MiB; now {rss_mib('VmRSS:'):.0f} MiB")
PY
