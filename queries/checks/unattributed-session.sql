-- unattributed-session: successful database sessions that no federated session
-- explains, one finding per (instance, db user, kind of reason). The reasons are the
-- ones attributed_sessions gives (docs/attribution.md). evidence.sessions names the
-- first 100 sessions in sorted order (a service account logs hundreds of thousands a
-- week); count is all of them.
WITH s AS (
  SELECT *,
         concat(instance, ':', CAST(connection_id AS VARCHAR), ':', CAST(session_seq AS VARCHAR)) AS session_ref,
         CASE WHEN reason LIKE 'password %' THEN 'password account'
              WHEN reason LIKE 'tag value differs%' THEN 'tag value differs in case'
              WHEN reason LIKE 'no federated session open%' THEN 'outside every federated session'
              WHEN reason LIKE 'no database user%' THEN 'no database user in the log'
              ELSE 'no federated session carried the db user' END AS kind
  FROM attributed_sessions
  WHERE attribution = 'unattributed' AND success
    AND connect_time >= $1 AND connect_time < $2
)
SELECT COALESCE(db_user, '(unknown)') AS subject,
       concat(CAST(count(*) AS VARCHAR), ' session(s) of ', COALESCE(db_user, '(unknown)'), ' on ', instance,
              ' that no federated session explains: ', kind) AS summary,
       named_struct(
         'instance', instance,
         'reason', kind,
         'sessions', array_slice(array_sort(array_agg(session_ref)), 1, 100),
         'client_hosts', array_sort(array_agg(DISTINCT client_host)),
         'reasons', array_sort(array_agg(DISTINCT reason))
       ) AS evidence,
       MIN(connect_time) AS first_seen,
       MAX(connect_time) AS last_seen,
       count(*) AS count
FROM s
GROUP BY instance, db_user, kind
