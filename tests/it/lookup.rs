//! `tagtrail ingest cloudtrail-api:<region>` through the real AWS SDK against a local
//! server speaking the LookupEvents JSON protocol (moto does not implement it): recorded
//! pages of real records, `NextToken` paging, one `ThrottlingException`.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::support::{fixture, query, tagtrail, tagtrail_env, temp_lake};

/// What the stub saw: (event name, next token, max results) per request.
type Log = Arc<Mutex<Vec<(String, Option<String>, Option<i64>)>>>;

struct Stub {
    endpoint: String,
    log: Log,
}

fn records(file: &str) -> Vec<Value> {
    let path = fixture(&format!("cloudtrail/src/{file}"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["Records"].as_array().unwrap().clone()
}

/// A LookupEvents result entry wrapping a real record, as the API returns it.
fn api_event(record: &Value) -> Value {
    let t = chrono::DateTime::parse_from_rfc3339(record["eventTime"].as_str().unwrap()).unwrap();
    json!({
        "EventId": record["eventID"],
        "EventName": record["eventName"],
        "ReadOnly": record["readOnly"].to_string(),
        "EventTime": t.timestamp() as f64,
        "EventSource": record["eventSource"],
        "Username": record["userIdentity"]["userName"],
        "Resources": [],
        "CloudTrailEvent": record.to_string(),
    })
}

impl Stub {
    fn start() -> Stub {
        let member =
            records("950363612855_CloudTrail_ap-southeast-2_20260701T0010Z_Gx7TqL2mPa9wZb4K.json");
        let doc = records("444455556666_CloudTrail_us-east-2_20230828T1845Z_Ex4mpleUn1queStr.json");
        let saml: Vec<Value> = member
            .iter()
            .chain(&doc)
            .filter(|r| r["eventName"] == "AssumeRoleWithSAML")
            .cloned()
            .collect();
        let console: Vec<Value> = doc
            .iter()
            .filter(|r| r["eventName"] == "ConsoleLogin")
            .cloned()
            .collect();
        // Script of answers: the first request is throttled; AssumeRoleWithSAML comes in
        // two pages; ConsoleLogin in one; anything else is empty.
        let pages = Arc::new(Mutex::new(Pages {
            throttle_first: true,
            saml: VecDeque::from([
                json!({"Events": saml[..2].iter().map(api_event).collect::<Vec<_>>(), "NextToken": "page-2"}),
                json!({"Events": saml[2..].iter().map(api_event).collect::<Vec<_>>()}),
            ]),
            console: json!({"Events": console.iter().map(api_event).collect::<Vec<_>>()}),
        }));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let log: Log = Arc::default();
        let thread_log = log.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (log, pages) = (thread_log.clone(), pages.clone());
                std::thread::spawn(move || serve(conn, &log, &pages));
            }
        });
        Stub { endpoint, log }
    }
}

struct Pages {
    throttle_first: bool,
    saml: VecDeque<Value>,
    console: Value,
}

/// HTTP/1.1 with keep-alive, one request at a time, awsJson1.1 bodies.
fn serve(conn: TcpStream, log: &Log, pages: &Mutex<Pages>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut conn = conn;
    loop {
        let mut length = 0usize;
        let mut target = String::new();
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (k, v) = l.split_once(':').unwrap();
            match k.to_ascii_lowercase().as_str() {
                "content-length" => length = v.trim().parse().unwrap(),
                "x-amz-target" => target = v.trim().to_string(),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let req: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(target, "CloudTrail_20131101.LookupEvents", "{req}");
        let name = req["LookupAttributes"][0]["AttributeValue"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(req["LookupAttributes"][0]["AttributeKey"], "EventName");
        let token = req["NextToken"].as_str().map(str::to_string);
        log.lock()
            .unwrap()
            .push((name.clone(), token, req["MaxResults"].as_i64()));
        let mut p = pages.lock().unwrap();
        let (status, answer) = if std::mem::take(&mut p.throttle_first) {
            (
                400,
                json!({"__type": "ThrottlingException", "message": "Rate exceeded"}),
            )
        } else if name == "AssumeRoleWithSAML" {
            (
                200,
                p.saml.pop_front().expect("no more pages were announced"),
            )
        } else if name == "ConsoleLogin" {
            (200, p.console.clone())
        } else {
            (200, json!({"Events": []}))
        };
        let text = answer.to_string();
        let reason = if status == 200 { "OK" } else { "Bad Request" };
        let extra = if status == 200 {
            ""
        } else {
            "x-amzn-ErrorType: ThrottlingException\r\n"
        };
        write!(
            conn,
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/x-amz-json-1.1\r\n{extra}x-amzn-RequestId: 00000000-0000-0000-0000-000000000000\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        )
        .unwrap();
        conn.flush().unwrap();
    }
}

#[test]
fn lookup_events_pages_through_throttling_into_the_same_tables() {
    let stub = Stub::start();
    let lake = temp_lake();
    let summary = tagtrail_env(
        lake.path(),
        &[
            "ingest",
            "cloudtrail-api:ap-southeast-2",
            "--events",
            "ConsoleLogin",
            "--since",
            "2020-01-01",
        ],
        &[
            ("AWS_ENDPOINT_URL_CLOUDTRAIL", stub.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_CONFIG_FILE", "/nonexistent/tagtrail-test"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/tagtrail-test"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    // Throttled once, retried, then both pages; then the one other kept name.
    let log = stub.log.lock().unwrap().clone();
    let expect =
        |name: &str, token: Option<&str>| (name.to_string(), token.map(str::to_string), Some(50));
    assert_eq!(
        log,
        [
            expect("AssumeRoleWithSAML", None),
            expect("AssumeRoleWithSAML", None),
            expect("AssumeRoleWithSAML", Some("page-2")),
            expect("ConsoleLogin", None),
        ]
    );
    assert!(summary.contains("records rejected"), "{summary}");

    // The same records from log files decode to the same rows.
    let local = temp_lake();
    tagtrail(
        local.path(),
        &["ingest", fixture("cloudtrail/AWSLogs").to_str().unwrap()],
    );
    let sessions =
        "SELECT * EXCEPT (source_uri, source_offset) FROM federated_sessions ORDER BY event_id";
    assert_eq!(query(lake.path(), sessions), query(local.path(), sessions));
    let console = "SELECT * EXCEPT (source_uri, source_offset) FROM cloudtrail_events WHERE event_name = 'ConsoleLogin'";
    assert_eq!(query(lake.path(), console), query(local.path(), console));
    assert_eq!(
        query(
            lake.path(),
            "SELECT DISTINCT source_uri FROM federated_sessions"
        ),
        json!([{"source_uri": "cloudtrail-api:ap-southeast-2"}])
    );
    // 5 records: the recorded pages repeat the doc example (as the two files do), and
    // the eventID deduplication keeps it once.
    assert_eq!(
        query(
            lake.path(),
            "SELECT records, kept, duplicates FROM ingest_manifest"
        ),
        json!([{"records": 5, "kept": 4, "duplicates": 1}])
    );
}
