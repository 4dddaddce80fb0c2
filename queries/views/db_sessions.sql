-- One row per database session: (instance, connection_id, session_seq), with who
-- connected from where, when, whether the login succeeded and how many statements ran.
SELECT
  instance,
  connection_id,
  session_seq,
  MAX(engine) AS engine,
  COALESCE(MIN(event_time) FILTER (WHERE op_rank = 0), MIN(event_time)) AS connect_time,
  MAX(event_time) FILTER (WHERE operation = 'DISCONNECT') AS disconnect_time,
  -- The connect row names the login user; TABLE rows inside routines name the definer.
  COALESCE(MAX(db_user) FILTER (WHERE op_rank = 0),
           MAX(db_user) FILTER (WHERE operation LIKE 'QUERY%'),
           MAX(db_user)) AS db_user,
  COALESCE(MAX(client_host) FILTER (WHERE op_rank = 0), MAX(client_host)) AS client_host,
  -- PostgreSQL names the database on `connection authorized` (CONNECT), not on the
  -- `connection received` row that opens the session.
  COALESCE(MAX(database) FILTER (WHERE op_rank = 0),
           MAX(database) FILTER (WHERE operation = 'CONNECT')) AS initial_database,
  COUNT(*) FILTER (WHERE op_rank = 0) > 0 AS connect_seen,
  COUNT(*) FILTER (WHERE operation = 'FAILED_CONNECT') = 0 AS success,
  MAX(return_code) FILTER (WHERE operation = 'FAILED_CONNECT') AS failure_code,
  -- MySQL QUERY rows and pgaudit rows (SESSION and OBJECT rows of one statement share
  -- its statement id) each count once per statement.
  COUNT(DISTINCT query_id) FILTER (WHERE operation LIKE 'QUERY%' OR operation LIKE 'AUDIT%') AS statement_count
FROM db_session_events
GROUP BY instance, connection_id, session_seq
