#!/usr/bin/env python3
"""The execution roles AWS SAM generates for the SAM templates of a corpus, as a reference
for Warden's own SAM expansion (crates/warden-iac/src/sam.rs).

For every template with `Transform: AWS::Serverless-2016-10-31` under ROOT, runs AWS's
SAM translator (aws-sam-translator on PyPI, Apache-2.0) and prints one tab-separated line
per role SAM generates for a function without `Role`:

    path  role-logical-id  managed-arns (comma-separated)  inline-policy-names (comma-separated)

Only plain-string ARNs and names are kept; an ARN built with intrinsics prints as `?`.
Templates the translator rejects are skipped (listed on stderr).

    python3 -m venv /tmp/samvenv && /tmp/samvenv/bin/pip install aws-sam-translator pyyaml
    AWS_DEFAULT_REGION=us-east-1 /tmp/samvenv/bin/python scripts/sam-roles-reference.py \\
        ../shared/corpora/serverless-patterns > crates/warden-iac/tests/data/sam-roles.tsv
"""
import os
import sys

import yaml
from samtranslator.translator.transform import transform


class CloudFormationLoader(yaml.SafeLoader):
    pass


def intrinsic(loader, suffix, node):
    name = "Ref" if suffix == "Ref" else "Fn::" + suffix
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CloudFormationLoader.add_multi_constructor("!", intrinsic)
# CloudFormation reads `2010-09-09` as text, not as a date.
CloudFormationLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


class NoManagedPolicies:
    def load(self):
        return {}


# Local paths the SAM CLI would upload first: the translator wants S3 locations.
LOCAL_PATHS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::HttpApi": "DefinitionUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
}


def as_uploaded(template):
    sections = [(resource.get("Type"), resource.get("Properties"))
                for resource in (template.get("Resources") or {}).values()
                if isinstance(resource, dict)]
    globals_ = template.get("Globals") or {}
    sections.append(("AWS::Serverless::Function", globals_.get("Function")))
    for resource_type, properties in sections:
        key = LOCAL_PATHS.get(resource_type)
        if key and isinstance(properties, dict) and isinstance(properties.get(key), str):
            if not properties[key].startswith("s3://"):
                properties[key] = "s3://bucket/key"


def is_sam(template):
    transform_ = template.get("Transform")
    names = transform_ if isinstance(transform_, list) else [transform_]
    return "AWS::Serverless-2016-10-31" in names


def text(value):
    return value if isinstance(value, str) else "?"


def main(root):
    for directory, subdirs, files in os.walk(root):
        subdirs.sort()
        for name in sorted(files):
            if not name.endswith((".yaml", ".yml")):
                continue
            path = os.path.join(directory, name)
            try:
                with open(path, encoding="utf-8") as handle:
                    template = yaml.load(handle, Loader=CloudFormationLoader)
                if not isinstance(template, dict) or not is_sam(template):
                    continue
                functions = {
                    logical_id
                    for logical_id, resource in (template.get("Resources") or {}).items()
                    if isinstance(resource, dict)
                    and resource.get("Type") == "AWS::Serverless::Function"
                    and "Role" not in (resource.get("Properties") or {})
                }
                as_uploaded(template)
                output = transform(template, {}, NoManagedPolicies())
            except Exception as error:  # the translator's own rejection, or bad YAML
                print(f"skipped {path}: {type(error).__name__}: {str(error)[:200]}", file=sys.stderr)
                continue
            relative = os.path.relpath(path, root)
            for logical_id in sorted(functions):
                role = output["Resources"].get(f"{logical_id}Role")
                if not role:
                    continue
                properties = role.get("Properties", {})
                managed = ",".join(text(arn) for arn in properties.get("ManagedPolicyArns", []))
                inline = ",".join(
                    text(policy.get("PolicyName")) for policy in properties.get("Policies", [])
                )
                print(f"{relative}\t{logical_id}Role\t{managed}\t{inline}")


if __name__ == "__main__":
    main(sys.argv[1])
