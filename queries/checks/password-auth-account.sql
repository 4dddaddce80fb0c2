-- password-auth-account: database users that authenticate with a password on an
-- instance where IAM database authentication is enabled, one finding per (instance,
-- db user). Rules:
-- * the instance: its latest rds_instances observation says iam_auth = true (an
--   instance with IAM auth off is iam-auth-disabled's finding, not this one);
-- * a password user: the latest db_users observation of that user on that instance has
--   iam = false on every host row, or a session in the period has auth_method
--   'password' (the PostgreSQL log's md5/scram-sha-256, else the inventory);
-- * rdsadmin is the account RDS itself manages the instance with: reported as info,
--   since nobody can move it to IAM;
-- * the inventory is a snapshot, so inventory-only accounts are reported whatever the
--   period; count is the password logins in the period, evidence.sessions the first
--   100 of them in sorted order (a service account logs hundreds of thousands a week).
WITH instances AS (
  SELECT identifier, master_username FROM (
    SELECT identifier, iam_auth, master_username,
           row_number() OVER (PARTITION BY identifier ORDER BY observed_at DESC, source_uri DESC, source_offset DESC) AS rn
    FROM rds_instances
  ) WHERE rn = 1 AND iam_auth
),
latest_users AS (
  SELECT instance, user_name, iam, auth_plugin,
         observed_at = MAX(observed_at) OVER (PARTITION BY instance, user_name) AS latest
  FROM db_users
),
inventory AS (
  SELECT instance, user_name,
         array_to_string(array_sort(array_agg(DISTINCT COALESCE(auth_plugin, 'no plugin'))), ', ') AS auth_plugins
  FROM latest_users
  WHERE latest AND iam IS NOT NULL
  GROUP BY instance, user_name
  HAVING NOT bool_or(iam)
),
-- The password logins of the period, per (instance, user): at 5000 people a week holds
-- 1.7 M of them, so they are grouped once, before the join.
logins AS (
  SELECT instance, db_user AS user_name,
         array_slice(array_sort(array_agg(
           concat(instance, ':', CAST(connection_id AS VARCHAR), ':', CAST(session_seq AS VARCHAR)))), 1, 100) AS sessions,
         array_sort(array_agg(DISTINCT client_host) FILTER (WHERE client_host IS NOT NULL)) AS client_hosts,
         MIN(connect_time) AS first_seen,
         MAX(connect_time) AS last_seen,
         count(*) AS logins
  FROM db_sessions
  WHERE auth_method = 'password' AND success AND db_user IS NOT NULL
    AND connect_time >= $1 AND connect_time < $2
  GROUP BY instance, db_user
),
users AS (
  SELECT instance, user_name FROM inventory
  UNION
  SELECT instance, user_name FROM logins
),
per_user AS (
  SELECT u.instance, u.user_name, i.master_username = u.user_name AS master_user,
         v.auth_plugins, l.sessions, l.client_hosts, l.first_seen, l.last_seen,
         COALESCE(l.logins, 0) AS logins
  FROM users u
  JOIN instances i ON i.identifier = u.instance
  LEFT JOIN inventory v ON v.instance = u.instance AND v.user_name = u.user_name
  LEFT JOIN logins l ON l.instance = u.instance AND l.user_name = u.user_name
)
SELECT user_name AS subject,
       CASE WHEN user_name = 'rdsadmin' THEN 'info' END AS severity,
       concat(user_name, ' authenticates with a password on ', instance, ', where IAM database authentication is enabled',
              CASE WHEN auth_plugins IS NOT NULL THEN concat(' (inventory: ', auth_plugins, ')') ELSE ' (database log)' END,
              CASE WHEN logins > 0 THEN concat('; ', CAST(logins AS VARCHAR), ' password login(s) in the period') ELSE '' END,
              CASE WHEN user_name = 'rdsadmin' THEN '; rdsadmin is the account RDS manages the instance with'
                   WHEN master_user THEN '; it is the master user' ELSE '' END) AS summary,
       named_struct(
         'instance', instance,
         'evidence', CASE WHEN auth_plugins IS NOT NULL AND logins > 0 THEN 'inventory and log'
                          WHEN auth_plugins IS NOT NULL THEN 'inventory' ELSE 'log' END,
         'auth_plugins', auth_plugins,
         'master_user', COALESCE(master_user, false),
         'sessions', sessions,
         'client_hosts', client_hosts
       ) AS evidence,
       first_seen,
       last_seen,
       logins AS count
FROM per_user
-- Ties in the findings' order (same subject and first_seen) follow this order.
ORDER BY instance, user_name
