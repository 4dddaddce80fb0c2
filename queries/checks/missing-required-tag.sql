-- missing-required-tag: federated sessions that lack a required tag key
-- (required_tag_keys; default the db-user key, attribution_settings.tag_key), one finding
-- per (person, missing key) over the sessions in the period.
--
-- Rules: keys compare case-insensitively, as IAM resolves `${aws:PrincipalTag/…}`
-- (`username` satisfies `Username`; the spelling drift is tag-key-case's finding); a key
-- present with an empty value counts as missing: a policy variable resolving to "" names
-- no database user and matches no resource tag. Every successful federated session
-- counts, whatever its role: the IdP sends the same attributes to every role.
WITH s AS (
  SELECT federation_event_id, federation_time, person, person_key, role_name, principal_tags
  FROM role_sessions
  WHERE federation_time >= $1 AND federation_time < $2
),
missing AS (
  SELECT s.*, r.tag_key AS missing_key,
         principal_tag(s.principal_tags, r.tag_key) IS NOT NULL AS empty_value
  FROM s
  CROSS JOIN (SELECT DISTINCT tag_key FROM required_tag_keys) r
  WHERE COALESCE(principal_tag(s.principal_tags, r.tag_key), '') = ''
)
SELECT person AS subject,
       concat(CAST(count(*) AS VARCHAR), ' federated session(s) of ', person, ' lack the required tag ',
              missing_key, CASE WHEN bool_or(empty_value) THEN ' (or carry it empty)' ELSE '' END) AS summary,
       named_struct(
         'missing_key', missing_key,
         'federation_event_ids', array_sort(array_agg(federation_event_id)),
         'roles', array_sort(array_agg(DISTINCT role_name)),
         'keys_present', array_sort(array_distinct(flatten(array_agg(map_keys(principal_tags)))))
       ) AS evidence,
       MIN(federation_time) AS first_seen,
       MAX(federation_time) AS last_seen,
       count(*) AS count
FROM missing
GROUP BY person_key, person, missing_key
