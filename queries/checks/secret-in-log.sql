-- secret-in-log: database log entries that carried a secret (a password literal, an IAM
-- auth token, an AWS secret), one finding per (instance, db user, kind of secret).
-- Rules:
--
-- * Ingestion removes the secret and marks the row (db_events.redacted, secret_kind;
--   src/sources/redact.rs): the lake never holds the secret, so neither can a finding.
--   What is reported is where (instance, file and line, db user, client, connection)
--   and when, and the statement as stored, with `<redacted>` in place of the secret.
-- * A mask the server wrote itself (MariaDB `IDENTIFIED BY *****`) is not a secret and
--   carries no flag.
WITH e AS (
  SELECT instance, engine, event_time, COALESCE(db_user, '(unknown)') AS db_user, client_host,
         connection_id, operation, secret_kind, source_uri, source_offset,
         COALESCE(statement, message) AS redacted_text
  FROM db_events
  WHERE redacted AND event_time >= $1 AND event_time < $2
)
SELECT db_user AS subject,
       concat(CAST(count(*) AS VARCHAR), ' ', secret_kind, '(s) written to the ',
              CASE WHEN MAX(engine) = 'postgres' THEN 'PostgreSQL' ELSE 'MariaDB/MySQL audit' END,
              ' log of ', instance, ' by statements of ', db_user,
              ': anyone who can read the log has it; change it') AS summary,
       named_struct(
         'instance', instance,
         'secret_kind', secret_kind,
         'occurrences', array_agg(named_struct(
             'event_time', event_time,
             'source_uri', source_uri,
             'source_offset', source_offset,
             'db_user', db_user,
             'client_host', client_host,
             'connection_id', connection_id,
             'operation', operation,
             'redacted_text', redacted_text)
           ORDER BY event_time, source_uri, source_offset)
       ) AS evidence,
       MIN(event_time) AS first_seen,
       MAX(event_time) AS last_seen,
       count(*) AS count
FROM e
GROUP BY instance, db_user, secret_kind
