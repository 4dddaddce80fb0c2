-- failed-auth-burst: at least N failed database logins for one db user, or from one
-- client address, within M minutes (check_settings.failed_auth_burst_count /
-- failed_auth_burst_minutes; 5 in 10 by default). Rules:
-- * a failed login is a db_sessions row with success = false that logged a
--   FAILED_CONNECT (MySQL-family error 1045/1044, PostgreSQL FATAL authentication
--   failure); a PostgreSQL connection that never got as far as authenticating is not
--   one;
-- * failures i..i+N−1 (in time order, per subject) form a burst when the last is at
--   most M minutes after the first; overlapping bursts merge, so one finding covers a
--   whole run of failures, with its first and last time and count;
-- * db users are counted across instances (one person or one attacker, whichever
--   instance they tried); a client address's burst is reported only when it tried
--   ≥ 2 db users (password spraying): one user from one address is already that
--   user's burst.
WITH settings AS (
  SELECT failed_auth_burst_count AS n, failed_auth_burst_minutes AS m FROM check_settings
),
failures AS (
  SELECT instance, db_user, client_host, connect_time, failure_reason,
         concat(instance, ':', CAST(connection_id AS VARCHAR), ':', CAST(session_seq AS VARCHAR)) AS session_ref
  FROM db_sessions
  WHERE NOT success AND failure_reason IS NOT NULL
    AND connect_time >= $1 AND connect_time < $2
),
by_subject AS (
  SELECT 'db user' AS kind, COALESCE(db_user, '(unknown)') AS subject,
         instance, db_user, client_host, connect_time, failure_reason, session_ref
  FROM failures
  UNION ALL
  SELECT 'client', client_host AS subject, instance, db_user, client_host, connect_time, failure_reason, session_ref
  FROM failures WHERE client_host IS NOT NULL
),
ordered AS (
  SELECT b.*, s.n, s.m,
         row_number() OVER (PARTITION BY kind, subject ORDER BY connect_time, session_ref) AS rn
  FROM by_subject b CROSS JOIN settings s
),
windows AS (
  -- A burst starts at rn when the (n−1)-th failure after it is within m minutes.
  SELECT o.kind, o.subject, o.rn AS start_rn, o.rn + o.n - 1 AS end_rn
  FROM ordered o
  JOIN ordered e ON e.kind = o.kind AND e.subject = o.subject AND e.rn = o.rn + o.n - 1
  WHERE CAST(e.connect_time AS BIGINT) - CAST(o.connect_time AS BIGINT) <= o.m * 60000000
),
numbered AS (
  SELECT *,
         SUM(CASE WHEN prev_end IS NULL OR start_rn > prev_end THEN 1 ELSE 0 END)
           OVER (PARTITION BY kind, subject ORDER BY start_rn) AS burst
  FROM (
    SELECT *, MAX(end_rn) OVER (PARTITION BY kind, subject ORDER BY start_rn
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
    FROM windows
  )
),
bursts AS (
  SELECT kind, subject, burst, MIN(start_rn) AS first_rn, MAX(end_rn) AS last_rn
  FROM numbered GROUP BY kind, subject, burst
),
members AS (
  SELECT b.burst, o.*
  FROM bursts b
  JOIN ordered o ON o.kind = b.kind AND o.subject = b.subject AND o.rn BETWEEN b.first_rn AND b.last_rn
)
SELECT subject,
       concat(CAST(count(*) AS VARCHAR), ' failed logins ',
              CASE WHEN kind = 'db user' THEN concat('as ', subject) ELSE concat('from ', subject) END,
              ' between ', to_char(MIN(connect_time), '%Y-%m-%dT%H:%M:%S%.fZ'), ' and ', to_char(MAX(connect_time), '%Y-%m-%dT%H:%M:%S%.fZ'),
              CASE WHEN kind = 'client' THEN concat(', trying ', CAST(count(DISTINCT db_user) AS VARCHAR), ' db users') ELSE '' END,
              ' (threshold: ', CAST(MAX(n) AS VARCHAR), ' within ', CAST(MAX(m) AS VARCHAR), ' min)') AS summary,
       named_struct(
         'kind', kind,
         'instances', array_sort(array_agg(DISTINCT instance)),
         'db_users', array_sort(array_agg(DISTINCT COALESCE(db_user, '(unknown)'))),
         'client_hosts', array_sort(array_agg(DISTINCT client_host) FILTER (WHERE client_host IS NOT NULL)),
         'sessions', array_agg(session_ref ORDER BY connect_time, session_ref),
         'failure_reasons', array_sort(array_agg(DISTINCT failure_reason))
       ) AS evidence,
       MIN(connect_time) AS first_seen,
       MAX(connect_time) AS last_seen,
       count(*) AS count
FROM members
GROUP BY kind, subject, burst
HAVING kind = 'db user' OR count(DISTINCT COALESCE(db_user, '(unknown)')) >= 2
-- Ties in the findings' order (same subject and first_seen) follow this order.
ORDER BY kind, subject, burst
