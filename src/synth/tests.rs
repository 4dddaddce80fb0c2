//! Whole-generator checks: determinism and the shape of every file written.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use super::{GeneratedSummary, generate};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "tagtrail-synth-{}-{name}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every file under `dir`: relative path → bytes.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = Vec::new();
    walk(dir, &mut files);
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(&p).unwrap())
        })
        .collect()
}

fn generated() -> (TempDir, GeneratedSummary, BTreeMap<String, Vec<u8>>) {
    let dir = TempDir::new("gen");
    let summary = generate(&dir.0).expect("generate");
    let files = contents(&dir.0);
    (dir, summary, files)
}

fn decompress(name: &str, bytes: &[u8]) -> String {
    if name.ends_with(".gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut s)
            .expect("gzip");
        s
    } else {
        String::from_utf8(bytes.to_vec()).expect("utf-8")
    }
}

fn parse_iso(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("rfc3339").to_utc()
}

#[test]
fn two_runs_write_identical_bytes() {
    let (_a, summary, first) = generated();
    let (_b, _, second) = generated();
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    assert!(first == second, "the generator is not deterministic");
    let listed: Vec<String> = summary
        .files
        .iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    assert_eq!(listed, first.keys().cloned().collect::<Vec<_>>());
    let total: usize = first.values().map(Vec::len).sum();
    assert!(total < 1 << 20, "fixtures are {total} bytes");
}

#[test]
fn regenerating_over_an_old_run_removes_stale_trail_files() {
    let dir = TempDir::new("stale");
    generate(&dir.0).unwrap();
    let day = dir
        .0
        .join("cloudtrail/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/eu-west-1/2026/11/16");
    let stale =
        day.join("111122223333_CloudTrail_eu-west-1_20261116T0000Z_OldOldOldOldOld1.json.gz");
    let foreign = day.join("notes.txt");
    std::fs::write(&stale, b"old").unwrap();
    std::fs::write(&foreign, b"keep me").unwrap();
    let summary = generate(&dir.0).unwrap();
    assert!(!stale.exists());
    assert!(foreign.exists());
    assert_eq!(summary.removed.len(), 1);
}

#[test]
fn cloudtrail_files_are_real_deliveries() {
    let (_dir, _, files) = generated();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut plain = 0;
    let mut versions = BTreeMap::new();
    let mut failed = 0;
    for (name, bytes) in files.iter().filter(|(n, _)| n.starts_with("cloudtrail/")) {
        assert!(
            name.starts_with(
                "cloudtrail/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/eu-west-1/2026/11/"
            ),
            "{name}"
        );
        let file = name.rsplit('/').next().unwrap();
        let (stem, ext) = if let Some(s) = file.strip_suffix(".json.gz") {
            (s, "gz")
        } else {
            plain += 1;
            (file.strip_suffix(".json").expect("json"), "json")
        };
        if ext == "gz" {
            assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
            assert_eq!(&bytes[4..8], &[0, 0, 0, 0], "gzip mtime must be 0");
        }
        let parts: Vec<&str> = stem.split('_').collect();
        assert_eq!(parts[..3], ["111122223333", "CloudTrail", "eu-west-1"]);
        assert_eq!(parts[4].len(), 16);
        assert!(parts[4].bytes().all(|b| b.is_ascii_alphanumeric()));
        let delivered = NaiveDateTime::parse_from_str(parts[3], "%Y%m%dT%H%MZ")
            .expect("delivery time")
            .and_utc();
        let day_dir = delivered.format("/%Y/%m/%d/").to_string();
        assert!(name.contains(&day_dir), "{name}");

        let text = decompress(name, bytes);
        assert!(text.starts_with("{\"Records\":[") && !text.contains('\n'));
        let doc: Value = serde_json::from_str(&text).expect("valid JSON");
        let records = doc["Records"].as_array().expect("Records");
        assert!(!records.is_empty());
        let times: Vec<DateTime<Utc>> = records
            .iter()
            .map(|r| parse_iso(r["eventTime"].as_str().expect("eventTime")))
            .collect();
        for t in &times {
            let age = (delivered - *t).num_seconds();
            assert!((300..=900).contains(&age), "{name}: record {age} s old");
        }
        if times.windows(2).any(|w| w[0] != w[1]) {
            assert!(
                !times.windows(2).all(|w| w[0] <= w[1]),
                "{name} is sorted by time"
            );
        }
        for r in records {
            let id = r["eventID"].as_str().expect("eventID");
            assert_eq!(id.len(), 36);
            *seen.entry(id.to_string()).or_default() += 1;
            if r["eventName"] != "AssumeRoleWithSAML" {
                continue;
            }
            *versions
                .entry(r["eventVersion"].as_str().unwrap().to_string())
                .or_insert(0) += 1;
            let subject = r["userIdentity"]["userName"].as_str().unwrap();
            assert_eq!(r["requestParameters"]["roleSessionName"], subject);
            assert_eq!(r["requestParameters"]["durationSeconds"], 28800);
            if r.get("errorCode").is_some() {
                failed += 1;
                assert_eq!(r["errorCode"], "ValidationError");
                assert_eq!(r["errorMessage"], "Unable to validate tags");
                assert!(r["responseElements"].is_null());
                continue;
            }
            let resp = &r["responseElements"];
            assert_eq!(resp["subject"], subject);
            assert_eq!(resp["subjectType"], "persistent");
            let akid = resp["credentials"]["accessKeyId"].as_str().unwrap();
            assert!(akid.starts_with("ASIA") && akid.len() == 20);
            let role_id = resp["assumedRoleUser"]["assumedRoleId"].as_str().unwrap();
            assert_eq!(role_id, format!("AROARZ5UQ3XGT7KDN4E2P:{subject}"));
            // expiration = eventTime + durationSeconds, in the STS locale format.
            let start = parse_iso(r["eventTime"].as_str().unwrap());
            let exp = NaiveDateTime::parse_from_str(
                resp["credentials"]["expiration"].as_str().unwrap(),
                "%b %e, %Y, %l:%M:%S %p",
            )
            .unwrap()
            .and_utc();
            assert_eq!((exp - start).num_seconds(), 28800);
            let tags = r["requestParameters"]["principalTags"].as_object().unwrap();
            assert_eq!(
                tags.keys()
                    .filter(|k| k.eq_ignore_ascii_case("username"))
                    .count(),
                1
            );
        }
    }
    assert_eq!(plain, 1, "one file is delivered decompressed");
    assert_eq!(failed, 1);
    let dupes: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert_eq!(dupes.len(), 1, "exactly one record is delivered twice");
    assert!(versions.contains_key("1.08") && versions.contains_key("1.11"));
}

