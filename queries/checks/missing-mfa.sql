-- missing-mfa: people who reached a database through federated sessions with no MFA
-- (absent: the IdP log shows the sign-in without a second factor; high) or no
-- evidence either way (unknown: no Okta log or assertion covers the sign-in; low).
-- One finding per (person, status).
WITH s AS (
  SELECT person, mfa_status, federation_event_id, mfa_evidence, connect_time,
         concat(instance, ':', CAST(connection_id AS VARCHAR), ':', CAST(session_seq AS VARCHAR)) AS session_ref
  FROM attributed_sessions
  WHERE attribution = 'exact' AND mfa_status IN ('absent', 'unknown')
    AND connect_time >= $1 AND connect_time < $2
)
SELECT person AS subject,
       CASE WHEN mfa_status = 'absent' THEN 'high' ELSE 'low' END AS severity,
       CASE WHEN mfa_status = 'absent'
            THEN concat(person, ' reached the database in ', CAST(count(DISTINCT federation_event_id) AS VARCHAR),
                        ' federated session(s) signed in without MFA')
            ELSE concat('no evidence of MFA for ', person, ' in ', CAST(count(DISTINCT federation_event_id) AS VARCHAR),
                        ' federated session(s) used for database access (no IdP log or assertion covers them)')
       END AS summary,
       named_struct(
         'mfa_status', mfa_status,
         'federation_event_ids', array_sort(array_agg(DISTINCT federation_event_id)),
         'sessions', array_sort(array_agg(session_ref)),
         'mfa_evidence', array_sort(array_agg(DISTINCT mfa_evidence))
       ) AS evidence,
       MIN(connect_time) AS first_seen,
       MAX(connect_time) AS last_seen,
       count(*) AS count
FROM s
GROUP BY person, mfa_status
