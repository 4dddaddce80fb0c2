"""Runs tagtrail's questions in local Spark over a tagtrail lake, the way an
organization that outgrew one machine would: the tables and views from
`tagtrail ddl --engine spark`, the queries from `tagtrail ddl --engine spark --query`.

Prints one JSON object: `who` shaped as `tagtrail who --explain --format json` prints
it, and `findings` as the rows of the check's query contract (subject, summary,
evidence, first_seen, last_seen, count), so tests/it/spark.rs can compare them with
tagtrail's own answers.

usage: run_queries.py DDL_FILE WHO_FILE CHECK_FILE OBJECT SINCE UNTIL
(SINCE/UNTIL as YYYY-MM-DD, UTC midnight)
"""

import datetime
import json
import os
import sys
import time

# PySpark turns timestamps into Python datetimes in the process time zone.
os.environ["TZ"] = "UTC"
time.tzset()

try:
    from pyspark.sql import SparkSession
except ImportError as e:  # the test reports this as a failure, never a skip
    sys.exit(f"pyspark is not installed ({e}): python3 -m pip install pyspark")


def statements(text):
    """The `;`-terminated statements of a file, without `--` comment lines."""
    lines = [l for l in text.splitlines() if not l.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip().rstrip(";").strip()]


def rfc3339(value):
    """A timestamp as tagtrail prints it: UTC, 0, 3 or 6 fraction digits, `Z`."""
    if value is None:
        return None
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    us = value.microsecond
    if us == 0:
        return text + "Z"
    if us % 1000 == 0:
        return f"{text}.{us // 1000:03d}Z"
    return f"{text}.{us:06d}Z"


def plain(value):
    """Rows, lists and timestamps as JSON values."""
    if hasattr(value, "asDict"):
        return {k: plain(v) for k, v in value.asDict().items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, datetime.datetime):
        return rfc3339(value)
    return value


def strings(values):
    """tagtrail's JSON lists keep strings only (NULL elements are left out)."""
    return [v for v in (values or []) if isinstance(v, str)]


def who_row(r):
    """The shape of `report::who::WhoRow` with `--explain`."""
    return {
        "person": r["person"],
        "db_user": r["db_user"] or "",
        "instance": r["instance"] or "",
        "object": r["object"] or "",
        "operations": strings(r["operations"]),
        "first_seen": rfc3339(r["first_seen"]) or "",
        "last_seen": rfc3339(r["last_seen"]) or "",
        "statements": r["statements"],
        "attribution": r["attribution"] or "",
        "confidence": r["confidence"] or "",
        "mfa_status": r["mfa_status"],
        "candidates": strings(r["candidates"]) if r["attribution"] == "ambiguous" else [],
        "evidence": {
            "sessions": r["sessions"],
            "client_hosts": strings(r["client_hosts"]),
            "federation_event_ids": strings(r["federation_event_ids"]),
            "reasons": strings(r["reasons"]),
            "mfa_evidence": strings(r["mfa_evidence"]),
        },
    }


def main():
    ddl_file, who_file, check_file, obj, since, until = sys.argv[1:7]
    day = lambda s: datetime.datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc)
    since, until = day(since), day(until)
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("tagtrail-spark-test")
        # Catalyst's analysis of a check over the nested views peaks near 1 GiB of
        # heap, Spark's default driver size: with 1g it ran out on one CI machine and
        # not on another. Plan size, not data size: it does not grow with the lake.
        .config("spark.driver.memory", "3g")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.sql.warehouse.dir", os.path.join(os.path.dirname(os.path.abspath(ddl_file)), "warehouse"))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        for statement in statements(open(ddl_file).read()):
            try:
                spark.sql(statement)
            except Exception as e:
                sys.exit(f"DDL statement failed: {e}\n---\n{statement[:2000]}")
        [who_sql] = statements(open(who_file).read())
        who = spark.sql(who_sql, args={"object": obj, "since": since, "until": until}).collect()
        [check_sql] = statements(open(check_file).read())
        findings = spark.sql(check_sql, args={"since": since, "until": until}).collect()
        print(json.dumps({
            "who": [who_row(r) for r in who],
            "findings": [
                {
                    "subject": r["subject"],
                    "summary": r["summary"],
                    "evidence": plain(r["evidence"]),
                    "first_seen": rfc3339(r["first_seen"]),
                    "last_seen": rfc3339(r["last_seen"]),
                    "count": r["count"],
                }
                for r in findings
            ],
        }, indent=2))
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
