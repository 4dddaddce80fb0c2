-- The hours for which an instance's PostgreSQL csvlog is in the lake. PostgreSQL with
-- csvlog on writes every entry twice, to `postgresql.log.<hour>` and to its `.csv`
-- twin, so db_events_ordered leaves out the stderr rows of these hours.
--
-- A view of its own because a question about a few connections (`who`) reads only
-- their rows, and a stderr row is judged against every csvlog row of its hour, not only
-- those of its connection.
SELECT DISTINCT instance, date_trunc('hour', event_time) AS hour
FROM db_events
WHERE dialect = 'pg-csvlog'
