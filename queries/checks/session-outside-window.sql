-- session-outside-window: successful IAM-authenticated database logins (auth_method
-- 'iam', from the PostgreSQL log or the inventory) that no federated session for that
-- db user was open for: federated sessions with the db user's tag value exist, but
-- none whose window [start − skew, expiry + skew] holds the connect time
-- (attributed_sessions reason "no federated session open at connect", R5.5 of
-- docs/attribution.md). A token was signed by someone the federation evidence does not
-- show. One finding per (instance, db user, nearest federated session), with that
-- session and by how many minutes each login missed it (past the expiry, or before the
-- start; the skew is on top).
WITH settings AS (SELECT skew_seconds FROM attribution_settings),
outside AS (
  SELECT instance, connection_id, session_seq, db_user, client_host, connect_time, reason,
         concat(instance, ':', CAST(connection_id AS VARCHAR), ':', CAST(session_seq AS VARCHAR)) AS session_ref
  FROM attributed_sessions
  WHERE attribution = 'unattributed' AND success AND auth_method = 'iam'
    AND reason LIKE 'no federated session open at connect%'
    AND connect_time >= $1 AND connect_time < $2
),
nearest AS (
  SELECT * FROM (
    SELECT o.*, r.federation_event_id, r.person, r.session_start, r.session_expiry,
           CASE WHEN o.connect_time > r.session_expiry THEN 'after expiry' ELSE 'before start' END AS side,
           (CASE WHEN o.connect_time > r.session_expiry
                 THEN CAST(o.connect_time AS BIGINT) - CAST(r.session_expiry AS BIGINT)
                 ELSE CAST(r.session_start AS BIGINT) - CAST(o.connect_time AS BIGINT) END) / 1000000 AS missed_seconds,
           row_number() OVER (
             PARTITION BY o.instance, o.connection_id, o.session_seq
             ORDER BY CASE WHEN o.connect_time > r.session_expiry
                           THEN CAST(o.connect_time AS BIGINT) - CAST(r.session_expiry AS BIGINT)
                           ELSE CAST(r.session_start AS BIGINT) - CAST(o.connect_time AS BIGINT) END,
                      r.federation_event_id) AS rn
    FROM outside o
    JOIN role_sessions r ON r.tag_value = o.db_user
  ) WHERE rn = 1
)
SELECT db_user AS subject,
       concat(CAST(count(*) AS VARCHAR), ' IAM login(s) as ', db_user, ' on ', instance,
              ' with no federated session open: ',
              CASE WHEN MIN(side) = MAX(side) AND MIN(side) = 'after expiry'
                   THEN concat('the nearest, ', federation_event_id, ' of ', person, ', expired ')
                   WHEN MIN(side) = MAX(side)
                   THEN concat('the nearest, ', federation_event_id, ' of ', person, ', started ')
                   ELSE concat('the nearest, ', federation_event_id, ' of ', person, ', was ') END,
              CASE WHEN MIN(missed_seconds) = MAX(missed_seconds)
                   THEN CAST(MIN(missed_seconds) / 60 AS VARCHAR)
                   ELSE concat(CAST(MIN(missed_seconds) / 60 AS VARCHAR), ' to ', CAST(MAX(missed_seconds) / 60 AS VARCHAR)) END,
              CASE WHEN MIN(side) = MAX(side) AND MIN(side) = 'after expiry' THEN ' min before'
                   WHEN MIN(side) = MAX(side) THEN ' min after'
                   ELSE ' min away' END) AS summary,
       named_struct(
         'instance', instance,
         'nearest_federation_event_id', federation_event_id,
         'nearest_person', person,
         'nearest_session_start', session_start,
         'nearest_session_expiry', session_expiry,
         'skew_seconds', MAX(s.skew_seconds),
         'logins', array_agg(named_struct('session', session_ref, 'connect_time', connect_time,
                                          'client_host', client_host, 'missed', side,
                                          'missed_minutes', missed_seconds / 60, 'reason', reason)
                             ORDER BY connect_time, session_ref)
       ) AS evidence,
       MIN(connect_time) AS first_seen,
       MAX(connect_time) AS last_seen,
       count(*) AS count
FROM nearest CROSS JOIN settings s
GROUP BY instance, db_user, federation_event_id, person, session_start, session_expiry
-- Ties in the findings' order (same subject and first_seen) follow this order.
ORDER BY instance, db_user, MIN(connect_time)
