-- who OBJECT: one row per (person, db user, instance, attribution) that touched the
-- table $1 ('db.table') between $2 and $3: a TABLE event on it, or a statement naming
-- it (qualified, or bare while its database is the connection's default).
SELECT
  person,
  db_user,
  instance,
  $1 AS object,
  array_sort(array_agg(DISTINCT action)) AS operations,
  MIN(event_time) AS first_seen,
  MAX(event_time) AS last_seen,
  COUNT(DISTINCT concat(connection_id, ':', session_seq, ':', query_id)) AS statements,
  attribution,
  candidates
FROM who_accessed
WHERE (
    (object IS NOT NULL AND lower(concat(database, '.', object)) = lower($1))
    OR names_table(statement, database, $1)
  )
  AND event_time >= $2
  AND event_time < $3
GROUP BY person, db_user, instance, attribution, candidates
ORDER BY instance, db_user, attribution, person NULLS LAST
