//! Helpers shared by the integration tests: run the real binary, query a lake.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    repo().join("fixtures").join(rel)
}

/// Runs `tagtrail` with `args` and the lake `lake`; panics with its stderr on failure.
pub fn tagtrail(lake: &Path, args: &[&str]) -> String {
    tagtrail_env(lake, args, &[])
}

pub fn tagtrail_output(lake: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tagtrail"))
        .args(args)
        .env("TAGTRAIL_LAKE", lake)
        .output()
        .expect("run tagtrail")
}

/// `tagtrail query SQL --format json`, parsed.
pub fn query(lake: &Path, sql: &str) -> serde_json::Value {
    serde_json::from_str(&tagtrail(lake, &["query", sql, "--format", "json"])).expect("json output")
}

pub fn temp_lake() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// A port nobody listens on right now, on the loopback interface only.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `tagtrail` with extra environment variables; panics with its stderr on failure.
pub fn tagtrail_env(lake: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tagtrail"))
        .args(args)
        .env("TAGTRAIL_LAKE", lake)
        .envs(env.iter().copied())
        .output()
        .expect("run tagtrail");
    assert!(
        out.status.success(),
        "tagtrail {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Where a tool lives: PATH, then the sbin folders a non-root PATH often lacks.
pub fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain(["/usr/sbin", "/usr/bin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Sends `signal` to process `pid` (the `kill` command: no libc binding needed here).
pub fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
}

/// Stops a server we spawned, by its PID: SIGTERM (a clean shutdown flushes its logs),
/// SIGKILL if it is still running after `grace`.
pub fn stop_child(mut child: std::process::Child, grace: std::time::Duration) {
    if child.try_wait().ok().flatten().is_some() {
        return;
    }
    signal(child.id(), "TERM");
    let deadline = std::time::Instant::now() + grace;
    while std::time::Instant::now() < deadline {
        if child.try_wait().ok().flatten().is_some() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A folder for what a test keeps after its servers are gone (the copied server logs,
/// the lake), under cargo's per-target scratch space, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The number in the ingest summary's row labelled `label`.
pub fn summary_count(summary: &str, label: &str) -> u64 {
    let line = summary
        .lines()
        .find(|l| l.contains(label))
        .unwrap_or_else(|| panic!("no `{label}` in {summary}"));
    line.split('┆')
        .nth(1)
        .unwrap()
        .trim_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap()
}

/// A fresh lake with the demo week (`fixtures/demo`) ingested.
pub fn demo_lake() -> tempfile::TempDir {
    let lake = temp_lake();
    ingest_demo(lake.path(), &[]);
    lake
}

/// `tagtrail ingest FLAGS… fixtures/demo`. It exits 4: beside the evidence, the demo
/// folder holds its ground truth `expected/who-shop-customers.json`, which is not
/// evidence and is rejected (as any stray file would be), and nothing else is.
/// Returns the summary.
pub fn ingest_demo(lake: &Path, flags: &[&str]) -> String {
    let demo = fixture("demo");
    let mut args = vec!["ingest"];
    args.extend(flags);
    args.push(demo.to_str().unwrap());
    ingest_rejecting(lake, &args, "1 unreadable file(s) rejected")
}

/// Runs an ingest (`args`) that must finish with the rejects `rejected` says
/// (`2 record(s) rejected`, `1 unreadable file(s) rejected`, …): exit status 4 and that
/// message. Returns the summary.
pub fn ingest_rejecting(lake: &Path, args: &[&str], rejected: &str) -> String {
    finished_rejecting(&tagtrail_output(lake, args), rejected)
}

/// The summary of a finished ingest run that rejected what `rejected` says: exit
/// status 4 and that message on stderr.
pub fn finished_rejecting(out: &Output, rejected: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "tagtrail: error: {rejected} (listed above; rows in table ingest_rejects); \
             everything else was ingested\n"
        )
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8 output")
}

/// Compares `text` with the reviewed snapshot `tests/snapshots/NAME`;
/// `TAGTRAIL_BLESS=1` rewrites it after a deliberate change.
pub fn assert_snapshot(name: &str, text: &str) {
    let snapshot = repo().join("tests/snapshots").join(name);
    if std::env::var_os("TAGTRAIL_BLESS").is_some() {
        std::fs::create_dir_all(snapshot.parent().unwrap()).unwrap();
        std::fs::write(&snapshot, text).unwrap();
    }
    let expected =
        std::fs::read_to_string(&snapshot).expect("snapshot (TAGTRAIL_BLESS=1 writes it)");
    assert_eq!(text, expected, "differs from tests/snapshots/{name}");
}
