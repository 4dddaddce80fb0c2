-- report chart: per person and day (UTC) of [$1, $2), the database sessions attributed
-- exactly to them.
SELECT person, date_trunc('day', connect_time) AS day, COUNT(*) AS sessions
FROM attributed_sessions
WHERE success AND attribution = 'exact' AND connect_time >= $1 AND connect_time < $2
GROUP BY 1, 2
ORDER BY 1, 2
