-- tagtrail timeline: everything known about one person (SAML subject / Okta login) or
-- database user, in time order, in the columns Timesketch imports (datetime,
-- timestamp_desc, message) plus where each row came from. $1 = the person or db user,
-- [$2, $3) the period. A db user's timeline includes the people its sessions were
-- attributed to (or who are candidates of them).
WITH db AS (
  SELECT a.*,
         concat(a.instance, ':', CAST(a.connection_id AS VARCHAR), ':', CAST(a.session_seq AS VARCHAR)) AS session_ref
  FROM attributed_sessions a
  WHERE a.db_user = $1 OR lower(a.person) = lower($1) OR array_has(a.candidates, $1)
),
-- A person's timeline is theirs alone; a db user's spans the people behind its sessions.
persons AS (
  SELECT lower($1) AS p
  UNION SELECT DISTINCT lower(person) FROM db WHERE db_user = $1 AND person IS NOT NULL
  UNION SELECT DISTINCT lower(c) FROM (SELECT unnest(candidates) AS c FROM db WHERE db_user = $1) x
),
fed AS (
  SELECT r.* FROM role_sessions r WHERE lower(r.person) IN (SELECT p FROM persons)
),
rows AS (
  SELECT e.published AS datetime,
         CASE WHEN e.event_type = 'user.session.start' THEN 'okta sign-in'
              WHEN e.event_type IN ('user.authentication.auth_via_mfa', 'user.authentication.verify') THEN 'okta mfa'
              WHEN e.event_type = 'user.authentication.sso' THEN 'okta sso'
              ELSE concat('okta ', e.event_type) END AS timestamp_desc,
         concat_ws(' ', e.event_type, e.outcome_result,
                   CASE WHEN e.target_app_display_name IS NOT NULL THEN concat('app=', e.target_app_display_name) END,
                   CASE WHEN e.factor IS NOT NULL THEN concat('factor=', e.factor) END,
                   CASE WHEN e.credential_type IS NOT NULL THEN concat('credential=', e.credential_type) END) AS message,
         e.actor_alternate_id AS person, 'okta' AS source, e.client_ip AS ip,
         e.external_session_id AS session, e.uuid AS evidence
  FROM idp_events e
  WHERE lower(e.actor_alternate_id) IN (SELECT p FROM persons)
  UNION ALL
  SELECT a.issue_instant, 'saml assertion',
         concat_ws(' ', concat('SAML assertion from ', COALESCE(a.issuer, '?')),
                   CASE WHEN cardinality(a.amr) > 0 THEN concat('amr=', array_to_string(a.amr, ' ')) END,
                   CASE WHEN a.authn_context_class_ref IS NOT NULL THEN concat('context=', a.authn_context_class_ref) END),
         a.name_id, 'saml', NULL, a.session_index, a.assertion_id
  FROM saml_assertions a
  WHERE lower(a.name_id) IN (SELECT p FROM persons)
  UNION ALL
  SELECT f.federation_time, 'aws federation',
         concat('AssumeRoleWithSAML ', COALESCE(f.permission_set, f.role_name), ' in ', f.account_id,
                ': ', f.tag_key, '=', COALESCE(f.tag_value, '(missing)'), ' (key from ', f.tag_key_source,
                '), valid until ', CAST(f.session_expiry AS VARCHAR), ', MFA ', m.mfa_status),
         f.person, 'cloudtrail', f.federation_ip, f.assumed_role_id, f.federation_event_id
  FROM fed f LEFT JOIN session_mfa m ON m.federation_event_id = f.federation_event_id
  UNION ALL
  SELECT c.event_time, 'aws call',
         concat_ws(' ', c.event_source, c.event_name, CASE WHEN c.error_code IS NOT NULL THEN concat('failed: ', c.error_code) END),
         f.person, 'cloudtrail', c.source_ip, c.principal_id, c.event_id
  FROM cloudtrail_events c
  JOIN fed f ON c.principal_id = f.assumed_role_id
   AND c.event_time >= f.session_start AND c.event_time <= f.session_expiry
  UNION ALL
  SELECT d.connect_time,
         CASE WHEN d.success THEN 'db login' ELSE 'db login failed' END,
         concat(d.instance, ' ', d.db_user, ' from ', COALESCE(d.client_host, '?'), ' auth=', d.auth_method,
                ', ', d.attribution, ' (', d.confidence, ')',
                CASE WHEN NOT d.success THEN concat(': ', COALESCE(d.failure_reason, 'login failed')) ELSE '' END),
         COALESCE(d.person, array_to_string(d.candidates, '|')), d.instance, d.client_host,
         d.session_ref,
         d.reason
  FROM db d
  UNION ALL
  SELECT w.event_time, 'db statement',
         concat_ws(': ',
                   concat(w.action, CASE WHEN w.object IS NOT NULL THEN concat(' ', COALESCE(w.database, ''), '.', w.object) ELSE '' END),
                   substr(w.statement, 1, 200)),
         COALESCE(w.person, array_to_string(w.candidates, '|')), w.instance, w.client_host,
         d.session_ref,
         concat(w.source_uri, ':', CAST(w.source_offset AS VARCHAR))
  FROM who_accessed w
  JOIN db d ON d.instance = w.instance AND d.connection_id = w.connection_id AND d.session_seq = w.session_seq
  UNION ALL
  SELECT d.disconnect_time, 'db logout',
         concat(d.instance, ' ', d.db_user, ' after ', CAST(d.statement_count AS VARCHAR), ' statements'),
         COALESCE(d.person, array_to_string(d.candidates, '|')), d.instance, d.client_host,
         d.session_ref,
         NULL
  FROM db d WHERE d.disconnect_time IS NOT NULL
)
SELECT * FROM rows
WHERE datetime >= $2 AND datetime < $3
-- Every column: rows of one second (logins of one user, say) come in one order always.
ORDER BY datetime, timestamp_desc, evidence, session, message, person, source, ip
