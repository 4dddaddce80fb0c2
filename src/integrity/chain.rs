//! The digest chain: every digest names the one before it (`previousDigestS3Object`)
//! with its SHA-256 and signature, so a deleted, replaced or inserted digest shows up
//! at the link after it. Digests are chained per (account, region, trail, home region),
//! in end-time order; backfill digests stand outside the hourly chain.

use std::collections::{BTreeMap, HashMap};

use super::digest::{Digest, DigestName, HASH_ALGORITHM};
use super::{Check, ItemKind, Status, awslogs_suffix};
use crate::sources::timefmt::{Micros, format_micros};

/// One digest file as the chain sees it.
#[derive(Debug, Clone)]
pub struct ChainEntry<'a> {
    /// S3 key, or the local path from `AWSLogs/` on.
    pub key: &'a str,
    pub uri: &'a str,
    /// Parsed from `key`; `None` when the name does not follow the scheme.
    pub name: Option<&'a DigestName>,
    /// `None` when the file could not be parsed.
    pub digest: Option<&'a Digest>,
    /// Hex SHA-256 of the uncompressed bytes; `None` when they could not be read.
    pub sha256: Option<&'a str>,
    /// The digest's own signature (S3 metadata or sidecar), to compare with the next
    /// digest's `previousDigestSignature`.
    pub signature: Option<&'a str>,
}

type Group<'a> = (&'a str, &'a str, &'a str, &'a str);

/// One `chain` row per readable digest.
pub fn check(entries: &[ChainEntry], checked_at: Micros) -> Vec<Check> {
    let by_key: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (awslogs_suffix(e.key), i))
        .collect();
    let mut groups: BTreeMap<Group, Vec<usize>> = BTreeMap::new();
    let mut rows = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        match e.name {
            Some(n) if !n.backfill => groups
                .entry((&n.account_id, &n.region, &n.trail, &n.home_region))
                .or_default()
                .push(i),
            Some(_) => {
                if let Some(d) = e.digest {
                    rows.push(row(e, d, d.digest_s3_object.clone(), checked_at).with(
                        Status::Unchecked,
                        "backfill digest: not part of the hourly chain".into(),
                    ));
                }
            }
            None => {
                if let Some(d) = e.digest {
                    rows.push(row(e, d, d.digest_s3_object.clone(), checked_at).with(
                        Status::Unchecked,
                        format!(
                            "file name {} does not follow <account>_CloudTrail-Digest_<region>_<trail>_<home-region>_<time>.json.gz, so its chain is unknown",
                            e.key
                        ),
                    ));
                }
            }
        }
    }
    for members in groups.values_mut() {
        members.sort_by_key(|&i| (entries[i].name.map(|n| n.end), entries[i].key));
        for (pos, &i) in members.iter().enumerate() {
            let e = &entries[i];
            let Some(d) = e.digest else { continue };
            let pred = pos.checked_sub(1).map(|p| members[p]);
            rows.push(link(entries, &by_key, i, d, pred, checked_at));
        }
    }
    rows
}

