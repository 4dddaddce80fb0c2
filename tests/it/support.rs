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
