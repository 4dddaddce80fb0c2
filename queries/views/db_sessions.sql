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
--
-- The session's own columns come from db_session_facts.
WITH latest_users AS (
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
FROM db_session_facts s
LEFT JOIN inventory i ON i.instance = s.instance AND i.user_name = s.db_user
