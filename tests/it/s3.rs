//! `tagtrail ingest s3://…` through the real AWS SDK against a real moto server: the lake
//! equals the one from the same files on disk, a second run downloads nothing, and a
//! period lists only its day folders.

use serde_json::{Value, json};

use crate::cloudtrail::walk;
use crate::moto::Moto;
use crate::support::{fixture, query, summary_count, tagtrail, tagtrail_env, temp_lake};

/// A realistic trail: an organization folder with one account (the demo week, five days),
/// a second organization's two accounts, two stand-alone accounts, four regions, plus a
/// digest and an unrelated object that must not be read as logs.
fn upload(moto: &Moto, bucket: &str) -> Vec<String> {
    let mut keys = moto.upload_tree(bucket, "trails/", &fixture("demo/cloudtrail"));
    keys.extend(moto.upload_tree(bucket, "trails/AWSLogs/", &fixture("cloudtrail/AWSLogs")));
    let noise = tempfile::tempdir().unwrap();
    let digest = noise.path().join(
        "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/11/17/111122223333_CloudTrail-Digest_eu-west-1_org_eu-west-1_20261117T090000Z.json.gz",
    );
    std::fs::create_dir_all(digest.parent().unwrap()).unwrap();
    std::fs::write(&digest, b"not a log").unwrap();
    std::fs::write(noise.path().join("README.txt"), b"bucket notes").unwrap();
    moto.upload_tree(bucket, "trails/", noise.path());
    keys
}

fn env(moto: &Moto) -> Vec<(&'static str, String)> {
    moto.env()
}

fn run(moto: &Moto, bucket: &str, lake: &std::path::Path, extra: &[&str]) -> String {
    let mut args = vec!["ingest", "--endpoint-url", &moto.endpoint];
    let url = format!("s3://{bucket}/trails/");
    args.push(&url);
    args.extend_from_slice(extra);
    let env = env(moto);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    tagtrail_env(lake, &args, &env)
}

/// Both CloudTrail tables, with each row's source reduced to its path from `AWSLogs/`.
fn cloudtrail_tables(lake: &std::path::Path) -> Value {
    let normalized = |table: &str, order: &str| {
        query(
            lake,
            &format!(
                "SELECT * EXCEPT (source_uri), regexp_replace(source_uri, '^.*?/AWSLogs/', 'AWSLogs/') AS source \
                 FROM {table} ORDER BY {order}"
            ),
        )
    };
    json!({
        "federated_sessions": normalized("federated_sessions", "event_id"),
        "cloudtrail_events": normalized("cloudtrail_events", "event_id"),
    })
}

#[test]
fn s3_trail_gives_the_same_lake_as_local_files_and_reruns_fetch_nothing() {
    let moto = Moto::start();
    let bucket = "trail-same-lake";
    let keys = upload(&moto, bucket);
    let logs = keys.iter().filter(|k| k.contains("_CloudTrail_")).count() as u64;

    let remote = temp_lake();
    let first = run(&moto, bucket, remote.path(), &[]);
    assert_eq!(summary_count(&first, "files ingested"), logs, "{first}");
    assert_eq!(summary_count(&first, "records rejected"), 0, "{first}");

    let local = temp_lake();
    tagtrail(
        local.path(),
        &[
            "ingest",
            fixture("demo/cloudtrail").to_str().unwrap(),
            fixture("cloudtrail/AWSLogs").to_str().unwrap(),
        ],
    );
    assert_eq!(
        cloudtrail_tables(remote.path()),
        cloudtrail_tables(local.path())
    );

    // The manifest holds every object's key, size and ETag.
    let manifest = query(
        remote.path(),
        "SELECT count(*) AS n, count(etag) AS etags, count(DISTINCT source_uri) AS uris FROM ingest_manifest",
    );
    assert_eq!(manifest, json!([{"n": logs, "etags": logs, "uris": logs}]));

    // A second run lists, finds every object unchanged, and downloads nothing.
    let second = run(&moto, bucket, remote.path(), &[]);
    assert_eq!(summary_count(&second, "files ingested"), 0, "{second}");
    assert_eq!(
        summary_count(&second, "files already in the lake"),
        logs,
        "{second}"
    );
    assert_eq!(
        query(remote.path(), "SELECT count(*) AS n FROM ingest_manifest"),
        json!([{"n": logs}])
    );

    // S3 CloudTrail plus the local audit logs and identity evidence answer the demo
    // question exactly.
    for local in ["demo/rds", "demo/okta", "demo/inventory", "demo/iam"] {
        tagtrail(remote.path(), &["ingest", fixture(local).to_str().unwrap()]);
    }
    let who: Value = serde_json::from_str(&tagtrail(
        remote.path(),
        &["who", "shop.customers", "--format", "json"],
    ))
    .unwrap();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("demo/expected/who-shop-customers.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(who, expected);
}

#[test]
fn a_period_lists_only_its_day_folders_and_discovers_accounts_and_regions() {
    let moto = Moto::start();
    let bucket = "trail-period";
    upload(&moto, bucket);
    let lake = temp_lake();
    let summary = run(
        &moto,
        bucket,
        lake.path(),
        &["--since", "2026-11-17", "--until", "2026-11-18"],
    );
    for found in [
        "o-a1b2c3d4e5/111122223333/eu-west-1",
        "444455556666/us-east-2",
        "111122223333/us-east-1",
        "o-exampleorgid/950363612855/ap-southeast-2",
        "o-exampleorgid/607481581596/ap-southeast-2",
    ] {
        assert!(
            summary.contains(found),
            "{found} not discovered:\n{summary}"
        );
    }
    // Tuesday 17 and, for late deliveries, Wednesday 18; nothing else.
    let want: Vec<Value> = walk(&fixture("demo/cloudtrail"))
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| p.contains("/2026/11/17/") || p.contains("/2026/11/18/"))
        .map(|p| json!({"file": p.rsplit('/').next().unwrap()}))
        .collect();
    assert!(want.len() >= 6, "{want:?}");
    let got = query(
        lake.path(),
        "SELECT regexp_replace(source_uri, '^.*/', '') AS file FROM ingest_manifest ORDER BY file",
    );
    assert_eq!(got, Value::Array(want));
}
