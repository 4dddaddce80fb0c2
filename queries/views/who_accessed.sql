-- Every statement and table access, with the person behind its session. `action` is
-- the SQL verb of query rows (SELECT, UPDATE, …), the pgaudit command, or the MySQL
-- TABLE event (READ, WRITE, …).
SELECT
  e.event_time,
  e.instance,
  e.engine,
  a.db_user,
  a.client_host,
  e.connection_id,
  e.session_seq,
  a.connect_time,
  e.query_id,
  e.operation,
  CASE WHEN e.operation LIKE 'AUDIT_%' THEN e.command
       WHEN e.operation LIKE 'QUERY%'
       THEN upper(regexp_match(e.statement, '^(?s)\s*(?:/\*.*?\*/\s*)*[(\s]*([A-Za-z]+)')[1])
       ELSE e.operation END AS action,
  e.database,
  e.object,
  e.statement,
  e.statement_truncated,
  e.return_code,
  a.attribution,
  a.confidence,
  a.person,
  a.candidates,
  a.mfa_status,
  a.mfa_evidence,
  a.federation_event_id,
  a.reason,
  e.source_uri,
  e.source_offset
FROM db_session_events e
JOIN attributed_sessions a
  ON e.instance = a.instance AND e.connection_id = a.connection_id AND e.session_seq = a.session_seq
WHERE e.operation NOT IN ('CONNECT', 'DISCONNECT', 'FAILED_CONNECT', 'CHANGEUSER', 'PROXY_CONNECT',
                          'CONNECTION_RECEIVED', 'AUTHENTICATED')
