-- tagtrail trace: the people behind $1, a person (SAML subject / Okta login) or a db user
-- (the people whose session tag names it, in any case, or its sessions were attributed to).
SELECT DISTINCT person FROM (
  SELECT person FROM role_sessions WHERE lower(person) = lower($1) OR lower(tag_value) = lower($1)
  UNION ALL SELECT actor_alternate_id FROM idp_events WHERE lower(actor_alternate_id) = lower($1)
  UNION ALL SELECT person FROM attributed_sessions WHERE db_user = $1
  UNION ALL SELECT name_id FROM saml_assertions WHERE lower(name_id) = lower($1)
) p
WHERE person IS NOT NULL
ORDER BY person
