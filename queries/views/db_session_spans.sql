-- One row per database session with the span of rows it owns: from its opening row
-- (`opens_session`: MySQL CONNECT, FAILED_CONNECT or CHANGEUSER, PostgreSQL `connection
-- received`) to the next opening row of the same connection id on the same instance,
-- in db_events_ordered's order. Ids are reused after a restart (and pids all the
-- time), so `session_seq` numbers an id's opening rows. Rows logged before an id's
-- first opening row (the connect happened before the evidence starts) make session 0,
-- from the id's first row. `session_start`, the time of the session's first row,
-- completes the documented session key (instance, connection_id, session_start).
--
-- Columns: instance, connection_id, session_seq, session_start; open_time, open_uri,
-- open_offset (the opening row; NULL for session 0) and next_time, next_uri,
-- next_offset (the next opening row of the id; NULL for the id's last session).
--
-- Only opening rows (one in twenty rows) are numbered, so this is cheap; computed once
-- per question and shared by db_session_events and db_sessions.
WITH sorted_opens AS (
  -- One window over all opening rows, not one per id: each window partition costs a
  -- fixed overhead, and nearly every id opens once. LEAD finds the next opening row,
  -- which is the same id's when the next row's id is the same. `rn` is a running
  -- COUNT rather than ROW_NUMBER for its type (BIGINT in every engine).
  SELECT instance, connection_id, event_time, source_uri, source_offset,
    COUNT(*) OVER (ORDER BY instance, connection_id, event_time, source_uri, source_offset
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS rn,
    (LAG(instance) OVER (ORDER BY instance, connection_id, event_time, source_uri, source_offset) IS DISTINCT FROM instance)
      OR (LAG(connection_id) OVER (ORDER BY instance, connection_id, event_time, source_uri, source_offset) IS DISTINCT FROM connection_id) AS first_of_id,
    (LEAD(instance) OVER (ORDER BY instance, connection_id, event_time, source_uri, source_offset) = instance)
      AND (LEAD(connection_id) OVER (ORDER BY instance, connection_id, event_time, source_uri, source_offset) = connection_id) AS next_is_same_id,
    LEAD(event_time) OVER (ORDER BY instance, connection_id, event_time, source_uri, source_offset) AS next_time,
    LEAD(source_uri) OVER (ORDER BY instance, connection_id, event_time, source_uri, source_offset) AS next_uri,
    LEAD(source_offset) OVER (ORDER BY instance, connection_id, event_time, source_uri, source_offset) AS next_offset
  FROM db_events_ordered
  WHERE op_rank = 0
),
opens AS (
  SELECT
    instance, connection_id,
    rn + 1 - MAX(CASE WHEN first_of_id THEN rn END) OVER (
      ORDER BY instance, connection_id, event_time, source_uri, source_offset
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session_seq,
    event_time AS session_start,
    event_time AS open_time, source_uri AS open_uri, source_offset AS open_offset,
    CASE WHEN next_is_same_id THEN next_time END AS next_time,
    CASE WHEN next_is_same_id THEN next_uri END AS next_uri,
    CASE WHEN next_is_same_id THEN next_offset END AS next_offset
  FROM sorted_opens
)
SELECT * FROM opens
UNION ALL
-- Span 0 of the ids with rows before their first opening row: from the id's first
-- row, with no lower bound, to the first opening row, before its time (rows of that
-- time come after it). `CASE WHEN FALSE THEN x END` is a NULL of x's type (a
-- CAST to BIGINT in `queries/` means a timestamp's microseconds to `tagtrail ddl`).
SELECT instance, connection_id, 0 AS session_seq, first_time AS session_start,
       CASE WHEN FALSE THEN first_time END AS open_time, CAST(NULL AS VARCHAR) AS open_uri,
       CASE WHEN FALSE THEN 0 END AS open_offset, first_open_time AS next_time,
       CAST(NULL AS VARCHAR) AS next_uri, CASE WHEN FALSE THEN 0 END AS next_offset
FROM (
  SELECT instance, connection_id, MIN(event_time) AS first_time,
         MIN(event_time) FILTER (WHERE op_rank = 0) AS first_open_time
  FROM db_events_ordered
  GROUP BY instance, connection_id
) ids
WHERE first_open_time IS NULL OR first_time < first_open_time
