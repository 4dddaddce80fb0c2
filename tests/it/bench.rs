//! The benchmark entry point at a small size, as CI runs it: every suite completes, the
//! peer (DuckDB) runs beside tagtrail on the same inputs, and the bench's own
//! cross-checks hold (same AssumeRoleWithSAML rows, same statements, same people who
//! accessed shop.customers). Timings are printed, never asserted.

use std::process::Command;

#[test]
fn the_benchmark_runs_every_suite_at_a_small_size_beside_duckdb() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tagtrail-bench"))
        .args([
            "--suite",
            "cloudtrail,mysql,pg,org",
            "--size-mb",
            "3",
            "--threads",
            "1,2",
        ])
        .args(["--people", "12", "--days", "1", "--runs", "1", "--dir"])
        .arg(dir.path())
        .output()
        .expect("run tagtrail-bench (python3 with duckdb: bash .ci/run installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}\n{stdout}");
    for t in [1, 2] {
        for tool in ["tagtrail", "DuckDB"] {
            let row = format!("| {tool} | {t} | ");
            // CloudTrail and MySQL suites each print one row per tool and thread count.
            assert_eq!(
                stdout.matches(&row).count(),
                2 + usize::from(tool == "tagtrail"),
                "{row}\n{stdout}"
            );
        }
    }
    assert!(stderr.contains("AssumeRoleWithSAML rows"), "{stderr}");
    for source in [
        "CloudTrail",
        "MySQL-family audit",
        "PostgreSQL + pgaudit",
        "Okta System Log",
    ] {
        // source, files, MB, threads, wall, MB/s, per core, events, events/s, RSS
        let events: Vec<u64> = [1, 2]
            .iter()
            .map(|t| {
                let row = stdout
                    .lines()
                    .find(|l| {
                        l.starts_with(&format!("| {source} | "))
                            && l.contains(&format!(" | {t} | "))
                    })
                    .unwrap_or_else(|| panic!("{source} with {t} thread(s)\n{stdout}"));
                let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
                assert_eq!(cells.len(), 10, "{row}");
                assert!(cells[8].parse::<f64>().unwrap() > 0.0, "events/s: {row}");
                cells[7].parse().unwrap()
            })
            .collect();
        // Both thread counts read the same records, and there are some.
        assert!(
            events[0] > 0 && events[0] == events[1],
            "{source}: {events:?}"
        );
    }
    let row = stdout
        .lines()
        .find(|l| l.starts_with("| 12 | "))
        .unwrap_or_else(|| panic!("no query row\n{stdout}"));
    // people, db_events rows, sessions, index s, index RSS, who, DuckDB who, ratio,
    // timeline, findings, report, RSS
    let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
    assert_eq!(cells.len(), 12, "{row}");
    let (events, sessions) = (
        cells[1].parse::<u64>().unwrap(),
        cells[2].parse::<u64>().unwrap(),
    );
    assert!(events > 100 && sessions > 0 && sessions < events, "{row}");
    assert!(cells[3].parse::<f64>().unwrap() > 0.0, "{row}");
    assert!(cells[7].ends_with('×'), "{row}");
    assert!(stderr.contains("who: both name the same"), "{stderr}");
}

/// Regression: a mistyped flag printed anyhow's stack backtrace (RUST_BACKTRACE set).
#[test]
fn a_bad_flag_is_one_line_of_usage_not_a_backtrace() {
    let out = Command::new(env!("CARGO_BIN_EXE_tagtrail-bench"))
        .arg("--help")
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.starts_with("tagtrail-bench: error: unknown argument --help; usage: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
