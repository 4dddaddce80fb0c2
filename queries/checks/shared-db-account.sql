-- shared-db-account: database users more than one person uses, one finding per db
-- user (across instances), naming which rules fired:
-- * 'attributed to several people': successful sessions in the period attributed to
--   ≥ 2 distinct persons (exact attributions, plus every candidate of an ambiguous
--   one: two people carrying the same tag value at once is the same account shared);
-- * 'password from several addresses': unattributed successful password sessions
--   (auth_method 'password') of the user on one instance from ≥ 2 client addresses;
--   the same user name on two instances is two accounts, so addresses count per
--   instance;
-- * 'granted by name to a shared role': an Allow `rds-db:connect` on that literal db
--   user (db_grants grant_kind 'literal'), in force in the period, to a role or
--   permission set whose federated sessions (role_sessions) in the period belong to
--   ≥ 2 persons.
-- A person's own sessions from several addresses are not sharing (rule 1 counts
-- persons; rule 2 only looks at sessions nobody is attributed to). evidence.sessions
-- names the first 100 sessions in sorted order; count is all of them.
WITH period_sessions AS (
  SELECT *,
         concat(instance, ':', CAST(connection_id AS VARCHAR), ':', CAST(session_seq AS VARCHAR)) AS session_ref
  FROM attributed_sessions
  WHERE success AND db_user IS NOT NULL AND connect_time >= $1 AND connect_time < $2
),
attributed AS (
  SELECT db_user, instance, session_ref, connect_time, person
  FROM period_sessions WHERE attribution = 'exact'
  UNION ALL
  SELECT db_user, instance, session_ref, connect_time, unnest(candidates) AS person
  FROM period_sessions WHERE attribution = 'ambiguous'
),
rule_people AS (
  SELECT a.db_user, a.instance, a.session_ref, a.connect_time, a.person
  FROM attributed a
  JOIN (SELECT db_user FROM attributed GROUP BY db_user HAVING count(DISTINCT person) >= 2) s
    ON s.db_user = a.db_user
),
password_sessions AS (
  SELECT db_user, instance, session_ref, connect_time, client_host
  FROM period_sessions
  WHERE attribution = 'unattributed' AND auth_method = 'password' AND client_host IS NOT NULL
),
rule_addresses AS (
  SELECT p.*
  FROM password_sessions p
  JOIN (SELECT db_user, instance FROM password_sessions GROUP BY db_user, instance
        HAVING count(DISTINCT client_host) >= 2) s
    ON s.db_user = p.db_user AND s.instance = p.instance
),
grants AS (
  SELECT *,
         concat(policy_name, ' of ', principal_kind, ' ', principal_name, ', statement ',
                COALESCE(sid, CAST(statement AS VARCHAR)), ': ', resource) AS grant_ref
  FROM db_grants
  WHERE grant_kind = 'literal' AND effect = 'Allow'
    AND (origin = 'file' OR (valid_from < $2 AND (valid_until IS NULL OR valid_until > $1)))
),
role_users AS (
  SELECT g.db_user_pattern AS db_user, g.grant_ref, r.person, r.person_key, r.federation_time
  FROM grants g
  JOIN role_sessions r
    ON ((g.principal_kind = 'permission_set' AND r.permission_set = g.principal_name)
        OR (g.principal_kind = 'role' AND r.role_name = g.principal_name))
   AND (g.origin = 'file' OR (r.federation_time >= g.valid_from
                              AND (g.valid_until IS NULL OR r.federation_time < g.valid_until)))
  WHERE r.federation_time >= $1 AND r.federation_time < $2
),
rule_grants AS (
  SELECT r.*
  FROM role_users r
  JOIN (SELECT db_user, grant_ref FROM role_users GROUP BY db_user, grant_ref
        HAVING count(DISTINCT person_key) >= 2) s
    ON s.db_user = r.db_user AND s.grant_ref = r.grant_ref
),
evidence_rows AS (
  SELECT db_user, 'attributed to several people' AS rule, instance, session_ref, connect_time AS at,
         person, CAST(NULL AS VARCHAR) AS client_host, CAST(NULL AS VARCHAR) AS grant_ref,
         CAST(NULL AS VARCHAR) AS grant_person
  FROM rule_people
  UNION ALL
  SELECT db_user, 'password from several addresses', instance, session_ref, connect_time,
         NULL, client_host, NULL, NULL
  FROM rule_addresses
  UNION ALL
  SELECT db_user, 'granted by name to a shared role', NULL, NULL, NULL,
         NULL, NULL, grant_ref, person AS grant_person
  FROM rule_grants
),
per_user AS (
  SELECT db_user,
         array_sort(array_agg(DISTINCT rule)) AS rules,
         COALESCE(array_sort(array_agg(DISTINCT person) FILTER (WHERE person IS NOT NULL)), make_array()) AS persons,
         COALESCE(array_sort(array_agg(DISTINCT client_host) FILTER (WHERE client_host IS NOT NULL)), make_array()) AS client_hosts,
         COALESCE(array_sort(array_agg(DISTINCT grant_ref) FILTER (WHERE grant_ref IS NOT NULL)), make_array()) AS grants,
         COALESCE(array_sort(array_agg(DISTINCT grant_person) FILTER (WHERE grant_person IS NOT NULL)), make_array()) AS grant_persons,
         COALESCE(array_sort(array_agg(DISTINCT instance) FILTER (WHERE instance IS NOT NULL)), make_array()) AS instances,
         COALESCE(array_sort(array_distinct(array_agg(session_ref) FILTER (WHERE session_ref IS NOT NULL))), make_array()) AS all_sessions,
         MIN(at) AS first_seen,
         MAX(at) AS last_seen
  FROM evidence_rows
  GROUP BY db_user
)
SELECT db_user AS subject,
       concat('db user ', db_user, ' is shared: ',
              concat_ws('; ',
                CASE WHEN array_has(rules, 'attributed to several people')
                     THEN concat('its sessions were attributed to ', CAST(cardinality(persons) AS VARCHAR),
                                 ' people (', array_to_string(persons, ', '), ')') END,
                CASE WHEN array_has(rules, 'password from several addresses')
                     THEN concat('password logins nobody is attributed to came from ',
                                 CAST(cardinality(client_hosts) AS VARCHAR), ' addresses (',
                                 array_to_string(client_hosts, ', '), ')') END,
                CASE WHEN array_has(rules, 'granted by name to a shared role')
                     THEN concat('a policy grants it by name to a role ', CAST(cardinality(grant_persons) AS VARCHAR),
                                 ' people used (', array_to_string(grant_persons, ', '), ')') END)) AS summary,
       named_struct(
         'rules', rules,
         'persons', persons,
         'client_hosts', client_hosts,
         'grants', grants,
         'grant_persons', grant_persons,
         'instances', instances,
         'sessions', array_slice(all_sessions, 1, 100)
       ) AS evidence,
       first_seen,
       last_seen,
       CASE WHEN cardinality(all_sessions) > 0 THEN cardinality(all_sessions) ELSE cardinality(grant_persons) END AS count
FROM per_user
