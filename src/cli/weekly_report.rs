//! `tagtrail report`: validates the period and formats, builds the report and writes
//! its files, then prints the one-screen summary.

use std::io::Write;
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
    pub checks: Vec<&'static Check>,
}

/// The period (`--week`, `--since/--until`, else the last complete week) and formats.
pub fn options(
    week: Option<&str>,
    (since, until): (Option<i64>, Option<i64>),
    format: Option<&str>,
    out: PathBuf,
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
    if !opts.files.is_empty() {
        std::fs::create_dir_all(&opts.out)?;
    }
    for &format in &opts.files {
        let path = opts
            .out
            .join(format!("{}.{}", opts.period.name, format.extension()));
        write_file(&path, &report, format)?;
        written.push(path);
    }
    weekly::terminal::write(out, &report, &written)?;
    Ok(())
}

fn write_file(path: &Path, report: &Report, format: FileFormat) -> Result<(), CliError> {
    let mut buf = Vec::new();
    match format {
        FileFormat::Markdown => weekly::markdown::write(&mut buf, report)?,
        FileFormat::Html => weekly::html::write(&mut buf, report)?,
        FileFormat::Json => {
            serde_json::to_writer_pretty(&mut buf, report).map_err(std::io::Error::from)?;
            buf.push(b'\n');
        }
    }
    std::fs::write(path, buf)?;
    Ok(())
}
