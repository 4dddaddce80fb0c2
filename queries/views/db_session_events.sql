-- Every db_events row with the session it belongs to. A session is one connection
-- id (MySQL thread id, PostgreSQL pid) on one instance from the row that opens it on
-- (`opens_session`: MySQL CONNECT, FAILED_CONNECT or CHANGEUSER, PostgreSQL `connection
-- received`): ids are reused after a restart (and pids all the time), so `session_seq`
-- counts the opening rows seen so far for that id. Rows logged before any opening row
-- in the lake get session_seq = 0 (the connect happened before the evidence starts).
-- `session_start`, the time of the session's first row, completes the documented
-- session key (instance, connection_id, session_start). Log files are not
-- time-ordered (rotation, CloudWatch exports), so order comes from event_time, with
-- file and line only breaking ties.
--
-- PostgreSQL with csvlog on writes every entry twice, to `postgresql.log.<hour>` and to
-- its `.csv` twin: where an instance has csvlog rows for an hour, its stderr rows of
-- that hour are the same events again and are left out (csvlog has milliseconds,
-- SQLSTATE and session ids).
WITH csv_hours AS (
  SELECT DISTINCT instance, date_trunc('hour', event_time) AS hour
  FROM db_events
  WHERE dialect = 'pg-csvlog'
),
ranked AS (
  SELECT
    e.*,
    CASE WHEN e.opens_session THEN 0
         WHEN e.operation = 'DISCONNECT' THEN 2
         ELSE 1 END AS op_rank
  FROM db_events e
  WHERE e.dialect <> 'pg-stderr'
     OR NOT EXISTS (
       SELECT 1 FROM csv_hours c
       WHERE c.instance = e.instance AND c.hour = date_trunc('hour', e.event_time)
     )
),
numbered AS (
  SELECT
    r.*,
    SUM(CASE WHEN r.opens_session THEN 1 ELSE 0 END) OVER (
      PARTITION BY r.instance, r.connection_id
      ORDER BY r.event_time, r.op_rank, r.source_uri, r.source_offset
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS session_seq
  FROM ranked r
)
SELECT
  n.*,
  MIN(n.event_time) OVER (PARTITION BY n.instance, n.connection_id, n.session_seq) AS session_start
FROM numbered n