fn link(
    entries: &[ChainEntry],
    by_key: &HashMap<&str, usize>,
    i: usize,
    d: &Digest,
    pred: Option<usize>,
    checked_at: Micros,
) -> Check {
    let e = &entries[i];
    let pred_key = pred.map(|p| entries[p].key);
    let Some(prev_key) = d.previous_digest_s3_object.as_deref() else {
        let r = row(e, d, d.digest_s3_object.clone(), checked_at);
        return match pred {
            None => r.with(
                Status::Valid,
                "first digest of a chain (its previous-digest fields are null)".into(),
            ),
            Some(p) => r.with(
                Status::Gap,
                format!(
                    "starts a new chain after {} (ending {}): logging or log file validation was off until {}",
                    entries[p].key,
                    end_of(&entries[p]).map_or("?".into(), format_micros),
                    d.digest_start_time
                ),
            ),
        };
    };
    let mut r = row(e, d, prev_key.to_string(), checked_at);
    r.expected_hash = d
        .previous_digest_hash_value
        .as_ref()
        .map(|h| h.to_ascii_lowercase());
    let Some(&p) = by_key.get(awslogs_suffix(prev_key)) else {
        return match pred_key {
            None => r.with(
                Status::Unchecked,
                format!(
                    "previous digest {prev_key} is not among the digests checked: the checked range starts here"
                ),
            ),
            Some(k) => r.with(
                Status::Gap,
                format!("previous digest {prev_key} is missing (the digest before this one is {k})"),
            ),
        };
    };
    let prev = &entries[p];
    r.actual_hash = prev.sha256.map(str::to_string);
    let mut broken = Vec::new();
    let mut gaps = Vec::new();
    if Some(p) != pred {
        broken.push(format!(
            "it names {prev_key} as previous digest, but the digest before it is {}",
            pred_key.unwrap_or("none")
        ));
    }
    match (&r.expected_hash, prev.sha256) {
        (None, _) => broken.push("previousDigestHashValue is null".into()),
        (Some(_), None) => broken.push(format!(
            "previous digest {} cannot be read, so its SHA-256 is unknown",
            prev.key
        )),
        (Some(want), Some(got)) if want != got => broken.push(format!(
            "previousDigestHashValue is {want}, but {} hashes to {got}: the previous digest was changed",
            prev.key
        )),
        _ => {}
    }
    if let Some(alg) = d.previous_digest_hash_algorithm.as_deref()
        && alg != HASH_ALGORITHM
    {
        broken.push(format!(
            "previousDigestHashAlgorithm `{alg}` is not supported"
        ));
    }
    if let (Some(own), Some(named)) = (prev.signature, d.previous_digest_signature.as_deref())
        && !own.trim().eq_ignore_ascii_case(named.trim())
    {
        broken.push(format!(
            "previousDigestSignature differs from the signature of {}",
            prev.key
        ));
    }
    if let Some(pd) = prev.digest {
        if d.previous_digest_s3_bucket.as_deref() != Some(pd.digest_s3_bucket.as_str()) {
            broken.push(format!(
                "previousDigestS3Bucket is {:?}, the previous digest was delivered to {}",
                d.previous_digest_s3_bucket, pd.digest_s3_bucket
            ));
        }
        if pd.end() != d.start() {
            gaps.push(format!(
                "digestStartTime {} does not continue the previous digestEndTime {}",
                d.digest_start_time, pd.digest_end_time
            ));
        }
    }
    if !broken.is_empty() {
        broken.extend(gaps);
        r.with(Status::ChainBroken, broken.join("; "))
    } else if !gaps.is_empty() {
        r.with(Status::Gap, gaps.join("; "))
    } else {
        r.with(
            Status::Valid,
            format!("previous digest {prev_key}: SHA-256 and signature match, hours join up"),
        )
    }
}

fn end_of(e: &ChainEntry) -> Option<Micros> {
    e.digest.and_then(Digest::end).or(e.name.map(|n| n.end))
}

fn row(e: &ChainEntry, d: &Digest, item_key: String, checked_at: Micros) -> Check {
    Check {
        checked_at,
        account_id: d
            .aws_account_id
            .clone()
            .or(e.name.map(|n| n.account_id.clone()))
            .unwrap_or_default(),
        region: e.name.map(|n| n.region.clone()).unwrap_or_default(),
        trail: e.name.map(|n| n.trail.clone()).unwrap_or_default(),
        digest_key: d.digest_s3_object.clone(),
        item_kind: ItemKind::Chain,
        item_key,
        status: Status::Valid,
        detail: String::new(),
        expected_hash: None,
        actual_hash: None,
        digest_end_time: d.end().or(e.name.map(|n| n.end)).unwrap_or(checked_at),
        source_uri: Some(e.uri.to_string()),
    }
}

