-- Every IAM policy document tagtrail has seen, with the period it was in force: policy
-- files (`iam_policies`, origin 'file') and the CloudTrail events that set or remove
-- one (origin 'cloudtrail': PutRolePolicy, DeleteRolePolicy,
-- PutInlinePolicyToPermissionSet, DeleteInlinePolicyFromPermissionSet; failed calls
-- ignored).
--
-- valid_from: the event time, or for a file its ingest time (a file is a snapshot
-- with no time of its own). valid_until: the next Put or Delete of the same
-- (principal_kind, principal_name, account, policy_name) from either origin ends a
-- document; NULL = still current as far as the evidence goes. Roles are keyed by
-- account too (the same role name in two accounts is two roles); rows without an
-- account (get-role-policy output names none) only supersede each other.
-- Permission sets are keyed by name alone: their name comes from the
-- CreatePermissionSet event with the same ARN, else the ARN's last part (`ps-…`).
-- A permission set's inline policy is named 'AwsSSOInlinePolicy' (as Identity Center
-- names it in the roles it provisions), whatever its origin.
--
-- document: compact JSON text; document_error says why it is not a readable policy
-- (db_grants then has no rows for it).
WITH ct AS (
  SELECT event_id, event_time, event_name, account_id, source_uri,
         request_parameters AS rp
  FROM cloudtrail_events
  WHERE error_code IS NULL
    AND event_name IN ('PutRolePolicy', 'DeleteRolePolicy',
                       'PutInlinePolicyToPermissionSet', 'DeleteInlinePolicyFromPermissionSet')
),
permission_set_names AS (
  SELECT json_string_at(response_elements, 'permissionSet', 'permissionSetArn') AS arn,
         MAX(json_string_at(response_elements, 'permissionSet', 'name')) AS name
  FROM cloudtrail_events
  WHERE event_name = 'CreatePermissionSet' AND error_code IS NULL
  GROUP BY 1
),
changes AS (
  SELECT 'role' AS principal_kind,
         json_string_at(rp, 'roleName') AS principal_name,
         CAST(NULL AS VARCHAR) AS principal_arn,
         account_id,
         json_string_at(rp, 'policyName') AS policy_name,
         normalize_policy_document(json_string_at(rp, 'policyDocument')) AS document,
         event_name LIKE 'Delete%' AS is_delete,
         event_time AS valid_from,
         'cloudtrail' AS origin,
         event_id,
         source_uri
  FROM ct
  WHERE event_name IN ('PutRolePolicy', 'DeleteRolePolicy')
  UNION ALL
  SELECT 'permission_set',
         COALESCE(n.name, regexp_replace(json_string_at(ct.rp, 'permissionSetArn'), '^.*/', '')),
         json_string_at(ct.rp, 'permissionSetArn'),
         ct.account_id,
         'AwsSSOInlinePolicy',
         normalize_policy_document(json_string_at(ct.rp, 'inlinePolicy')),
         ct.event_name LIKE 'Delete%',
         ct.event_time,
         'cloudtrail',
         ct.event_id,
         ct.source_uri
  FROM ct
  LEFT JOIN permission_set_names n ON n.arn = json_string_at(ct.rp, 'permissionSetArn')
  WHERE ct.event_name IN ('PutInlinePolicyToPermissionSet', 'DeleteInlinePolicyFromPermissionSet')
  UNION ALL
  SELECT principal_kind, principal_name, principal_arn, account_id, policy_name, document,
         false, observed_at, origin, CAST(NULL AS VARCHAR), source_uri
  FROM iam_policies
),
timed AS (
  SELECT *,
         LEAD(valid_from) OVER (
           PARTITION BY principal_kind, principal_name, policy_name,
                        CASE WHEN principal_kind = 'permission_set' THEN ''
                             ELSE COALESCE(account_id, '') END
           ORDER BY valid_from, is_delete, event_id) AS valid_until
  FROM changes
)
SELECT principal_kind, principal_name, principal_arn, account_id, policy_name, document,
       valid_from, valid_until, origin, event_id, source_uri,
       policy_document_error(document) AS document_error
FROM timed
WHERE NOT is_delete
