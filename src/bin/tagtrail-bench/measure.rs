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
