//! Connection, authentication and login-failure lines (research note §c.2, §c.3).

use super::*;

/// §c.2, observed on PostgreSQL 15.18 with the RDS prefix.
#[test]
fn connection_lines_become_session_rows() {
    let log = "\
2026-11-28 15:06:11 UTC:127.0.0.1(55222):[unknown]@[unknown]:[21789]:LOG:  connection received: host=127.0.0.1 port=55222
2026-11-28 15:06:11 UTC:127.0.0.1(55222):alice@shop:[21789]:LOG:  connection authenticated: identity=\"alice\" method=scram-sha-256 (<sandbox datadir>/pg_hba.conf:92)
2026-11-28 15:06:11 UTC:127.0.0.1(55222):alice@shop:[21789]:LOG:  connection authorized: user=alice database=shop application_name=billing SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)
2026-11-28 15:06:11 UTC:127.0.0.1(55222):alice@shop:[21789]:LOG:  disconnection: session time: 0:00:00.041 user=alice database=shop host=127.0.0.1 port=55222
";
    let (stats, rows) = stderr(log);
    assert_eq!(counts(&stats), (4, 4, 0, 0));
    let session = json!({"event_time": "2026-11-28T15:06:11Z", "client_host": "127.0.0.1",
        "client_port": 55222, "connection_id": 21789, "severity": "LOG", "dialect": "pg-stderr"});
    let with = |extra: Value| {
        let mut row = session.clone();
        row.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        row
    };
    assert_eq!(
        rows,
        vec![
            with(
                json!({"operation": "CONNECTION_RECEIVED", "opens_session": true, "source_offset": 1})
            ),
            with(
                json!({"operation": "AUTHENTICATED", "db_user": "alice", "database": "shop",
                        "auth_method": "scram-sha-256", "auth_identity": "alice", "source_offset": 2})
            ),
            with(
                json!({"operation": "CONNECT", "db_user": "alice", "database": "shop", "ssl": true,
                        "application_name": "billing", "source_offset": 3})
            ),
            with(
                json!({"operation": "DISCONNECT", "db_user": "alice", "database": "shop", "source_offset": 4})
            ),
        ]
    );
}

/// §c.2: RDS lines from cyrilgdn/terraform-provider-postgresql#289 (md5 login, an
/// application_name with a space); the second line's prefix is the first's (elided there).
#[test]
fn rds_connection_lines_with_spaces_in_application_name() {
    let log = "\
2023-03-10 11:10:07 UTC:82.214.175.74(13708):terraformuser@postgres:[835]:LOG:  connection authenticated: identity=\"terraformuser\" method=md5 (/rdsdbdata/config/pg_hba.conf:15)
2023-03-10 11:10:07 UTC:82.214.175.74(13708):terraformuser@postgres:[835]:LOG:  connection authorized: user=terraformuser database=postgres application_name=Terraform provider SSL enabled (protocol=TLSv1.2, cipher=ECDHE-RSA-AES256-GCM-SHA384, bits=256)
";
    let (stats, rows) = stderr(log);
    assert_eq!(counts(&stats), (2, 2, 0, 0));
    let common = |op: &str, line: i64| {
        json!({"event_time": "2023-03-10T11:10:07Z", "db_user": "terraformuser", "database": "postgres",
               "client_host": "82.214.175.74", "client_port": 13708, "connection_id": 835,
               "severity": "LOG", "dialect": "pg-stderr", "operation": op, "source_offset": line})
    };
    let mut authenticated = common("AUTHENTICATED", 1);
    authenticated["auth_method"] = json!("md5");
    authenticated["auth_identity"] = json!("terraformuser");
    let mut connect = common("CONNECT", 2);
    connect["ssl"] = json!(true);
    connect["application_name"] = json!("Terraform provider");
    assert_eq!(rows, vec![authenticated, connect]);
}

/// §c.3, observed: a wrong password and an unknown role (DETAIL continued on a TAB line).
#[test]
fn password_failures_carry_their_detail_and_sqlstate() {
    let log = "\
2026-11-28 15:06:11 UTC:127.0.0.1(55248):bob@shop:[21798]:FATAL:  password authentication failed for user \"bob\"
2026-11-28 15:06:11 UTC:127.0.0.1(55248):bob@shop:[21798]:DETAIL:  Connection matched pg_hba.conf line 92: \"host    all             all             127.0.0.1/32            scram-sha-256\"
2026-11-28 15:06:11 UTC:127.0.0.1(55256):mallory@shop:[21800]:FATAL:  password authentication failed for user \"mallory\"
2026-11-28 15:06:11 UTC:127.0.0.1(55256):mallory@shop:[21800]:DETAIL:  Role \"mallory\" does not exist.
\tConnection matched pg_hba.conf line 92: \"host    all             all             127.0.0.1/32            scram-sha-256\"
2024-01-21 17:56:55 UTC:3.92.54.14(57164):postgresql@postgresql:[43627]:FATAL:  password authentication failed for user \"postgresql\"
";
    let (stats, rows) = stderr(log);
    assert_eq!(counts(&stats), (3, 3, 0, 0));
    let hba = "Connection matched pg_hba.conf line 92: \"host    all             all             127.0.0.1/32            scram-sha-256\"";
    assert_eq!(
        rows,
        vec![
            json!({"event_time": "2026-11-28T15:06:11Z", "db_user": "bob", "database": "shop",
                   "client_host": "127.0.0.1", "client_port": 55248, "connection_id": 21798,
                   "operation": "FAILED_CONNECT", "sql_state": "28P01", "severity": "FATAL",
                   "message": format!("password authentication failed for user \"bob\"\nDETAIL:  {hba}"),
                   "dialect": "pg-stderr", "source_offset": 1}),
            json!({"event_time": "2026-11-28T15:06:11Z", "db_user": "mallory", "database": "shop",
                   "client_host": "127.0.0.1", "client_port": 55256, "connection_id": 21800,
                   "operation": "FAILED_CONNECT", "sql_state": "28P01", "severity": "FATAL",
                   "message": format!("password authentication failed for user \"mallory\"\nDETAIL:  Role \"mallory\" does not exist.\n{hba}"),
                   "dialect": "pg-stderr", "source_offset": 3}),
            json!({"event_time": "2024-01-21T17:56:55Z", "db_user": "postgresql", "database": "postgresql",
                   "client_host": "3.92.54.14", "client_port": 57164, "connection_id": 43627,
                   "operation": "FAILED_CONNECT", "sql_state": "28P01", "severity": "FATAL",
                   "message": "password authentication failed for user \"postgresql\"",
                   "dialect": "pg-stderr", "source_offset": 6}),
        ]
    );
}

