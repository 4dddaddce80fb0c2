-- tagtrail trace, links "AssumeRoleWithSAML" and "MFA": person $1's federated sessions in
-- [$2, $3), with the session tags exactly as sent and the MFA evidence behind each.
SELECT r.federation_event_id AS id, r.federation_time AS time, r.role_name, r.permission_set,
       r.session_start AS start, r.session_expiry AS expiry, r.tag_key,
       map_keys(r.principal_tags) AS tag_keys, map_values(r.principal_tags) AS tag_values,
       m.mfa_status, m.mfa_evidence
FROM role_sessions r
LEFT JOIN session_mfa m ON m.federation_event_id = r.federation_event_id
WHERE lower(r.person) = lower($1) AND r.federation_time >= $2 AND r.federation_time < $3
ORDER BY r.federation_time, r.federation_event_id
