-- The connections a question about one person or db user ($1) can be about (`tagtrail
-- timeline SUBJECT`, `tagtrail sessions --person/--db-user`): those with a row whose db
-- user is the subject or a tag value of the subject's federated sessions. The questions
-- read the sessions whose db user is the subject, or whose person or candidate is
-- (candidates carry the db user as their exact tag value); a session's db user is one of
-- its rows'. Any time, not the period: a db user's timeline shows the people of all its
-- sessions.
WITH users AS (
  SELECT $1 AS db_user
  UNION
  SELECT tag_value FROM role_sessions WHERE lower(person) = lower($1) AND tag_value IS NOT NULL
)
-- `users` first: the join keeps it as the hash table and streams db_events past it.
-- Written `db_user IN (SELECT …)`, the semi join hashed every db event instead (24 s and
-- 8 GB over 100 M events, against 4 s and 0.4 GB).
SELECT DISTINCT e.instance, e.connection_id
FROM users u
JOIN db_events e ON e.db_user = u.db_user
WHERE e.connection_id IS NOT NULL