/// §c.3: an IAM (PAM) failure on RDS. The prefix and curl lines are verbatim from
/// aws/aws-toolkit-jetbrains#3525 (one space after `LOG:`, as there); the FATAL and
/// DETAIL messages are pganalyze/collector#378's, whose prefixes were redacted.
#[test]
fn pam_failure_folds_the_reason_and_skips_curl_debug_lines() {
    let log = "\
* Connected to rdsauthproxy (…) port 1108 (#0)
> POST /authenticateRequest HTTP/1.1
< HTTP/1.1 403 Forbidden
2023-03-17 08:19:37 UTC:vpn.vpc.ip.xx(50249):iamuser/dbuser@postgres:[4319]:LOG: pam_authenticate failed: Permission denied
2023-03-17 08:19:37 UTC:vpn.vpc.ip.xx(50249):iamuser/dbuser@postgres:[4319]:FATAL:  PAM authentication failed for user \"iamuser/dbuser\"
2023-03-17 08:19:37 UTC:vpn.vpc.ip.xx(50249):iamuser/dbuser@postgres:[4319]:DETAIL:  Connection matched pg_hba.conf line 13: \"hostssl    all             +rds_iam             all            pam\"
";
    let (stats, rows) = stderr(log);
    // Three curl lines skipped; the LOG and the FATAL (with its DETAIL) make one row.
    assert_eq!(counts(&stats), (5, 2, 3, 0));
    assert_eq!(
        rows,
        vec![
            json!({"event_time": "2023-03-17T08:19:37Z", "db_user": "iamuser/dbuser", "database": "postgres",
            "client_host": "vpn.vpc.ip.xx", "client_port": 50249, "connection_id": 4319,
            "operation": "FAILED_CONNECT", "sql_state": "28000", "severity": "FATAL", "auth_method": "pam",
            "message": "PAM authentication failed for user \"iamuser/dbuser\"\nDETAIL:  Connection matched pg_hba.conf line 13: \"hostssl    all             +rds_iam             all            pam\"\nLOG:  pam_authenticate failed: Permission denied",
            "dialect": "pg-stderr", "source_offset": 5})
        ]
    );
    // pganalyze's triple as published: the prefix was redacted, so no line is an entry
    // and the file is refused with the reason rather than counted as skipped.
    let redacted = "\
redacted:pganalyze@redacted:[13984]:LOG:  pam_authenticate failed: Permission denied
redacted:pganalyze@redacted:[13984]:FATAL:  PAM authentication failed for user \"pganalyze\"
redacted:pganalyze@redacted:[13984]:DETAIL:  Connection matched pg_hba.conf line 13: \"hostssl    all             +rds_iam             all            pam\"
";
    let ctx = Context {
        instance: "i",
        tz: chrono_tz::UTC,
        source_uri: "u",
        format: Format::Stderr(LinePrefix::rds()),
    };
    let err = parse(redacted.as_bytes(), &ctx, &mut |_, _| Ok(())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "not a PostgreSQL log: no line starts with log_line_prefix `%t:%r:%u@%d:[%p]:` (pass the server's --log-line-prefix)"
    );
}

/// §c.3: refusals before authentication and a missing database (after `connection
/// authorized`); messages verbatim, prefixes in the RDS form.
#[test]
fn hba_refusals_unknown_roles_and_missing_databases() {
    let log = "\
2026-11-28 15:06:13 UTC:10.0.4.116(40110):test_rds@initialdb:[900]:FATAL:  pg_hba.conf rejects connection for host \"10.0.4.116\", user \"test_rds\", database \"initialdb\", SSL off
2026-11-28 15:06:14 UTC:127.0.0.1(55300):bob@nosuchdb:[901]:FATAL:  database \"nosuchdb\" does not exist
2026-11-28 15:06:15 UTC:[local]:mallory@shop:[902]:FATAL:  role \"mallory\" does not exist
";
    let (stats, rows) = stderr(log);
    assert_eq!(counts(&stats), (3, 3, 0, 0));
    let ops: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r["operation"].clone(),
                r["sql_state"].clone(),
                r["db_user"].clone(),
                r["database"].clone(),
                r["client_host"].clone(),
                r["client_port"].clone(),
            )
        })
        .collect();
    assert_eq!(
        ops,
        vec![
            (
                json!("FAILED_CONNECT"),
                json!("28000"),
                json!("test_rds"),
                json!("initialdb"),
                json!("10.0.4.116"),
                json!(40110)
            ),
            (
                json!("FAILED_CONNECT"),
                json!("3D000"),
                json!("bob"),
                json!("nosuchdb"),
                json!("127.0.0.1"),
                json!(55300)
            ),
            (
                json!("FAILED_CONNECT"),
                json!("28000"),
                json!("mallory"),
                json!("shop"),
                json!("[local]"),
                Value::Null
            ),
        ]
    );
}
