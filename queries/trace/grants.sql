-- tagtrail trace, link "rds-db:connect policy": the Allow grants of role or permission set
-- $1 (or $2) from the lake's policies.
SELECT DISTINCT policy_name, principal_name, db_user_pattern, grant_kind, tag_key, source_uri, statement
FROM db_grants
WHERE effect = 'Allow' AND (principal_name = $1 OR principal_name = $2)
ORDER BY principal_name, policy_name, statement, db_user_pattern
