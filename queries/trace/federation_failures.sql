-- tagtrail trace, link "AssumeRoleWithSAML": person $1's refused federations in [$2, $3)
-- (role_sessions keeps only the ones that succeeded).
SELECT event_id AS id, event_time AS time, role_name, error_code, error_message
FROM federated_sessions
WHERE (lower(subject) = lower($1) OR lower(role_session_name) = lower($1))
  AND error_code IS NOT NULL AND event_time >= $2 AND event_time < $3
ORDER BY event_time, event_id
