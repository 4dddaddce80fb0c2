-- report figure federated_sessions: successful AssumeRoleWithSAML calls (role_sessions)
-- issued in [$1, $2).
SELECT COUNT(*) AS federated_sessions
FROM role_sessions
WHERE federation_time >= $1 AND federation_time < $2
