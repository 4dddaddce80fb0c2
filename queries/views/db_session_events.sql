-- Every db_events row with the session it belongs to. A session is one connection
-- id on one instance from the row that opens it on (`opens_session`: MySQL CONNECT or
-- FAILED_CONNECT, PostgreSQL `connection received`): connection ids (pids) are
-- reused after a server restart, so `session_seq` counts the connects seen so far
-- for that id. Rows logged before any connect in the lake get session_seq = 0
-- (the connect happened before the evidence starts).
SELECT
  e.*,
  CASE WHEN e.opens_session THEN 0
       WHEN e.operation = 'DISCONNECT' THEN 2
       ELSE 1 END AS op_rank,
  SUM(CASE WHEN e.opens_session THEN 1 ELSE 0 END) OVER (
    PARTITION BY e.instance, e.connection_id
    ORDER BY e.event_time,
             CASE WHEN e.opens_session THEN 0
                  WHEN e.operation = 'DISCONNECT' THEN 2
                  ELSE 1 END,
             e.source_uri, e.source_offset
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
  ) AS session_seq
FROM db_events e
