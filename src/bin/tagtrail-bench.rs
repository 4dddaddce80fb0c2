//! CloudTrail ingestion benchmark: tagtrail beside DuckDB on the same synthetic trail.
//!
//! Usage (release build; see BENCHMARKS.md):
//!   cargo run --release --bin tagtrail-bench -- [--dir DIR] [--size-mb N] [--threads 1,2] [--no-duckdb]
//!
//! Generates (once) an organization trail of at least N MB of uncompressed JSON with
//! `tagtrail::synth::trail`, then for each thread count runs `tagtrail ingest` into a
//! fresh lake and DuckDB (`read_json` → unnest `Records` → filter `AssumeRoleWithSAML`
//! → `COPY … TO … (FORMAT parquet)`), measuring wall time and peak RSS of each process.
//! Prints a Markdown table for BENCHMARKS.md.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

struct Args {
    dir: PathBuf,
    size_mb: u64,
    threads: Vec<usize>,
    duckdb: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        dir: std::env::temp_dir().join("tagtrail-bench-trail"),
        size_mb: 1100,
        threads: vec![1, 2],
        duckdb: true,
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
            "--no-duckdb" => args.duckdb = false,
            other => bail!(
                "unknown argument {other}; usage: tagtrail-bench [--dir DIR] [--size-mb N] [--threads 1,2] [--no-duckdb]"
            ),
        }
    }
    Ok(args)
}

/// Wall time and peak resident memory of a child process.
struct Run {
    wall: Duration,
    peak_rss_mib: f64,
    stdout: String,
}

