-- tagtrail trace, link "SSO to AWS": Okta SSOs of person $1 to the AWS app in [$2, $3).
SELECT uuid AS id, published AS time, outcome_result = 'SUCCESS' AS success, CAST(NULL AS VARCHAR) AS reason
FROM idp_aws_sso
WHERE lower(actor_alternate_id) = lower($1) AND published >= $2 AND published < $3
ORDER BY published, uuid
