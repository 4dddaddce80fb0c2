-- report figures iam_login_pct, password_login_pct: the share of successful database
-- logins in [$1, $2) by authentication method (db_sessions.auth_method: `iam` when the
-- log or the inventory says IAM, `password`, else `unknown`, the remainder), in percent
-- rounded to one decimal; NULL when there was no login.
SELECT
  round(100.0 * SUM(CASE WHEN auth_method = 'iam' THEN 1 ELSE 0 END) / NULLIF(COUNT(*), 0), 1) AS iam_login_pct,
  round(100.0 * SUM(CASE WHEN auth_method = 'password' THEN 1 ELSE 0 END) / NULLIF(COUNT(*), 0), 1) AS password_login_pct
FROM db_sessions
WHERE success AND connect_time >= $1 AND connect_time < $2
