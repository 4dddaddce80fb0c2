-- The connections `tagtrail timeline` can be about: those with a row whose db user is
-- the subject ($1) or a tag value of the subject's federated sessions. timeline.sql
-- reads the sessions whose db user is the subject, or whose person or candidate is
-- (candidates carry the db user as their exact tag value), at any time, since a db
-- user's people come from all its sessions. A session's db user is one of its rows'.
WITH users AS (
  SELECT $1 AS db_user
  UNION
  SELECT tag_value FROM role_sessions WHERE lower(person) = lower($1) AND tag_value IS NOT NULL
)
SELECT DISTINCT instance, connection_id
FROM db_events
WHERE db_user IN (SELECT db_user FROM users)
  AND connection_id IS NOT NULL
