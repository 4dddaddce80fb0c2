-- report figures mfa_verified_pct, mfa_absent_pct, mfa_unknown_pct: among successful
-- database sessions connected in [$1, $2) and attributed exactly to a federated
-- session, the share whose sign-in verified MFA, had none, or left no evidence
-- (session_mfa), in percent rounded to one decimal; NULL when there was none.
SELECT
  round(100.0 * SUM(CASE WHEN mfa_status = 'verified' THEN 1 ELSE 0 END) / NULLIF(COUNT(*), 0), 1) AS mfa_verified_pct,
  round(100.0 * SUM(CASE WHEN mfa_status = 'absent' THEN 1 ELSE 0 END) / NULLIF(COUNT(*), 0), 1) AS mfa_absent_pct,
  round(100.0 * SUM(CASE WHEN mfa_status = 'unknown' OR mfa_status IS NULL THEN 1 ELSE 0 END) / NULLIF(COUNT(*), 0), 1) AS mfa_unknown_pct
FROM attributed_sessions
WHERE success AND attribution = 'exact' AND connect_time >= $1 AND connect_time < $2
