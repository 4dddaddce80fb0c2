//! Verifies the trail's bucket itself (`verify-digests s3://bucket/prefix`) with the
//! same rules as a local copy ([`super::local`]), and more exactly: the signature is
//! the digest object's own `x-amz-meta-signature`, where CloudTrail stores it; the
//! digest must sit at the very bucket and key it was signed for; and each log file is
//! fetched by the `s3Bucket`/`s3Object` its digest names, so a deleted one is `missing`.
//!
//! Memory stays flat on a year of digests: [`CONCURRENCY`] digests are in flight at a
//! time, each fetching its log files one after another (so at most that many requests
//! run at once); a log file is hashed as it is decompressed and then dropped, and of a
//! digest only what the chain needs is kept. A digest without the metadata (copied by
//! a tool that drops it) falls back, as locally, to the next digest's
//! `previousDigestSignature`; only such digests are held until the end.
//!
//! Public keys: the given ones, else CloudTrail's `ListPublicKeys` in every region whose
//! digests are checked, over their time range. When that fails (no permission, an
//! emulator without the API) the run goes on: those digests are `no-key`, and their
//! rows and the report say why.

use std::collections::{BTreeMap, HashMap};

use futures::StreamExt;

use super::chain::{self, ChainEntry};
use super::digest::{
    self, Digest, DigestLocation, DigestName, HASH_ALGORITHM, LogFiles, LogLookup,
};
use super::keys::{PublicKey, PublicKeys};
use super::{
    Check, HOUR, IntegrityError, ItemKind, Period, Status, awslogs_suffix, unreadable_digest,
};
use crate::fetch::s3::{Bucket, CONCURRENCY, ObjectRef, S3Url, delivery_days};
use crate::fetch::{AwsOptions, public_keys};
use crate::sources::detect;
use crate::sources::timefmt::Micros;

/// The outcome of [`verify_bucket`].
#[derive(Debug)]
pub struct BucketReport {
    /// The `digest_checks` rows.
    pub rows: Vec<Check>,
    /// The keys signatures were checked with: the given ones, or those listed.
    pub keys: PublicKeys,
    /// One entry per region asked with `ListPublicKeys`; empty when keys were given.
    pub listings: Vec<KeyListing>,
}

/// What `ListPublicKeys` gave in one region, so a report can say why digests are `no-key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyListing {
    pub region: String,
    pub keys: usize,
    /// Why the call failed, or which listed keys could not be used.
    pub problem: Option<String>,
}

/// Checks the digests under `url` (in `period`), the log files they list and their
/// chain. Fails only when the bucket cannot be listed or holds no digest in the period;
/// every object that cannot be fetched or read becomes a row with its reason.
pub async fn verify_bucket(
    url: &S3Url,
    aws: &AwsOptions,
    period: Period,
    given: &PublicKeys,
    checked_at: Micros,
) -> Result<BucketReport, IntegrityError> {
    let bucket = Bucket::connect(url, aws).await;
    let mut listed = bucket
        .digest_objects(delivery_days(period.since, period.until))
        .await?;
    listed.retain(|o| period.keeps(DigestName::parse(&o.key).as_ref()));
    if listed.is_empty() {
        return Err(IntegrityError::NoDigestObjects(url.to_string()));
    }
    let (keys, listings) = if given.is_empty() {
        list_keys(&listed, aws).await
    } else {
        (given.clone(), Vec::new())
    };

    let bucket = &bucket;
    let mut fetched = futures::stream::iter(listed)
        .map(|o| fetch(bucket, o))
        .buffered(CONCURRENCY);
    let checker = Checker {
        url,
        keys: &keys,
        checked_at,
    };
    let mut rows = Vec::new();
    let mut chained: Vec<Chained> = Vec::new();
    // Digests without a metadata signature, held until every later digest was seen.
    let mut unsigned: Vec<(usize, Vec<u8>, Prefetched)> = Vec::new();
    // previousDigestS3Object (from `AWSLogs/`) → (the digest naming it, its signature).
    let mut named_by_next: HashMap<String, (String, String)> = HashMap::new();
    while let Some(f) = fetched.next().await {
        let mut c = Chained::from(f.at);
        if let Some((prev, sig)) = f.previous {
            named_by_next.insert(awslogs_suffix(&prev).to_string(), (c.at.key.clone(), sig));
        }
        match (f.content, f.signature) {
            (Err(reason), _) => rows.push(unreadable_digest(
                &c.at.key,
                &c.at.uri,
                c.at.name.as_ref(),
                reason,
                checked_at,
            )),
            (Ok(bytes), Some(sig)) => {
                let from = " (signature from S3 object metadata x-amz-meta-signature)";
                let mut logs = f.logs;
                rows.extend(checker.check(&mut c, &bytes, Some(&sig), from, &mut logs));
                c.signature = Some(sig);
            }
            (Ok(bytes), None) => unsigned.push((chained.len(), bytes, f.logs)),
        }
        chained.push(c);
    }
    for (i, bytes, mut logs) in unsigned {
        let c = &mut chained[i];
        let (signature, from) = match named_by_next.get(awslogs_suffix(&c.at.key)) {
            Some((next, sig)) => (
                Some(sig.clone()),
                format!(
                    " (no x-amz-meta-signature; signature from previousDigestSignature of {next})"
                ),
            ),
            None => (None, String::new()),
        };
        rows.extend(checker.check(c, &bytes, signature.as_deref(), &from, &mut logs));
    }

    let entries: Vec<ChainEntry> = chained
        .iter()
        .map(|c| ChainEntry {
            key: &c.at.key,
            uri: &c.at.uri,
            name: c.at.name.as_ref(),
            digest: c.digest.as_ref(),
            sha256: c.sha256.as_deref(),
            signature: c.signature.as_deref(),
        })
        .collect();
    rows.extend(chain::check(&entries, checked_at));
    explain_no_key(&mut rows, &listings);
    Ok(BucketReport {
        rows,
        keys,
        listings,
    })
}

