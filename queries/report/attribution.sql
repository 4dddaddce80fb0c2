-- report figures exact_pct, ambiguous_pct, unattributed_pct: the share of successful
-- database sessions connected in [$1, $2) by attribution (docs/attribution.md), in
-- percent rounded to one decimal; NULL when there was no session.
SELECT
  round(100.0 * SUM(CASE WHEN attribution = 'exact' THEN 1 ELSE 0 END) / NULLIF(COUNT(*), 0), 1) AS exact_pct,
  round(100.0 * SUM(CASE WHEN attribution = 'ambiguous' THEN 1 ELSE 0 END) / NULLIF(COUNT(*), 0), 1) AS ambiguous_pct,
  round(100.0 * SUM(CASE WHEN attribution = 'unattributed' THEN 1 ELSE 0 END) / NULLIF(COUNT(*), 0), 1) AS unattributed_pct
FROM attributed_sessions
WHERE success AND connect_time >= $1 AND connect_time < $2
