//! `tagtrail synth`: checks the flags, then writes the organization (or, with `--demo`,
//! the demo week) with a progress bar on stderr (days done) and the summary on stdout.

use std::io::{IsTerminal, Write};
use std::path::Path;

use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};

use super::{CliError, ConfigError};
use crate::synth::org::{self, OrgSpec};

pub fn spec(
    people: usize,
    days: u32,
    seed: u64,
    start: Option<&str>,
    app_sessions_per_hour: Option<u64>,
) -> Result<OrgSpec, ConfigError> {
    let bad = |flag, message: String| ConfigError { flag, message };
    if people == 0 {
        return Err(bad("--people", "must be at least 1".into()));
    }
    if days == 0 {
        return Err(bad("--days", "must be at least 1".into()));
    }
    let start = match start {
        None => OrgSpec::default_start(),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|e| bad("--start", format!("{s}: {e} (expected YYYY-MM-DD)")))?,
    };
    Ok(OrgSpec {
        people,
        days,
        seed,
        start,
        app_sessions_per_hour,
    })
}

pub fn run(out: &mut dyn Write, dir: &Path, spec: Option<&OrgSpec>) -> Result<(), CliError> {
    let Some(spec) = spec else {
        let summary =
            crate::synth::generate(dir).map_err(|source| crate::synth::org::SynthError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        write!(out, "{}: demo week\n{summary}", dir.display())?;
        return Ok(());
    };
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(u64::from(spec.days));
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] day {pos}/{len} {elapsed}")
                .expect("valid template"),
        );
        bar.set_message(format!("synth {} people", spec.people));
        bar
    } else {
        ProgressBar::hidden()
    };
    let summary = org::generate(dir, spec, |_| bar.inc(1))?;
    bar.finish_and_clear();
    writeln!(
        out,
        "{}: {} people, {} days from {} (seed {})",
        dir.display(),
        spec.people,
        spec.days,
        spec.start,
        spec.seed
    )?;
    writeln!(out, "{summary}")?;
    Ok(())
}
