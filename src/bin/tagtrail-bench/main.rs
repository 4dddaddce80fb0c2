//! Ingestion benchmarks: tagtrail beside the peer named in each issue (DuckDB), on the
//! same generated inputs, as ratios. Never a timed test: run it on a quiet machine.
//!
//! Usage (release build; see BENCHMARKS.md):
//!   cargo run --release --bin tagtrail-bench -- [--suite cloudtrail,mysql,pg,org]
//!       [--dir DIR] [--size-mb N] [--threads 1,2] [--people 200,1000] [--days 7]
//!       [--app-sessions-per-hour N] [--runs 3] [--no-duckdb]
//!
//! Each suite generates its input once (cached under DIR, default the temp folder) with
//! `tagtrail::synth`, then for each thread count runs `tagtrail ingest` into a fresh
//! lake and the peer into a fresh Parquet file, measuring wall time and peak RSS of each
//! process, checks that both extracted the same rows, and prints a Markdown table for
//! BENCHMARKS.md.

mod cloudtrail;
mod dblogs;
mod measure;
mod org;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use measure::Run;

pub struct Args {
    pub dir: PathBuf,
    pub size_mb: u64,
    pub threads: Vec<usize>,
    pub duckdb: bool,
    pub suites: Vec<String>,
    /// Organization sizes of the `org` suite, and its days.
    pub people: Vec<usize>,
    pub days: u32,
    /// `tagtrail synth --app-sessions-per-hour` for the `org` suite (default: synth's).
    pub app_sessions: Option<u64>,
    /// Runs of each query; the fastest counts.
    pub runs: usize,
    /// The `tagtrail` binary next to this one (same build profile).
    pub tagtrail: PathBuf,
}

const USAGE: &str = "usage: tagtrail-bench [--suite cloudtrail,mysql,pg,org] [--dir DIR] [--size-mb N] [--threads 1,2] [--people 200,1000] [--days 7] [--app-sessions-per-hour N] [--runs 3] [--no-duckdb]";

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        dir: std::env::temp_dir(),
        size_mb: 1100,
        threads: vec![1, 2],
        duckdb: true,
        suites: vec![
            "cloudtrail".into(),
            "mysql".into(),
            "pg".into(),
            "org".into(),
        ],
        people: vec![200, 1000],
        days: 7,
        runs: 3,
        app_sessions: None,
        tagtrail: std::env::current_exe()?
            .parent()
            .context("binary folder")?
            .join("tagtrail"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--dir" => args.dir = PathBuf::from(value()?),
            "--size-mb" => args.size_mb = value()?.parse().context("--size-mb")?,
            "--threads" => {
                args.threads = value()?
                    .split(',')
                    .map(|t| t.trim().parse().context("--threads"))
                    .collect::<anyhow::Result<_>>()?
            }
            "--people" => {
                args.people = value()?
                    .split(',')
                    .map(|t| t.trim().parse().context("--people"))
                    .collect::<anyhow::Result<_>>()?
            }
            "--days" => args.days = value()?.parse().context("--days")?,
            "--app-sessions-per-hour" => {
                args.app_sessions = Some(value()?.parse().context("--app-sessions-per-hour")?)
            }
            "--runs" => args.runs = value()?.parse::<usize>().context("--runs")?.max(1),
            "--suite" => args.suites = value()?.split(',').map(|s| s.trim().to_string()).collect(),
            "--no-duckdb" => args.duckdb = false,
            other => bail!("unknown argument {other}; {USAGE}"),
        }
    }
    Ok(args)
}

/// Generates a suite's input once: a stamp file remembers the size it was made for and
/// what the generator reported.
pub fn cached(
    dir: &Path,
    size_mb: u64,
    generate: impl FnOnce(&Path) -> anyhow::Result<serde_json::Value>,
) -> anyhow::Result<serde_json::Value> {
    let stamp = dir.join("bench-input.json");
    if let Ok(text) = std::fs::read_to_string(&stamp) {
        let v: serde_json::Value = serde_json::from_str(&text)?;
        if v["size_mb"] == size_mb {
            return Ok(v);
        }
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("clear {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    eprintln!("generating {size_mb} MB of input in {} …", dir.display());
    let mut v = generate(dir)?;
    v["size_mb"] = size_mb.into();
    std::fs::write(&stamp, v.to_string())?;
    Ok(v)
}

/// One Markdown table row. `mb` is the input size in 10⁶ bytes of uncompressed text,
/// `units` the records or lines it holds.
pub fn row(tool: &str, threads: usize, r: &Run, mb: f64, units: f64, ratio: &str) {
    let s = r.wall.as_secs_f64();
    println!(
        "| {tool} | {threads} | {s:.2} | {:.0} | {:.0} | {:.0} | {:.0} | {ratio} |",
        mb / s,
        mb / s / threads as f64,
        units / s,
        r.peak_rss_mib
    );
}

pub fn table_header(unit: &str) {
    println!(
        "| tool | threads | wall s | MB/s | MB/s per core | {unit}/s | peak RSS MiB | speed vs DuckDB |"
    );
    println!("|---|---|---|---|---|---|---|---|");
}

/// How many times faster tagtrail was than the peer.
pub fn ratio(ours: &Run, theirs: Option<&Run>) -> String {
    theirs
        .map(|d| format!("{:.2}×", d.wall.as_secs_f64() / ours.wall.as_secs_f64()))
        .unwrap_or_default()
}

/// `SELECT …` over a lake through `tagtrail query`, last CSV line (one value).
pub fn lake_value(args: &Args, lake: &Path, sql: &str) -> anyhow::Result<String> {
    let out = std::process::Command::new(&args.tagtrail)
        .args(["query", "--format", "csv", "--lake"])
        .arg(lake)
        .arg(sql)
        .output()
        .context("query the benchmark lake")?;
    if !out.status.success() {
        bail!(
            "tagtrail query failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_string())
}

/// Errors are printed as their chain of causes, without the backtrace anyhow's `Debug`
/// adds when `RUST_BACKTRACE` is set: a mistyped flag is not a crash.
fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tagtrail-bench: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let args = parse_args()?;
    for suite in &args.suites {
        match suite.as_str() {
            "cloudtrail" => cloudtrail::run(&args)?,
            "mysql" => dblogs::mysql(&args)?,
            "pg" => dblogs::pg(&args)?,
            "org" => org::run(&args)?,
            other => bail!("unknown suite {other}; {USAGE}"),
        }
        println!();
    }
    Ok(())
}
