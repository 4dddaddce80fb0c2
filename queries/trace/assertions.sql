-- tagtrail trace, link "SAML attributes": ingested assertions about person $1 in [$2, $3).
SELECT assertion_id, source_uri, source_offset, audience, recipient, roles,
       map_keys(principal_tags) AS tag_keys, map_values(principal_tags) AS tag_values,
       map_keys(access_control) AS ac_keys, map_values(access_control) AS ac_values
FROM saml_assertions
WHERE lower(name_id) = lower($1) AND issue_instant >= $2 AND issue_instant < $3
ORDER BY issue_instant, assertion_id
