-- One row per session tag of each federated session (role_sessions): the tag checks
-- read tags this way, and so can a user ("which Department values were asserted this
-- week?"). tag_key is the key as the IdP sent it, lkey lowercased (IAM compares keys
-- case-insensitively), tag_value the value. is_db_user_key: the key is the one naming
-- the session's database user (role_sessions.tag_key, here db_user_key); is_amr_key:
-- an amr-style key (AuthMethods, amr, AuthnMethodsReferences) whose values are
-- protocol tokens the IdP writes (`pwd mfa`), not attributes of the person.
SELECT federation_event_id, federation_time, person, person_key, db_user_key,
       k AS tag_key, lower(k) AS lkey, v AS tag_value,
       lower(k) = lower(db_user_key) AS is_db_user_key,
       lower(k) IN ('authmethods', 'amr', 'authnmethodsreferences') AS is_amr_key
FROM (
  SELECT federation_event_id, federation_time, person, person_key, tag_key AS db_user_key,
         unnest(map_keys(principal_tags)) AS k,
         unnest(map_values(principal_tags)) AS v
  FROM role_sessions
)
