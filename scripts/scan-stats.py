#!/usr/bin/env python3
"""Prints findings-per-file figures of `warden scan --format json` reports.

    warden scan ../shared/corpora --format json --fail-on none > report.json
    scripts/scan-stats.py report.json            # every finding in the report
    scripts/scan-stats.py report.json@medium     # as the default text view shows them

For each report: the number of findings, the median and 90th percentile of findings per
file that has findings and per scanned file (files without findings count as zero), and
the counts per severity.
"""

import collections
import json
import statistics
import sys

ORDER = ["info", "low", "medium", "high", "critical"]


def percentile(values, fraction):
    values = sorted(values)
    if not values:
        return 0
    k = (len(values) - 1) * fraction
    low = int(k)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (k - low)


def main(arguments):
    if not arguments:
        sys.exit(__doc__)
    for argument in arguments:
        path, _, minimum = argument.partition("@")
        minimum = minimum or "info"
        report = json.load(open(path))
        shown = [
            f for f in report["findings"]
            if ORDER.index(f["severity"]) >= ORDER.index(minimum)
        ]
        per_file = collections.Counter(f["file"] for f in shown)
        scanned = report["summary"]["files_scanned"]
        with_findings = list(per_file.values())
        all_files = with_findings + [0] * max(0, scanned - len(per_file))
        severities = collections.Counter(f["severity"] for f in shown)
        print(f"{path} (>= {minimum}): {len(shown)} findings in {len(per_file)} of {scanned} files")
        print(
            "  per file with findings: median %s, p90 %.1f"
            % (statistics.median(with_findings) if with_findings else 0, percentile(with_findings, 0.9))
        )
        print(
            "  per scanned file: median %s, p90 %.1f"
            % (statistics.median(all_files) if all_files else 0, percentile(all_files, 0.9))
        )
        print("  by severity: " + ", ".join(f"{s} {severities[s]}" for s in reversed(ORDER)))


if __name__ == "__main__":
    main(sys.argv[1:])
