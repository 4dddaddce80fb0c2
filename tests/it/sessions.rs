//! Session boundaries from MySQL-family audit rows: what `db_sessions` makes of
//! connection-id reuse, CHANGEUSER, logins that fail and sessions whose connect predates
//! the evidence. Hand-written lines in the shapes the real server writes (see
//! mariadb_real.rs); a real client cannot send COM_CHANGE_USER from the `mariadb` CLI.

use std::path::Path;

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

/// What `db_session_events` means, said the plain way it was first written: a running
/// count of opening rows per id in row order, the session's start its first row. The
/// view now joins rows to the spans between opening rows (numbering every row this way
/// sorted the whole table, all columns, for every question).
const NUMBERED_BY_RUNNING_COUNT: &str = "
WITH ranked AS (
  SELECT e.*, CASE WHEN e.opens_session THEN 0 WHEN e.operation = 'DISCONNECT' THEN 2 ELSE 1 END AS op_rank
  FROM db_events e
),
numbered AS (
  SELECT r.*, SUM(CASE WHEN r.opens_session THEN 1 ELSE 0 END) OVER (
      PARTITION BY r.instance, r.connection_id
      ORDER BY r.event_time, r.op_rank, r.source_uri, r.source_offset
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session_seq
  FROM ranked r
)
SELECT source_uri, source_offset, session_seq,
       MIN(event_time) OVER (PARTITION BY instance, connection_id, session_seq) AS session_start
FROM numbered ORDER BY source_uri, source_offset";

/// Every tie of the order, stressed ([`stressed_audit_logs`]).
#[test]
fn spans_between_opening_rows_number_sessions_as_a_running_count_does() {
    let dir = tempfile::tempdir().unwrap();
    stressed_audit_logs(dir.path());
    let lake = temp_lake();
    tagtrail(lake.path(), &["ingest", dir.path().to_str().unwrap()]);

    let view = query(
        lake.path(),
        "SELECT source_uri, source_offset, session_seq, session_start FROM db_session_events \
         ORDER BY source_uri, source_offset",
    );
    let spec = query(lake.path(), NUMBERED_BY_RUNNING_COUNT);
    let (view, spec) = (view.as_array().unwrap(), spec.as_array().unwrap());
    assert_eq!((view.len(), spec.len()), (1600, 1600));
    if let Some((v, s)) = view.iter().zip(spec).find(|(v, s)| v != s) {
        panic!("first row numbered differently:\n view {v}\n spec {s}");
    }
    // The rows did stress what they were made for.
    let shape = query(
        lake.path(),
        "SELECT MAX(session_seq) AS most, \
                COUNT(*) FILTER (WHERE session_seq = 0) > 0 AS before_first_opening \
         FROM db_session_events",
    );
    assert_eq!(shape[0]["before_first_opening"], true);
    assert!(shape[0]["most"].as_i64().unwrap() > 20, "{shape}");
}

/// `who` reads only the connections with a row naming the table in its period, and
/// `timeline` and `sessions` of a person or db user those that logged in as the subject
/// or as the subject's tag values (`Engine::focused`); each must give the answer the
/// whole lake gives. The lake: the
/// demo week; the stressed audit logs, where ids are reused all the time and sessions
/// open before the period asked; and the real PostgreSQL twins with the csvlog records
/// of the connections that touched customers left out. Those connections' stderr rows
/// fall in an hour with csvlog, so they are twins and stay out: judged against every
/// csvlog row of the hour, not only the focused connections' (which have none).
#[tokio::test]
async fn questions_from_the_connections_asked_about_answer_as_the_whole_lake_does() {
    use tagtrail::engine::{ATTRIBUTION_VIEWS, Engine, SessionFilter};
    use tagtrail::sources::timefmt::parse_iso;

    let dir = tempfile::tempdir().unwrap();
    stressed_audit_logs(dir.path());
    let error = dir.path().join("rds/pg-fixture/error");
    std::fs::create_dir_all(&error).unwrap();
    let stderr = "postgresql.log.2026-11-29-03";
    std::fs::copy(
        crate::support::fixture(&format!("pg/rds/{stderr}")),
        error.join(stderr),
    )
    .unwrap();
    let csv =
        std::fs::read_to_string(crate::support::fixture(&format!("pg/rds/{stderr}.csv"))).unwrap();
    let mut kept = String::new();
    let mut keep = true;
    for line in csv.split_inclusive('\n') {
        if line.starts_with("2026-11-29 ") {
            let pid = line.split(',').nth(3).unwrap();
            keep = !["27915", "27917", "27919"].contains(&pid);
        }
        if keep {
            kept.push_str(line);
        }
    }
    assert!(kept.len() < csv.len() && kept.contains("27913"));
    std::fs::write(error.join(format!("{stderr}.csv")), kept).unwrap();
    let lake = temp_lake();
    tagtrail(lake.path(), &["ingest", dir.path().to_str().unwrap()]);
    crate::support::ingest_demo(lake.path(), &[]);

    let lake = tagtrail::lake::Lake::open(lake.path()).unwrap();
    let at = |t: &str| parse_iso(t).unwrap();
    let asked = [
        (
            "shop.customers",
            "2026-11-01T00:00:00Z",
            "2026-12-01T00:00:00Z",
            5,
        ),
        (
            "shop.customers",
            "2026-11-16T09:00:30Z",
            "2026-11-16T09:01:10Z",
            2,
        ),
        (
            "shop.orders",
            "2026-11-01T00:00:00Z",
            "2026-12-01T00:00:00Z",
            1,
        ),
        (
            "SHOP.Customers",
            "2026-11-17T00:00:00Z",
            "2026-11-19T00:00:00Z",
            1,
        ),
    ];
    for (object, since, until, at_least) in asked {
        let (since, until) = (at(since), at(until));
        let focused = Engine::open(&lake).await.unwrap();
        let focused = focused.who(object, since, until).await.unwrap();
        let whole = Engine::open(&lake).await.unwrap();
        whole.cache_views(ATTRIBUTION_VIEWS).await.unwrap();
        let whole = whole.who(object, since, until).await.unwrap();
        let (focused, whole) = (text(&focused), text(&whole));
        assert_same(&format!("{object} [{since}, {until})"), &focused, &whole);
        let rows = whole.lines().filter(|l| l.starts_with("| ")).count() - 1;
        assert!(rows >= at_least, "{object}: {rows} rows\n{whole}");
        assert!(!whole.contains("pg-fixture"), "{whole}");
    }
    // timeline: a person with sessions on both stressed instances, a db user shared by
    // two people (ambiguous sessions), one of those people, a password account.
    let (since, until) = (at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z"));
    for (subject, at_least) in [
        ("dave.okafor@example.com", 100),
        ("reporting", 20),
        ("grace.kim@example.com", 5),
        ("app_legacy", 3),
    ] {
        let focused = Engine::open(&lake).await.unwrap();
        let focused = focused.timeline(subject, since, until).await.unwrap();
        let whole = Engine::open(&lake).await.unwrap();
        whole.cache_views(ATTRIBUTION_VIEWS).await.unwrap();
        let whole = whole.timeline(subject, since, until).await.unwrap();
        let rows: usize = whole.iter().map(|b| b.num_rows()).sum();
        assert!(rows >= at_least, "{subject}: {rows} rows");
        assert_same(subject, &text(&focused), &text(&whole));
    }
    // sessions of one person or db user.
    let person = |p: &str| SessionFilter {
        person: Some(p.to_string()),
        ..SessionFilter::default()
    };
    let filters = [
        (person("dave.okafor@example.com"), 60),
        (person("heidi.schmidt@example.com"), 1),
        (
            SessionFilter {
                db_user: Some("reporting".to_string()),
                instance: Some("shop-prod".to_string()),
                ..SessionFilter::default()
            },
            20,
        ),
    ];
    for (filter, at_least) in filters {
        let focused = Engine::open(&lake).await.unwrap();
        let focused = focused.sessions(&filter, since, until).await.unwrap();
        let whole = Engine::open(&lake).await.unwrap();
        whole.cache_views(ATTRIBUTION_VIEWS).await.unwrap();
        let whole = whole.sessions(&filter, since, until).await.unwrap();
        let rows: usize = whole.iter().map(|b| b.num_rows()).sum();
        assert!(rows >= at_least, "{filter:?}: {rows} rows");
        assert_same(&format!("{filter:?}"), &text(&focused), &text(&whole));
    }
}

fn text(batches: &[arrow::record_batch::RecordBatch]) -> String {
    arrow::util::pretty::pretty_format_batches(batches)
        .unwrap()
        .to_string()
}

/// Panics with the lines that only one of the two answers has.
fn assert_same(asked: &str, focused: &str, whole: &str) {
    if focused != whole {
        let only = |a: &str, b: &str| -> Vec<String> {
            let b: Vec<&str> = b.lines().collect();
            a.lines()
                .filter(|l| !b.contains(l))
                .map(str::to_string)
                .collect()
        };
        panic!(
            "{asked}: focused only {:#?}\nwhole lake only {:#?}",
            only(focused, whole),
            only(whole, focused)
        );
    }
}

/// Rows that stress every tie the order has: six thread ids reused over and over on
/// two instances, three rotated files of one instance covering the same two minutes
/// (so many rows share a second across files), and opening, closing and statement rows
/// at the same second; some ids have rows before their first opening row. Some rows
/// read shop.customers (a TABLE event, or a statement naming it).
fn stressed_audit_logs(dir: &Path) {
    let mut seed: u64 = 0x5eed;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let files = [
        ("shop-prod", "server_audit.log"),
        ("shop-prod", "server_audit.log.1"),
        ("shop-prod", "server_audit.log.2"),
        ("billing-prod", "server_audit.log"),
    ];
    let mut query_id = 100;
    for (instance, name) in files {
        let path = dir.join(format!("rds/{instance}/audit/{name}"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut text = String::new();
        for _ in 0..400 {
            let second = next(120);
            let thread = 1 + next(6);
            query_id += 1;
            let (user, id, op, tail) = match next(22) {
                0..=3 => ("dokafor", 0, "CONNECT", "shop,,0".to_string()),
                4 => ("reporting", 0, "CHANGEUSER", "shop,,0".to_string()),
                5 => ("mallory", 0, "FAILED_CONNECT", ",,1045".to_string()),
                6..=8 => ("dokafor", 0, "DISCONNECT", "shop,,0".to_string()),
                9 => ("dokafor", query_id, "READ", "shop,customers,".to_string()),
                10 => (
                    "dokafor",
                    query_id,
                    "QUERY",
                    format!("shop,'SELECT email FROM customers WHERE id = {query_id}',0"),
                ),
                _ => (
                    "dokafor",
                    query_id,
                    "QUERY",
                    format!("shop,'SELECT {query_id}',0"),
                ),
            };
            text.push_str(&format!(
                "20261116 09:{:02}:{:02},ip-10-20-1-34,{user},10.0.3.{thread},{thread},{id},{op},{tail}\n",
                second / 60,
                second % 60
            ));
        }
        std::fs::write(&path, text).unwrap();
    }
}
