-- What a database session's own rows say, one row per session (instance,
-- connection_id, session_seq): db_sessions without the inventory. Kept apart so that
-- `tagtrail ingest` can store it in the lake (`session_facts_index`, with
-- `session_spans_index` for db_session_spans): a question then reads one row per
-- session instead of aggregating every db event again. Columns as db_sessions, with
-- `log_auth_method` (how the log says the session authenticated) in place of
-- `auth_method`.
SELECT
  instance,
  connection_id,
  session_seq,
  MIN(session_start) AS session_start,
  MAX(engine) AS engine,
  COALESCE(MIN(event_time) FILTER (WHERE operation IN ('CONNECT', 'FAILED_CONNECT', 'CHANGEUSER')),
           MIN(event_time) FILTER (WHERE op_rank = 0),
           MIN(event_time)) AS connect_time,
  MAX(event_time) FILTER (WHERE operation = 'DISCONNECT') AS disconnect_time,
  MAX(event_time) AS last_event_time,
  -- The connect row names the login user; TABLE rows inside routines name the definer.
  COALESCE(MAX(db_user) FILTER (WHERE operation IN ('CONNECT', 'FAILED_CONNECT', 'CHANGEUSER')),
           MAX(db_user) FILTER (WHERE operation LIKE 'QUERY%' OR operation LIKE 'AUDIT_%'),
           MAX(db_user)) AS db_user,
  COALESCE(MAX(client_host) FILTER (WHERE op_rank = 0), MAX(client_host)) AS client_host,
  COALESCE(MAX(client_port) FILTER (WHERE op_rank = 0), MAX(client_port)) AS client_port,
  COALESCE(MAX(database) FILTER (WHERE operation IN ('CONNECT', 'FAILED_CONNECT', 'CHANGEUSER')),
           MAX(database) FILTER (WHERE op_rank = 0)) AS initial_database,
  MAX(application_name) AS application_name,
  COUNT(*) FILTER (WHERE op_rank = 0) > 0 AS connect_seen,
  COUNT(*) FILTER (WHERE operation = 'FAILED_CONNECT') = 0
    -- PostgreSQL: a session that never reached `connection authorized` did not log in;
    -- one whose opening rows predate the evidence is judged by what it did.
    AND (MAX(engine) = 'mysql'
         OR COUNT(*) FILTER (WHERE operation = 'CONNECT') > 0
         OR COUNT(*) FILTER (WHERE op_rank = 0) = 0)
    AS success,
  MAX(return_code) FILTER (WHERE operation = 'FAILED_CONNECT') AS failure_code,
  MAX(sql_state) FILTER (WHERE operation = 'FAILED_CONNECT') AS failure_sql_state,
  COALESCE(
    MAX(message) FILTER (WHERE operation = 'FAILED_CONNECT'),
    CASE MAX(return_code) FILTER (WHERE operation = 'FAILED_CONNECT')
      WHEN 1045 THEN 'access denied: wrong password or unknown user (MySQL error 1045)'
      WHEN 1044 THEN 'access denied to the database (MySQL error 1044)'
      ELSE 'MySQL error ' || CAST(MAX(return_code) FILTER (WHERE operation = 'FAILED_CONNECT') AS VARCHAR)
    END) AS failure_reason,
  CASE WHEN bool_or(auth_method = 'pam') THEN 'iam'
       WHEN bool_or(auth_method IN ('md5', 'scram-sha-256', 'password')) THEN 'password'
       END AS log_auth_method,
  bool_or(ssl) AS ssl,
  COUNT(DISTINCT query_id) FILTER (WHERE operation LIKE 'QUERY%' OR operation LIKE 'AUDIT_%')
    + COUNT(*) FILTER (WHERE operation = 'QUERY' AND query_id IS NULL) AS statement_count
FROM db_session_events
GROUP BY instance, connection_id, session_seq
