-- db_events in the order sessions are read in: a row's place is (event_time, op_rank,
-- source_uri, source_offset), opening rows first among rows of the same time, closing
-- rows last. Log files are not time-ordered (rotation, CloudWatch exports), so order
-- comes from event_time, with file and line only breaking ties.
--
-- PostgreSQL with csvlog on writes every entry twice: where an instance has csvlog rows
-- for an hour (pg_csvlog_hours), its stderr rows of that hour are the same events again
-- and are left out (csvlog has milliseconds, SQLSTATE and session ids).
--
-- (The stderr rows are read apart: a filter "not stderr, or no csvlog that hour" made
-- every row of every engine pay for the hour lookup.)
SELECT
  u.*,
  CASE WHEN u.opens_session THEN 0
       WHEN u.operation = 'DISCONNECT' THEN 2
       ELSE 1 END AS op_rank
FROM (
  SELECT * FROM db_events WHERE dialect <> 'pg-stderr'
  UNION ALL
  SELECT e.*
  FROM db_events e
  WHERE e.dialect = 'pg-stderr'
    AND NOT EXISTS (
      SELECT 1 FROM pg_csvlog_hours c
      WHERE c.instance = e.instance AND c.hour = date_trunc('hour', e.event_time)
    )
) u
