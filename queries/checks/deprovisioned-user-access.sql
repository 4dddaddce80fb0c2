-- deprovisioned-user-access: database sessions a person opened after their access was
-- taken away, one finding per (person, deprovisioning event). Rules:
--
-- * Activity: successful sessions attributed exactly to the person (attributed_sessions,
--   docs/attribution.md), judged at their connect time. Ambiguous sessions name no one
--   and are left out.
-- * Okta: `user.lifecycle.deactivate` / `user.lifecycle.suspend` with outcome SUCCESS.
--   The actor of these events is the admin; the person is the `User` target
--   (idp_events.target_user_login), matched to the SAML subject case-insensitively as
--   for MFA. A session counts when the latest lifecycle event of the person before its
--   connect is a deactivation or suspension: a `reactivate`, `unsuspend` or `activate`
--   in between clears it.
-- * Identity Center: `DeleteAccountAssignment` (no error, principalType USER) for the
--   account the session's federation was in. Its principalId is an Identity Store user
--   id, which CloudTrail shows for a person only as `onBehalfOf.userId` of later calls of
--   their role sessions (role_sessions.on_behalf_of_user_id): the id of any role session
--   of the same person stands for all of them; a person none of whose role sessions
--   ever called an AWS API cannot be matched. The permission set is compared by name
--   when a CreatePermissionSet event names the ARN, otherwise the deletion of any
--   permission set of that person in that account matches (evidence says so). A
--   later `CreateAccountAssignment` of the same user, account and permission set before
--   the connect clears it.
WITH s AS (
  SELECT instance, connection_id, session_seq, connect_time, db_user, person, person_key,
         federation_event_id,
         concat(instance, ':', CAST(connection_id AS VARCHAR), ':', CAST(session_seq AS VARCHAR)) AS session_ref
  FROM attributed_sessions
  WHERE attribution = 'exact' AND success
    AND connect_time >= $1 AND connect_time < $2
),
lifecycle AS (
  SELECT lower(target_user_login) AS login, uuid, published, event_type,
         actor_alternate_id AS actor,
         event_type IN ('user.lifecycle.deactivate', 'user.lifecycle.suspend') AS removes
  FROM idp_events
  WHERE event_type IN ('user.lifecycle.deactivate', 'user.lifecycle.suspend',
                       'user.lifecycle.reactivate', 'user.lifecycle.unsuspend',
                       'user.lifecycle.activate')
    AND outcome_result = 'SUCCESS' AND target_user_login IS NOT NULL
),
okta AS (
  SELECT * FROM (
    SELECT s.*, l.uuid AS event_id, l.published AS removed_at, l.event_type, l.actor, l.removes,
           CAST(NULL AS VARCHAR) AS account_id, CAST(NULL AS VARCHAR) AS permission_set,
           row_number() OVER (PARTITION BY s.instance, s.connection_id, s.session_seq
                              ORDER BY l.published DESC, l.removes) AS rn
    FROM s JOIN lifecycle l ON l.login = lower(s.person) AND l.published < s.connect_time
  ) WHERE rn = 1 AND removes
),
permission_set_names AS (
  SELECT json_string_at(response_elements, 'permissionSet', 'permissionSetArn') AS arn,
         MAX(json_string_at(response_elements, 'permissionSet', 'name')) AS name
  FROM cloudtrail_events
  WHERE event_name = 'CreatePermissionSet' AND error_code IS NULL
  GROUP BY 1
),
assignments AS (
  SELECT a.event_id, a.event_time, a.event_name, a.actor,
         json_string_at(a.request_parameters, 'principalId') AS user_id,
         json_string_at(a.request_parameters, 'targetId') AS account_id,
         json_string_at(a.request_parameters, 'permissionSetArn') AS permission_set_arn,
         n.name AS permission_set_name,
         a.event_name = 'DeleteAccountAssignment' AS removes
  FROM cloudtrail_events a
  LEFT JOIN permission_set_names n
    ON n.arn = json_string_at(a.request_parameters, 'permissionSetArn')
  WHERE a.event_name IN ('CreateAccountAssignment', 'DeleteAccountAssignment')
    AND a.error_code IS NULL
    AND json_string_at(a.request_parameters, 'principalType') = 'USER'
),
user_ids AS (
  SELECT DISTINCT person_key, on_behalf_of_user_id AS user_id
  FROM role_sessions
  WHERE on_behalf_of_user_id IS NOT NULL
),
identity_center AS (
  SELECT * FROM (
    SELECT s.*, a.event_id, a.event_time AS removed_at, a.event_name AS event_type, a.actor, a.removes,
           a.account_id,
           COALESCE(a.permission_set_name,
                    concat(a.permission_set_arn, ' (name unknown: any permission set of the account matched)'))
             AS permission_set,
           row_number() OVER (PARTITION BY s.instance, s.connection_id, s.session_seq, a.permission_set_arn
                              ORDER BY a.event_time DESC, a.removes) AS rn
    FROM s
    JOIN role_sessions r ON r.federation_event_id = s.federation_event_id
    JOIN user_ids u ON u.person_key = s.person_key
    JOIN assignments a
      ON a.user_id = u.user_id AND a.account_id = r.account_id AND a.event_time < s.connect_time
     AND (a.permission_set_name IS NULL OR a.permission_set_name = r.permission_set)
  ) WHERE rn = 1 AND removes
),
hits AS (
  SELECT 'okta' AS source, person, event_id, event_type, removed_at, actor, account_id, permission_set,
         session_ref, connect_time, instance, db_user, federation_event_id
  FROM okta
  UNION ALL
  SELECT 'identity-center', person, event_id, event_type, removed_at, actor, account_id, permission_set,
         session_ref, connect_time, instance, db_user, federation_event_id
  FROM identity_center
)
SELECT person AS subject,
       concat(person, ' connected to the database in ', CAST(count(DISTINCT session_ref) AS VARCHAR),
              ' session(s) after ',
              CASE WHEN source = 'okta' THEN
                     concat('Okta ', CASE WHEN event_type = 'user.lifecycle.suspend' THEN 'suspended' ELSE 'deactivated' END,
                            ' them at ', CAST(removed_at AS VARCHAR), ' (', event_type, ' by ', COALESCE(actor, 'unknown actor'), ')')
                   ELSE
                     concat('Identity Center removed their assignment to account ', account_id, ' (', permission_set,
                            ') at ', CAST(removed_at AS VARCHAR), ' (DeleteAccountAssignment by ', COALESCE(actor, 'unknown actor'), ')')
              END) AS summary,
       named_struct(
         'source', source,
         'event_id', event_id,
         'event_type', event_type,
         'deprovisioned_at', removed_at,
         'deprovisioned_by', actor,
         'account_id', account_id,
         'permission_set', permission_set,
         'sessions', array_sort(array_agg(session_ref)),
         'instances', array_sort(array_agg(DISTINCT instance)),
         'db_users', array_sort(array_agg(DISTINCT db_user)),
         'federation_event_ids', array_sort(array_agg(DISTINCT federation_event_id))
       ) AS evidence,
       MIN(connect_time) AS first_seen,
       MAX(connect_time) AS last_seen,
       count(DISTINCT session_ref) AS count
FROM hits
GROUP BY source, person, event_id, event_type, removed_at, actor, account_id, permission_set
