-- who OBJECT: one row per (person, db user, instance, attribution) that touched the
-- table $1 ('db.table') between $2 and $3: a TABLE event on it, or a statement naming
-- it (qualified, or bare while its database is the connection's default).
-- confidence and mfa_status are the weakest over the row's sessions (high > medium >
-- low > none; verified > unknown > absent), so a row never claims more than its
-- weakest session supports. The evidence columns back `--explain`.
-- Rows are first gathered per session (the evidence columns are the session's, one
-- value each), then per answer row: a session's statements are its distinct query
-- ids (all rows without one are one statement), a distinct count over integers, and
-- the sessions are counted as rows. Counted as distinct texts (connection, session
-- and query id joined) over the rows at once, at 100 M db events (136 K rows, 21 K
-- sessions, 2.7 K answer rows) the answer took 180 MiB more and 0.05-0.1 s longer.
-- The lists are array_distinct(array_agg(…)), not array_agg(DISTINCT …): DataFusion
-- keeps a distinct set per group and list, which took 0.5 s where these took 0.3.
WITH per_session AS (
  SELECT
    person,
    db_user,
    instance,
    attribution,
    candidates,
    connection_id,
    session_seq,
    array_distinct(array_agg(action)) AS actions,
    MIN(event_time) AS first_seen,
    MAX(event_time) AS last_seen,
    COUNT(DISTINCT query_id) + MAX(CASE WHEN query_id IS NULL THEN 1 ELSE 0 END) AS statements,
    MIN(CASE confidence WHEN 'high' THEN 4 WHEN 'medium' THEN 3 WHEN 'low' THEN 2 ELSE 1 END)
      AS confidence_rank,
    MIN(CASE mfa_status WHEN 'verified' THEN 3 WHEN 'unknown' THEN 2 WHEN 'absent' THEN 1 END)
      AS mfa_rank,
    MIN(client_host) AS client_host,
    MIN(federation_event_id) AS federation_event_id,
    MIN(reason) AS reason,
    MIN(mfa_evidence) AS mfa_evidence
  FROM who_accessed
  WHERE (
      (object IS NOT NULL AND lower(concat(database, '.', object)) = lower($1))
      OR names_table(statement, database, $1)
    )
    AND event_time >= $2
    AND event_time < $3
  GROUP BY person, db_user, instance, attribution, candidates, connection_id, session_seq
)
SELECT
  person,
  db_user,
  instance,
  $1 AS object,
  array_sort(array_distinct(flatten(array_agg(actions)))) AS operations,
  MIN(first_seen) AS first_seen,
  MAX(last_seen) AS last_seen,
  SUM(statements) AS statements,
  attribution,
  CASE MIN(confidence_rank)
    WHEN 4 THEN 'high' WHEN 3 THEN 'medium' WHEN 2 THEN 'low' ELSE 'none' END AS confidence,
  CASE MIN(mfa_rank)
    WHEN 3 THEN 'verified' WHEN 2 THEN 'unknown' WHEN 1 THEN 'absent' END AS mfa_status,
  candidates,
  COUNT(*) AS sessions,
  array_sort(array_distinct(array_agg(client_host))) AS client_hosts,
  array_sort(array_distinct(array_agg(federation_event_id))) AS federation_event_ids,
  array_sort(array_distinct(array_agg(reason))) AS reasons,
  array_sort(array_distinct(array_agg(mfa_evidence))) AS mfa_evidence
FROM per_session
GROUP BY person, db_user, instance, attribution, candidates
-- candidates last: ambiguous rows of one db user differ only by them.
ORDER BY instance, db_user, attribution, person NULLS LAST, candidates
