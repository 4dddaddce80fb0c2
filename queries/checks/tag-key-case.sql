-- tag-key-case: one tag key spelled with different case in different places — session
-- tags (principal tags of the federated sessions in the period), RDS resource tags
-- (rds_instances.tags) and policies (`aws:PrincipalTag/<Key>`, `aws:ResourceTag/<Key>`,
-- `aws:RequestTag/<Key>`, `rds:db-tag/<Key>` in the policy documents in force in the
-- period, and db_grants.tag_key). One finding per key, compared lowercased (the
-- subject), listing each spelling with where it was seen and the sessions carrying it.
--
-- IAM resolves `${aws:PrincipalTag/…}` case-insensitively, so attribution still works;
-- but resource tags, tag policies and downstream tools compare keys exactly, so an ABAC
-- condition comparing a session tag with a resource tag breaks on the drift.
-- count: the sightings (sessions + instances + policy documents) of every spelling.
WITH sessions AS (
  SELECT federation_event_id, federation_time, tag_key AS k
  FROM session_tags
  WHERE federation_time >= $1 AND federation_time < $2
),
resources AS (
  SELECT identifier, unnest(map_keys(tags)) AS k FROM rds_instances
),
documents AS (
  SELECT concat(principal_kind, ' ', principal_name, ' (', policy_name, ')') AS policy,
         array_pop_front(string_to_array(
           regexp_replace(document, '(?i)(aws:PrincipalTag|aws:ResourceTag|aws:RequestTag|rds:db-tag)/', chr(1), 'g'),
           chr(1))) AS pieces
  FROM iam_policy_documents
  WHERE document IS NOT NULL AND document_error IS NULL
    AND (origin = 'file' OR (valid_from < $2 AND (valid_until IS NULL OR valid_until > $1)))
),
policies AS (
  SELECT policy, regexp_match(piece, '^([^}"]+)')[1] AS k
  FROM (SELECT policy, unnest(pieces) AS piece FROM documents)
  UNION ALL
  SELECT concat(principal_kind, ' ', principal_name, ' (', policy_name, ')') AS policy, tag_key AS k
  FROM db_grants
  WHERE tag_key IS NOT NULL
    AND (origin = 'file' OR (valid_from < $2 AND (valid_until IS NULL OR valid_until > $1)))
),
seen AS (
  SELECT k, 'session' AS place, federation_event_id, federation_time,
         CAST(NULL AS VARCHAR) AS instance, CAST(NULL AS VARCHAR) AS policy
  FROM sessions
  UNION ALL
  SELECT k, 'resource tag', NULL, NULL, identifier, NULL FROM resources
  UNION ALL
  SELECT k, 'policy', NULL, NULL, NULL, policy FROM policies WHERE k IS NOT NULL AND k <> ''
),
variants AS (
  SELECT lower(k) AS lkey, k,
         array_sort(array_agg(DISTINCT place)) AS places,
         COALESCE(array_sort(array_agg(DISTINCT federation_event_id) FILTER (WHERE federation_event_id IS NOT NULL)), make_array()) AS federation_event_ids,
         COALESCE(array_sort(array_agg(DISTINCT instance) FILTER (WHERE instance IS NOT NULL)), make_array()) AS instances,
         COALESCE(array_sort(array_agg(DISTINCT policy) FILTER (WHERE policy IS NOT NULL)), make_array()) AS policy_list,
         count(DISTINCT federation_event_id) AS n_sessions,
         count(DISTINCT instance) AS n_instances,
         count(DISTINCT policy) AS n_policies,
         MIN(federation_time) AS first_seen,
         MAX(federation_time) AS last_seen
  FROM seen
  GROUP BY lower(k), k
),
described AS (
  SELECT *,
         -- array_to_string skips the NULLs of the places a spelling was not seen.
         concat(k, ' (', array_to_string(make_array(
           CASE WHEN n_sessions > 0 THEN concat(CAST(n_sessions AS VARCHAR), ' session(s)') END,
           CASE WHEN n_instances > 0 THEN concat(CAST(n_instances AS VARCHAR), ' RDS instance(s)') END,
           CASE WHEN n_policies > 0 THEN concat(CAST(n_policies AS VARCHAR), ' policy document(s)') END), ', '),
           ')') AS description
  FROM variants
)
SELECT lkey AS subject,
       concat('tag key ', lkey, ' is spelled ', CAST(count(*) AS VARCHAR), ' ways: ',
              array_to_string(array_agg(description ORDER BY k), ', ')) AS summary,
       named_struct(
         'variants', array_agg(named_struct(
           'key', k,
           'seen_in', places,
           'federation_event_ids', federation_event_ids,
           'instances', instances,
           'policies', policy_list) ORDER BY k)
       ) AS evidence,
       MIN(first_seen) AS first_seen,
       MAX(last_seen) AS last_seen,
       sum(n_sessions + n_instances + n_policies) AS count
FROM described
GROUP BY lkey
HAVING count(*) >= 2
