-- tagtrail sessions: every database session with the person behind it (and, for IAM
-- Identity Center, the person's Identity Store user id from the role session's calls).
-- $1 person (SAML subject; also matches ambiguous sessions listing them), $2 db user,
-- $3 instance (each NULL = any), $4 only unattributed, [$5, $6) connect-time period.
SELECT
  connect_time,
  instance,
  connection_id,
  db_user,
  client_host,
  success,
  auth_method,
  attribution,
  confidence,
  person,
  on_behalf_of_user_id,
  candidates,
  mfa_status,
  statement_count,
  disconnect_time,
  reason
FROM attributed_sessions
WHERE ($1 IS NULL OR lower(person) = lower($1) OR array_has(candidates, $1))
  AND ($2 IS NULL OR db_user = $2)
  AND ($3 IS NULL OR instance = $3)
  AND (NOT $4 OR attribution = 'unattributed')
  AND connect_time >= $5 AND connect_time < $6
ORDER BY connect_time, instance, connection_id, session_seq
