-- One row per database session, keyed (instance, connection_id, session_start) —
-- `session_seq` is the same key in a form that is cheap to join on. Who connected from
-- where and how, when, whether the login succeeded (and why not), and how many
-- statements ran. `last_event_time` is the time of its last row: the disconnect, or
-- the last thing it logged when the disconnect is not in the evidence.
--
-- auth_method, first that applies:
-- 1. the log: `iam` when PostgreSQL authenticated the session with `method=pam` (RDS
--    IAM auth is PAM for members of rds_iam); `password` for md5, scram-sha-256 or
--    password. The session's own evidence wins over the inventory, which may have
--    changed since.
-- 2. the inventory (`db_users`, the latest observation of that user on that instance;
--    all its host rows): `iam` when every row says IAM (MySQL family:
--    AWSAuthenticationPlugin; PostgreSQL: member of rds_iam), `password` when none does.
--    The MySQL-family audit log never says how a user logged in; this is how we know.
-- 3. `unknown`.
WITH sessions AS (
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
),
latest_users AS (
  SELECT instance, user_name, iam,
         observed_at = MAX(observed_at) OVER (PARTITION BY instance, user_name) AS latest
  FROM db_users
),
inventory AS (
  SELECT instance, user_name,
         CASE WHEN bool_and(iam) THEN 'iam'
              WHEN NOT bool_or(iam) THEN 'password' END AS inventory_auth_method
  FROM latest_users
  WHERE latest AND iam IS NOT NULL
  GROUP BY instance, user_name
)
SELECT
  s.instance,
  s.connection_id,
  s.session_seq,
  s.session_start,
  s.engine,
  s.connect_time,
  s.disconnect_time,
  s.last_event_time,
  s.db_user,
  s.client_host,
  s.client_port,
  s.initial_database,
  s.application_name,
  s.connect_seen,
  s.success,
  s.failure_code,
  s.failure_sql_state,
  s.failure_reason,
  COALESCE(s.log_auth_method, i.inventory_auth_method, 'unknown') AS auth_method,
  s.ssl,
  s.statement_count
FROM sessions s
LEFT JOIN inventory i ON i.instance = s.instance AND i.user_name = s.db_user
