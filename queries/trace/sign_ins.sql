-- tagtrail trace, link "IdP sign-in": Okta sign-ins of person $1 in [$2, $3).
SELECT uuid AS id, published AS time, outcome_result = 'SUCCESS' AS success, outcome_reason AS reason
FROM idp_events
WHERE lower(actor_alternate_id) = lower($1) AND event_type = 'user.session.start'
  AND published >= $2 AND published < $3
ORDER BY published, uuid
