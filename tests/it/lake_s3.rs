//! The lake on S3 (`--lake s3://…`, real moto server, real SDK credentials chain) and
//! `tagtrail compact`, on a local lake and on moto: the same answers as a local lake,
//! idempotent re-ingest, compaction that keeps every row and survives a crash between
//! writing the merged files and swapping the file list.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::moto::Moto;
use crate::support::{fixture, summary_count, temp_lake};
use tagtrail::fetch::s3::S3Url;
use tagtrail::lake::compact::{self, CompactOptions};
use tagtrail::lake::{ALL_TABLES, Lake};

/// Where a test's lake lives and how the binary reaches it.
struct Target {
    lake: String,
    env: Vec<(&'static str, String)>,
    /// Keeps a local lake's directory alive.
    _dir: Option<tempfile::TempDir>,
}

impl Target {
    fn local() -> Target {
        let dir = temp_lake();
        Target {
            lake: dir.path().to_str().unwrap().to_string(),
            env: Vec::new(),
            _dir: Some(dir),
        }
    }

    fn s3(moto: &Moto, bucket: &str) -> Target {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            moto.client()
                .create_bucket()
                .bucket(bucket)
                .send()
                .await
                .unwrap_or_else(|e| panic!("create bucket {bucket}: {e:?}"));
        });
        let mut env = moto.env();
        env.push(("AWS_ENDPOINT_URL", moto.endpoint.clone()));
        Target {
            lake: format!("s3://{bucket}/lake"),
            env,
            _dir: None,
        }
    }

    fn output(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_tagtrail"))
            .args(args)
            .env("TAGTRAIL_LAKE", &self.lake)
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("run tagtrail")
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.output(args);
        assert!(
            out.status.success(),
            "tagtrail {args:?} on {} failed: {}\n{}",
            self.lake,
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `ingest fixtures/demo`: exit status 4 for its `expected/` answer file, the one
    /// file there that is not evidence (`support::ingest_demo`).
    fn ingest_demo(&self) -> String {
        let out = self.output(&["ingest", &demo("")]);
        crate::support::finished_rejecting(&out, "1 unreadable file(s) rejected")
    }

    fn query(&self, sql: &str) -> Value {
        serde_json::from_str(&self.run(&["query", sql, "--format", "json"])).unwrap()
    }

    /// The lake through the library, as the binary would open it.
    fn open(&self, moto: Option<&Moto>) -> Lake {
        match moto {
            None => Lake::existing(&self.lake).expect("a lake"),
            Some(moto) => {
                let url = S3Url::parse(&self.lake).unwrap();
                let store = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(&url.bucket)
                    .with_region("us-east-1")
                    .with_endpoint(&moto.endpoint)
                    .with_allow_http(true)
                    .with_access_key_id("testing")
                    .with_secret_access_key("testing")
                    .build()
                    .unwrap();
                Lake::on_s3(url, Arc::new(store)).unwrap()
            }
        }
    }

    /// `who shop.customers` and `findings`, the answers a lake must give.
    fn answers(&self) -> (Value, Value) {
        let json = |args: &[&str]| -> Value { serde_json::from_str(&self.run(args)).unwrap() };
        (
            json(&["who", "shop.customers", "--format", "json"]),
            json(&["findings", "--format", "json"]),
        )
    }

    /// Per table: row count and a SHA-256 over its rows (as JSON lines, sorted).
    fn checksums(&self) -> BTreeMap<&'static str, (usize, String)> {
        self.checksums_without(&[])
    }

    /// The same without the columns `skip` (times of the run that wrote a row).
    fn checksums_without(&self, skip: &[&str]) -> BTreeMap<&'static str, (usize, String)> {
        ALL_TABLES
            .iter()
            .map(|t| {
                let rows = self.query(&format!("SELECT * FROM {}", t.name));
                let mut lines: Vec<String> = rows
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        let mut r = r.as_object().unwrap().clone();
                        r.retain(|k, _| !skip.contains(&k.as_str()));
                        Value::Object(r).to_string()
                    })
                    .collect();
                lines.sort();
                let digest = Sha256::digest(lines.join("\n").as_bytes());
                (t.name, (lines.len(), hex::encode(digest)))
            })
            .collect()
    }

    /// Live files per `table/date=…` partition.
    fn files_per_partition(&self, lake: &Lake) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for path in lake.live_files().unwrap().files.keys() {
            let partition = path.rsplit_once('/').unwrap().0.to_string();
            *out.entry(partition).or_default() += 1;
        }
        out
    }
}

fn demo(rel: &str) -> String {
    fixture(&format!("demo/{rel}"))
        .to_str()
        .unwrap()
        .to_string()
}

