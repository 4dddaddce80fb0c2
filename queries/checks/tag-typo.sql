-- tag-typo: session tag values that look like a mistyped form of another value of the
-- same key, one finding per (key, value), naming the suggested value and every
-- federated session (event id) that carries the typo.
--
-- Rules:
-- * Which tags: every principal tag of the federated sessions in the period, keys
--   compared case-insensitively (as IAM does), except the session's db-user key
--   (role_sessions.tag_key): its values are people's database user names, and two
--   user names a letter apart (`jchen` / `jcheng`) are two people, not a typo. Also
--   except amr-style keys (`AuthMethods`, `amr`, `AuthnMethodsReferences`): their values
--   are protocol tokens the IdP writes.
-- * Near-duplicate of w, for v <> w: equal ignoring case ('case'); or equal once lowered
--   with runs of spaces, hyphens and underscores made one hyphen ('separators'); or, both
--   at least 5 characters, a Levenshtein distance of at most 2 ('edit distance').
-- * A key with a vocabulary (tag_vocabulary, keys case-insensitive): every value outside
--   it is a typo; the suggestion is its nearest near-duplicate in the vocabulary, if any.
--   Vocabulary values are never typos (of each other or of anything else).
-- * A key without one: v is a typo of w when w is a near-duplicate carried by more
--   people (a typo lives in one person's IdP profile and repeats in each of their
--   sessions), or by as many people in more sessions; a tie is not reported (nothing
--   says which spelling is right: give the key a vocabulary). The suggestion is the
--   closest such w (case before separators before edit distance, then the most common).
WITH tags AS (
  SELECT federation_event_id, federation_time, person, person_key, is_db_user_key, is_amr_key,
         tag_key AS k, tag_value AS v
  FROM session_tags
  WHERE federation_time >= $1 AND federation_time < $2
),
t AS (
  SELECT lower(k) AS lkey, k, v, federation_event_id, federation_time, person, person_key
  FROM tags
  WHERE v IS NOT NULL AND v <> ''
    AND NOT is_db_user_key
    AND NOT is_amr_key
),
vals AS (
  SELECT lkey, v,
         MIN(k) AS k,
         count(DISTINCT person_key) AS persons,
         count(DISTINCT federation_event_id) AS sessions,
         array_sort(array_agg(DISTINCT federation_event_id)) AS federation_event_ids,
         array_sort(array_agg(DISTINCT person)) AS person_list,
         MIN(federation_time) AS first_seen,
         MAX(federation_time) AS last_seen
  FROM t
  GROUP BY lkey, v
),
vocab AS (
  SELECT DISTINCT lower(tag_key) AS lkey, value FROM tag_vocabulary
),
vocab_keys AS (
  SELECT DISTINCT lkey FROM vocab
),
vals_v AS (
  SELECT a.*, vk.lkey IS NOT NULL AS has_vocab, x.value IS NOT NULL AS in_vocab
  FROM vals a
  LEFT JOIN vocab_keys vk ON vk.lkey = a.lkey
  LEFT JOIN vocab x ON x.lkey = a.lkey AND x.value = a.v
),
-- (value, candidate suggestion) pairs of one key, with how near they are.
pairs AS (
  SELECT a.lkey, a.v, b.w, b.w_persons, b.w_sessions, b.in_vocab,
         CASE WHEN lower(a.v) = lower(b.w) THEN 1
              WHEN regexp_replace(lower(a.v), '[ _-]+', '-', 'g') = regexp_replace(lower(b.w), '[ _-]+', '-', 'g') THEN 2
              WHEN character_length(a.v) >= 5 AND character_length(b.w) >= 5 AND levenshtein(a.v, b.w) <= 2 THEN 3
         END AS rank,
         levenshtein(a.v, b.w) AS distance
  FROM vals a
  JOIN (
    SELECT lkey, v AS w, persons AS w_persons, sessions AS w_sessions, false AS in_vocab FROM vals
    UNION ALL
    SELECT lkey, value AS w, 0 AS w_persons, 0 AS w_sessions, true AS in_vocab FROM vocab
  ) b ON b.lkey = a.lkey AND b.w <> a.v
),
suggestions AS (
  SELECT p.lkey, p.v, p.w, p.rank, p.distance
  FROM pairs p
  JOIN vals_v a ON a.lkey = p.lkey AND a.v = p.v
  WHERE p.rank IS NOT NULL AND NOT a.in_vocab
    AND CASE WHEN a.has_vocab THEN p.in_vocab
             ELSE p.w_persons > a.persons OR (p.w_persons = a.persons AND p.w_sessions > a.sessions)
        END
),
best AS (
  SELECT lkey, v, w, rank, distance FROM (
    SELECT s.*, row_number() OVER (
             PARTITION BY s.lkey, s.v
             ORDER BY s.rank, s.distance, COALESCE(c.persons, 0) DESC, COALESCE(c.sessions, 0) DESC, s.w) AS rn
    FROM suggestions s
    LEFT JOIN vals c ON c.lkey = s.lkey AND c.v = s.w
  ) WHERE rn = 1
),
typos AS (
  SELECT a.*, b.w AS suggested,
         CASE b.rank WHEN 1 THEN 'differs only in case'
                     WHEN 2 THEN CASE WHEN regexp_replace(a.v, '[ _-]+', '-', 'g') = regexp_replace(b.w, '[ _-]+', '-', 'g')
                                 THEN 'differs only in spaces, hyphens or underscores'
                                 ELSE 'differs only in case, spaces, hyphens or underscores' END
                     WHEN 3 THEN concat('edit distance ', CAST(b.distance AS VARCHAR))
         END AS how
  FROM vals_v a
  LEFT JOIN best b ON b.lkey = a.lkey AND b.v = a.v
  WHERE b.w IS NOT NULL OR (a.has_vocab AND NOT a.in_vocab)
)
SELECT concat(k, '=', v) AS subject,
       concat(k, '=', v,
              CASE WHEN has_vocab THEN concat(' is not in the vocabulary of ', k) ELSE '' END,
              CASE WHEN suggested IS NULL THEN ''
                   WHEN has_vocab THEN concat(' (did you mean ', suggested, '? ', how, ')')
                   ELSE concat(' looks like a typo of the more common ', suggested, ' (', how, ')')
              END,
              ': ', CAST(sessions AS VARCHAR), ' federated session(s) of ', CAST(persons AS VARCHAR),
              ' person(s)') AS summary,
       named_struct(
         'tag_key', k,
         'value', v,
         'suggested', suggested,
         'reason', CASE WHEN suggested IS NULL THEN 'not in the vocabulary'
                        WHEN has_vocab THEN concat('not in the vocabulary; ', how)
                        ELSE how END,
         'federation_event_ids', federation_event_ids,
         'persons', person_list
       ) AS evidence,
       first_seen,
       last_seen,
       sessions AS count
FROM typos
