-- report chart: successful database sessions per day (UTC) of [$1, $2) by attribution
-- (exact, ambiguous, unattributed).
SELECT date_trunc('day', connect_time) AS day, attribution, COUNT(*) AS sessions
FROM attributed_sessions
WHERE success AND connect_time >= $1 AND connect_time < $2
GROUP BY 1, 2
ORDER BY 1, 2
