//! The lake survives its writers and keeps to its owner: an ingest killed with SIGKILL
//! at any point leaves nothing a re-run would duplicate or skip, a second writer is
//! refused while one runs, and the lake and the reports are readable by their owner
//! only unless asked otherwise.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tagtrail::lake::ALL_TABLES;

use crate::support::{fixture, summary_count, tagtrail, tagtrail_output};

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
/// Each point kills a fresh ingest: killed one after another into the same lake, the
/// later runs had less left to do and could finish before their point (on a CI machine
/// only 3 of 6 runs were still going when killed). A run that finishes before its point
/// is an uninterrupted run too: its lake must hold the same, its time becomes the
/// measure and the point is tried again (timed once only, a first run slowed by a build
/// sharing the machine let 2 of 5 later runs finish before their points).
#[test]
fn an_ingest_killed_at_any_point_and_rerun_equals_one_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = evidence(dir.path());

    let whole = dir.path().join("whole");
    let started = Instant::now();
    let status = ingest(&whole, &evidence).status().unwrap();
    let mut took = started.elapsed();
    assert!(status.success(), "{status}");
    let want = contents(&whole);
    let db_events = want.iter().find(|(t, ..)| t == "db_events").unwrap();
    assert!(db_events.1 > 100_000, "{want:?}");

    let mut kills = 0;
    for (i, fraction) in [0.05, 0.3, 0.6, 0.85, 0.97].into_iter().enumerate() {
        for attempt in 0..3 {
            let lake = dir.path().join(format!("killed-{i}-{attempt}"));
            let started = Instant::now();
            let mut child = ingest(&lake, &evidence).spawn().unwrap();
            std::thread::sleep(took.mul_f64(fraction));
            let killed = child.try_wait().unwrap().is_none();
            if killed {
                child.kill().unwrap(); // SIGKILL
                kills += 1;
            }
            let status = child.wait().unwrap();
            if !killed {
                assert!(status.success(), "{status}");
                took = started.elapsed();
            } else {
                assert!(ingest(&lake, &evidence).status().unwrap().success());
            }
            let what = if killed {
                "killed at"
            } else {
                "finished before"
            };
            assert_eq!(contents(&lake), want, "{what} {fraction} of the run");
            if killed {
                break;
            }
        }
    }
    assert!(kills >= 4, "only {kills} runs were still going when killed");
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

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Every folder and file under `dir`, with its mode, as `(mode, path)` for those whose
/// mode is not the expected one.
fn modes_other_than(dir: &Path, dir_mode: u32, file_mode: u32, out: &mut Vec<(u32, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let (want, is_dir) = if path.is_dir() {
            (dir_mode, true)
        } else {
            (file_mode, false)
        };
        if mode(&path) != want {
            out.push((mode(&path), path.display().to_string()));
        }
        if is_dir {
            modes_other_than(&path, dir_mode, file_mode, out);
        }
    }
}

/// The lake names who read what: its folders are 0700 and its files 0600 whatever the
/// umask (the test runs under the usual 022). Reports likewise, unless `--shared`.
#[test]
fn the_lake_and_reports_are_the_owners_only_unless_shared() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let demo = fixture("demo");
    let out = tagtrail_output(&lake, &["ingest", demo.to_str().unwrap()]);
    // 4: the demo's `expected/` answer file is not evidence and is rejected.
    assert_eq!(out.status.code(), Some(4));
    let mut wrong = Vec::new();
    modes_other_than(&lake, 0o700, 0o600, &mut wrong);
    assert_eq!(wrong, Vec::new());
    assert_eq!(mode(&lake), 0o700);
    assert!(lake.join("db_events").read_dir().unwrap().count() > 3);

    let reports = dir.path().join("reports");
    let report = |extra: &[&str]| {
        let mut args = vec![
            "report",
            "--week",
            "2026-W47",
            "--out",
            reports.to_str().unwrap(),
        ];
        args.extend(extra);
        tagtrail(&lake, &args);
    };
    report(&[]);
    let md = reports.join("2026-W47.md");
    assert_eq!((mode(&reports), mode(&md)), (0o700, 0o600));
    assert_eq!(reports.read_dir().unwrap().count(), 3);
    // --shared opens the files up (the existing folder keeps its mode) …
    report(&["--shared"]);
    let mut wrong = Vec::new();
    modes_other_than(&reports, 0o700, 0o644, &mut wrong);
    assert_eq!(wrong, Vec::new());
    // … and a later run without it closes them again.
    report(&[]);
    assert_eq!(mode(&md), 0o600);
}
