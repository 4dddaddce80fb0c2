-- One row per Okta single sign-on to an AWS app (`user.authentication.sso`), with the
-- MFA evidence of its Okta session: what CloudTrail's `mfaAuthenticated: false` on
-- federated sessions cannot say.
--
-- Rules:
-- * An app is an AWS app when its display name is `AWS IAM Identity Center` or
--   `AWS Account Federation` (Okta's OIN names), or its app name (the target's
--   `alternateId`) starts with `amazon_aws`.
-- * Failed SSO attempts are kept (outcome_result says so).
-- * mfa_verified comes from idp_sessions for the event's session: true when the session
--   passed MFA, false when the session is known but has no MFA, null when the event has
--   no session id (missing or `unknown`), since nothing can then be said.
-- * mfa_factor / mfa_time: the session's first MFA (see idp_sessions); mfa_time may be
--   later than the SSO.
SELECT
  e.uuid,
  e.published,
  e.actor_alternate_id,
  e.actor_display_name,
  e.external_session_id,
  e.target_app_name AS app_name,
  e.target_app_display_name AS app_display_name,
  e.target_app_id AS app_id,
  e.outcome_result,
  e.client_ip,
  CASE
    WHEN e.external_session_id IS NULL OR e.external_session_id = 'unknown' THEN CAST(NULL AS BOOLEAN)
    ELSE COALESCE(s.mfa_verified, false)
  END AS mfa_verified,
  s.mfa_factor,
  s.mfa_time
FROM idp_events e
LEFT JOIN idp_sessions s ON s.external_session_id = e.external_session_id
WHERE e.event_type = 'user.authentication.sso'
  AND (e.target_app_display_name IN ('AWS IAM Identity Center', 'AWS Account Federation')
       OR starts_with(e.target_app_name, 'amazon_aws'))
