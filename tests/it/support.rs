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
    let out = tagtrail_output(lake, args);
    assert!(
        out.status.success(),
        "tagtrail {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
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
