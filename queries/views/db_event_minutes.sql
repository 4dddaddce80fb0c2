-- One row per instance and minute that has db events: the first and last event times
-- of the minute, how many events, and the rows at those times, as file and offset (ties by file, then
-- offset: the first row is the earliest in the lake's order, the last the latest).
-- `audit-gap` finds every silence longer than a minute between consecutive rows of
-- these, instead of sorting every event, and the report's scope counts the period's
-- events from them; the session index stores them.
SELECT instance,
       date_trunc('minute', event_time) AS minute,
       MIN(event_time) AS first_time,
       MAX(event_time) AS last_time,
       COUNT(*) AS events,
       first_value(source_uri ORDER BY event_time, source_uri, source_offset) AS first_uri,
       first_value(source_offset ORDER BY event_time, source_uri, source_offset) AS first_offset,
       last_value(source_uri ORDER BY event_time, source_uri, source_offset) AS last_uri,
       last_value(source_offset ORDER BY event_time, source_uri, source_offset) AS last_offset
FROM db_events
WHERE event_time IS NOT NULL
GROUP BY instance, date_trunc('minute', event_time)
