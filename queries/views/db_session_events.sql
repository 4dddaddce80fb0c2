-- Every db_events row with the session it belongs to (the documented session key
-- instance, connection_id, session_start; session_seq is the same key in a form that is
-- cheap to join on): the one span of its id in db_session_spans that contains the
-- row's place in db_events_ordered. Rows of an id before its first opening row belong
-- to session 0.
--
-- (Numbering every row with a running count over the whole table gave the same
-- answer, but sorted every row with all its columns for every question.)
SELECT r.*, s.session_seq, s.session_start
FROM db_events_ordered r
JOIN db_session_spans s
  ON s.instance = r.instance AND s.connection_id = r.connection_id
 -- The span's opening row comes first: earlier, or at the same time with the row not
 -- an opening row, or an opening row earlier in file order.
 AND (s.open_time IS NULL OR s.open_time < r.event_time
      OR (s.open_time = r.event_time
          AND (r.op_rank > 0 OR s.open_uri < r.source_uri
               OR (s.open_uri = r.source_uri AND s.open_offset <= r.source_offset))))
 -- … and the next opening row comes after.
 AND (s.next_time IS NULL OR r.event_time < s.next_time
      OR (r.event_time = s.next_time AND r.op_rank = 0
          AND (r.source_uri < s.next_uri
               OR (r.source_uri = s.next_uri AND r.source_offset < s.next_offset))))
