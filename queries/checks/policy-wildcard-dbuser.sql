-- policy-wildcard-dbuser: policies that allow `rds-db:connect` as any database user
-- (`dbuser:*/*`, `?`, or a variable mixed with text: db_grants grant_kind 'wildcard')
-- or as one fixed, shared user (grant_kind 'literal') instead of the per-person
-- `${aws:PrincipalTag/<Key>}`. Only Allow statements; a policy read from a file counts
-- as in force, one from CloudTrail when its validity overlaps the period. One finding
-- per (principal, policy, db user pattern), with the statements and resources, and the
-- people who federated into that role or permission set in the period.
WITH grants AS (
  SELECT *
  FROM db_grants
  WHERE effect = 'Allow' AND grant_kind IN ('wildcard', 'literal')
    AND (origin = 'file' OR (valid_from < $2 AND (valid_until IS NULL OR valid_until > $1)))
),
users AS (
  SELECT g.principal_kind, g.principal_name,
         array_sort(array_agg(DISTINCT r.person)) AS persons
  FROM (SELECT DISTINCT principal_kind, principal_name FROM grants) g
  JOIN role_sessions r
    ON ((g.principal_kind = 'permission_set' AND r.permission_set = g.principal_name)
        OR (g.principal_kind = 'role' AND r.role_name = g.principal_name))
  WHERE r.federation_time >= $1 AND r.federation_time < $2
  GROUP BY g.principal_kind, g.principal_name
),
per_policy AS (
  SELECT principal_kind, principal_name, policy_name, db_user_pattern, grant_kind,
         array_sort(array_agg(DISTINCT COALESCE(sid, concat('#', CAST(statement AS VARCHAR))))) AS statements,
         array_sort(array_agg(DISTINCT resource)) AS resources,
         bool_or(has_condition) AS has_condition,
         array_sort(array_agg(DISTINCT condition) FILTER (WHERE condition IS NOT NULL)) AS conditions,
         array_sort(array_agg(DISTINCT COALESCE(event_id, source_uri))) AS sources,
         MIN(valid_from) FILTER (WHERE origin <> 'file') AS first_seen,
         MAX(valid_from) FILTER (WHERE origin <> 'file') AS last_seen,
         count(*) AS n
  FROM grants
  GROUP BY principal_kind, principal_name, policy_name, db_user_pattern, grant_kind
)
SELECT p.db_user_pattern AS subject,
       concat(replace(p.principal_kind, '_', ' '), ' ', p.principal_name, ' may connect as ',
              CASE WHEN p.grant_kind = 'wildcard' THEN concat('any database user matching ', p.db_user_pattern)
                   ELSE concat('the fixed database user ', p.db_user_pattern, ', shared by everyone who gets it,') END,
              ' instead of a per-person ${aws:PrincipalTag/…} user (policy ', p.policy_name, ', statement ',
              array_to_string(p.statements, ', '), ')',
              CASE WHEN p.has_condition THEN ', under a Condition' ELSE '' END,
              CASE WHEN u.persons IS NOT NULL
                   THEN concat('; ', CAST(cardinality(u.persons) AS VARCHAR), ' people federated into it in the period')
                   ELSE '' END) AS summary,
       named_struct(
         'grant_kind', p.grant_kind,
         'principal_kind', p.principal_kind,
         'principal_name', p.principal_name,
         'policy_name', p.policy_name,
         'statements', p.statements,
         'resources', p.resources,
         'has_condition', p.has_condition,
         'conditions', COALESCE(p.conditions, make_array()),
         'sources', p.sources,
         'persons', COALESCE(u.persons, make_array())
       ) AS evidence,
       p.first_seen,
       p.last_seen,
       p.n AS count
FROM per_policy p
LEFT JOIN users u
  ON u.principal_kind = p.principal_kind AND u.principal_name = p.principal_name
-- Ties in the findings' order (same subject and first_seen) follow this order.
ORDER BY p.principal_kind, p.principal_name, p.policy_name, p.db_user_pattern
