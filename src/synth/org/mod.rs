//! `tagtrail synth`: a synthetic organization of any size, in the exact formats the
//! demo week uses (the same renderers write both): an organization trail (two accounts,
//! three regions, more than 80 % of the records events tagtrail does not keep), the Okta
//! System Log, the MariaDB and RDS for MySQL audit logs, the PostgreSQL log, the
//! inventory and the DatabaseAccess policy under `evidence/` (what `tagtrail ingest`
//! reads), plus `truth.json` beside it (see [`truth`]).
//!
//! The run goes day by day: a day is planned ([`day`]), rendered to its files and
//! folded into the truth, then dropped. Memory therefore follows the roster and one
//! day's activity, not `--days`, so tens of gigabytes are practical. Everything random
//! comes from generators labelled with the seed, and nothing reads the clock: one seed,
//! one output, byte for byte.

pub mod day;
pub mod roster;
pub mod truth;

use std::fmt;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};
use serde_json::json;

use super::audit::{self, ServerIds};
use super::cloudtrail;
use super::identity;
use super::pglog::{self, Pids};
use super::rng::Rng;
use super::scenario::{ACCOUNT, Instance, PERMISSION_SET, REGION};
use super::trail;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgSpec {
    pub people: usize,
    pub days: u32,
    pub seed: u64,
    /// The first day (UTC).
    pub start: NaiveDate,
    /// Application sessions per working hour on each instance (default `people / 40`,
    /// at least 1): the knob that makes the database logs, rather than the people,
    /// large, as busy production databases are.
    pub app_sessions_per_hour: Option<u64>,
}

impl OrgSpec {
    /// A Monday, so a one-week run is a working week and a weekend.
    pub fn default_start() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 2).expect("valid date")
    }
}

/// The accounts and regions the trail covers: the database account and a workload
/// account, in the home region and two others.
const TRAIL_ACCOUNTS: [&str; 2] = [ACCOUNT, "444455556666"];
const TRAIL_REGIONS: [&str; 3] = [REGION, "us-east-1", "eu-central-1"];
/// Unrelated records per record tagtrail keeps: 5 → 83 % of the trail is noise.
const NOISE_PER_KEPT: u64 = 5;

/// What [`generate`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgSummary {
    pub files: u64,
    pub bytes: u64,
    pub cloudtrail_records: u64,
    pub cloudtrail_kept: u64,
    pub mysql_lines: u64,
    pub pg_lines: u64,
    pub okta_events: u64,
    pub federations: u64,
    pub person_sessions: u64,
}

impl fmt::Display for OrgSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unrelated =
            100 * (self.cloudtrail_records - self.cloudtrail_kept) / self.cloudtrail_records.max(1);
        writeln!(
            f,
            "{} files, {:.1} MB: {} CloudTrail records ({unrelated} % unrelated), {} MySQL-family audit lines, {} PostgreSQL log lines, {} Okta events",
            self.files,
            self.bytes as f64 / 1e6,
            self.cloudtrail_records,
            self.mysql_lines,
            self.pg_lines,
            self.okta_events
        )?;
        write!(
            f,
            "{} federated sessions, {} person-facing database sessions in truth.json",
            self.federations, self.person_sessions
        )
    }
}

/// Why `synth` stopped.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{0}: already holds files; give an empty or new directory")]
    NotEmpty(PathBuf),
    #[error("--people must be at least 1")]
    NoPeople,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Where the evidence goes: `<out>/evidence/`, so that ingesting it does not meet the
/// truth file.
pub const EVIDENCE_DIR: &str = "evidence";

/// The evidence being written, and the counters that run from one day into the next
/// (connection and query ids, process ids), as one server's would.
struct Out {
    /// `<out>/evidence`.
    root: PathBuf,
    summary: OrgSummary,
    mysql_ids: [ServerIds; 2],
    pids: Pids,
    noise_rng: Rng,
}

impl Out {
    fn io(&self, rel: &str) -> impl FnOnce(std::io::Error) -> SynthError + use<> {
        let path = self.root.join(rel);
        move |source| SynthError::Io { path, source }
    }

    fn write(&mut self, rel: &str, bytes: &[u8]) -> Result<(), SynthError> {
        self.write_with(rel, |w| w.write_all(bytes))
    }

    /// Writes `rel` through a buffer, so a day's audit log is never one more string.
    fn write_with(
        &mut self,
        rel: &str,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), SynthError> {
        let path = self.root.join(rel);
        let written = (|| {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut w = CountingWriter {
                inner: BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?),
                bytes: 0,
            };
            fill(&mut w)?;
            w.inner.flush()?;
            Ok(w.bytes)
        })()
        .map_err(self.io(rel))?;
        self.summary.files += 1;
        self.summary.bytes += written;
        Ok(())
    }
}

