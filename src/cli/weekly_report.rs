//! `tagtrail report`: validates the period and formats, builds the report and writes
//! its files, then prints the one-screen summary.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::CliError;
use super::config::ConfigError;
use crate::checks::{self, Check, CheckConfig};
use crate::engine::{AttributionSettings, Engine};
use crate::report::weekly::{self, Period, Report};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Markdown,
    Html,
    Json,
}

impl FileFormat {
    fn extension(self) -> &'static str {
        match self {
            FileFormat::Markdown => "md",
            FileFormat::Html => "html",
            FileFormat::Json => "json",
        }
    }
}

#[derive(Debug)]
pub struct ReportOptions {
    pub period: Period,
    /// Files to write; empty with `--format table`.
    pub files: Vec<FileFormat>,
    pub out: PathBuf,
    /// Files readable by all (`--shared`) rather than by the owner only.
    pub shared: bool,
    pub checks: Vec<&'static Check>,
}

/// The period (`--week`, `--since/--until`, else the last complete week) and formats.
pub fn options(
    week: Option<&str>,
    (since, until): (Option<i64>, Option<i64>),
    format: Option<&str>,
    (out, shared): (PathBuf, bool),
    file: &CheckConfig,
) -> Result<ReportOptions, ConfigError> {
    let now = chrono::Utc::now().timestamp_micros();
    let period = match (week, since, until) {
        (Some(w), ..) => Period::iso_week(w).map_err(|e| ConfigError {
            flag: "--week",
            message: e.to_string(),
        })?,
        (None, None, None) => Period::last_complete_week(now),
        (None, since, until) => {
            let since = since.ok_or(ConfigError {
                flag: "--since",
                message: "--until needs --since too (or use --week)".into(),
            })?;
            Period::range(since, until.unwrap_or(now)).map_err(|e| ConfigError {
                flag: "--until",
                message: e.to_string(),
            })?
        }
    };
    let files = match format {
        None => vec![FileFormat::Markdown, FileFormat::Html, FileFormat::Json],
        Some("md") => vec![FileFormat::Markdown],
        Some("html") => vec![FileFormat::Html],
        Some("json") => vec![FileFormat::Json],
        Some(_) => Vec::new(),
    };
    Ok(ReportOptions {
        period,
        files,
        out,
        shared,
        checks: checks::ALL
            .iter()
            .copied()
            .filter(|c| !file.disabled.iter().any(|d| d == c.id))
            .collect(),
    })
}

pub async fn run(
    out: &mut dyn Write,
    engine: &Engine,
    config: &CheckConfig,
    attribution: &AttributionSettings,
    opts: &ReportOptions,
) -> Result<(), CliError> {
    checks::tables::register(engine.context(), config, &attribution.tag_key)
        .map_err(checks::RunError::from)?;
    let report = weekly::build(
        engine,
        config,
        &opts.checks,
        &config.sensitive_objects,
        &opts.period,
    )
    .await?;
    let mut written = Vec::new();
    let (dir_mode, file_mode) = if opts.shared {
        (0o755, 0o644)
    } else {
        (0o700, 0o600)
    };
    if !opts.files.is_empty() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(dir_mode)
            .create(&opts.out)?;
    }
    for &format in &opts.files {
        let path = opts
            .out
            .join(format!("{}.{}", opts.period.name, format.extension()));
        write_file(&path, &report, format, file_mode)?;
        written.push(path);
    }
    weekly::terminal::write(out, &report, &written)?;
    Ok(())
}

/// Writes `path` with `mode`, also when it was there before with another mode (never
/// readable by others in between).
fn write_file(path: &Path, report: &Report, format: FileFormat, mode: u32) -> Result<(), CliError> {
    let mut buf = Vec::new();
    match format {
        FileFormat::Markdown => weekly::markdown::write(&mut buf, report)?,
        FileFormat::Html => weekly::html::write(&mut buf, report)?,
        FileFormat::Json => {
            serde_json::to_writer_pretty(&mut buf, report).map_err(std::io::Error::from)?;
            buf.push(b'\n');
        }
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(&buf)?;
    file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    Ok(())
}
