#!/usr/bin/env bash
# Seeds each fuzz target's corpus from the project's real-format fixtures (fixtures/,
# tests/hostile/): whole files for the file targets, single lines for the line targets.
# The corpora (fuzz/corpus/, not committed) grow as libFuzzer finds new paths.
set -euo pipefail
cd "$(dirname "$0")/.."
c=fuzz/corpus
mkdir -p "$c"
n=0
put() { # target, file: the first 64 KiB of the file (decompressed when gzip)
  mkdir -p "$c/$1"
  n=$((n + 1))
  if [[ "$2" == *.gz ]]; then gzip -dc "$2" | head -c 65536 > "$c/$1/seed-$n" || true
  else head -c 65536 "$2" > "$c/$1/seed-$n"; fi
}
lines() { # target, file, how many lines, optional sed expression applied to each line
  mkdir -p "$c/$1"
  local i=0
  while IFS= read -r line && [ $i -lt "$3" ]; do
    i=$((i + 1)); n=$((n + 1))
    printf '%s' "$line" | sed -e "${4:-}" > "$c/$1/line-$n"
  done < "$2"
}
for f in $(find fixtures/cloudtrail fixtures/bad/AWSLogs fixtures/iam/cloudtrail fixtures/demo/cloudtrail \
             tests/hostile/corpus/AWSLogs -type f -name '*CloudTrail*' -size -2M | sort); do put cloudtrail_file "$f"; done
for f in fixtures/demo/rds/*/audit/server_audit.log* fixtures/bad/rds/*/audit/* tests/hostile/corpus/rds/hostile-mysql/audit/server_audit.log; do
  put mysql_audit_file "$f"
  lines mysql_line "$f" 40
done
for f in fixtures/pg/rds/postgresql.log.2026-11-29-03 fixtures/pg/custom/* \
         $(ls fixtures/demo/rds/ledger-prod/error/* | head -4) tests/hostile/corpus/rds/hostile-pg/error/*; do
  put pg_stderr_file "$f"
done
put pg_csvlog_file fixtures/pg/rds/postgresql.log.2026-11-29-03.csv
grep -h 'AUDIT: ' fixtures/pg/rds/postgresql.log.2026-11-29-03 $(ls fixtures/demo/rds/ledger-prod/error/* | head -4) \
  | head -60 | sed 's/^.*AUDIT: //' > /tmp/tagtrail-pgaudit-seeds
lines pgaudit_message /tmp/tagtrail-pgaudit-seeds 60
for f in fixtures/okta/*.json fixtures/okta/*.ndjson fixtures/demo/okta/* tests/hostile/corpus/okta/hostile-events.ndjson; do
  put okta_file "$f"
done
for f in fixtures/saml/*.xml fixtures/saml/*.txt fixtures/lint/saml/*; do put saml_document "$f"; done
for f in $(find fixtures/iam/files fixtures/lint/policy fixtures/demo/iam -name '*.json' | sort); do put iam_policy_file "$f"; done
put config_file fixtures/lint/tagtrail.toml
echo "seeded $n inputs under $c"
