-- Each database session with the people who could have opened it: the subjects of
-- successful AssumeRoleWithSAML sessions whose `Username` tag (key compared
-- case-insensitively, as IAM resolves ${aws:PrincipalTag/Username}; value exactly)
-- equals the db user and whose window [session_start, session_expiry] contains the
-- connect time. exact = one person, ambiguous = several, unattributed = none.
WITH candidates AS (
  SELECT s.instance, s.connection_id, s.session_seq, f.subject, f.event_id
  FROM db_sessions s
  JOIN federated_sessions f
    ON principal_tag(f.principal_tags, 'Username') = s.db_user
  WHERE f.error_code IS NULL
    AND s.connect_time >= f.session_start
    AND s.connect_time <= f.session_expiry
),
per_session AS (
  SELECT instance, connection_id, session_seq,
         array_sort(array_agg(DISTINCT subject)) AS candidates,
         array_sort(array_agg(DISTINCT event_id)) AS federation_event_ids
  FROM candidates
  GROUP BY instance, connection_id, session_seq
)
SELECT
  s.*,
  CASE WHEN p.candidates IS NULL THEN 'unattributed'
       WHEN cardinality(p.candidates) = 1 THEN 'exact'
       ELSE 'ambiguous' END AS attribution,
  CASE WHEN cardinality(p.candidates) = 1 THEN p.candidates[1] END AS person,
  p.candidates,
  p.federation_event_ids
FROM db_sessions s
LEFT JOIN per_session p
  ON s.instance = p.instance AND s.connection_id = p.connection_id AND s.session_seq = p.session_seq
