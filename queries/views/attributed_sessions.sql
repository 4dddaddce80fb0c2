-- Each database session with the person behind it (docs/attribution.md).
--
-- Candidates: federated sessions (role_sessions) whose tag_value equals the db user
-- exactly and whose window [start − skew, expiry + skew] holds the connect time. A tag
-- value that equals the db user only case-insensitively is not a candidate (IAM would
-- not have signed a token for that user) but is reported (case_mismatch).
--
-- attribution / confidence:
-- * one person (person_key)      → exact;      confidence high when the db client IP is
--   the source IP of another CloudTrail call by the same role session (principal id =
--   assumed role id) inside its window, else medium;
-- * several persons              → ambiguous;  confidence low, every candidate listed;
-- * none                         → unattributed; confidence none, with the reason.
-- The federated session behind an exact attribution is the person's IP-corroborated
-- candidate, else the latest that began before the connect, else the earliest; its MFA
-- status is reported.
WITH settings AS (SELECT * FROM attribution_settings),
inventory AS (
  SELECT u.instance, u.user_name, bool_or(u.iam) AS iam, MAX(u.auth_plugin) AS auth_plugin
  FROM db_users u
  JOIN (SELECT instance, user_name, MAX(observed_at) AS at FROM db_users GROUP BY instance, user_name) l
    ON u.instance = l.instance AND u.user_name = l.user_name AND u.observed_at = l.at
  GROUP BY u.instance, u.user_name
),
matches AS (
  SELECT s.instance, s.connection_id, s.session_seq, s.connect_time, s.client_host,
         r.*, r.tag_value = s.db_user AS exact_value
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
),
candidates AS (
  SELECT m.*, x.source_ip IS NOT NULL AS ip_match
  FROM matches m
  LEFT JOIN ip_witness x
    ON x.federation_event_id = m.federation_event_id AND x.source_ip = m.client_host
  WHERE m.exact_value
),
-- Plain array_agg, then array_distinct: a DISTINCT aggregate keeps one accumulator
-- per group, and over 45 K sessions with candidates that took 2 s and 1 GB.
per_session AS (
  SELECT instance, connection_id, session_seq,
         array_sort(array_distinct(array_agg(person))) AS candidates,
         CAST(cardinality(array_distinct(array_agg(person_key))) AS BIGINT) AS persons,
         array_sort(array_distinct(array_agg(federation_event_id))) AS federation_event_ids,
         MIN(tag_key) AS tag_key,
         MIN(tag_key_source) AS tag_key_source
  FROM candidates
  GROUP BY instance, connection_id, session_seq
),
chosen AS (
  SELECT * FROM (
    SELECT c.*, row_number() OVER (
             PARTITION BY c.instance, c.connection_id, c.session_seq
             ORDER BY c.ip_match DESC, c.session_start <= c.connect_time DESC,
                      CASE WHEN c.session_start <= c.connect_time THEN c.session_start END DESC,
                      c.session_start ASC) AS rn
    FROM candidates c
  ) WHERE rn = 1
),
case_only AS (
  SELECT instance, connection_id, session_seq,
         array_sort(array_agg(DISTINCT concat(person, ' (', tag_key, '=', tag_value, ')'))) AS case_mismatch
  FROM matches WHERE NOT exact_value
  GROUP BY instance, connection_id, session_seq
),
nearest AS (
  -- For sessions without a candidate: the closest federated session with the db user's
  -- tag value, before or after.
  SELECT s.instance, s.connection_id, s.session_seq,
         MIN(CASE WHEN s.connect_time > r.window_end
                  THEN (CAST(s.connect_time AS BIGINT) - CAST(r.session_expiry AS BIGINT)) / 60000000 END) AS expired_minutes_before,
         MIN(CASE WHEN s.connect_time < r.window_start
                  THEN (CAST(r.session_start AS BIGINT) - CAST(s.connect_time AS BIGINT)) / 60000000 END) AS starts_minutes_after,
         COUNT(*) AS tagged_sessions
  FROM db_sessions s
  JOIN role_sessions r ON r.tag_value = s.db_user
  GROUP BY s.instance, s.connection_id, s.session_seq
)
SELECT
  s.*,
  CASE WHEN p.persons IS NULL THEN 'unattributed'
       WHEN p.persons = 1 THEN 'exact'
       ELSE 'ambiguous' END AS attribution,
  CASE WHEN p.persons IS NULL THEN 'none'
       WHEN p.persons > 1 THEN 'low'
       WHEN c.ip_match THEN 'high'
       ELSE 'medium' END AS confidence,
  CASE WHEN p.persons = 1 THEN c.person END AS person,
  CASE WHEN p.persons = 1 THEN c.person_key END AS person_key,
  CASE WHEN p.persons = 1 THEN c.on_behalf_of_user_id END AS on_behalf_of_user_id,
  p.candidates,
  p.federation_event_ids,
  CASE WHEN p.persons = 1 THEN c.federation_event_id END AS federation_event_id,
  COALESCE(p.tag_key, st.tag_key) AS tag_key,
  p.tag_key_source,
  CASE WHEN p.persons = 1 THEN m.mfa_status END AS mfa_status,
  CASE WHEN p.persons = 1 THEN m.mfa_evidence END AS mfa_evidence,
  CASE WHEN p.persons = 1 AND c.ip_match THEN concat('client ', s.client_host, ' also made AWS calls as ', c.assumed_role_id)
       WHEN p.persons = 1 THEN concat('time only: connect inside the window of ', c.federation_event_id,
                                      ' (', c.tag_key, '=', c.tag_value, ')')
       WHEN p.persons > 1 THEN concat(CAST(p.persons AS VARCHAR), ' people carried ', p.tag_key, '=', s.db_user,
                                      ' at connect time: ', array_to_string(p.candidates, ', '))
       WHEN s.db_user IS NULL THEN 'no database user in the log'
       WHEN i.iam = false THEN concat('password account per inventory (', COALESCE(i.auth_plugin, 'no IAM plugin'), ')')
       WHEN s.auth_method = 'password' THEN 'password login per the database log'
       WHEN co.case_mismatch IS NOT NULL THEN concat('tag value differs from the db user only in case: ',
                                                     array_to_string(co.case_mismatch, ', '))
       WHEN n.expired_minutes_before IS NOT NULL AND (n.starts_minutes_after IS NULL OR n.expired_minutes_before <= n.starts_minutes_after)
         THEN concat('no federated session open at connect: the nearest with ', s.db_user, ' expired ',
                     CAST(n.expired_minutes_before AS VARCHAR), ' min before')
       WHEN n.starts_minutes_after IS NOT NULL
         THEN concat('no federated session open at connect: the nearest with ', s.db_user, ' started ',
                     CAST(n.starts_minutes_after AS VARCHAR), ' min after')
       ELSE concat('no federated session carried the tag value ', s.db_user)
  END AS reason,
  co.case_mismatch,
  i.iam AS inventory_iam
FROM db_sessions s
CROSS JOIN settings st
LEFT JOIN per_session p
  ON s.instance = p.instance AND s.connection_id = p.connection_id AND s.session_seq = p.session_seq
LEFT JOIN chosen c
  ON s.instance = c.instance AND s.connection_id = c.connection_id AND s.session_seq = c.session_seq
LEFT JOIN session_mfa m ON m.federation_event_id = c.federation_event_id
LEFT JOIN case_only co
  ON s.instance = co.instance AND s.connection_id = co.connection_id AND s.session_seq = co.session_seq
LEFT JOIN nearest n
  ON s.instance = n.instance AND s.connection_id = n.connection_id AND s.session_seq = n.session_seq
LEFT JOIN inventory i ON i.instance = s.instance AND i.user_name = s.db_user
