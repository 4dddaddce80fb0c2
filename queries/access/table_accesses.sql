-- What each session did to each table, per UTC day: the rows of table_access_index
-- (src/lake/access_index.rs), stored by `tagtrail index` so that `who` over whole days
-- reads the entries of its table instead of every db event of the period. A busy day
-- is computed in slices of its hours (src/engine/access.rs), with an entry per slice.
-- A who_accessed row counts for every table it names by who.sql's rule (table_keys
-- lists those names: its TABLE event's object, or a table its statement names,
-- qualified or bare while its database is the default) that is among access_tables
-- (the tables the lake's TABLE events name). A row whose statement table_keys cannot
-- list (not ASCII; its names must be searched) counts for table NULL: `who` over a day
-- with such an entry reads the events.
--   table_key                               the table, lowercased 'db.table'
--   instance, connection_id, session_seq    the session
--   first_seen, last_seen                   the first and last row naming it
--   actions                                 the distinct actions of those rows (a NULL among them)
--   query_ids                               their distinct query ids (NULL for rows without one)
-- who.sql reads them back through queries/access/who_accessed.sql.
SELECT r.table_key, r.instance, r.connection_id, r.session_seq,
       MIN(r.event_time) AS first_seen,
       MAX(r.event_time) AS last_seen,
       array_sort(array_distinct(array_agg(r.action))) AS actions,
       array_sort(array_distinct(array_agg(r.query_id))) AS query_ids
FROM (
  SELECT unnest(coalesce(table_keys(statement, database, object),
                         make_array(CAST(NULL AS VARCHAR)))) AS table_key,
         instance, connection_id, session_seq, event_time, action, query_id
  FROM who_accessed
) r
WHERE r.table_key IS NULL OR r.table_key IN (SELECT table_key FROM access_tables)
GROUP BY r.table_key, r.instance, r.connection_id, r.session_seq, date_trunc('day', r.event_time)
