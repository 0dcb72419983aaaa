#!/usr/bin/env python3
"""Draws a stratified random sample of findings from a `warden scan --format json` report,
for judging precision by reading the templates.

    scripts/sample-findings.py report.json SEED > sample.tsv

Every critical finding, then 26 high, 20 medium, 14 low and 2 info ones (all of a severity
when there are fewer), drawn with a fixed seed from the findings sorted by place, so the
same report and seed give the same sample. Output: one tab-separated line per finding
(number, severity, rule, file:line, resource, message).
"""

import json
import random
import sys

QUOTA = {"critical": None, "high": 26, "medium": 20, "low": 14, "info": 2}


def main(arguments):
    if len(arguments) != 2:
        sys.exit(__doc__)
    report = json.load(open(arguments[0]))
    rng = random.Random(int(arguments[1]))
    sample = []
    for severity, quota in QUOTA.items():
        pool = sorted(
            (f for f in report["findings"] if f["severity"] == severity),
            key=lambda f: (f["file"], f["line"], f["rule"], f["message"]),
        )
        sample += pool if quota is None or len(pool) <= quota else rng.sample(pool, quota)
    for number, finding in enumerate(sample, 1):
        print(
            "\t".join(
                [
                    str(number),
                    finding["severity"],
                    finding["rule"],
                    f"{finding['file']}:{finding['line']}",
                    finding["resource"],
                    finding["message"],
                ]
            )
        )


if __name__ == "__main__":
    main(sys.argv[1:])