impl Check {
    fn with(mut self, status: Status, detail: String) -> Check {
        self.status = status;
        self.detail = detail;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(hour: u32, suffix: &str) -> String {
        format!(
            "AWSLogs/1/CloudTrail-Digest/r/2026/11/17/1_CloudTrail-Digest_r_t_r_20261117T{hour:02}0000Z{suffix}.json.gz"
        )
    }

    fn digest(hour: u32, start_hour: u32, previous: Option<(u32, &str, &str)>) -> Digest {
        let t = |h: u32| format!("2026-11-17T{h:02}:00:00Z");
        Digest {
            aws_account_id: Some("1".into()),
            digest_start_time: t(start_hour),
            digest_end_time: t(hour),
            digest_s3_bucket: "b".into(),
            digest_s3_object: key(hour, ""),
            digest_public_key_fingerprint: "f".into(),
            digest_signature_algorithm: "SHA256withRSA".into(),
            previous_digest_s3_bucket: previous.map(|_| "b".into()),
            previous_digest_s3_object: previous.map(|p| key(p.0, "")),
            previous_digest_hash_value: previous.map(|p| p.1.into()),
            previous_digest_hash_algorithm: previous.map(|_| HASH_ALGORITHM.into()),
            previous_digest_signature: previous.map(|p| p.2.into()),
            log_files: vec![],
        }
    }

    /// (kind of check, status, detail) of the chain rows for `digests` = (digest, sha256,
    /// own signature, key suffix).
    fn run(digests: &[(Digest, &str, &str, &str)]) -> Vec<(String, &'static str, String)> {
        let keys: Vec<String> = digests
            .iter()
            .map(|(d, _, _, suffix)| key(d.end_time_hour(), suffix))
            .collect();
        let names: Vec<Option<DigestName>> = keys.iter().map(|k| DigestName::parse(k)).collect();
        let entries: Vec<ChainEntry> = digests
            .iter()
            .zip(&keys)
            .zip(&names)
            .map(|(((d, sha, sig, _), k), n)| ChainEntry {
                key: k,
                uri: k,
                name: n.as_ref(),
                digest: Some(d),
                sha256: Some(sha),
                signature: Some(sig),
            })
            .collect();
        check(&entries, 0)
            .into_iter()
            .map(|r| (r.digest_key, r.status.name(), r.detail))
            .collect()
    }

    impl Digest {
        fn end_time_hour(&self) -> u32 {
            self.digest_end_time[11..13].parse().unwrap()
        }
    }

    #[test]
    fn links_are_checked_hash_signature_and_time() {
        let rows = run(&[
            (digest(10, 9, Some((9, "h9", "s9"))), "h10", "s10", ""),
            (digest(11, 10, Some((10, "h10", "s10"))), "h11", "s11", ""),
            // Starts late: an hour is missing between 11:00 and 12:00.
            (digest(13, 12, Some((11, "h11", "s11"))), "h13", "s13", ""),
            // Names the right digest, but not its signature.
            (
                digest(14, 13, Some((13, "h13", "forged"))),
                "h14",
                "s14",
                "",
            ),
            // Logging stopped and restarted: a new chain.
            (digest(16, 15, None), "h16", "s16", ""),
            (digest(16, 15, None), "h16b", "s16b", "_backfill"),
        ]);
        let statuses: Vec<&str> = rows.iter().map(|r| r.1).collect();
        assert_eq!(
            statuses,
            [
                "unchecked",
                "unchecked",
                "valid",
                "gap",
                "chain-broken",
                "gap"
            ],
            "{rows:#?}"
        );
        assert!(rows[0].2.contains("backfill"));
        assert!(rows[1].2.contains("the checked range starts here"));
        assert!(
            rows[3]
                .2
                .contains("digestStartTime 2026-11-17T12:00:00Z does not continue")
        );
        assert!(rows[4].2.contains("previousDigestSignature differs"));
        assert!(rows[5].2.contains("starts a new chain"));
    }

    #[test]
    fn a_replaced_or_inserted_digest_breaks_the_link_after_it() {
        let rows = run(&[
            (digest(10, 9, None), "h10", "s10", ""),
            // Inserted after 10, but the digest after it still names 10.
            (digest(11, 10, Some((10, "h10", "s10"))), "h11", "s11", ""),
            (digest(12, 10, Some((10, "h10", "s10"))), "h12", "s12", ""),
        ]);
        let statuses: Vec<&str> = rows.iter().map(|r| r.1).collect();
        assert_eq!(statuses, ["valid", "valid", "chain-broken"], "{rows:#?}");
        assert!(
            rows[2].2.contains("but the digest before it is"),
            "{rows:#?}"
        );
    }
}