/// A listed digest object.
struct At {
    key: String,
    uri: String,
    name: Option<DigestName>,
}

/// A digest downloaded with its log files hashed.
struct FetchedDigest {
    at: At,
    /// `x-amz-meta-signature`.
    signature: Option<String>,
    /// The uncompressed digest, or why it could not be had.
    content: Result<Vec<u8>, String>,
    logs: Prefetched,
    /// `previousDigestS3Object` and `previousDigestSignature`, when both are set.
    previous: Option<(String, String)>,
}

/// What the chain needs of a digest.
struct Chained {
    at: At,
    /// Parsed, without its log list; `None` when unreadable.
    digest: Option<Digest>,
    sha256: Option<String>,
    /// Its own signature from metadata.
    signature: Option<String>,
}

impl From<At> for Chained {
    fn from(at: At) -> Chained {
        Chained {
            at,
            digest: None,
            sha256: None,
            signature: None,
        }
    }
}

/// What every digest of a run is checked against.
struct Checker<'a> {
    url: &'a S3Url,
    keys: &'a PublicKeys,
    checked_at: Micros,
}

impl Checker<'_> {
    /// Verifies one downloaded digest (`from` says where its signature came from) and
    /// fills in what the chain needs.
    fn check(
        &self,
        c: &mut Chained,
        bytes: &[u8],
        signature: Option<&str>,
        from: &str,
        logs: &mut Prefetched,
    ) -> Vec<Check> {
        let at = DigestLocation {
            bucket: Some(&self.url.bucket),
            key: &c.at.key,
            uri: &c.at.uri,
        };
        let mut v = digest::verify(bytes, &at, signature, self.keys, logs, self.checked_at);
        if let Some(first) = v.rows.first_mut()
            && first.item_kind == ItemKind::Digest
        {
            first.detail.push_str(from);
        }
        c.digest = v.digest.map(|mut parsed| {
            parsed.log_files = Vec::new();
            parsed
        });
        c.sha256 = Some(v.sha256);
        v.rows
    }
}

/// Downloads a digest and hashes the log files it lists.
async fn fetch(bucket: &Bucket, o: ObjectRef) -> FetchedDigest {
    let at = At {
        uri: bucket.url().object(&o.key),
        name: DigestName::parse(&o.key),
        key: o.key,
    };
    let (content, metadata) = match bucket.get_object(&at.key).await {
        Ok(Some(object)) => (uncompressed(&object.bytes), object.metadata),
        Ok(None) => (
            Err("listed, but gone when it was downloaded".to_string()),
            HashMap::new(),
        ),
        Err(e) => (Err(format!("cannot download: {e}")), HashMap::new()),
    };
    let signature = metadata
        .get("signature")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let mut logs = Prefetched::default();
    let mut previous = None;
    if let Ok(bytes) = &content
        && let Ok(d) = Digest::parse(bytes)
    {
        for entry in &d.log_files {
            let k = (entry.s3_bucket.clone(), entry.s3_object.clone());
            if entry.hash_algorithm == HASH_ALGORITHM && !logs.0.contains_key(&k) {
                let found = hash_log(bucket, &entry.s3_bucket, &entry.s3_object).await;
                logs.0.insert(k, found);
            }
        }
        previous = d.previous_digest_s3_object.zip(d.previous_digest_signature);
    }
    FetchedDigest {
        at,
        signature,
        content,
        logs,
        previous,
    }
}

