//! One-screen summaries printed after `ingest` and by `demo`.

use std::io::Write;

use crate::engine::{AccessOutcome, AttributionOutcome, Engine, IndexOutcome};
use crate::ingest::{FileStatus, IngestReport};
use crate::lake::compact::Group;
use crate::report::{self, Format, new_table};

use super::CliError;

/// Files and records read, kept, skipped and rejected, and the reasons for rejects.
pub fn ingest(out: &mut dyn Write, r: &IngestReport) -> std::io::Result<()> {
    let files = r.files.len();
    let done = r.count(|f| f.status == FileStatus::Ingested);
    let already = r.count(|f| f.status == FileStatus::AlreadyIngested);
    let other = r.count(|f| matches!(f.status, FileStatus::NotEvidence(_)));
    let rejected_files = r.rejected_files();
    let mut table = new_table(["", "count"]);
    let rows: [(&str, u64); 9] = [
        ("files found", files as u64),
        ("files ingested", done as u64),
        ("files already in the lake (unchanged)", already as u64),
        ("files that are not evidence (digests)", other as u64),
        ("files rejected", rejected_files as u64),
        ("records kept", r.sum(|f| f.stats.kept)),
        ("records skipped (not needed)", r.sum(|f| f.stats.skipped)),
        (
            "records already in the lake (duplicate eventID)",
            r.sum(|f| f.duplicates),
        ),
        // A whole unreadable file is one reject row but counted above, as a file.
        (
            "records rejected",
            r.rejected_records() - rejected_files as u64,
        ),
    ];
    for (label, n) in rows {
        table.add_row(vec![label.to_string(), n.to_string()]);
    }
    writeln!(out, "{table}")?;
    let mut layouts: Vec<(&str, usize)> = Vec::new();
    for l in r.files.iter().filter_map(|f| f.layout) {
        match layouts.iter_mut().find(|(n, _)| *n == l.name()) {
            Some((_, c)) => *c += 1,
            None => layouts.push((l.name(), 1)),
        }
    }
    if !layouts.is_empty() {
        let list: Vec<String> = layouts.iter().map(|(n, c)| format!("{n} {c}")).collect();
        writeln!(
            out,
            "\nDatabase log files by delivery layout: {}",
            list.join(", ")
        )?;
    }
    if !r.discovered.is_empty() {
        writeln!(
            out,
            "\nCloudTrail folders listed in S3 ([org/]account/region):"
        )?;
        for d in &r.discovered {
            writeln!(out, "  {d}")?;
        }
    }
    let rejects: Vec<_> = r
        .files
        .iter()
        .flat_map(|f| f.stats.rejects.iter().map(move |x| (f, x)))
        .collect();
    if !rejects.is_empty() {
        let mut by_reason: Vec<((&str, String), u64)> = Vec::new();
        for (f, x) in &rejects {
            let key = (f.kind.map_or("-", |k| k.name()), x.class());
            match by_reason.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => by_reason.push((key, 1)),
            }
        }
        by_reason.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut table = new_table(["source", "reason", "rejects"]);
        for ((kind, class), n) in by_reason {
            table.add_row(vec![kind.to_string(), class, n.to_string()]);
        }
        writeln!(out, "\nRejects by reason:\n{table}")?;
        writeln!(
            out,
            "\nRejected records (kept in table ingest_rejects with their reasons):"
        )?;
        for (f, x) in rejects.iter().take(20) {
            let at = if x.offset < 0 {
                String::new()
            } else {
                format!(":{}", x.offset)
            };
            writeln!(out, "  {}{at}: {}", f.location, x.reason)?;
        }
        if rejects.len() > 20 {
            writeln!(
                out,
                "  … and {} more: tagtrail query \"SELECT * FROM ingest_rejects\"",
                rejects.len() - 20
            )?;
        }
    }
    Ok(())
}

/// Database sessions by attribution outcome.
pub async fn attribution(out: &mut dyn Write, engine: &Engine) -> Result<(), CliError> {
    let batches = engine
        .sql(
            "SELECT attribution, count(*) AS db_sessions, count(DISTINCT db_user) AS db_users, \
             count(DISTINCT person) AS people FROM attributed_sessions \
             GROUP BY attribution ORDER BY attribution",
        )
        .await?;
    writeln!(out, "\nAll database sessions by attribution:")?;
    report::write_batches(out, &batches, Format::Table)?;
    let batches = engine
        .sql(
            "SELECT attribution, confidence, mfa_status, count(*) AS db_sessions \
             FROM attributed_sessions WHERE db_user <> 'rdsadmin' \
             GROUP BY attribution, confidence, mfa_status \
             ORDER BY attribution, confidence, mfa_status",
        )
        .await?;
    writeln!(
        out,
        "\nConfidence and MFA (rdsadmin, RDS's own account, left out):"
    )?;
    report::write_batches(out, &batches, Format::Table)?;
    let batches = engine
        .sql(
            "SELECT reason, count(*) AS db_sessions, array_sort(array_agg(DISTINCT instance)) AS instances \
             FROM attributed_sessions WHERE attribution = 'unattributed' AND db_user <> 'rdsadmin' \
             GROUP BY reason ORDER BY db_sessions DESC, reason",
        )
        .await?;
    writeln!(out, "\nWhy sessions are unattributed:")?;
    report::write_batches(out, &batches, Format::Table)?;
    Ok(())
}