/// Splits an audit line into fields, honouring the single-quoted statement.
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted => {
                cur.push(c);
                cur.extend(chars.next());
            }
            '\'' if quoted => {
                quoted = false;
                cur.push(c);
            }
            '\'' if cur.is_empty() => {
                quoted = true;
                cur.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    assert!(!quoted, "unterminated statement: {line}");
    out.push(cur);
    out
}

#[test]
fn audit_logs_follow_each_plugin_build() {
    let (_dir, _, files) = generated();
    let text = |rel: &str| String::from_utf8(files[rel].clone()).unwrap();
    let shop = text("rds/shop-prod/audit/server_audit.log.1")
        + &text("rds/shop-prod/audit/server_audit.log");
    let billing = text("rds/billing-prod/audit/server_audit.log");
    for (log, mariadb) in [(&shop, true), (&billing, false)] {
        let mut last_conn = 0u64;
        let mut last_query = 0u64;
        let mut last_time = String::new();
        for line in log.lines() {
            let f = fields(line);
            let op = f[6].as_str();
            let n = f.len();
            match (mariadb, op) {
                (true, _) => assert_eq!(n, 10, "{line}"),
                (false, "QUERY") => {
                    assert_eq!(n, 12, "{line}");
                    assert!(line.ends_with(",,"));
                }
                (false, _) => {
                    assert_eq!(n, 11, "{line}");
                    assert!(matches!(f[10].as_str(), "TCP/IP" | "SOCKET"), "{line}");
                }
            }
            assert!(f[0] >= last_time, "not in time order: {line}");
            last_time = f[0].clone();
            let conn: u64 = f[4].parse().unwrap();
            let query: u64 = f[5].parse().unwrap();
            if matches!(op, "CONNECT" | "FAILED_CONNECT") {
                assert!(conn > last_conn, "{line}");
                last_conn = conn;
                assert_eq!(query, 0);
            }
            if op == "QUERY" {
                assert!(query > last_query, "{line}");
                last_query = query;
                assert!(f[8].starts_with('\'') && f[8].ends_with('\''));
            }
            if matches!(op, "READ" | "WRITE") {
                assert!(mariadb);
                assert_eq!(f[9], "", "TABLE rows have an empty retcode");
                assert!(query > last_query, "TABLE row precedes its QUERY row");
            }
        }
    }
    // The escaping rules on the real rows.
    assert!(shop.contains(r#"'UPDATE customers SET note = \'Called 2026-11-16:\nsays "wrong address", resend invoice\nname is O\'\'Brien, not OBrien\' WHERE id = 4711',0"#));
    assert!(shop.contains(r"LIKE \'%@example.com\'"));
    assert!(shop.contains(r"'CREATE USER \'app_legacy\'@\'%\' IDENTIFIED BY *****',0"));
    assert!(text("rds/shop-prod/audit/server_audit.log.1").contains("CREATE USER"));
    assert!(shop.contains(",dokafor,10.0.1.52,") && shop.contains(",0,FAILED_CONNECT,,,1045"));
    assert!(
        billing.contains(",rdsadmin,localhost,") && billing.contains(",QUERY,mysql,'SELECT 1',0,,")
    );
}

#[test]
fn ground_truth_is_pretty_json_in_the_documented_shape() {
    let (_dir, _, files) = generated();
    let text = String::from_utf8(files[super::TRUTH_PATH].clone()).unwrap();
    let rows: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(text, serde_json::to_string_pretty(&rows).unwrap() + "\n");
    let keys: Vec<&str> = rows[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "person",
            "db_user",
            "instance",
            "object",
            "operations",
            "first_seen",
            "last_seen",
            "statements",
            "attribution",
            "confidence",
            "mfa_status",
            "candidates"
        ]
    );
}
