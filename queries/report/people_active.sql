-- report figure people_active: distinct people (SAML subject, per issuer) with at least
-- one successful federated session (AssumeRoleWithSAML) or an exactly attributed
-- database session in [$1, $2).
SELECT COUNT(DISTINCT person_key) AS people_active
FROM (
  SELECT person_key FROM role_sessions
  WHERE federation_time >= $1 AND federation_time < $2
  UNION ALL
  SELECT person_key FROM attributed_sessions
  WHERE attribution = 'exact' AND connect_time >= $1 AND connect_time < $2
)
