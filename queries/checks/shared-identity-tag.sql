-- shared-identity-tag: one db-user tag value asserted for two or more distinct SAML
-- subjects (person_key) in the period: an IdP attribute collision, so each of them
-- can sign database tokens as the same user. One finding per (key, value).
--
-- Rules: the db-user key is the session's own (role_sessions.tag_key: the policy's
-- `${aws:PrincipalTag/<Key>}`, else attribution_settings.tag_key), compared
-- case-insensitively as IAM resolves it; values compare exactly, as the database
-- compares user names. A person is person_key (name qualifier | subject), so one
-- person's many sessions with the same value never fire.
WITH s AS (
  SELECT federation_event_id, federation_time, person, person_key, tag_key, tag_value
  FROM role_sessions
  WHERE tag_value IS NOT NULL AND tag_value <> ''
    AND federation_time >= $1 AND federation_time < $2
),
per_person AS (
  SELECT lower(tag_key) AS lkey, tag_value, person_key,
         MIN(tag_key) AS tag_key,
         MIN(person) AS person,
         array_sort(array_agg(federation_event_id)) AS federation_event_ids,
         MIN(federation_time) AS first_seen,
         MAX(federation_time) AS last_seen,
         count(*) AS sessions
  FROM s
  GROUP BY lower(tag_key), tag_value, person_key
)
SELECT tag_value AS subject,
       concat(MIN(tag_key), '=', tag_value, ' was asserted for ', CAST(count(*) AS VARCHAR), ' people (',
              array_to_string(array_sort(array_agg(person)), ', '), '): each connects as database user ',
              tag_value, ' and can act as the others') AS summary,
       named_struct(
         'tag_key', MIN(tag_key),
         'value', tag_value,
         'persons', array_sort(array_agg(person)),
         'sessions', array_agg(named_struct('person', person, 'federation_event_ids', federation_event_ids)
                               ORDER BY person, person_key)
       ) AS evidence,
       MIN(first_seen) AS first_seen,
       MAX(last_seen) AS last_seen,
       sum(sessions) AS count
FROM per_person
GROUP BY lkey, tag_value
HAVING count(*) >= 2
