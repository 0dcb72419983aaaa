#!/usr/bin/env bash
# Measures `warden audit` against moto's server seeded with many resources: wall time, API
# calls, peak memory (max RSS), and calls/s next to a tight loop of the same calls made by
# boto3 threads that do nothing else (moto's own answer rate).
#
#   scripts/bench-audit.sh          FUNCTIONS=1000 ROLES=1000 APIS=100 BUCKETS=200 RUNS=3
#
# Needs moto (python3 -m venv .venv-moto && .venv-moto/bin/pip install 'moto[server]>=5.2.6', or
# WARDEN_MOTO_SERVER) and GNU time. PROFILE=debug measures the debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
functions="${FUNCTIONS:-1000}" roles="${ROLES:-1000}" apis="${APIS:-100}" buckets="${BUCKETS:-200}"
runs="${RUNS:-3}" concurrency="${CONCURRENCY:-16}" profile="${PROFILE:-release}"
server="${WARDEN_MOTO_SERVER:-.venv-moto/bin/moto_server}"
python="$(dirname "$server")/python"
[ -x "$server" ] || { echo "no moto_server at $server (see the header)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 2; }

if [ "$profile" = release ]; then
  cargo build --release --quiet -p warden
else
  cargo build --quiet -p warden
fi
bin="target/$profile/warden"

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MOTO_IAM_LOAD_MANAGED_POLICIES=true "$server" -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true' EXIT
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
for _ in $(seq 100); do
  "$python" -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && break
  sleep 0.2
done

echo "seeding moto: $functions functions, $roles roles, $apis REST APIs, $buckets buckets"
FUNCTIONS=$functions ROLES=$roles APIS=$apis BUCKETS=$buckets "$python" - <<'PY'
import io, json, os, zipfile
from concurrent.futures import ThreadPoolExecutor
import boto3

def client(name):
    return boto3.client(name, endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")

iam, lam, s3, apigw = client("iam"), client("lambda"), client("s3"), client("apigateway")
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
wide = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
code = io.BytesIO()
with zipfile.ZipFile(code, "w") as archive:
    archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
code = code.getvalue()

def role(i):
    arn = iam.create_role(RoleName=f"bench-role-{i}", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    if i % 2 == 0:
        iam.put_role_policy(RoleName=f"bench-role-{i}", PolicyName="wide", PolicyDocument=wide)
    iam.attach_role_policy(RoleName=f"bench-role-{i}",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    return arn

def function(i, role_arns):
    name = f"bench-fn-{i}"
    lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler",
        Role=role_arns[i % len(role_arns)], Code={"ZipFile": code},
        Environment={"Variables": {"STAGE": "bench"}})
    if i % 4 == 0:
        lam.create_function_url_config(FunctionName=name, AuthType="NONE")
        lam.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl",
            Principal="*", FunctionUrlAuthType="NONE")

def bucket(i):
    s3.create_bucket(Bucket=f"bench-bucket-{i}")
    if i % 2 == 0:
        s3.put_bucket_policy(Bucket=f"bench-bucket-{i}", Policy=json.dumps({"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::bench-bucket-{i}/*"}]}))

def api(i):
    apigw.create_rest_api(name=f"bench-api-{i}")

with ThreadPoolExecutor(8) as pool:
    role_arns = list(pool.map(role, range(int(os.environ["ROLES"]))))
    list(pool.map(lambda i: function(i, role_arns), range(int(os.environ["FUNCTIONS"]))))
    list(pool.map(bucket, range(int(os.environ["BUCKETS"]))))
    list(pool.map(api, range(int(os.environ["APIS"]))))
PY

echo "warden audit (concurrency $concurrency, $profile build), $runs runs:"
best_wall=""
for run in $(seq "$runs"); do
  out=$( { /usr/bin/time -f 'TIME %e %M' "$bin" audit --format json --fail-on none --stats \
      --concurrency "$concurrency" >/dev/null; } 2>&1 )
  calls=$(sed -n 's/.* with \([0-9]*\) API calls.*/\1/p' <<<"$out")
  read -r _ wall rss <<<"$(grep '^TIME' <<<"$out")"
  rate=$("$python" -c "print(f'{$calls / $wall:.0f}')")
  echo "  run $run: ${wall}s wall, $calls API calls, $rate calls/s, peak memory $(( rss / 1024 )) MB"
  if [ -z "$best_wall" ] || "$python" -c "import sys; sys.exit(0 if $wall < $best_wall else 1)"; then
    best_wall=$wall
  fi
done

echo "tight loop: the same read calls from $concurrency boto3 threads, nothing else:"
CONCURRENCY=$concurrency "$python" - <<'PY'
import os, time
from concurrent.futures import ThreadPoolExecutor
import boto3, botocore.config

config = botocore.config.Config(max_pool_connections=64, retries={"max_attempts": 1})
def client(name):
    return boto3.client(name, endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1", config=config)
iam, lam, s3 = client("iam"), client("lambda"), client("s3")
functions = [f["FunctionName"] for p in lam.get_paginator("list_functions").paginate() for f in p["Functions"]]
roles = [r["RoleName"] for p in iam.get_paginator("list_roles").paginate() for r in p["Roles"]]
buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]

def attempt(call, **kwargs):
    try:
        call(**kwargs)
    except Exception:
        pass  # "not found" answers count as answers

calls = []
for name in functions:
    calls += [(lam.list_tags, {"Resource": f"arn:aws:lambda:us-east-1:123456789012:function:{name}"}),
              (lam.get_function_concurrency, {"FunctionName": name}),
              (lam.get_function_url_config, {"FunctionName": name}),
              (lam.get_policy, {"FunctionName": name}),
              (lam.get_function_event_invoke_config, {"FunctionName": name}),
              (lam.get_function_code_signing_config, {"FunctionName": name}),
              (lam.list_versions_by_function, {"FunctionName": name}),
              (lam.list_aliases, {"FunctionName": name})]
for name in roles:
    calls += [(iam.list_role_tags, {"RoleName": name}), (iam.list_role_policies, {"RoleName": name}),
              (iam.list_attached_role_policies, {"RoleName": name})]
for name in buckets:
    for op in (s3.get_bucket_tagging, s3.get_bucket_acl, s3.get_bucket_ownership_controls,
               s3.get_bucket_policy, s3.get_public_access_block, s3.get_bucket_encryption,
               s3.get_bucket_logging, s3.get_bucket_versioning,
               s3.get_bucket_notification_configuration):
        calls.append((op, {"Bucket": name}))
start = time.monotonic()
with ThreadPoolExecutor(int(os.environ["CONCURRENCY"])) as pool:
    list(pool.map(lambda c: attempt(c[0], **c[1]), calls))
elapsed = time.monotonic() - start
print(f"  {len(calls)} calls in {elapsed:.2f}s: {len(calls) / elapsed:.0f} calls/s")
PY
echo "runs on $(nproc) cores; moto is one Python process"
