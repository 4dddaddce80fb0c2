//! Crash safety and one writer at a time: an ingest killed with SIGKILL at any point
//! leaves nothing a re-run would duplicate or skip, and a second writer is refused
//! while one runs.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tagtrail::lake::ALL_TABLES;

use crate::support::{summary_count, tagtrail, tagtrail_output};

/// A synthetic organization's evidence: enough for an ingest to take seconds in the
/// test profile, so that kills land in parsing, in writing and in the index.
fn evidence(dir: &Path) -> String {
    let org = dir.join("org");
    tagtrail(
        dir,
        &[
            "synth",
            "--out",
            org.to_str().unwrap(),
            "--people",
            "40",
            "--days",
            "1",
            "--app-sessions-per-hour",
            "300",
        ],
    );
    org.join("evidence").to_str().unwrap().to_string()
}

fn ingest(lake: &Path, evidence: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tagtrail"));
    c.args(["ingest", "--lake", lake.to_str().unwrap(), evidence])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// Row count and SHA-256 of the sorted rows of every table, with the columns that
/// say when an ingest ran (the only ones two runs may differ in) left out.
fn contents(lake: &Path) -> Vec<(String, usize, String)> {
    ALL_TABLES
        .iter()
        .map(|t| {
            let sql = match t.name {
                "ingest_manifest" | "ingest_rejects" => {
                    format!("SELECT * EXCLUDE (ingested_at, date) FROM {}", t.name)
                }
                "iam_policies" => format!("SELECT * EXCLUDE (observed_at, date) FROM {}", t.name),
                name => format!("SELECT * FROM {name}"),
            };
            let csv = tagtrail(lake, &["query", &sql, "--format", "csv"]);
            let mut rows: Vec<&str> = csv.lines().skip(1).collect();
            rows.sort_unstable();
            let mut hash = Sha256::new();
            for r in &rows {
                hash.update(r.as_bytes());
                hash.update(b"\n");
            }
            (
                t.name.to_string(),
                rows.len(),
                format!("{:x}", hash.finalize()),
            )
        })
        .collect()
}

/// Kills an ingest with SIGKILL at several points of its run (found by timing an
/// uninterrupted one), re-runs it, and finds exactly what the uninterrupted run wrote.
#[test]
fn an_ingest_killed_at_any_point_and_rerun_equals_one_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = evidence(dir.path());

    let whole = dir.path().join("whole");
    let started = Instant::now();
    let status = ingest(&whole, &evidence).status().unwrap();
    let took = started.elapsed();
    assert!(status.success(), "{status}");
    let want = contents(&whole);
    let db_events = want.iter().find(|(t, ..)| t == "db_events").unwrap();
    assert!(db_events.1 > 100_000, "{want:?}");

    let killed = dir.path().join("killed");
    let mut kills = 0;
    for fraction in [0.05, 0.2, 0.45, 0.7, 0.9, 0.97] {
        let mut child = ingest(&killed, &evidence).spawn().unwrap();
        std::thread::sleep(took.mul_f64(fraction));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    assert!(kills >= 4, "only {kills} runs were still going when killed");
    assert!(ingest(&killed, &evidence).status().unwrap().success());
    assert_eq!(contents(&killed), want);
}

/// A second ingest while one runs is refused with who holds the lake (exit 1), and the
/// first one is not disturbed.
#[test]
fn a_second_ingest_while_one_runs_is_refused_and_the_first_completes() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = evidence(dir.path());
    let lake = dir.path().join("lake");
    let mut first = ingest(&lake, &evidence).spawn().unwrap();
    // The first run has the lock once its lock file names it.
    let deadline = Instant::now() + Duration::from_secs(60);
    let lock = lake.join("_tagtrail/write.lock");
    while std::fs::read_to_string(&lock).map_or(true, |t| !t.contains(&first.id().to_string())) {
        assert!(
            Instant::now() < deadline,
            "the first ingest never took the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = tagtrail_output(&lake, &["ingest", &evidence]);
    let status = first.wait().unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    let want = format!(
        "tagtrail: error: {}: the lake is being written by `tagtrail ingest` (pid {} on ",
        lock.display(),
        first.id()
    );
    assert!(stderr.starts_with(&want), "{stderr}");
    assert!(status.success(), "{status}");
    // The refused run wrote nothing: a third run finds every file already ingested.
    let third = tagtrail(&lake, &["ingest", &evidence]);
    assert_eq!(summary_count(&third, "files ingested"), 0, "{third}");
    assert_eq!(
        summary_count(&third, "files already in the lake"),
        47,
        "{third}"
    );
}
