-- The rows `tagtrail who` is about: those in [$2, $3) that name the table $1 the way
-- who.sql asks (a TABLE event on it, or a statement naming it). $4/$5 are the `date=`
-- partitions of $2 and of the period's last instant (before $3), so only the period's
-- files are read. $6 is the bits the signature of a row naming the table holds
-- (`words`, src/sources/words.rs: of its statement and object; 0 when a name rules
-- nothing out): the scan evaluates that test first, over one integer column, and
-- decodes, compares and searches the names and statements of the rows that pass it
-- alone, about one in 250 at 100 M db events, where it compared every TABLE row and
-- searched every statement of the period.
-- Over the session index `who` answers from these rows alone: their sessions are
-- stored. Without it, it reads every row of their connections (Engine::focused) and
-- computes those sessions: a session is made of its connection's rows alone, so
-- either way the answer is the one the whole lake gives.
-- Only the columns who.sql reads through who_accessed.sql, db_session_events.sql and
-- db_events_ordered.sql (the session and attribution views read the stored sessions,
-- not these rows): the rows lie on every page, so each column returned is a
-- decompression of the period's every page of it. Over the index, the engine gives the
-- columns left out as nulls (Engine::rows_focused). (engine, return_code,
-- statement_truncated and redacted, which who.sql does not read, took 0.05 s of the
-- scan at 100 M db events.)
SELECT instance, event_time, connection_id, opens_session, query_id, operation,
       command, database, object, statement, dialect, source_uri, source_offset, date
FROM db_events
WHERE (words IS NULL OR (words & $6) = $6)
  AND ((object IS NOT NULL AND lower(concat(database, '.', object)) = lower($1))
       OR names_table(statement, database, $1))
  AND event_time >= $2 AND event_time < $3
  AND date >= $4 AND date <= $5
  AND connection_id IS NOT NULL
