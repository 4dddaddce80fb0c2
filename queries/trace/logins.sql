-- tagtrail trace, links "db login" and "statements": login attempts as db user $1 (any
-- case) or attributed to person $1, connected in [$2, $3).
SELECT instance, connection_id, session_seq, engine, connect_time, db_user, success,
       failure_code, failure_reason, auth_method, statement_count
FROM attributed_sessions
WHERE (lower(db_user) = lower($1) OR lower(person) = lower($1))
  AND connect_time >= $2 AND connect_time < $3
ORDER BY connect_time, instance, connection_id, session_seq
