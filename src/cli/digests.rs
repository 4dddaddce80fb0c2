//! `tagtrail verify-digests`: check, store every check in `digest_checks`, summarise, and
//! fail with exit status 2 when the evidence shows tampering or loss.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use crate::fetch::AwsOptions;
use crate::integrity::s3::KeyListing;
use crate::integrity::{self, Check, Evidence, ItemKind, Period, PublicKeys, Status};
use crate::lake::{DIGEST_CHECKS, Lake, LakeError, writer::LakeWriter};
use crate::report::new_table;
use crate::sources::timefmt::format_micros;

use super::CliError;

pub async fn verify(
    out: &mut dyn Write,
    lake: &Lake,
    evidence: &Evidence,
    keys: &PublicKeys,
    period: Period,
    aws: &AwsOptions,
) -> Result<(), CliError> {
    let checked_at = chrono::Utc::now().timestamp_micros();
    let (rows, keys, listings) = match evidence {
        Evidence::Dir(dir) => (
            integrity::verify_dir(dir, keys, period, checked_at)?,
            keys.clone(),
            Vec::new(),
        ),
        Evidence::S3(url) => {
            let report = integrity::verify_bucket(url, aws, period, keys, checked_at).await?;
            (report.rows, report.keys, report.listings)
        }
    };
    for problem in listings.iter().filter_map(|l| l.problem.as_ref()) {
        eprintln!("tagtrail: warning: {problem}");
    }
    let mut writer = LakeWriter::new(lake);
    writer.add(
        &DIGEST_CHECKS,
        integrity::to_batch(&rows).map_err(LakeError::from)?,
    )?;
    writer.finish()?;
    summary(out, &rows, evidence, &keys, &listings, checked_at)?;
    let failures = rows.iter().filter(|r| r.status.is_failure()).count();
    if failures > 0 {
        return Err(CliError::IntegrityViolated { failures });
    }
    Ok(())
}

fn summary(
    out: &mut dyn Write,
    rows: &[Check],
    evidence: &Evidence,
    keys: &PublicKeys,
    listings: &[KeyListing],
    checked_at: i64,
) -> std::io::Result<()> {
    let count = |k: ItemKind| rows.iter().filter(|r| r.item_kind == k).count();
    writeln!(
        out,
        "Checked {} digest files and the {} log files they list under {evidence} ({} public key(s){}; run {})\n",
        count(ItemKind::Digest),
        count(ItemKind::LogFile),
        keys.len(),
        if listings.is_empty() {
            ""
        } else {
            " from ListPublicKeys"
        },
        format_micros(checked_at)
    )?;
    let mut by_status: BTreeMap<Status, [usize; 3]> = BTreeMap::new();
    for r in rows {
        let col = match r.item_kind {
            ItemKind::Digest => 0,
            ItemKind::LogFile => 1,
            ItemKind::Chain => 2,
        };
        by_status.entry(r.status).or_default()[col] += 1;
    }
    let mut table = new_table(["status", "digests", "log files", "chain links"]);
    for (status, n) in &by_status {
        let mut cells = vec![status.name().to_string()];
        cells.extend(n.iter().map(usize::to_string));
        table.add_row(cells);
    }
    writeln!(out, "{table}")?;

    let mut problems: Vec<&Check> = rows.iter().filter(|r| r.status != Status::Valid).collect();
    if !problems.is_empty() {
        problems.sort_by_key(|r| (!r.status.is_failure(), r.status, r.digest_end_time));
        writeln!(
            out,
            "\nNot valid ({}; also in the lake: tagtrail query \"SELECT * FROM digest_checks WHERE status <> 'valid'\"):",
            problems.len()
        )?;
        let mut table = new_table([
            "status",
            "kind",
            "where (under DIR, or the S3 key)",
            "reason",
        ]);
        for r in problems {
            let at = match (&r.source_uri, evidence) {
                (Some(uri), Evidence::Dir(dir)) => Path::new(uri)
                    .strip_prefix(dir)
                    .map_or_else(|_| uri.clone(), |p| p.display().to_string()),
                (Some(uri), Evidence::S3(url)) => uri
                    .strip_prefix(&url.to_string())
                    .map_or_else(|| uri.clone(), |k| k.trim_start_matches('/').to_string()),
                (None, _) => r.item_key.clone(),
            };
            table.add_row(vec![
                r.status.name().to_string(),
                r.item_kind.name().to_string(),
                at,
                r.detail.clone(),
            ]);
        }
        writeln!(out, "{table}")?;
    }
    for l in listings {
        match &l.problem {
            Some(problem) if l.keys == 0 => writeln!(
                out,
                "\n{problem}\nSo the digests of {} could not be checked (no-key): pass --public-key FILE (from `aws cloudtrail list-public-keys --region {}`), or allow cloudtrail:ListPublicKeys.",
                l.region, l.region
            )?,
            other => writeln!(
                out,
                "\nPublic keys for {}: {} from CloudTrail ListPublicKeys.{}",
                l.region,
                l.keys,
                other
                    .as_ref()
                    .map_or(String::new(), |p| format!(" Not usable: {p}"))
            )?,
        }
    }
    if keys.is_empty() && listings.is_empty() {
        writeln!(
            out,
            "\nNo --public-key given, so no signature was checked: get CloudTrail's keys with `aws cloudtrail list-public-keys --region REGION --start-time TIME`."
        )?;
    }
    Ok(())
}