fn uncompressed(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    std::io::copy(&mut detect::open_bytes(bytes), &mut out)
        .map_err(|e| format!("cannot decompress: {e}"))?;
    Ok(out)
}

/// SHA-256 of a log object's uncompressed content, computed while decompressing.
async fn hash_log(bucket: &Bucket, name: &str, key: &str) -> LogLookup {
    let other;
    let bucket = if name == bucket.url().bucket {
        bucket
    } else {
        other = bucket.sibling(name);
        &other
    };
    let uri = bucket.url().object(key);
    match bucket.get_object(key).await {
        Ok(Some(object)) => LogLookup::hash(uri, Ok(detect::open_bytes(&object.bytes))),
        Ok(None) => LogLookup::Missing,
        Err(e) => LogLookup::Unreadable {
            reason: format!("cannot download: {e}"),
            uri,
        },
    }
}

/// One digest's log files, fetched and hashed before the (synchronous) verifier runs.
#[derive(Default)]
struct Prefetched(HashMap<(String, String), LogLookup>);

impl LogFiles for Prefetched {
    fn lookup(&mut self, bucket: &str, key: &str) -> LogLookup {
        match self.0.get(&(bucket.to_string(), key.to_string())) {
            Some(found) => found.clone(),
            None => LogLookup::Unreadable {
                uri: format!("s3://{bucket}/{key}"),
                reason: "not fetched".into(),
            },
        }
    }
}

/// `ListPublicKeys` in each region of the digests, over the hours they cover.
async fn list_keys(listed: &[ObjectRef], aws: &AwsOptions) -> (PublicKeys, Vec<KeyListing>) {
    let mut ranges: BTreeMap<String, (Micros, Micros)> = BTreeMap::new();
    for name in listed.iter().filter_map(|o| DigestName::parse(&o.key)) {
        let range = ranges.entry(name.region).or_insert((name.end, name.end));
        range.0 = range.0.min(name.end);
        range.1 = range.1.max(name.end);
    }
    let mut keys = PublicKeys::new();
    let mut listings = Vec::new();
    for (region, (first_end, last_end)) in ranges {
        let mut listing = KeyListing {
            region: region.clone(),
            keys: 0,
            problem: None,
        };
        match public_keys::list(&region, aws, Some(first_end - HOUR), Some(last_end)).await {
            Ok(found) => {
                let mut bad = Vec::new();
                for k in found {
                    let fp = k.fingerprint.as_deref();
                    let origin = format!("ListPublicKeys {region} {}", fp.unwrap_or("?"));
                    match PublicKey::from_der(origin.clone(), &k.der, fp) {
                        Ok(key) => {
                            keys.push(key);
                            listing.keys += 1;
                        }
                        Err(e) => bad.push(format!("{origin}: {e}")),
                    }
                }
                if !bad.is_empty() {
                    listing.problem = Some(bad.join("; "));
                }
            }
            Err(e) => listing.problem = Some(e.to_string()),
        }
        listings.push(listing);
    }
    (keys, listings)
}

/// Says on each `no-key` row what `ListPublicKeys` gave in its region.
fn explain_no_key(rows: &mut [Check], listings: &[KeyListing]) {
    for r in rows
        .iter_mut()
        .filter(|r| r.status == Status::NoKey && r.item_kind == ItemKind::Digest)
    {
        if let Some(l) = listings.iter().find(|l| l.region == r.region) {
            match &l.problem {
                Some(problem) => r.detail.push_str(&format!("; {problem}")),
                None => r.detail.push_str(&format!(
                    "; ListPublicKeys in {} returned {} key(s), none with this fingerprint",
                    l.region, l.keys
                )),
            }
        }
    }
}
