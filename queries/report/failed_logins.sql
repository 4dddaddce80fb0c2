-- report figure failed_logins: database logins that failed (db_sessions.success is
-- false: wrong password, IAM/PAM refusal, unknown user, …) in [$1, $2).
SELECT COUNT(*) AS failed_logins
FROM db_sessions
WHERE NOT success AND connect_time >= $1 AND connect_time < $2
