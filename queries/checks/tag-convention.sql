-- tag-convention: session tag values that break the naming convention
-- (check_settings.convention, default `^[a-z0-9]+(-[a-z0-9]+)*$`: lowercase words
-- joined by hyphens), one finding per (key, value) with every federated session that
-- carries it.
--
-- Rules:
-- * Which tags: every principal tag of the federated sessions in the period, keys
--   compared case-insensitively (as IAM does), except the session's db-user key
--   (role_sessions.tag_key): its values must equal database user names, which follow
--   the database's rules (`app_legacy`, `KWright` is a case problem reported by
--   unattributed-session), not a tag convention. Also except amr-style keys
--   (`AuthMethods`, `amr`, `AuthnMethodsReferences`): their values are protocol tokens
--   (`pwd mfa`) the IdP writes.
-- * Empty values are left out: a required key with an empty value is
--   missing-required-tag's finding.
WITH tags AS (
  SELECT federation_event_id, federation_time, person, person_key, is_db_user_key, is_amr_key,
         tag_key AS k, tag_value AS v
  FROM session_tags
  WHERE federation_time >= $1 AND federation_time < $2
),
bad AS (
  SELECT lower(t.k) AS lkey, t.k, t.v, t.federation_event_id, t.federation_time, t.person,
         t.person_key, c.convention
  FROM tags t
  CROSS JOIN check_settings c
  WHERE t.v IS NOT NULL AND t.v <> ''
    AND NOT t.is_db_user_key
    AND NOT t.is_amr_key
    AND NOT regexp_like(t.v, c.convention)
)
SELECT concat(MIN(k), '=', v) AS subject,
       concat(MIN(k), '=', v, ' breaks the naming convention ', MIN(convention), ': ',
              CAST(count(DISTINCT federation_event_id) AS VARCHAR), ' federated session(s) of ',
              CAST(count(DISTINCT person_key) AS VARCHAR), ' person(s)') AS summary,
       named_struct(
         'tag_key', MIN(k),
         'value', v,
         'convention', MIN(convention),
         'federation_event_ids', array_sort(array_agg(DISTINCT federation_event_id)),
         'persons', array_sort(array_agg(DISTINCT person))
       ) AS evidence,
       MIN(federation_time) AS first_seen,
       MAX(federation_time) AS last_seen,
       count(DISTINCT federation_event_id) AS count
FROM bad
GROUP BY lkey, v