/// The demo week in four ingest runs that touch the same partitions: CloudTrail files
/// of each day split over two runs, the audit logs of one instance over two runs, and
/// one ingest_manifest part per run.
fn ingest_in_runs(target: &Target) {
    let mut trail: Vec<String> = crate::cloudtrail::walk(&fixture("demo/cloudtrail"))
        .iter()
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    trail.sort();
    // A third of the trail in each of three runs: a day's CloudTrail partition gets
    // three parts, more than a merge of fan-in 2 opens at once.
    let third = |k: usize| -> Vec<String> {
        trail
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 3 == k)
            .map(|(_, f)| f.clone())
            .collect()
    };
    let runs: [Vec<String>; 5] = [
        [third(0), vec![demo("okta"), demo("iam")]].concat(),
        [third(1), vec![demo("inventory")]].concat(),
        third(2),
        vec![
            demo("rds/shop-prod/audit/server_audit.log.1"),
            demo("rds/ledger-prod"),
        ],
        vec![
            demo("rds/shop-prod/audit/server_audit.log"),
            demo("rds/billing-prod"),
        ],
    ];
    for paths in runs {
        let mut args = vec!["ingest"];
        args.extend(paths.iter().map(String::as_str));
        let summary = target.run(&args);
        assert_eq!(summary_count(&summary, "files rejected"), 0, "{summary}");
    }
}

