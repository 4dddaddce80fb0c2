-- One row per Okta sign-in session (`external_session_id`): who it belonged to, when it
-- was seen, and whether the person passed MFA in it. CloudTrail cannot show Okta MFA;
-- this view is where that evidence comes from (research notes §3).
--
-- Rules:
-- * Events without a session id, or with Okta's placeholder `unknown`, belong to no
--   session and are left out.
-- * actor_alternate_id / actor_display_name: the Okta login and name of the session's
--   `User` actor (any actor when no event has a User actor).
-- * mfa_verified is true iff the session holds a `user.authentication.auth_via_mfa` or
--   `user.authentication.verify` event with outcome SUCCESS that is not a password
--   check. Identity Engine logs the password itself as `user.authentication.verify`
--   (credential_type PASSWORD, authenticator "Password"); counting it would mark every
--   password-only sign-in as MFA.
-- * mfa_factor / mfa_time / mfa_event_id describe the first such event (earliest
--   `published`, then file order). The view says MFA happened in the session, not that
--   it preceded a given SSO: compare mfa_time with the SSO's time for that.
-- * events counts distinct event uuids, so overlapping exports do not inflate it.
WITH ev AS (
  SELECT *
  FROM idp_events
  WHERE external_session_id IS NOT NULL AND external_session_id <> 'unknown'
),
-- The first MFA event of each session: the least (`published`, `source_uri`,
-- `source_offset`), as one text `mfa_key` that sorts the same way, picked by a plain MIN
-- aggregate and a join back. A key is one event's, so every value is that event's.
-- (Ordered first_value aggregates cost 0.3 s of a core over 63 K sessions of one event
-- or two, a row_number() window 0.8 s.)
mfa_events AS (
  SELECT external_session_id, factor, published, uuid,
         concat(lpad(CAST(CAST(published AS BIGINT) AS VARCHAR), 20, '0'), chr(1), source_uri, chr(1),
                lpad(CAST(source_offset AS VARCHAR), 20, '0')) AS mfa_key
  FROM ev
  WHERE event_type IN ('user.authentication.auth_via_mfa', 'user.authentication.verify')
    AND outcome_result = 'SUCCESS'
    AND COALESCE(credential_type, '') <> 'PASSWORD'
    AND COALESCE(UPPER(factor), '') <> 'PASSWORD'
),
mfa AS (
  SELECT m.external_session_id, m.factor, m.published, m.uuid
  FROM mfa_events m
  JOIN (SELECT external_session_id, MIN(mfa_key) AS mfa_key FROM mfa_events GROUP BY external_session_id) f
    ON m.external_session_id = f.external_session_id AND m.mfa_key = f.mfa_key
),
sessions AS (
  SELECT
    external_session_id,
    COALESCE(MAX(actor_alternate_id) FILTER (WHERE actor_type = 'User'),
             MAX(actor_alternate_id)) AS actor_alternate_id,
    COALESCE(MAX(actor_display_name) FILTER (WHERE actor_type = 'User'),
             MAX(actor_display_name)) AS actor_display_name,
    MIN(published) AS first_seen,
    MAX(published) AS last_seen,
    COUNT(DISTINCT uuid) AS events
  FROM ev
  GROUP BY external_session_id
)
SELECT
  s.external_session_id,
  s.actor_alternate_id,
  s.actor_display_name,
  s.first_seen,
  s.last_seen,
  m.uuid IS NOT NULL AS mfa_verified,
  m.factor AS mfa_factor,
  m.published AS mfa_time,
  m.uuid AS mfa_event_id,
  s.events
FROM sessions s
LEFT JOIN mfa m ON m.external_session_id = s.external_session_id
