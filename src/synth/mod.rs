//! Deterministic synthetic evidence for the demo week (`fixtures/demo/`): CloudTrail
//! files from IAM Identity Center federations and RDS audit logs from the sessions that
//! followed, plus the ground truth of who accessed `shop.customers`.
//!
//! [`scenario`] is the model (people, federations, database sessions); [`cloudtrail`]
//! and [`audit`] render it byte-exact in the real formats; [`truth`] answers the question
//! from the model alone. Everything random comes from [`rng`] with a fixed seed, gzip
//! headers carry mtime 0, and nothing reads the clock: two runs write identical bytes.
//!
//! Regenerate with `cargo run -- synth --demo --out fixtures/demo`.

pub mod audit;
pub mod cloudtrail;
pub mod dblogs;
pub mod identity;
pub mod org;
pub mod pglog;
pub mod rng;
pub mod scenario;
pub mod trail;
pub mod truth;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};

use scenario::{ACCOUNT, Instance, ORG_ID, REGION, Scenario, at};

/// The question the ground truth answers.
pub const OBJECT: &str = "shop.customers";
/// Relative path of the ground truth.
pub const TRUTH_PATH: &str = "expected/who-shop-customers.json";

/// What [`generate`] wrote.
#[derive(Debug, Clone, Default)]
pub struct GeneratedSummary {
    /// Every file written, relative to the output directory, sorted.
    pub files: Vec<PathBuf>,
    pub cloudtrail_files: usize,
    pub cloudtrail_records: usize,
    pub audit_lines: usize,
    pub truth_rows: usize,
    /// Files of an earlier run that this run no longer writes, removed.
    pub removed: Vec<PathBuf>,
}

impl fmt::Display for GeneratedSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} files: {} CloudTrail files ({} records), {} audit-log lines, {} ground-truth rows",
            self.files.len(),
            self.cloudtrail_files,
            self.cloudtrail_records,
            self.audit_lines,
            self.truth_rows
        )?;
        for p in &self.files {
            writeln!(f, "  {}", p.display())?;
        }
        for p in &self.removed {
            writeln!(f, "  removed stale {}", p.display())?;
        }
        Ok(())
    }
}

/// Files as (path relative to the output directory, bytes), sorted by path.
pub type Files = Vec<(String, Vec<u8>)>;

/// Every file of the demo week, without touching the disk.
pub fn render(scenario: &Scenario) -> std::io::Result<(Files, GeneratedSummary)> {
    let mut summary = GeneratedSummary::default();
    let mut files = Vec::new();

    for f in cloudtrail::deliver(&scenario.federations)? {
        summary.cloudtrail_files += 1;
        summary.cloudtrail_records += f.records;
        files.push((f.rel_path, f.bytes));
    }

    for instance in Instance::ALL {
        let lines = audit::render(instance, &scenario.sessions);
        summary.audit_lines += lines.len();
        let dir = format!("rds/{}/audit", instance.id());
        match instance {
            // Rotated by size mid-week: `.1` holds the older rows.
            Instance::ShopProd => {
                let rotation = at(scenario::SHOP_ROTATION);
                let (older, newer): (Vec<_>, Vec<_>) =
                    lines.into_iter().partition(|l| l.time < rotation);
                files.push((
                    format!("{dir}/server_audit.log.1"),
                    audit::to_file(&older).into_bytes(),
                ));
                files.push((
                    format!("{dir}/server_audit.log"),
                    audit::to_file(&newer).into_bytes(),
                ));
            }
            Instance::BillingProd => files.push((
                format!("{dir}/server_audit.log"),
                audit::to_file(&lines).into_bytes(),
            )),
        }
    }

    for (name, content) in pglog::render(&scenario.pg_sessions) {
        summary.audit_lines += content.lines().count();
        files.push((
            format!("rds/{}/error/{name}", pglog::INSTANCE),
            content.into_bytes(),
        ));
    }

    files.extend(identity::files(&scenario.federations)?);

    let rows = truth::who_accessed(scenario, Instance::ShopProd, OBJECT);
    summary.truth_rows = rows.len();
    let mut json = serde_json::to_string_pretty(&rows).map_err(std::io::Error::other)?;
    json.push('\n');
    files.push((TRUTH_PATH.to_string(), json.into_bytes()));

    files.sort_by(|a, b| a.0.cmp(&b.0));
    summary.files = files.iter().map(|(p, _)| PathBuf::from(p)).collect();
    Ok((files, summary))
}

/// Writes the demo week under `out_dir` (created if needed). CloudTrail and PostgreSQL
/// log files of an earlier run with other names are removed from the folders this
/// generator owns; nothing else is deleted.
pub fn generate(out_dir: &Path) -> std::io::Result<GeneratedSummary> {
    let (files, mut summary) = render(&Scenario::demo())?;
    for (rel, bytes) in &files {
        let path = out_dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)?;
    }
    // Files of an earlier run with other names, in the folders whose names carry times.
    let owned = [
        (
            out_dir.join(format!(
                "cloudtrail/AWSLogs/{ORG_ID}/{ACCOUNT}/CloudTrail/{REGION}"
            )),
            format!("{ACCOUNT}_CloudTrail_{REGION}_"),
        ),
        (
            out_dir.join(format!("rds/{}/error", pglog::INSTANCE)),
            "postgresql.log.".to_string(),
        ),
    ];
    for (dir, prefix) in owned {
        let mut stale = Vec::new();
        collect_files(&dir, &mut stale)?;
        stale.sort();
        for path in stale {
            let rel = path.strip_prefix(out_dir).unwrap_or(&path).to_path_buf();
            let ours = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix));
            if ours && !summary.files.contains(&rel) {
                std::fs::remove_file(&path)?;
                summary.removed.push(rel);
            }
        }
    }
    Ok(summary)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}
