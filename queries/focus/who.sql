-- The connections `tagtrail who` can be about: those with a row in [$2, $3) that names
-- the table $1 the way who.sql asks (a TABLE event on it, or a statement naming it).
-- `who` then reads only these connections' rows (Engine::focused): a session is made of
-- its connection's rows alone, so the answer is the one the whole lake gives.
-- $4/$5 are the `date=` partitions of $2 and $3, so only the period's files are read.
SELECT DISTINCT instance, connection_id
FROM db_events
WHERE ((object IS NOT NULL AND lower(concat(database, '.', object)) = lower($1))
       OR names_table(statement, database, $1))
  AND event_time >= $2 AND event_time < $3
  AND date >= $4 AND date <= $5
  AND connection_id IS NOT NULL