/// Writes the organization under `out` (created; must be empty), calling `on_day`
/// after each day with its index.
pub fn generate(
    out: &Path,
    spec: &OrgSpec,
    mut on_day: impl FnMut(u32),
) -> Result<OrgSummary, SynthError> {
    if spec.people == 0 {
        return Err(SynthError::NoPeople);
    }
    match std::fs::read_dir(out) {
        Ok(entries) => {
            if entries.into_iter().next().is_some() {
                return Err(SynthError::NotEmpty(out.to_path_buf()));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(SynthError::Io {
                path: out.to_path_buf(),
                source,
            });
        }
    }
    let label = format!(":{}", spec.seed);
    let mut o = Out {
        root: out.join(EVIDENCE_DIR),
        summary: OrgSummary::default(),
        mysql_ids: Instance::ALL.map(|i| ServerIds::labelled(i, &label)),
        pids: Pids::labelled(&label),
        noise_rng: Rng::for_label(&format!("org:{}:noise", spec.seed)),
    };
    let truth_io = |source| SynthError::Io {
        path: out.join("truth.json"),
        source,
    };
    let pretty = |v: &serde_json::Value| format!("{v:#}\n");
    let roster = roster::Roster::new(spec.people, spec.seed);
    o.write(
        "inventory/describe-db-instances.json",
        pretty(&identity::describe_db_instances()).as_bytes(),
    )?;
    o.write("inventory/db-users.csv", roster.db_users_csv().as_bytes())?;
    o.write(
        &format!("iam/{PERMISSION_SET}.json"),
        pretty(&identity::permission_set_policy()).as_bytes(),
    )?;

    let truth_file = std::fs::File::create(out.join("truth.json")).map_err(truth_io)?;
    let spec_json = json!({
        "generator": "tagtrail synth",
        "people": spec.people,
        "days": spec.days,
        "seed": spec.seed,
        "start": spec.start.to_string(),
        "app_sessions_per_hour": spec.app_sessions_per_hour,
    });
    let mut truth =
        truth::TruthWriter::start(BufWriter::new(truth_file), spec_json).map_err(truth_io)?;

    for d in 0..spec.days {
        let date = spec.start + Duration::days(i64::from(d));
        let day = day::plan(&roster, spec, d, date);
        o.day(spec.days - 1 - d, date, &day, &roster)?;
        truth.day(&roster, &day).map_err(truth_io)?;
        o.summary.federations += day.federations.len() as u64;
        on_day(d);
    }
    o.summary.person_sessions = truth.person_sessions();
    let mut truth_file = truth.finish(&roster).map_err(truth_io)?;
    truth_file.flush().map_err(truth_io)?;
    Ok(o.summary)
}

impl Out {
    /// Writes one day's files; `rotation` numbers its audit-log files (0 for the last day).
    fn day(
        &mut self,
        rotation: u32,
        date: NaiveDate,
        day: &day::Day,
        roster: &roster::Roster,
    ) -> Result<(), SynthError> {
        let o = self;
        // CloudTrail: the federations' records, then the day's unrelated events.
        let mut kept = 0;
        for f in cloudtrail::deliver(&day.federations).map_err(o.io("cloudtrail"))? {
            kept += f.records as u64;
            o.write(&f.rel_path, &f.bytes)?;
        }
        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        let per_stream =
            (kept * NOISE_PER_KEPT).div_ceil((TRAIL_ACCOUNTS.len() * TRAIL_REGIONS.len()) as u64);
        let trail_root = o.root.join("cloudtrail");
        for account in TRAIL_ACCOUNTS {
            for region in TRAIL_REGIONS {
                let s = trail::noise(
                    &trail_root,
                    account,
                    region,
                    midnight,
                    per_stream,
                    &mut o.noise_rng,
                )
                .map_err(o.io("cloudtrail"))?;
                o.summary.files += s.files;
                o.summary.bytes += s.gzip_bytes;
                o.summary.cloudtrail_records += s.records;
            }
        }
        o.summary.cloudtrail_records += kept;
        o.summary.cloudtrail_kept += kept;

        // One audit file per instance and day, rotated as the plugin does: the newest is
        // `server_audit.log`, older ones `.1`, `.2`, …
        let name = if rotation == 0 {
            "server_audit.log".to_string()
        } else {
            format!("server_audit.log.{rotation}")
        };
        for (i, instance) in Instance::ALL.into_iter().enumerate() {
            let lines = audit::render_with(&mut o.mysql_ids[i], instance, &day.sessions);
            o.summary.mysql_lines += lines.len() as u64;
            let rel = format!("rds/{}/audit/{name}", instance.id());
            o.write_with(&rel, |w| {
                lines.iter().try_for_each(|l| writeln!(w, "{}", l.text))
            })?;
        }
        for (name, content) in pglog::render_with(&mut o.pids, &day.pg_sessions) {
            o.summary.pg_lines += content.lines().count() as u64;
            o.write(
                &format!("rds/{}/error/{name}", pglog::INSTANCE),
                content.as_bytes(),
            )?;
        }
        let okta = identity::okta_log_with(&day.federations, |p| roster.mfa(p));
        o.summary.okta_events += okta.as_array().map_or(0, |a| a.len() as u64);
        o.write(
            &format!("okta/system-log-{date}.json"),
            format!("{okta}\n").as_bytes(),
        )?;
        Ok(())
    }
}

/// Counts what passes through, for the summary's byte total.
struct CountingWriter<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests;
