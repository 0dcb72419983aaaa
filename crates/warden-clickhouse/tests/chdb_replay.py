"""Replays the SQL a Warden ClickHouse store sent to ClickHouse 18.16 on a current ClickHouse.

Usage: chdb_replay.py SCHEMA.sql STATEMENTS.jsonl

SCHEMA.sql holds the DDL Warden generates for a current server (codecs, LowCardinality);
STATEMENTS.jsonl is the store's statement log (`Http::log_to`): every query with the answer
18.16 gave, and every insert with its rows. The ClickHouse embedded in chdb runs the DDL,
then every statement in order; each must run, and each query must answer what 18.16
answered (as a multiset of rows; floats to 1e-9, since 18.16 parses decimal text up to one
unit in the last place off). Prints a summary; exits 1 on the first difference.
"""

import json
import math
import re
import sys
import tempfile

import chdb.session

INTEGER = re.compile(r"^-?\d+$")
# Answers that depend on the server, not on the data.
SERVER_SPECIFIC = ("version()", "system.parts")


def normalise(value):
    if isinstance(value, str) and INTEGER.match(value) and len(value) < 20:
        return int(value)
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    return value


def same(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def rows(text):
    return [normalise(json.loads(line)) for line in text.splitlines() if line.strip()]


def same_rows(expected, actual):
    """Multiset equality with tolerant floats: sort by a rounded key, then compare."""

    def key(row):
        return json.dumps(row, sort_keys=True, default=str)

    def rounded(value):
        if isinstance(value, float):
            return round(value, 6)
        if isinstance(value, list):
            return [rounded(v) for v in value]
        if isinstance(value, dict):
            return {k: rounded(v) for k, v in value.items()}
        return value

    if len(expected) != len(actual):
        return False
    left = sorted(expected, key=lambda r: key(rounded(r)))
    right = sorted(actual, key=lambda r: key(rounded(r)))
    return all(same(a, b) for a, b in zip(left, right))


def unordered_arrays(rows):
    return [
        {k: sorted(v, key=str) if isinstance(v, list) else v for k, v in row.items()}
        for row in rows
    ]


def main():
    schema_path, log_path = sys.argv[1], sys.argv[2]
    session = chdb.session.Session(tempfile.mkdtemp(prefix="warden-chdb-"))
    statements = [s for s in open(schema_path).read().split(";\n") if s.strip()]
    for statement in statements:
        session.query(statement)
    counts = {"ddl": len(statements), "inserts": 0, "queries": 0, "compared": 0}
    for number, line in enumerate(open(log_path), 1):
        entry = json.loads(line)
        if "insert" in entry:
            body = "\n".join(json.dumps(row) for row in entry["rows"])
            session.query(f"INSERT INTO {entry['insert']} FORMAT JSONEachRow\n{body}")
            counts["inserts"] += 1
            continue
        sql = entry["sql"]
        counts["queries"] += 1
        if "FORMAT JSONEachRow" not in sql:
            session.query(sql)
            continue
        answer = session.query(
            sql.replace(
                "FORMAT JSONEachRow",
                "SETTINGS output_format_json_quote_64bit_integers = 0 FORMAT JSONEachRow",
            )
        )
        if any(marker in sql for marker in SERVER_SPECIFIC):
            continue
        expected, actual = rows(entry["answer"]), rows(answer.bytes().decode())
        if "groupArray(" in sql:
            # groupArray's order is the order rows were read in: compare the values.
            expected, actual = unordered_arrays(expected), unordered_arrays(actual)
        if not same_rows(expected, actual):
            print(f"statement {number} answers differently on chdb {chdb.__version__}:\n{sql}")
            print(f"18.16: {expected[:5]}")
            print(f"chdb:  {actual[:5]}")
            return 1
        counts["compared"] += 1
    print(f"chdb {chdb.__version__}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
