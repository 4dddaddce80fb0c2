-- report scope: per source of evidence, what it covers in [$1, $2): the first and the
-- last event and how many. source: cloudtrail (federated_sessions and
-- cloudtrail_events, scope = account/region), db-audit (db_events, scope = instance),
-- okta (idp_events), saml (saml_assertions, scope = issuer).
SELECT source, scope, MIN(t) AS first_event, MAX(t) AS last_event, COUNT(*) AS events
FROM (
  SELECT 'cloudtrail' AS source, concat(account_id, '/', region) AS scope, event_time AS t
  FROM federated_sessions
  UNION ALL
  SELECT 'cloudtrail', concat(account_id, '/', region), event_time FROM cloudtrail_events
  UNION ALL
  SELECT 'db-audit', instance, event_time FROM db_events
  UNION ALL
  SELECT 'okta', 'okta', published FROM idp_events
  UNION ALL
  SELECT 'saml', COALESCE(issuer, ''), issue_instant FROM saml_assertions
)
WHERE t >= $1 AND t < $2
GROUP BY source, scope
ORDER BY source, scope
