-- iam-auth-disabled: instances and clusters with IAM database authentication off, one
-- finding per identifier. Rules:
-- * the state now is the latest of: each rds_instances observation (iam_auth), and each
--   successful CloudTrail ModifyDBInstance / ModifyDBCluster that sets
--   requestParameters.enableIAMDatabaseAuthentication (true or false); an identifier
--   whose state now is off is a finding (high) whatever the period;
-- * every successful ModifyDBInstance / ModifyDBCluster in the period that sets it to
--   false is a finding too, with who (actor, ARN, source IP) and when; when a later
--   inventory or CloudTrail event shows IAM auth on again, it is a past change and
--   the severity drops to medium.
-- Identifiers compare lowercased: RDS stores them so, requests may not write them so.
WITH changes AS (
  SELECT event_id, event_time, event_name, actor, identity_arn, source_ip,
         lower(COALESCE(json_string_at(request_parameters, 'dBInstanceIdentifier'),
                        json_string_at(request_parameters, 'dBClusterIdentifier'))) AS identifier,
         lower(json_string_at(request_parameters, 'enableIAMDatabaseAuthentication')) AS enable,
         json_string_at(request_parameters, 'applyImmediately') AS apply_immediately
  FROM cloudtrail_events
  WHERE event_name IN ('ModifyDBInstance', 'ModifyDBCluster') AND error_code IS NULL
),
states AS (
  SELECT lower(identifier) AS identifier, observed_at AS at, iam_auth AS iam,
         'inventory' AS source, CAST(NULL AS VARCHAR) AS who, 0 AS prio
  FROM rds_instances WHERE iam_auth IS NOT NULL
  UNION ALL
  SELECT identifier, event_time, enable = 'true', event_id,
         COALESCE(actor, identity_arn, 'an unknown caller'), 1
  FROM changes
  WHERE enable IN ('true', 'false') AND identifier IS NOT NULL
),
now_state AS (
  SELECT identifier, iam, at, source, who FROM (
    SELECT *, row_number() OVER (PARTITION BY identifier ORDER BY at DESC, prio DESC, source DESC) AS rn
    FROM states
  ) WHERE rn = 1
),
offs AS (
  SELECT identifier,
         array_agg(named_struct('event_id', event_id, 'event_name', event_name, 'event_time', event_time,
                                'actor', actor, 'identity_arn', identity_arn, 'source_ip', source_ip,
                                'apply_immediately', apply_immediately)
                   ORDER BY event_time, event_id) AS turned_off,
         MIN(event_time) AS first_seen,
         MAX(event_time) AS last_seen,
         last_value(concat(COALESCE(actor, identity_arn, 'an unknown caller'), ' at ', CAST(event_time AS VARCHAR))
                    ORDER BY event_time, event_id) AS latest_off,
         count(*) AS n
  FROM changes
  WHERE enable = 'false' AND identifier IS NOT NULL AND event_time >= $1 AND event_time < $2
  GROUP BY identifier
)
SELECT s.identifier AS subject,
       CASE WHEN s.iam THEN 'medium' ELSE 'high' END AS severity,
       concat('IAM database authentication ',
              CASE WHEN o.n IS NULL
                   THEN concat('is off on ', s.identifier,
                               CASE WHEN s.source = 'inventory' THEN ' (inventory)'
                                    ELSE concat(' (turned off by ', s.who, ' at ', CAST(s.at AS VARCHAR), ')') END)
                   ELSE concat('was turned off on ', s.identifier, ' by ', o.latest_off,
                               CASE WHEN o.n > 1 THEN concat(' (', CAST(o.n AS VARCHAR), ' times in the period)') ELSE '' END)
              END,
              CASE WHEN NOT s.iam AND o.n IS NOT NULL AND s.source = 'inventory' THEN '; the inventory since shows it still off'
                   WHEN NOT s.iam AND o.n IS NOT NULL THEN '; still off'
                   WHEN s.iam AND s.source = 'inventory' THEN '; the inventory since shows it on again'
                   WHEN s.iam THEN concat('; turned on again by ', s.who, ' at ', CAST(s.at AS VARCHAR))
                   ELSE '' END) AS summary,
       named_struct(
         'iam_auth_now', s.iam,
         'state_from', s.source,
         'state_at', s.at,
         'turned_off', COALESCE(o.turned_off, make_array())
       ) AS evidence,
       o.first_seen,
       o.last_seen,
       COALESCE(o.n, 1) AS count
FROM now_state s
LEFT JOIN offs o ON o.identifier = s.identifier
WHERE NOT s.iam OR o.n IS NOT NULL