/// Runs `cmd`, sampling its high-water mark (`VmHWM`, monotonic) until it exits.
fn measure(cmd: &mut Command) -> anyhow::Result<Run> {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("start benchmark process")?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    loop {
        // The file vanishes when the process exits; the last sample stands.
        if let Ok(text) = std::fs::read_to_string(&status_path)
            && let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait()? {
            let wall = start.elapsed();
            // Both tools print a short summary, far below a pipe's buffer, so reading
            // after exit cannot deadlock.
            let mut stdout = String::new();
            if let Some(mut o) = child.stdout.take() {
                std::io::Read::read_to_string(&mut o, &mut stdout)?;
            }
            if !status.success() {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    std::io::Read::read_to_string(&mut e, &mut err)?;
                }
                bail!("benchmark process failed ({status}): {err}");
            }
            return Ok(Run {
                wall,
                peak_rss_mib: peak_kib as f64 / 1024.0,
                stdout,
            });
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn ensure_trail(dir: &Path, size_mb: u64) -> anyhow::Result<tagtrail::synth::trail::TrailSummary> {
    let stamp = dir.join("trail.json");
    if let Ok(text) = std::fs::read_to_string(&stamp) {
        let v: serde_json::Value = serde_json::from_str(&text)?;
        if v["size_mb"] == size_mb {
            return Ok(tagtrail::synth::trail::TrailSummary {
                files: v["files"].as_u64().unwrap_or_default(),
                records: v["records"].as_u64().unwrap_or_default(),
                kept_records: v["kept_records"].as_u64().unwrap_or_default(),
                json_bytes: v["json_bytes"].as_u64().unwrap_or_default(),
                gzip_bytes: v["gzip_bytes"].as_u64().unwrap_or_default(),
            });
        }
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("clear {}", dir.display()))?;
    }
    eprintln!("generating a {size_mb} MB trail in {} …", dir.display());
    let s = tagtrail::synth::trail::generate(dir, size_mb << 20)?;
    std::fs::write(
        &stamp,
        serde_json::json!({
            "size_mb": size_mb, "files": s.files, "records": s.records,
            "kept_records": s.kept_records, "json_bytes": s.json_bytes, "gzip_bytes": s.gzip_bytes,
        })
        .to_string(),
    )?;
    Ok(s)
}

const DUCKDB: &str = r#"
import duckdb, sys
glob, out, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
con.execute("SET enable_progress_bar = false")
con.execute(f"""
COPY (
  SELECT r->>'eventID' AS event_id, r->>'eventTime' AS event_time,
         r->>'recipientAccountId' AS account_id, r->>'awsRegion' AS region,
         r->'requestParameters'->>'roleArn' AS role_arn,
         coalesce(r->'responseElements'->>'subject', r->'userIdentity'->>'userName') AS subject,
         r->'requestParameters'->'principalTags' AS principal_tags,
         r->'requestParameters'->>'durationSeconds' AS duration_seconds,
         r->'responseElements'->'credentials'->>'expiration' AS expiration,
         r->'responseElements'->'assumedRoleUser'->>'assumedRoleId' AS assumed_role_id,
         r->>'sourceIPAddress' AS source_ip, r->>'errorCode' AS error_code
  FROM (SELECT unnest(Records) AS r
        FROM read_json('{glob}', columns = {{'Records': 'JSON[]'}},
                       maximum_object_size = 536870912, compression = 'gzip'))
  WHERE r->>'eventName' = 'AssumeRoleWithSAML'
) TO '{out}' (FORMAT parquet)
""")
print(con.execute(f"SELECT count(*) FROM '{out}'").fetchone()[0])
"#;

/// A speed comparison means nothing unless both tools extracted the same rows.
fn check_same_rows(tagtrail_bin: &Path, lake: &Path, duckdb_stdout: &str) -> anyhow::Result<()> {
    let out = Command::new(tagtrail_bin)
        .args(["query", "--format", "csv", "--lake"])
        .arg(lake)
        .arg("SELECT count(*) AS n FROM federated_sessions")
        .output()
        .context("count tagtrail's federated_sessions")?;
    let ours = String::from_utf8_lossy(&out.stdout);
    let ours = ours.lines().last().unwrap_or_default().trim();
    let theirs = duckdb_stdout.lines().last().unwrap_or_default().trim();
    if ours != theirs {
        bail!("row counts differ: tagtrail {ours:?}, DuckDB {theirs:?}");
    }
    eprintln!("both extracted {ours} AssumeRoleWithSAML rows");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let trail = ensure_trail(&args.dir, args.size_mb)?;
    let tagtrail_bin = std::env::current_exe()?
        .parent()
        .context("binary folder")?
        .join("tagtrail");
    let mb = trail.json_bytes as f64 / 1e6;
    println!(
        "trail: {} files, {} records, {:.0} MB JSON ({:.0} MB gzip), {:.0}% from the federation templates\n",
        trail.files,
        trail.records,
        mb,
        trail.gzip_bytes as f64 / 1e6,
        trail.kept_records as f64 * 100.0 / trail.records as f64
    );
    println!(
        "| tool | threads | wall s | MB/s | MB/s per core | events/s | peak RSS MiB | vs DuckDB |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for &t in &args.threads {
        let work = tempfile::tempdir()?;
        let ours = measure(
            Command::new(&tagtrail_bin)
                .arg("ingest")
                .arg("--lake")
                .arg(work.path().join("lake"))
                .arg("--threads")
                .arg(t.to_string())
                .arg(args.dir.join("AWSLogs")),
        )?;
        let theirs = if args.duckdb {
            Some(measure(
                Command::new("python3")
                    .arg("-c")
                    .arg(DUCKDB)
                    .arg(format!("{}/AWSLogs/**/*.json.gz", args.dir.display()))
                    .arg(work.path().join("duck.parquet"))
                    .arg(t.to_string()),
            )?)
        } else {
            None
        };
        let row = |tool: &str, r: &Run, ratio: &str| {
            let s = r.wall.as_secs_f64();
            println!(
                "| {tool} | {t} | {s:.2} | {:.0} | {:.0} | {:.0} | {:.0} | {ratio} |",
                mb / s,
                mb / s / t as f64,
                trail.records as f64 / s,
                r.peak_rss_mib
            );
        };
        let ratio = theirs
            .as_ref()
            .map(|d| format!("{:.2}×", d.wall.as_secs_f64() / ours.wall.as_secs_f64()))
            .unwrap_or_default();
        if let Some(d) = &theirs {
            check_same_rows(&tagtrail_bin, &work.path().join("lake"), &d.stdout)?;
        }
        row("tagtrail", &ours, &ratio);
        if let Some(d) = &theirs {
            row("DuckDB", d, "1.00×");
        }
    }
    Ok(())
}
