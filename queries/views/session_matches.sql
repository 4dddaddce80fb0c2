-- Each database session with each federated session that could be behind it
-- (docs/attribution.md, R3): the federated session's tag value equals the db user
-- (exact_value), or equals it only case-insensitively (IAM would not have signed a
-- token for that user, but attributed_sessions reports it), and its window
-- [start − skew, expiry + skew] holds the connect time.
--
-- ip_match, for exact matches: the db client IP is the source IP of another CloudTrail
-- call by the same role session (principal id = assumed role id) inside its window.
--
-- attributed_sessions reads these pairs for its candidates, their chosen federated
-- session, the sessions without one and the case-only matches. As a common table
-- expression there, DataFusion computed the join at each use, five times in all (at
-- 100 M db events about a second of a core each); as a view of its own it is computed
-- once and held with the other attribution views.
WITH matches AS (
  SELECT s.instance, s.connection_id, s.session_seq, s.connect_time, s.client_host,
         r.federation_event_id, r.person, r.person_key, r.on_behalf_of_user_id,
         r.assumed_role_id, r.session_start, r.session_expiry,
         r.tag_key, r.tag_key_source, r.tag_value,
         r.tag_value = s.db_user AS exact_value
  FROM db_sessions s
  JOIN role_sessions r
    ON lower(r.tag_value) = lower(s.db_user)
   AND s.connect_time >= r.window_start AND s.connect_time <= r.window_end
),
-- The source IPs of the other calls of the role sessions that are candidates (a
-- question about a few connections reads the calls of a few role sessions).
ip_witness AS (
  SELECT DISTINCT r.federation_event_id, w.source_ip
  FROM (SELECT DISTINCT federation_event_id, assumed_role_id, session_start, session_expiry
        FROM matches WHERE exact_value) r
  JOIN cloudtrail_events w
    ON w.principal_id = r.assumed_role_id
   AND w.event_time >= r.session_start AND w.event_time <= r.session_expiry
  WHERE w.source_ip IS NOT NULL AND w.event_name <> 'AssumeRoleWithSAML'
)
SELECT m.*, m.exact_value AND x.source_ip IS NOT NULL AS ip_match
FROM matches m
LEFT JOIN ip_witness x
  ON m.exact_value AND x.federation_event_id = m.federation_event_id AND x.source_ip = m.client_host
