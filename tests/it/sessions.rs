//! Session boundaries from MySQL-family audit rows: what `db_sessions` makes of
//! connection-id reuse, CHANGEUSER, logins that fail and sessions whose connect predates
//! the evidence. Hand-written lines in the shapes the real server writes (see
//! mariadb_real.rs); a real client cannot send COM_CHANGE_USER from the `mariadb` CLI.

use serde_json::json;

use crate::support::{query, tagtrail, temp_lake};

#[test]
fn changeuser_and_reused_connection_ids_each_start_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("rds/shop-prod/audit/server_audit.log");
    std::fs::create_dir_all(audit.parent().unwrap()).unwrap();
    std::fs::write(
        &audit,
        // Thread 7 predates the evidence (no CONNECT), thread 8 changes user, thread 9
        // fails to log in, and id 8 is reused after a restart.
        "20261116 09:00:00,ip-10-20-1-34,app,10.0.3.17,7,101,QUERY,shop,'SELECT 1',0\n\
         20261116 09:00:01,ip-10-20-1-34,dokafor,10.0.3.18,8,0,CONNECT,shop,,0\n\
         20261116 09:00:02,ip-10-20-1-34,dokafor,10.0.3.18,8,102,QUERY,shop,'SELECT id FROM customers',0\n\
         20261116 09:00:03,ip-10-20-1-34,reporting,10.0.3.18,8,0,CHANGEUSER,shop,,0\n\
         20261116 09:00:04,ip-10-20-1-34,reporting,10.0.3.18,8,103,QUERY,shop,'SELECT 2',0\n\
         20261116 09:00:05,ip-10-20-1-34,reporting,10.0.3.18,8,104,QUERY,shop,'SELECT 3',0\n\
         20261116 09:00:06,ip-10-20-1-34,reporting,10.0.3.18,8,0,DISCONNECT,shop,,0\n\
         20261116 09:00:07,ip-10-20-1-34,mallory,10.9.9.9,9,0,FAILED_CONNECT,,,1045\n\
         20261116 09:00:07,ip-10-20-1-34,mallory,10.9.9.9,9,0,DISCONNECT,,,0\n\
         20261116 10:00:00,ip-10-20-1-34,gchen,10.0.3.19,8,0,CONNECT,shop,,0\n",
    )
    .unwrap();
    let lake = temp_lake();
    // One thread: the sequential path (more threads parse on a thread of their own).
    tagtrail(
        lake.path(),
        &["ingest", "--threads", "1", dir.path().to_str().unwrap()],
    );
    let sessions = query(
        lake.path(),
        "SELECT connection_id, session_seq, session_start, connect_time, disconnect_time, db_user, \
                client_host, success, failure_reason, auth_method, statement_count \
         FROM db_sessions ORDER BY session_start, connection_id",
    );
    assert_eq!(
        sessions,
        json!([
            {"connection_id": 7, "session_seq": 0, "session_start": "2026-11-16T09:00:00Z",
             "connect_time": "2026-11-16T09:00:00Z", "disconnect_time": null, "db_user": "app",
             "client_host": "10.0.3.17", "success": true, "failure_reason": null,
             "auth_method": "unknown", "statement_count": 1},
            {"connection_id": 8, "session_seq": 1, "session_start": "2026-11-16T09:00:01Z",
             "connect_time": "2026-11-16T09:00:01Z", "disconnect_time": null, "db_user": "dokafor",
             "client_host": "10.0.3.18", "success": true, "failure_reason": null,
             "auth_method": "unknown", "statement_count": 1},
            {"connection_id": 8, "session_seq": 2, "session_start": "2026-11-16T09:00:03Z",
             "connect_time": "2026-11-16T09:00:03Z", "disconnect_time": "2026-11-16T09:00:06Z",
             "db_user": "reporting", "client_host": "10.0.3.18", "success": true,
             "failure_reason": null, "auth_method": "unknown", "statement_count": 2},
            {"connection_id": 9, "session_seq": 1, "session_start": "2026-11-16T09:00:07Z",
             "connect_time": "2026-11-16T09:00:07Z", "disconnect_time": "2026-11-16T09:00:07Z",
             "db_user": "mallory", "client_host": "10.9.9.9", "success": false,
             "failure_reason": "access denied: wrong password or unknown user (MySQL error 1045)",
             "auth_method": "unknown", "statement_count": 0},
            {"connection_id": 8, "session_seq": 3, "session_start": "2026-11-16T10:00:00Z",
             "connect_time": "2026-11-16T10:00:00Z", "disconnect_time": null, "db_user": "gchen",
             "client_host": "10.0.3.19", "success": true, "failure_reason": null,
             "auth_method": "unknown", "statement_count": 0},
        ])
    );
    // Every statement row carries its session key.
    let keys = query(
        lake.path(),
        "SELECT query_id, session_seq, session_start FROM db_session_events \
         WHERE operation = 'QUERY' ORDER BY query_id",
    );
    assert_eq!(
        keys,
        json!([
            {"query_id": 101, "session_seq": 0, "session_start": "2026-11-16T09:00:00Z"},
            {"query_id": 102, "session_seq": 1, "session_start": "2026-11-16T09:00:01Z"},
            {"query_id": 103, "session_seq": 2, "session_start": "2026-11-16T09:00:03Z"},
            {"query_id": 104, "session_seq": 2, "session_start": "2026-11-16T09:00:03Z"},
        ])
    );
}
