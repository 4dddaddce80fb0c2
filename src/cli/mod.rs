//! The command line: [`args`] is what clap parses, [`config`] validates it, and
//! [`run`] calls the library. Output goes to the writer it is given; progress and
//! warnings go to stderr.

pub mod alloc;
pub mod args;
pub mod config;
mod digests;
mod inventory;
mod lint;
mod summary;
mod synth;
mod weekly_report;

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

use crate::checks::{self, Severity, Status};
use crate::demo;
use crate::engine::{
    AttributionSettings, Engine, EngineError, build_access_index, build_attribution_index,
    build_session_index,
};
use crate::fetch::AwsOptions;
use crate::ingest::{self, IngestError, IngestOptions, IngestReport, Progress};
use crate::integrity::IntegrityError;
use crate::lake::{Lake, LakeError, LakeLocation, compact};
use crate::report::{self, Format, who};

pub use config::{Command, Config, ConfigError};

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Lake(#[from] LakeError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Shape(#[from] who::ShapeError),
    #[error("no lake at {0}: run `tagtrail ingest --lake {0} PATH…` first")]
    NoLake(String),
    #[error(transparent)]
    Output(#[from] std::io::Error),
    #[error(transparent)]
    Integrity(#[from] IntegrityError),
    #[error("{0}")]
    Inventory(String),
    #[error(transparent)]
    Checks(#[from] checks::RunError),
    #[error("{count} open finding(s) at or above {level} (--fail-on {level})")]
    FindingsAtOrAbove { count: usize, level: Severity },
    #[error(transparent)]
    Lint(#[from] crate::lint::LintError),
    #[error(transparent)]
    Trace(#[from] crate::trace::TraceError),
    #[error(transparent)]
    Ddl(#[from] crate::ddl::DdlError),
    #[error(transparent)]
    Report(#[from] crate::report::weekly::ReportError),
    #[error(transparent)]
    Synth(#[from] crate::synth::org::SynthError),
    #[error("lint found {errors} error(s)")]
    LintFailed { errors: usize },
    #[error(
        "integrity check failed: {failures} item(s) altered, missing, badly signed, moved, unreadable or breaking the digest chain (listed above; rows in table digest_checks)"
    )]
    IntegrityViolated { failures: usize },
    #[error("{} (listed above; rows in table ingest_rejects); everything else was ingested", rejected(*records, *files))]
    Rejected { records: u64, files: usize },
}

/// `records` rejects in all, `files` of them whole files.
fn rejected(records: u64, files: usize) -> String {
    match (records - files as u64, files) {
        (r, 0) => format!("{r} record(s) rejected"),
        (0, f) => format!("{f} unreadable file(s) rejected"),
        (r, f) => format!("{r} record(s) and {f} unreadable file(s) rejected"),
    }
}

impl CliError {
    /// Writing into a closed pipe (`tagtrail who … | head`) is not an error worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// Distinct codes so a scheduled job can tell the outcomes apart: 1 an error that
    /// stopped the command, 2 evidence that failed verification, 3 findings at or above
    /// `--fail-on`, 4 an ingest that finished but rejected some records or files.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::IntegrityViolated { .. } => 2,
            CliError::FindingsAtOrAbove { .. } => 3,
            CliError::Rejected { .. } => 4,
            _ => 1,
        }
    }
}

pub async fn run(config: Config, out: &mut dyn Write) -> Result<(), CliError> {
    match config.command {
        Command::Ingest { opts, index } => {
            let lake = create_lake(&config.lake, &config.aws).await?;
            let _lock = lake.lock("ingest")?;
            let report = ingest_with_progress(&lake, &opts).await?;
            summary::ingest(out, &report)?;
            if index {
                // The ingest's freed buffers would otherwise stay under the index's.
                crate::memory::release_freed();
                summary::session_index(out, &build_session_index(&lake, false).await?)?;
                let stored = build_attribution_index(&lake, &config.attribution, false).await?;
                summary::stored_attribution(out, &stored)?;
            }
            let merge = compact::plan(&lake, &compact::CompactOptions::default())?;
            summary::compact_hint(out, &merge.groups)?;
            let (records, files) = (report.rejected_records(), report.rejected_files());
            if records > 0 || files > 0 {
                return Err(CliError::Rejected { records, files });
            }
        }
        Command::Index { force } => {
            let lake = existing_lake(&config.lake, &config.aws).await?;
            let _lock = lake.lock("index")?;
            summary::session_index(out, &build_session_index(&lake, force).await?)?;
            let stored = build_attribution_index(&lake, &config.attribution, force).await?;
            summary::stored_attribution(out, &stored)?;
            let accesses = build_access_index(&lake, &config.attribution, force).await?;
            summary::stored_accesses(out, &accesses)?;
        }
        Command::Who {
            object,
            since,
            until,
            format,
            explain,
        } => {
            let engine = open_engine(&config.lake, &config.aws, &config.attribution).await?;
            let rows = who::rows(&engine.who(&object, since, until).await?, explain)?;
            who::write(out, &rows, format)?;
        }
        Command::Sessions {
            filter,
            since,
            until,
            format,
        } => {
            let engine = open_engine(&config.lake, &config.aws, &config.attribution).await?;
            let batches = engine.sessions(&filter, since, until).await?;
            report::write_batches(out, &batches, format)?;
        }
        Command::Timeline {
            subject,
            since,
            until,
            format,
        } => {
            let engine = open_engine(&config.lake, &config.aws, &config.attribution).await?;
            let batches = engine.timeline(&subject, since, until).await?;
            report::write_batches(out, &batches, format)?;
        }
        Command::Trace {
            mut options,
            format,
        } => {
            let engine = open_engine(&config.lake, &config.aws, &config.attribution).await?;
            options.tag_key = config.attribution.tag_key.clone();
            options.skew = config.attribution.skew_seconds * 1_000_000;
            let found = crate::trace::trace(&engine, &options).await?;
            crate::trace::render::write(out, &found, format)?;
        }
        Command::Ddl {
            engine: target,
            location,
            query,
        } => match query {
            Some(name) => write!(out, "{}", crate::ddl::question_text(&name, target)?)?,
            None => {
                let lake = existing_lake(&config.lake, &config.aws).await?;
                let location = match location {
                    Some(l) => l,
                    None => crate::ddl::default_location(&lake)?,
                };
                let engine = Engine::open_with(&lake, &config.attribution).await?;
                checks::tables::register(
                    engine.context(),
                    &config.checks,
                    &config.attribution.tag_key,
                )
                .map_err(checks::RunError::from)?;
                write!(
                    out,
                    "{}",
                    crate::ddl::ddl(&lake, &engine, target, &location).await?
                )?;
            }
        },
        Command::Query { sql, format } => {
            let engine = open_engine(&config.lake, &config.aws, &config.attribution).await?;
            report::write_batches(out, &engine.sql(&sql).await?, format)?;
        }
        Command::Demo { format } => run_demo(out, format).await?,
        Command::Synth { out: dir, spec } => synth::run(out, &dir, spec.as_ref())?,
        Command::VerifyDigests {
            evidence,
            keys,
            period,
            aws,
        } => {
            let lake = create_lake(&config.lake, &config.aws).await?;
            let _lock = lake.lock("verify-digests")?;
            digests::verify(out, &lake, &evidence, &keys, period, &aws).await?;
        }
        Command::Inventory { targets } => {
            let lake = create_lake(&config.lake, &config.aws).await?;
            let _lock = lake.lock("inventory")?;
            inventory::run(out, &lake, &targets).await?;
        }
        Command::Lint { kind, files } => {
            let tag_key = &config.attribution.tag_key;
            let lake = (&config.lake, &config.aws);
            lint::run(out, kind, &files, lake, tag_key, &config.checks).await?
        }
        Command::Report(opts) => {
            let engine = open_engine(&config.lake, &config.aws, &config.attribution).await?;
            note_unindexed(&engine);
            // The period and the one before it, which the report compares it with.
            let (since, until) = (opts.period.previous().since, opts.period.until);
            let engine = engine.within(since, until).await?.unwrap_or(engine);
            weekly_report::run(out, &engine, &config.checks, &config.attribution, &opts).await?;
        }
        Command::Compact(opts) => {
            let lake = existing_lake(&config.lake, &config.aws).await?;
            let _lock = lake.lock("compact")?;
            let report = compact::compact(&lake, &opts)?;
            summary::compact(out, &lake, &report)?;
        }
        Command::Checks { check } => report::findings::write_checks(out, checks::ALL, check)?,
        Command::Findings {
            checks: selected,
            since,
            until,
            min_severity,
            fail_on,
            format,
        } => {
            let engine = open_engine(&config.lake, &config.aws, &config.attribution).await?;
            note_unindexed(&engine);
            let engine = engine.within(since, until).await?.unwrap_or(engine);
            checks::tables::register(
                engine.context(),
                &config.checks,
                &config.attribution.tag_key,
            )
            .map_err(checks::RunError::from)?;
            let found = checks::run(&engine, &selected, &config.checks, since, until).await?;
            let shown: Vec<_> = found
                .iter()
                .filter(|f| f.severity >= min_severity)
                .cloned()
                .collect();
            report::findings::write(out, &shown, format)?;
            if let Some(level) = fail_on {
                let count = found
                    .iter()
                    .filter(|f| f.status == Status::Open && f.severity >= level)
                    .count();
                if count > 0 {
                    return Err(CliError::FindingsAtOrAbove { count, level });
                }
            }
        }
    }
    Ok(())
}

/// Tells the engineer wondering why a report is slow: without a current session index
/// every run of `findings` or `report` groups the whole lake's db events again.
fn note_unindexed(engine: &Engine) {
    if !engine.reads_session_index() {
        eprintln!(
            "tagtrail: note: the session index is missing or older than the lake's database \
             logs (an ingest with --no-index?): this run groups every db event into sessions, \
             which is slow on a large lake; `tagtrail index` stores them"
        );
    }
}

async fn open_engine(
    lake: &LakeLocation,
    aws: &AwsOptions,
    settings: &AttributionSettings,
) -> Result<Engine, CliError> {
    Ok(Engine::open_with(&existing_lake(lake, aws).await?, settings).await?)
}

async fn existing_lake(lake: &LakeLocation, aws: &AwsOptions) -> Result<Lake, CliError> {
    Lake::connect(lake, aws, false)
        .await?
        .ok_or_else(|| CliError::NoLake(lake.to_string()))
}

/// The lake to write to, created when missing.
async fn create_lake(lake: &LakeLocation, aws: &AwsOptions) -> Result<Lake, CliError> {
    Ok(Lake::connect(lake, aws, true).await?.expect("created"))
}

async fn ingest_with_progress(lake: &Lake, opts: &IngestOptions) -> Result<IngestReport, CliError> {
    if std::io::stderr().is_terminal() {
        Ok(ingest::ingest(lake, opts, &mut Bar(None)).await?)
    } else {
        Ok(ingest::ingest(lake, opts, &mut ingest::Silent).await?)
    }
}

/// An indicatif bar on stderr, only when stderr is a terminal.
struct Bar(Option<ProgressBar>);

impl Progress for Bar {
    fn add_total(&mut self, inputs: u64) {
        if let Some(bar) = &self.0 {
            bar.inc_length(inputs);
            return;
        }
        let bar = ProgressBar::new(inputs);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} ingesting [{bar:30}] {pos}/{len} files  {wide_msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        self.0 = Some(bar);
    }
    fn done(&mut self, location: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(location.rsplit('/').next().unwrap_or(location).to_string());
            bar.inc(1);
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// The demo's findings, with RDS's own `rdsadmin` accepted as a real team would.
async fn demo_findings(
    out: &mut dyn Write,
    engine: &Engine,
    format: Format,
) -> Result<(), CliError> {
    let config = checks::CheckConfig {
        exceptions: vec![checks::Exception {
            check: "unattributed-session".into(),
            subject: "rdsadmin".into(),
            justification: "RDS's own management account".into(),
        }],
        ..checks::CheckConfig::default()
    };
    let settings = AttributionSettings::default();
    checks::tables::register(engine.context(), &config, &settings.tag_key)
        .map_err(checks::RunError::from)?;
    let found = checks::run(engine, checks::ALL, &config, i64::MIN / 2, i64::MAX / 2).await?;
    writeln!(
        out,
        "\nFindings (`tagtrail findings`; `tagtrail checks ID` explains each check):\n"
    )?;
    report::findings::write(out, &found, format)?;
    Ok(())
}

async fn run_demo(out: &mut dyn Write, format: Format) -> Result<(), CliError> {
    let dir = tempfile::tempdir()?;
    let evidence = dir.path().join("evidence");
    let files = demo::write_scenario(&evidence)?;
    let lake = Lake::open(dir.path().join("lake"))?;
    let opts = IngestOptions::local(vec![evidence]);
    writeln!(
        out,
        "tagtrail demo: {files} evidence files (Okta System Log, CloudTrail, RDS audit logs of MariaDB, MySQL and PostgreSQL, inventory, IAM policy; week of 2026-11-16), temporary lake\n"
    )?;
    let report = ingest_with_progress(&lake, &opts).await?;
    summary::ingest(out, &report)?;
    summary::session_index(out, &build_session_index(&lake, false).await?)?;
    let settings = AttributionSettings::default();
    let stored = build_attribution_index(&lake, &settings, false).await?;
    summary::stored_attribution(out, &stored)?;
    let engine = Engine::open_with(&lake, &settings).await?;
    writeln!(out, "\nWho accessed {}?\n", demo::DEMO_OBJECT)?;
    let rows = who::rows(
        &engine
            .who(demo::DEMO_OBJECT, i64::MIN / 2, i64::MAX / 2)
            .await?,
        false,
    )?;
    who::write(out, &rows, format)?;
    summary::attribution(out, &engine).await?;
    demo_findings(out, &engine, format).await?;
    writeln!(
        out,
        "\nAsk your own questions: tagtrail ingest --lake LAKE fixtures/demo, then tagtrail query --lake LAKE \"SELECT * FROM attributed_sessions\""
    )?;
    Ok(())
}
