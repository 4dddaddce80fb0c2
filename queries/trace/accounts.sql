-- tagtrail trace, link "db user": inventory accounts named $1 in any case (the case
-- difference is itself a finding).
SELECT DISTINCT instance, user_name, auth_plugin, iam
FROM db_users
WHERE lower(user_name) = lower($1)
ORDER BY instance, user_name