#[test]
fn an_s3_lake_answers_like_a_local_lake_and_a_second_ingest_adds_nothing() {
    let moto = Moto::start();
    let remote = Target::s3(&moto, "lake-same-answers");
    let local = Target::local();
    let first = remote.ingest_demo();
    local.ingest_demo();
    let files = summary_count(&first, "files ingested");
    assert!(files > 30, "{first}");

    let (who, findings) = remote.answers();
    assert_eq!((who.clone(), findings.clone()), local.answers());
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("demo/expected/who-shop-customers.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(who, expected);
    assert!(!findings.as_array().unwrap().is_empty());

    let before = remote.checksums();
    let second = remote.ingest_demo();
    assert_eq!(summary_count(&second, "files ingested"), 0, "{second}");
    assert_eq!(
        summary_count(&second, "files already in the lake"),
        files,
        "{second}"
    );
    // The second run ingests no file again and adds nothing.
    let ingested = "SELECT count(*) AS n FROM ingest_manifest WHERE status = 'ingested'";
    assert_eq!(remote.query(ingested), serde_json::json!([{"n": files}]));
    // Files rejected whole are tried again on every run (a newer tagtrail may read
    // them), and recorded again in the bookkeeping tables; nothing else changes.
    assert_eq!(
        summary_count(&second, "files rejected"),
        summary_count(&first, "files rejected"),
    );
    let after = remote.checksums();
    for (table, sums) in &before {
        if !["ingest_manifest", "ingest_rejects"].contains(table) {
            assert_eq!(&after[table], sums, "{table} changed on re-ingest");
        }
    }
    // Every table equals the local lake's, but for the times of the run that wrote it.
    local.ingest_demo();
    let run_times = ["ingested_at", "observed_at"];
    assert_eq!(
        remote.checksums_without(&run_times),
        local.checksums_without(&run_times)
    );
}

/// Ingest in runs, simulate a crash after the merged files are written (before the
/// swap), check nothing changed, compact for real, check, and rerun as a no-op.
fn compaction_survives_a_crash_and_keeps_every_row(target: &Target, moto: Option<&Moto>) {
    ingest_in_runs(target);
    let lake = target.open(moto);
    let before_files = target.files_per_partition(&lake);
    let crowded = before_files.values().filter(|n| **n > 1).count();
    assert!(
        crowded >= 5,
        "several partitions with several files: {before_files:?}"
    );
    // Merged two parts at a time, these are merged in runs first (on local disk, also
    // for a lake on S3), and the runs merged again.
    let over_fan_in = before_files.values().filter(|n| **n > 2).count();
    assert!(over_fan_in >= 3, "{before_files:?}");
    let answers = target.answers();
    let sums = target.checksums();

    // Crash: merged files written, list not swapped.
    let opts = CompactOptions {
        row_group_rows: 50,
        fan_in: 2,
        ..CompactOptions::default()
    };
    let plan = compact::plan(&lake, &opts).unwrap();
    assert_eq!(plan.groups.len(), crowded);
    let written = plan.write(&lake, &opts).unwrap();
    assert_eq!(written.added.len(), crowded);
    drop(written);
    assert_eq!(
        target.answers(),
        answers,
        "a crashed compaction changes no answer"
    );
    assert_eq!(target.checksums(), sums);
    // The merged files are the only orphans: on a local lake a run left in the
    // partition would be one more (on S3 runs are staged in a local temporary folder).
    let reopened = target.open(moto);
    assert_eq!(reopened.live_files().unwrap().orphans.len(), crowded);

    // The real run removes the orphans and merges.
    let summary = target.run(&["compact", "--row-group-rows", "50", "--fan-in", "2"]);
    assert!(
        summary.contains(&format!(
            "compacted {crowded} partition(s), {} file(s) into {crowded}; removed {crowded} orphan file(s)",
            before_files.values().filter(|n| **n > 1).sum::<usize>()
        )),
        "{summary}"
    );
    let lake = target.open(moto);
    let after_files = target.files_per_partition(&lake);
    assert_eq!(
        after_files.keys().collect::<Vec<_>>(),
        before_files.keys().collect::<Vec<_>>()
    );
    assert!(after_files.values().all(|n| *n == 1), "{after_files:?}");
    assert!(lake.live_files().unwrap().orphans.is_empty());
    assert_eq!(target.checksums(), sums, "same rows after compaction");
    assert_eq!(target.answers(), answers);

    // The merged db_events files are sorted by time; one has several row groups.
    let mut row_groups = Vec::new();
    for (path, file) in lake.live_files().unwrap().of("db_events", None) {
        let batches = tagtrail::lake::read::read_file(&lake, path, file.size, None).unwrap();
        let times: Vec<i64> = batches
            .iter()
            .flat_map(|b| {
                b.column_by_name("event_time")
                    .unwrap()
                    .as_any()
                    .downcast_ref::<arrow::array::TimestampMicrosecondArray>()
                    .unwrap()
                    .values()
                    .to_vec()
            })
            .collect();
        assert!(times.is_sorted(), "{path} sorted by time");
        let meta = tagtrail::lake::read::metadata(&lake, path, file.size).unwrap();
        assert!(
            meta.row_groups().iter().all(|g| g.num_rows() <= 50),
            "{path}"
        );
        row_groups.push(meta.num_row_groups());
    }
    assert!(row_groups.iter().any(|n| *n > 1), "{row_groups:?}");

    // Rerun: nothing to do, the list is not even rewritten.
    let again = target.run(&["compact", "--row-group-rows", "50"]);
    assert!(
        again.contains("compacted 0 partition(s), 0 file(s) into 0; removed 0 orphan file(s); file list unchanged"),
        "{again}"
    );
}

#[test]
fn compact_on_a_local_lake() {
    compaction_survives_a_crash_and_keeps_every_row(&Target::local(), None);
}

#[test]
fn compact_on_s3() {
    let moto = Moto::start();
    let target = Target::s3(&moto, "lake-compact");
    compaction_survives_a_crash_and_keeps_every_row(&target, Some(&moto));
}

#[test]
fn a_lake_from_before_the_file_list_opens_and_gets_one_on_the_next_ingest() {
    let target = Target::local();
    target.run(&["ingest", &demo("okta")]);
    let list = std::path::Path::new(&target.lake).join("_tagtrail/files.json");
    assert!(list.is_file());
    std::fs::remove_file(&list).unwrap();
    let legacy = target.checksums();
    assert!(
        legacy["idp_events"].0 > 0,
        "the legacy lake opens with its rows"
    );
    target.run(&["ingest", &demo("iam")]);
    let text = std::fs::read_to_string(&list).unwrap();
    assert!(text.contains("\"generation\": 1"), "{text}");
    assert!(
        text.contains("idp_events/date="),
        "the old parts are listed: {text}"
    );
    assert_eq!(target.checksums()["idp_events"], legacy["idp_events"]);

    // A part the list names that is gone is an error naming it.
    let part = target
        .open(None)
        .live_files()
        .unwrap()
        .of("idp_events", None)[0]
        .0
        .to_string();
    std::fs::remove_file(std::path::Path::new(&target.lake).join(&part)).unwrap();
    let out = target.output(&["query", "SELECT count(*) FROM idp_events"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{part} but it is gone")), "{err}");
}

/// While one run holds the lake's write lock, a second writer is refused with who
/// holds it and writes nothing; once the lock is let go, writing works again. On S3 the
/// lock is an object created only if absent, and the refusal says how to clear one a
/// killed run left behind.
#[test]
fn a_held_lock_refuses_a_second_writer_locally_and_on_s3() {
    let moto = Moto::start();
    let targets = [
        (Target::local(), None),
        (Target::s3(&moto, "lake-locked"), Some(&moto)),
    ];
    for (target, moto) in &targets {
        target.run(&["ingest", &demo("iam")]);
        let lake = target.open(*moto);
        let held = lake.lock("compact").unwrap();
        let out = target.output(&["ingest", &demo("okta")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        let lock = format!("{}/_tagtrail/write.lock", target.lake);
        let want = format!(
            "tagtrail: error: {lock}: the lake is being written by `tagtrail compact` (pid {} on ",
            std::process::id()
        );
        assert!(stderr.starts_with(&want), "{stderr}");
        assert_eq!(
            stderr.contains("if no tagtrail writes to this lake, delete the lock object"),
            moto.is_some(),
            "{stderr}"
        );
        let okta = "SELECT count(*) AS n FROM idp_events";
        assert_eq!(target.query(okta), serde_json::json!([{"n": 0}]));
        drop(held);
        target.run(&["ingest", &demo("okta")]);
        assert_ne!(target.query(okta), serde_json::json!([{"n": 0}]));
        // The run let its lock go: the next writer takes it at once.
        drop(lake.lock("index").unwrap());
    }
}
