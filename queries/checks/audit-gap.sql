-- audit-gap: periods the audit evidence does not cover. Three kinds, one finding each:
--
-- * db-audit: two consecutive db_events rows of one instance more than
--   `check_settings.audit_gap_minutes` apart (default 60) while a session of that
--   instance was open across the whole gap: it has log rows at or before the gap's start
--   and at or after its end (its connect before, its statements or disconnect after).
--   A quiet night with no session open logs nothing and is no finding; a session whose
--   last row precedes the gap (no disconnect logged) does not count, as nothing shows
--   it was still open. subject = the instance; count = the sessions open across;
--   evidence.bounds = the rows either side of the gap as `<file>#<line>`.
-- * cloudtrail-delivery: two consecutive CloudTrail log files of one (account, region)
--   — file names `<account>_CloudTrail_<region>_<YYYYMMDDTHHMM>Z_…` in ingest_manifest,
--   whatever came of their records — more than `check_settings.cloudtrail_gap_hours`
--   apart (default 24). CloudTrail writes no file for an hour without events, so
--   shorter quiet spells are normal; only (account, region) pairs the evidence depends
--   on count: where a federated session was issued or the inventory places a
--   database. A gap means no file in the lake: not delivered, deleted, or not
--   ingested. subject = `<account>/<region>`; count = whole hours missing.
-- * cloudtrail-integrity: the latest `verify-digests` result of a digest, log file or
--   chain link is a failure (digest_checks.status other than valid, unsigned, no-key,
--   unchecked: altered, missing, bad-signature, moved, unreadable, chain-broken, gap),
--   for digests whose hour overlaps the period. One finding per (account, region,
--   trail), severity high: this is evidence altered or removed, not just absent.
--   count = failed checks.
WITH settings AS (SELECT * FROM check_settings),
-- Consecutive rows are found minute by minute (db_event_minutes): every gap longer
-- than a minute (the threshold is at least one) lies between the last row of one
-- minute that has rows and the first row of the next such minute. The view also names
-- those two rows, in db_events order (time, file, line): the gap's bounds. (A window
-- over every row sorted the whole table per instance and took a minute at 30 M rows.)
db_gaps AS (
  SELECT m.instance, m.prev_time AS gap_from, m.first_time AS gap_to,
         concat(m.prev_uri, '#', CAST(m.prev_offset AS VARCHAR)) AS before_ref,
         concat(m.first_uri, '#', CAST(m.first_offset AS VARCHAR)) AS after_ref
  FROM (
    SELECT instance, first_time, first_uri, first_offset,
           LAG(last_time) OVER (PARTITION BY instance ORDER BY minute) AS prev_time,
           LAG(last_uri) OVER (PARTITION BY instance ORDER BY minute) AS prev_uri,
           LAG(last_offset) OVER (PARTITION BY instance ORDER BY minute) AS prev_offset
    FROM db_event_minutes
  ) m CROSS JOIN settings s
  WHERE m.prev_time IS NOT NULL
    AND CAST(m.first_time AS BIGINT) - CAST(m.prev_time AS BIGINT) > s.audit_gap_minutes * 60000000
    AND m.first_time > $1 AND m.prev_time < $2
),
-- A session's rows run from session_start (its first row) to last_event_time.
spans AS (
  SELECT instance, session_start AS first_at, last_event_time AS last_at,
         concat(instance, ':', CAST(connection_id AS VARCHAR), ':', CAST(session_seq AS VARCHAR)) AS session_ref
  FROM db_sessions
),
db_findings AS (
  SELECT g.instance AS subject, 'db-audit' AS kind, g.instance,
         CAST(NULL AS VARCHAR) AS account_id, CAST(NULL AS VARCHAR) AS region, CAST(NULL AS VARCHAR) AS trail,
         g.gap_from, g.gap_to,
         (CAST(g.gap_to AS BIGINT) - CAST(g.gap_from AS BIGINT)) / 60000000 AS gap_minutes,
         make_array(g.before_ref, g.after_ref) AS bounds,
         array_sort(array_agg(p.session_ref)) AS sessions,
         CAST(make_array() AS VARCHAR[]) AS failed_checks,
         count(*) AS n,
         concat('no audit records from ', g.instance, ' for ',
                CAST((CAST(g.gap_to AS BIGINT) - CAST(g.gap_from AS BIGINT)) / 60000000 AS VARCHAR), ' min (',
                CAST(g.gap_from AS VARCHAR), ' to ', CAST(g.gap_to AS VARCHAR), ') while ',
                CAST(count(*) AS VARCHAR), ' session(s) were open') AS summary
  FROM db_gaps g
  JOIN spans p ON p.instance = g.instance AND p.first_at <= g.gap_from AND p.last_at >= g.gap_to
  GROUP BY g.instance, g.gap_from, g.gap_to, g.before_ref, g.after_ref
),
ct_files AS (
  SELECT DISTINCT file, m[1] AS account_id, m[2] AS region,
         to_timestamp_micros(CAST(CAST(regexp_replace(m[3], '^([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})Z$',
                                                      '\1-\2-\3T\4:\5:00Z') AS TIMESTAMP) AS BIGINT) / 1000) AS delivered
  FROM (
    SELECT regexp_replace(source_uri, '^.*[/\\]', '') AS file,
           regexp_match(regexp_replace(source_uri, '^.*[/\\]', ''),
                        '^([0-9]{12})_CloudTrail_([a-z0-9-]+)_([0-9]{8}T[0-9]{4}Z)_') AS m
    FROM ingest_manifest
    WHERE kind = 'cloudtrail'
  )
  WHERE m IS NOT NULL
),
relied_on AS (
  SELECT DISTINCT account_id, region FROM federated_sessions
  UNION
  SELECT DISTINCT account_id, region FROM rds_instances WHERE account_id IS NOT NULL AND region IS NOT NULL
),
ct_seq AS (
  SELECT f.*,
         LAG(delivered) OVER (PARTITION BY f.account_id, f.region ORDER BY delivered, file) AS prev_delivered,
         LAG(file) OVER (PARTITION BY f.account_id, f.region ORDER BY delivered, file) AS prev_file
  FROM ct_files f
  JOIN relied_on r ON r.account_id = f.account_id AND r.region = f.region
),
ct_findings AS (
  SELECT concat(c.account_id, '/', c.region) AS subject, 'cloudtrail-delivery' AS kind,
         CAST(NULL AS VARCHAR) AS instance, c.account_id, c.region, CAST(NULL AS VARCHAR) AS trail,
         c.prev_delivered AS gap_from, c.delivered AS gap_to,
         (CAST(c.delivered AS BIGINT) - CAST(c.prev_delivered AS BIGINT)) / 60000000 AS gap_minutes,
         make_array(c.prev_file, c.file) AS bounds,
         CAST(make_array() AS VARCHAR[]) AS sessions,
         CAST(make_array() AS VARCHAR[]) AS failed_checks,
         (CAST(c.delivered AS BIGINT) - CAST(c.prev_delivered AS BIGINT)) / 3600000000 AS n,
         concat('no CloudTrail log file for account ', c.account_id, ' in ', c.region, ' for ',
                CAST((CAST(c.delivered AS BIGINT) - CAST(c.prev_delivered AS BIGINT)) / 3600000000 AS VARCHAR),
                ' h (', CAST(c.prev_delivered AS VARCHAR), ' to ', CAST(c.delivered AS VARCHAR), ')') AS summary
  FROM ct_seq c CROSS JOIN settings s
  WHERE c.prev_delivered IS NOT NULL
    AND CAST(c.delivered AS BIGINT) - CAST(c.prev_delivered AS BIGINT) > s.cloudtrail_gap_hours * 3600000000
    AND c.delivered > $1 AND c.prev_delivered < $2
),
latest_checks AS (
  SELECT *,
         row_number() OVER (PARTITION BY digest_key, item_kind, item_key ORDER BY checked_at DESC) AS rn
  FROM digest_checks
),
failed AS (
  SELECT * FROM latest_checks
  WHERE rn = 1
    AND status NOT IN ('valid', 'unsigned', 'no-key', 'unchecked')
    AND digest_end_time > $1
    AND CAST(digest_end_time AS BIGINT) - 3600000000 < CAST($2 AS BIGINT)
),
digest_findings AS (
  SELECT concat(account_id, '/', region) AS subject, 'cloudtrail-integrity' AS kind,
         CAST(NULL AS VARCHAR) AS instance, account_id, region, trail,
         to_timestamp_micros(CAST(MIN(digest_end_time) AS BIGINT) - 3600000000) AS gap_from,
         MAX(digest_end_time) AS gap_to,
         CAST(NULL AS BIGINT) AS gap_minutes,
         CAST(make_array() AS VARCHAR[]) AS bounds,
         CAST(make_array() AS VARCHAR[]) AS sessions,
         array_sort(array_agg(concat(status, ' ', item_kind, ' ', item_key, ': ', detail))) AS failed_checks,
         count(*) AS n,
         concat(CAST(count(*) AS VARCHAR), ' CloudTrail integrity check(s) failed for trail ', trail,
                ' of account ', account_id, ' in ', region, ' (',
                array_to_string(array_sort(array_agg(DISTINCT status)), ', '), ')') AS summary
  FROM failed
  GROUP BY account_id, region, trail
),
all_findings AS (
  SELECT * FROM db_findings
  UNION ALL SELECT * FROM ct_findings
  UNION ALL SELECT * FROM digest_findings
)
SELECT subject,
       CASE WHEN kind = 'cloudtrail-integrity' THEN 'high' ELSE 'medium' END AS severity,
       summary,
       named_struct(
         'kind', kind,
         'instance', instance,
         'account_id', account_id,
         'region', region,
         'trail', trail,
         'from', gap_from,
         'to', gap_to,
         'gap_minutes', gap_minutes,
         'bounds', bounds,
         'sessions', sessions,
         'failed_checks', failed_checks
       ) AS evidence,
       gap_from AS first_seen,
       gap_to AS last_seen,
       n AS count
FROM all_findings
