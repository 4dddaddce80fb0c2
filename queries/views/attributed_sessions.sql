-- Each database session with the person behind it (docs/attribution.md).
--
-- Candidates: federated sessions (role_sessions) whose tag_value equals the db user
-- exactly and whose window [start − skew, expiry + skew] holds the connect time
-- (session_matches). A tag value that equals the db user only case-insensitively is not
-- a candidate (IAM would not have signed a token for that user) but is reported
-- (case_mismatch).
--
-- attribution / confidence:
-- * one person (person_key)      → exact;      confidence high when the db client IP is
--   the source IP of another CloudTrail call by the same role session (principal id =
--   assumed role id) inside its window, else medium;
-- * several persons              → ambiguous;  confidence low, every candidate listed;
-- * none                         → unattributed; confidence none, with the reason.
-- The federated session behind an exact attribution is the person's IP-corroborated
-- candidate, else the latest that began before the connect, else the earliest (equals:
-- the greatest federation_event_id); its MFA status is reported.
WITH settings AS (SELECT * FROM attribution_settings),
inventory AS (
  SELECT u.instance, u.user_name, bool_or(u.iam) AS iam, MAX(u.auth_plugin) AS auth_plugin
  FROM db_users u
  JOIN (SELECT instance, user_name, MAX(observed_at) AS at FROM db_users GROUP BY instance, user_name) l
    ON u.instance = l.instance AND u.user_name = l.user_name AND u.observed_at = l.at
  GROUP BY u.instance, u.user_name
),
-- The candidates: the exact matches of session_matches, with ip_match.
candidates AS (
  SELECT * FROM session_matches WHERE exact_value
),
-- The candidate behind each session: the IP-corroborated, then the latest that began
-- before the connect, else the earliest to begin; among equals, the greatest
-- federation_event_id. `pick` is text that sorts in that order, so per_session's plain
-- MAX of it names the candidate, joined back in `matched` (a row_number() window over
-- the candidates cost 0.27 s of a core over 56 K of them at 100 M db events, and left
-- equals to chance).
ranked AS (
  SELECT c.*,
         concat(CASE WHEN c.ip_match THEN '1' ELSE '0' END,
                CASE WHEN c.session_start <= c.connect_time
                     THEN concat('1', lpad(CAST(CAST(c.session_start AS BIGINT) AS VARCHAR), 20, '0'))
                     ELSE concat('0', lpad(CAST(9000000000000000000 - CAST(c.session_start AS BIGINT) AS VARCHAR), 20, '0'))
                END,
                chr(1), c.federation_event_id) AS pick
  FROM candidates c
),
-- Plain array_agg, then array_distinct: a DISTINCT aggregate keeps one accumulator
-- per group, and over 45 K sessions with candidates that took 2 s and 1 GB.
per_session AS (
  SELECT instance, connection_id, session_seq,
         array_sort(array_distinct(array_agg(person))) AS candidates,
         cardinality(array_distinct(array_agg(person_key))) AS persons,
         array_sort(array_distinct(array_agg(federation_event_id))) AS federation_event_ids,
         MIN(tag_key) AS tag_key,
         MIN(tag_key_source) AS tag_key_source,
         MAX(pick) AS pick
  FROM ranked
  GROUP BY instance, connection_id, session_seq
),
case_only AS (
  SELECT instance, connection_id, session_seq,
         array_sort(array_agg(DISTINCT concat(person, ' (', tag_key, '=', tag_value, ')'))) AS case_mismatch
  FROM session_matches WHERE NOT exact_value
  GROUP BY instance, connection_id, session_seq
),
nearest AS (
  -- For sessions without a candidate (the reason names it only for them): the closest
  -- federated session with the db user's tag value, before or after. (Over every
  -- session it joined each person's session to all their federated sessions: 3.7 M rows
  -- for 3.4 M sessions at 100 M db events.)
  SELECT s.instance, s.connection_id, s.session_seq,
         MIN(CASE WHEN s.connect_time > r.window_end
                  THEN (CAST(s.connect_time AS BIGINT) - CAST(r.session_expiry AS BIGINT)) / 60000000 END) AS expired_minutes_before,
         MIN(CASE WHEN s.connect_time < r.window_start
                  THEN (CAST(r.session_start AS BIGINT) - CAST(s.connect_time AS BIGINT)) / 60000000 END) AS starts_minutes_after
  FROM db_sessions s
  JOIN role_sessions r ON r.tag_value = s.db_user
  WHERE NOT EXISTS (SELECT 1 FROM per_session p
                    WHERE p.instance = s.instance AND p.connection_id = s.connection_id
                      AND p.session_seq = s.session_seq)
  GROUP BY s.instance, s.connection_id, s.session_seq
),
-- Everything the sessions with a candidate, a case-only match or a nearest federated
-- session add, one row per such session: joined among themselves while small, then
-- once to every session (four joins to every session, each copying all its columns,
-- cost a third of this view at 1.7 M sessions).
matched AS (
  SELECT p.*, c.ip_match, c.person, c.person_key, c.on_behalf_of_user_id,
         c.federation_event_id AS chosen_federation_event_id, c.assumed_role_id,
         c.tag_key AS chosen_tag_key, c.tag_value AS chosen_tag_value,
         m.mfa_status, m.mfa_evidence
  FROM per_session p
  JOIN ranked c
    ON p.instance = c.instance AND p.connection_id = c.connection_id AND p.session_seq = c.session_seq
   AND p.pick = c.pick
  LEFT JOIN session_mfa m ON m.federation_event_id = c.federation_event_id
),
others AS (
  SELECT COALESCE(co.instance, n.instance) AS instance,
         COALESCE(co.connection_id, n.connection_id) AS connection_id,
         COALESCE(co.session_seq, n.session_seq) AS session_seq,
         co.case_mismatch, n.expired_minutes_before, n.starts_minutes_after
  FROM case_only co
  FULL JOIN nearest n
    ON co.instance = n.instance AND co.connection_id = n.connection_id AND co.session_seq = n.session_seq
),
detail AS (
  SELECT COALESCE(x.instance, o.instance) AS d_instance,
         COALESCE(x.connection_id, o.connection_id) AS d_connection_id,
         COALESCE(x.session_seq, o.session_seq) AS d_session_seq,
         x.*, o.case_mismatch, o.expired_minutes_before, o.starts_minutes_after
  FROM matched x
  FULL JOIN others o
    ON x.instance = o.instance AND x.connection_id = o.connection_id AND x.session_seq = o.session_seq
)
SELECT
  s.*,
  CASE WHEN d.persons IS NULL THEN 'unattributed'
       WHEN d.persons = 1 THEN 'exact'
       ELSE 'ambiguous' END AS attribution,
  CASE WHEN d.persons IS NULL THEN 'none'
       WHEN d.persons > 1 THEN 'low'
       WHEN d.ip_match THEN 'high'
       ELSE 'medium' END AS confidence,
  CASE WHEN d.persons = 1 THEN d.person END AS person,
  CASE WHEN d.persons = 1 THEN d.person_key END AS person_key,
  CASE WHEN d.persons = 1 THEN d.on_behalf_of_user_id END AS on_behalf_of_user_id,
  d.candidates,
  d.federation_event_ids,
  CASE WHEN d.persons = 1 THEN d.chosen_federation_event_id END AS federation_event_id,
  COALESCE(d.tag_key, st.tag_key) AS tag_key,
  d.tag_key_source,
  CASE WHEN d.persons = 1 THEN d.mfa_status END AS mfa_status,
  CASE WHEN d.persons = 1 THEN d.mfa_evidence END AS mfa_evidence,
  CASE WHEN d.persons = 1 AND d.ip_match THEN concat('client ', s.client_host, ' also made AWS calls as ', d.assumed_role_id)
       WHEN d.persons = 1 THEN concat('time only: connect inside the window of ', d.chosen_federation_event_id,
                                      ' (', d.chosen_tag_key, '=', d.chosen_tag_value, ')')
       WHEN d.persons > 1 THEN concat(CAST(d.persons AS VARCHAR), ' people carried ', d.tag_key, '=', s.db_user,
                                      ' at connect time: ', array_to_string(d.candidates, ', '))
       WHEN s.db_user IS NULL THEN 'no database user in the log'
       WHEN i.iam = false THEN concat('password account per inventory (', COALESCE(i.auth_plugin, 'no IAM plugin'), ')')
       WHEN s.auth_method = 'password' THEN 'password login per the database log'
       WHEN d.case_mismatch IS NOT NULL THEN concat('tag value differs from the db user only in case: ',
                                                     array_to_string(d.case_mismatch, ', '))
       WHEN d.expired_minutes_before IS NOT NULL AND (d.starts_minutes_after IS NULL OR d.expired_minutes_before <= d.starts_minutes_after)
         THEN concat('no federated session open at connect: the nearest with ', s.db_user, ' expired ',
                     CAST(d.expired_minutes_before AS VARCHAR), ' min before')
       WHEN d.starts_minutes_after IS NOT NULL
         THEN concat('no federated session open at connect: the nearest with ', s.db_user, ' started ',
                     CAST(d.starts_minutes_after AS VARCHAR), ' min after')
       ELSE concat('no federated session carried the tag value ', s.db_user)
  END AS reason,
  d.case_mismatch,
  i.iam AS inventory_iam
FROM db_sessions s
CROSS JOIN settings st
LEFT JOIN detail d
  ON s.instance = d.d_instance AND s.connection_id = d.d_connection_id AND s.session_seq = d.d_session_seq
LEFT JOIN inventory i ON i.instance = s.instance AND i.user_name = s.db_user
