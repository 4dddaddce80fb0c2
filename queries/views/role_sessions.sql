-- One row per successful federated session (AssumeRoleWithSAML), with everything
-- attribution needs to know about it. Rules (docs/attribution.md):
--
-- * person_key = (name qualifier, else issuer) | subject: the pair AWS documents as
--   unique per person for SAML; `person` is the subject (the IdP login).
-- * tag_key: the session-tag key that names the database user. When a policy of the
--   session's permission set or role grants `rds-db:connect` through
--   `${aws:PrincipalTag/<Key>}`, that key (tag_key_source 'policy'); otherwise the
--   configured default (`attribution_settings.tag_key`, 'Username'; source 'default').
--   A policy read from a file holds for every session; one seen in CloudTrail holds from
--   the event that set it until the next change.
-- * tag_value: the session's tag under that key, keys compared case-insensitively as
--   IAM resolves `${aws:PrincipalTag/…}`.
-- * window: [session_start − skew, session_expiry + skew]: a token can only be signed
--   while the credentials are valid (skew: `attribution_settings.skew_seconds`).
-- * on_behalf_of_user_id: the Identity Center user id carried by later calls of the same
--   role session (principal id = assumed role id), when any.
WITH settings AS (SELECT * FROM attribution_settings),
policy_keys AS (
  SELECT f.event_id, MIN(g.tag_key) AS tag_key
  FROM federated_sessions f
  JOIN db_grants g
    ON g.grant_kind = 'per_person' AND g.effect = 'Allow'
   AND ((g.principal_kind = 'permission_set' AND g.principal_name = f.permission_set)
        OR (g.principal_kind = 'role' AND g.principal_name = f.role_name))
   AND (g.origin = 'file' OR g.valid_from <= f.event_time)
   AND (g.origin = 'file' OR g.valid_until IS NULL OR g.valid_until > f.event_time)
  WHERE f.error_code IS NULL
  GROUP BY f.event_id
),
on_behalf AS (
  SELECT principal_id, MAX(on_behalf_of_user_id) AS on_behalf_of_user_id
  FROM cloudtrail_events
  WHERE on_behalf_of_user_id IS NOT NULL
  GROUP BY principal_id
)
SELECT
  f.event_id AS federation_event_id,
  f.event_time AS federation_time,
  f.account_id,
  f.role_name,
  f.permission_set,
  f.issuer,
  f.name_qualifier,
  f.subject AS person,
  concat(COALESCE(f.name_qualifier, f.issuer, ''), '|', f.subject) AS person_key,
  o.on_behalf_of_user_id,
  f.assumed_role_id,
  f.source_ip AS federation_ip,
  f.session_start,
  f.session_expiry,
  to_timestamp_micros(CAST(f.session_start AS BIGINT) - s.skew_seconds * 1000000) AS window_start,
  to_timestamp_micros(CAST(f.session_expiry AS BIGINT) + s.skew_seconds * 1000000) AS window_end,
  COALESCE(k.tag_key, s.tag_key) AS tag_key,
  CASE WHEN k.tag_key IS NULL THEN 'default' ELSE 'policy' END AS tag_key_source,
  principal_tag(f.principal_tags, COALESCE(k.tag_key, s.tag_key)) AS tag_value,
  f.principal_tags
FROM federated_sessions f
CROSS JOIN settings s
LEFT JOIN policy_keys k ON k.event_id = f.event_id
LEFT JOIN on_behalf o ON o.principal_id = f.assumed_role_id
WHERE f.error_code IS NULL
