-- Which database users each role / permission set may connect as (`rds-db:connect`),
-- one row per (policy document, statement, resource), from `iam_policy_documents`
-- through `rds_connect_grants` (rules in src/policy/mod.rs):
--
-- grant_kind: 'per_person' when the database user is exactly
-- `${aws:PrincipalTag/<tag_key>}` (each person connects as their own user; IAM
-- compares tag keys case-insensitively, so join tag_key with principal_tag(), never
-- with `=`), 'wildcard' for `*`/`?` or variables mixed with text, 'literal' for one
-- fixed user — shared by everyone who can get the role.
-- effect: 'Allow' or 'Deny' (a Deny beats any Allow for the same user).
-- has_condition: the statement has a Condition (not evaluated here; see `condition`).
-- not_action / not_resource: the statement uses NotAction / NotResource; a NotResource
-- statement is over-estimated as covering every database user (`resource` keeps the
-- excluded list).
-- valid_from / valid_until: the period the policy document was in force.
SELECT principal_kind,
       principal_name,
       policy_name,
       get_field(g, 'effect') AS effect,
       get_field(g, 'region') AS region,
       get_field(g, 'account_id') AS account_id,
       get_field(g, 'db_resource_id') AS db_resource_id,
       get_field(g, 'db_user_pattern') AS db_user_pattern,
       get_field(g, 'grant_kind') AS grant_kind,
       get_field(g, 'tag_key') AS tag_key,
       get_field(g, 'has_condition') AS has_condition,
       valid_from,
       valid_until,
       origin,
       source_uri,
       get_field(g, 'condition') AS condition,
       get_field(g, 'not_action') AS not_action,
       get_field(g, 'not_resource') AS not_resource,
       get_field(g, 'resource') AS resource,
       get_field(g, 'statement') AS statement,
       get_field(g, 'sid') AS sid,
       principal_arn,
       event_id
FROM (SELECT d.*, unnest(rds_connect_grants(d.document)) AS g FROM iam_policy_documents d) x
