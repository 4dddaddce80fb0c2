-- who_accessed's rows as who.sql reads them, rebuilt from the stored accesses of the
-- table asked about over the period's days (table_accesses) and the stored attribution
-- of their sessions, for `who` over whole UTC days. Per entry, one row per action (at
-- the entry's first time, with its first query id) and one per query id (at its last
-- time, with its first action): a session's actions, first and last times and distinct
-- query ids (a NULL counted once) are then those of the rows the entries were stored
-- from, so who.sql gives the answer the events give. A row names the table by its
-- database and object (the key split at its first dot) and has no statement.
WITH accesses AS (
  SELECT t.table_key, t.instance, t.connection_id, t.session_seq, t.first_seen, t.last_seen,
         t.actions, t.query_ids, a.person, a.db_user, a.attribution, a.candidates,
         a.confidence, a.mfa_status, a.client_host, a.federation_event_id, a.reason,
         a.mfa_evidence
  FROM table_accesses t
  JOIN attributed_sessions a
    ON t.instance = a.instance AND t.connection_id = a.connection_id
   AND t.session_seq = a.session_seq
),
rows_of AS (
  SELECT *, first_seen AS event_time, unnest(actions) AS action, query_ids[1] AS query_id
  FROM accesses
  UNION ALL
  SELECT *, last_seen AS event_time, actions[1] AS action, unnest(query_ids) AS query_id
  FROM accesses
)
SELECT person, db_user, instance, attribution, candidates, connection_id, session_seq,
       confidence, mfa_status, client_host, federation_event_id, reason, mfa_evidence,
       event_time, action, query_id,
       split_part(table_key, '.', 1) AS database,
       substr(table_key, strpos(table_key, '.') + 1) AS object,
       CAST(NULL AS VARCHAR) AS statement
FROM rows_of
