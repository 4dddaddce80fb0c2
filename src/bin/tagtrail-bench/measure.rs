//! Wall time and peak RSS of a child process, and the Markdown rows the suites print.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Wall time and peak resident memory of a child process.
pub struct Run {
    pub wall: Duration,
    pub peak_rss_mib: f64,
    pub stdout: String,
}

/// Runs `cmd`, sampling its high-water mark (`VmHWM`, monotonic) until it exits.
pub fn measure(cmd: &mut Command) -> anyhow::Result<Run> {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("start benchmark process")?;
    // Drained while the child runs: `who --format json` prints more than a pipe holds,
    // and a child blocked on a full pipe never exits.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || -> std::io::Result<String> {
            let mut text = String::new();
            if let Some(mut p) = pipe {
                p.read_to_string(&mut text)?;
            }
            Ok(text)
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as _));
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
            let joined = |h: std::thread::JoinHandle<std::io::Result<String>>| {
                h.join()
                    .map_err(|_| anyhow::anyhow!("pipe reader panicked"))?
                    .context("read benchmark output")
            };
            let stdout = joined(out)?;
            let stderr = joined(err)?;
            if !status.success() {
                bail!("benchmark process failed ({status}): {stderr}");
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
