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
SELECT DISTINCT instance, connection_id
FROM db_events
WHERE db_user IN (SELECT db_user FROM users)
  AND connection_id IS NOT NULL
