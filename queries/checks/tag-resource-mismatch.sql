-- tag-resource-mismatch: session tag values of a key that RDS instances are tagged with
-- too (Department, Project, Environment, …) that equal no instance's value of that key,
-- so an ABAC condition comparing them (`aws:ResourceTag/<Key>` with
-- `${aws:PrincipalTag/<Key>}`) denies. One finding per (key, value).
--
-- Rules:
-- * Keys compare case-insensitively (IAM resolves them so; the spelling drift is
--   tag-key-case's finding), values exactly (StringEquals is case-sensitive).
-- * The instances: every one in the inventory (rds_instances), whenever observed.
-- * The sessions: federated sessions in the period that can reach a database — their
--   permission set or role has an `rds-db:connect` Allow in force (db_grants, matched as
--   role_sessions matches them), or they are a candidate of a database session
--   (attributed_sessions.federation_event_ids). A session that merely cannot be used
--   for databases is not worth a finding; and one denied by the mismatch leaves no
--   database session, so grants are what find it.
WITH res AS (
  SELECT identifier, unnest(map_keys(tags)) AS k, unnest(map_values(tags)) AS v
  FROM rds_instances
),
res_keys AS (
  SELECT lower(k) AS lkey,
         array_sort(array_agg(DISTINCT v) FILTER (WHERE v IS NOT NULL)) AS resource_values
  FROM res
  GROUP BY lower(k)
),
db_capable AS (
  SELECT r.federation_event_id
  FROM role_sessions r
  JOIN db_grants g
    ON g.effect = 'Allow'
   AND ((g.principal_kind = 'permission_set' AND g.principal_name = r.permission_set)
        OR (g.principal_kind = 'role' AND g.principal_name = r.role_name))
   AND (g.origin = 'file' OR g.valid_from <= r.federation_time)
   AND (g.origin = 'file' OR g.valid_until IS NULL OR g.valid_until > r.federation_time)
  UNION
  SELECT unnest(federation_event_ids) AS federation_event_id
  FROM attributed_sessions
  WHERE federation_event_ids IS NOT NULL
),
tags AS (
  SELECT federation_event_id, federation_time, person, person_key,
         tag_key AS k, tag_value AS v
  FROM session_tags
  WHERE federation_time >= $1 AND federation_time < $2
    AND federation_event_id IN (SELECT federation_event_id FROM db_capable)
),
mismatched AS (
  SELECT t.*, lower(t.k) AS lkey, rk.resource_values
  FROM tags t
  JOIN res_keys rk ON rk.lkey = lower(t.k)
  WHERE t.v IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM res x WHERE lower(x.k) = lower(t.k) AND x.v = t.v)
)
SELECT concat(MIN(k), '=', v) AS subject,
       concat(MIN(k), '=', v, ' matches no RDS instance''s ', MIN(k), ' tag (',
              array_to_string(MIN(resource_values), ', '), '), so an ABAC condition comparing them denies: ',
              CAST(count(DISTINCT federation_event_id) AS VARCHAR), ' federated session(s) of ',
              CAST(count(DISTINCT person_key) AS VARCHAR), ' person(s)') AS summary,
       named_struct(
         'tag_key', MIN(k),
         'value', v,
         'resource_values', MIN(resource_values),
         'federation_event_ids', array_sort(array_agg(DISTINCT federation_event_id)),
         'persons', array_sort(array_agg(DISTINCT person))
       ) AS evidence,
       MIN(federation_time) AS first_seen,
       MAX(federation_time) AS last_seen,
       count(DISTINCT federation_event_id) AS count
FROM mismatched
GROUP BY lkey, v
