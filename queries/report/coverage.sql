-- report scope: per source of evidence, what it covers in [$1, $2): the first and the
-- last event and how many. source: cloudtrail (federated_sessions and
-- cloudtrail_events, scope = account/region), db-audit (db_events, scope = instance),
-- okta (idp_events), saml (saml_assertions, scope = issuer).
-- The db events of the minutes wholly inside the period are counted from
-- db_event_minutes (the session index stores it: a week at 5000 people is 34 M events);
-- those of a minute the period cuts, from db_events.
SELECT source, scope, MIN(first_t) AS first_event, MAX(last_t) AS last_event, SUM(n) AS events
FROM (
  SELECT 'cloudtrail' AS source, concat(account_id, '/', region) AS scope,
         event_time AS first_t, event_time AS last_t, 1 AS n
  FROM federated_sessions WHERE event_time >= $1 AND event_time < $2
  UNION ALL
  SELECT 'cloudtrail' AS source, concat(account_id, '/', region) AS scope,
         event_time AS first_t, event_time AS last_t, 1 AS n
  FROM cloudtrail_events WHERE event_time >= $1 AND event_time < $2
  UNION ALL
  SELECT 'db-audit' AS source, instance AS scope, first_time AS first_t, last_time AS last_t,
         events AS n
  FROM db_event_minutes WHERE minute >= $1 AND minute + INTERVAL '1 minute' <= $2
  UNION ALL
  SELECT 'db-audit' AS source, instance AS scope, event_time AS first_t, event_time AS last_t,
         1 AS n
  FROM db_events
  WHERE event_time >= $1 AND event_time < $2
    AND (event_time < date_trunc('minute', $1 - INTERVAL '1 microsecond') + INTERVAL '1 minute'
         OR event_time >= date_trunc('minute', $2))
  UNION ALL
  SELECT 'okta' AS source, 'okta' AS scope, published AS first_t, published AS last_t, 1 AS n
  FROM idp_events WHERE published >= $1 AND published < $2
  UNION ALL
  SELECT 'saml' AS source, COALESCE(issuer, '') AS scope, issue_instant AS first_t,
         issue_instant AS last_t, 1 AS n
  FROM saml_assertions WHERE issue_instant >= $1 AND issue_instant < $2
)
GROUP BY source, scope
ORDER BY source, scope