/// What `tagtrail compact` did, in one line a script can read.
pub fn compact(
    out: &mut dyn Write,
    lake: &crate::lake::Lake,
    r: &crate::lake::compact::CompactReport,
) -> std::io::Result<()> {
    let list = match r.generation {
        Some(g) => format!("file list generation {g}"),
        None => "file list unchanged".to_string(),
    };
    writeln!(
        out,
        "{}: compacted {} partition(s), {} file(s) into {}; removed {} orphan file(s); {list}",
        lake.location(),
        r.partitions,
        r.files_before,
        r.files_after,
        r.orphans_removed
    )
}

/// One line on the session index after an ingest or `tagtrail index`.
pub fn session_index(out: &mut dyn Write, outcome: &IndexOutcome) -> std::io::Result<()> {
    match outcome {
        IndexOutcome::UpToDate => writeln!(out, "Session index: up to date."),
        IndexOutcome::Built { sessions, took } => writeln!(
            out,
            "Session index: {sessions} database sessions stored ({:.1} s).",
            took.as_secs_f64()
        ),
        IndexOutcome::Updated {
            connections,
            sessions,
            took,
        } => writeln!(
            out,
            "Session index: updated; {sessions} database sessions of the {connections} \
             connections with new rows computed again ({:.1} s).",
            took.as_secs_f64()
        ),
    }
}

/// One line on the stored attribution, after the session index's.
pub fn stored_attribution(
    out: &mut dyn Write,
    outcome: &AttributionOutcome,
) -> std::io::Result<()> {
    match outcome {
        AttributionOutcome::UpToDate => writeln!(out, "Stored attribution: up to date."),
        // The session index line already says why (an ingest never leaves it stale).
        AttributionOutcome::NoIndex => writeln!(
            out,
            "Stored attribution: not stored (no current session index)."
        ),
        AttributionOutcome::Built { sessions, took } => writeln!(
            out,
            "Stored attribution: the person behind each of {sessions} database sessions \
             ({:.1} s).",
            took.as_secs_f64()
        ),
    }
}

/// What `tagtrail index` says of the stored table accesses.
pub fn stored_accesses(out: &mut dyn Write, outcome: &AccessOutcome) -> std::io::Result<()> {
    match outcome {
        AccessOutcome::UpToDate => writeln!(out, "Stored table accesses: up to date."),
        AccessOutcome::NoAttribution => writeln!(
            out,
            "Stored table accesses: not stored (no current stored attribution)."
        ),
        AccessOutcome::Built {
            entries,
            tables,
            took,
        } => writeln!(
            out,
            "Stored table accesses: {entries} (table, session, day) entries over {tables} \
             tables ({:.1} s).",
            took.as_secs_f64()
        ),
    }
}

/// Partitions with at least this many small parts get [`compact_hint`].
const MANY_PARTS: usize = 8;

/// After an ingest, names the partitions that hold many parts `tagtrail compact` would
/// merge. A large run leaves about a hundred a day (the writer flushes its largest
/// partition as it goes), and every question that reads a partition opens each of its
/// parts and reads its footer (on S3, a request each): at 100 M db events one week's
/// report took 11 s before compaction and 9 s after (BENCHMARKS.md, fifteenth run).
/// Daily runs add a part or two a partition and say nothing.
pub fn compact_hint(out: &mut dyn Write, groups: &[Group]) -> std::io::Result<()> {
    let many: Vec<&Group> = groups
        .iter()
        .filter(|g| g.inputs.len() >= MANY_PARTS)
        .collect();
    let Some(most) = many.iter().max_by_key(|g| g.inputs.len()) else {
        return Ok(());
    };
    writeln!(
        out,
        "\n{} partition(s) hold {MANY_PARTS} or more small parts (the most: {} in {}/date={}): \
         `tagtrail compact` merges them, so that questions open fewer files.",
        many.len(),
        most.inputs.len(),
        most.table.name,
        most.date
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lake::files::FileEntry;
    use crate::lake::{DB_EVENTS, FEDERATED_SESSIONS};

    fn group(table: &'static crate::lake::TableDef, date: &str, parts: usize) -> Group {
        Group {
            table,
            date: date.into(),
            inputs: (0..parts)
                .map(|i| FileEntry {
                    path: format!("{}/date={date}/part-{i}.parquet", table.name),
                    size: 1000,
                })
                .collect(),
        }
    }

    #[test]
    fn ingest_suggests_compact_only_where_a_partition_holds_many_parts() {
        let hint = |groups: &[Group]| {
            let mut out = Vec::new();
            compact_hint(&mut out, groups).unwrap();
            String::from_utf8(out).unwrap()
        };
        let daily = [
            group(&DB_EVENTS, "2026-11-17", 2),
            group(&FEDERATED_SESSIONS, "2026-11-17", 7),
        ];
        assert_eq!(hint(&daily), "");
        assert_eq!(hint(&[]), "");
        let backfill = [
            group(&DB_EVENTS, "2026-11-16", 103),
            group(&DB_EVENTS, "2026-11-17", 8),
            group(&FEDERATED_SESSIONS, "2026-11-17", 3),
        ];
        assert_eq!(
            hint(&backfill),
            "\n2 partition(s) hold 8 or more small parts (the most: 103 in \
             db_events/date=2026-11-16): `tagtrail compact` merges them, so that questions \
             open fewer files.\n"
        );
    }
}
