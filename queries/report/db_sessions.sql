-- report figure db_sessions: database sessions that logged in successfully and
-- connected in [$1, $2) (failed logins are counted by failed_logins).
SELECT COUNT(*) AS db_sessions
FROM db_sessions
WHERE success AND connect_time >= $1 AND connect_time < $2
