//! CloudTrail log file integrity validation: proves that the CloudTrail evidence tagtrail
//! reads is what CloudTrail delivered — no log file altered or deleted, no digest file
//! forged, removed or reordered.
//!
//! With log file validation on, CloudTrail writes one *digest file* per trail, region
//! and hour next to the logs:
//! `…/AWSLogs/[o-orgid/]<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/<account>_CloudTrail-Digest_<region>_<trail>_<home-region>_<YYYYMMDDTHHMMSSZ>.json.gz`.
//! It lists every log file delivered in that hour with the SHA-256 of its uncompressed
//! content, and names the previous digest with its SHA-256 and signature, so the digests
//! form a chain. Each digest is signed (SHA256withRSA, PKCS#1 v1.5) with a per-region key.
//!
//! Three checks, each a row of `digest_checks` (see [`schema`]):
//! * **digest**: the RSA signature over `digestEndTime \n digestS3Bucket/digestS3Object \n
//!   hex(SHA-256(uncompressed digest)) \n previousDigestSignature` (the literal `null` for
//!   the first digest of a chain, as the AWS CLI does). [`digest::verify`] holds the
//!   rule; the key is picked by fingerprint ([`keys`]).
//! * **log-file**: SHA-256 of each listed log file's uncompressed content against the
//!   digest's `hashValue`.
//! * **chain**: each digest's `previous*` fields against the digest before it ([`chain`]).
//!
//! **Where the signature comes from.** CloudTrail stores a digest's own signature in S3
//! object metadata (`x-amz-meta-signature`, hex), not in the file, so a plain copy of the
//! bucket loses it. For a local directory ([`local`]) tagtrail reads it from a sidecar
//! file `<digest file>.signature` holding the hex signature (for example saved with
//! `aws s3api head-object --query Metadata.signature --output text`). Without a sidecar
//! it uses the next digest's `previousDigestSignature`, which is the same value; only the
//! newest digest of a chain then stays `unsigned`. The verifier itself takes the
//! signature as an argument, so the S3 reader ([`s3`]) passes the metadata value
//! instead, and lists the public keys with CloudTrail's `ListPublicKeys` when none is given.

pub mod chain;
pub mod digest;
pub mod keys;
pub mod local;
pub mod s3;

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringBuilder, TimestampMicrosecondBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;

use crate::fetch::FetchError;
use crate::fetch::s3::S3Url;
use crate::sources::timefmt::Micros;
use crate::sources::ts_type;

pub use digest::{Digest, DigestLocation, DigestName, LogFiles, LogLookup, Verified, verify};
pub use keys::{PublicKey, PublicKeys, fingerprint};
pub use local::verify_dir;
pub use s3::verify_bucket;

/// Errors that stop a whole run. A bad digest or log file never does: it becomes a row
/// with status `unreadable` and the reason.
#[derive(Debug, thiserror::Error)]
pub enum IntegrityError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Key { path: PathBuf, message: String },
    #[error(
        "{0}: no CloudTrail digest files found (expected …/AWSLogs/<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/*.json.gz, in the period when --since/--until are given)"
    )]
    NoDigests(PathBuf),
    #[error(
        "{0}: no CloudTrail digest files found (expected …AWSLogs/<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/*.json.gz, in the period when --since/--until are given)"
    )]
    NoDigestObjects(String),
    /// Listing the bucket failed: without the list of digests nothing can be checked.
    #[error(transparent)]
    Fetch(#[from] FetchError),
}

/// Where the evidence is: a local copy of the trail's bucket, or the bucket itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    Dir(PathBuf),
    S3(S3Url),
}

impl std::fmt::Display for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Evidence::Dir(dir) => write!(f, "{}", dir.display()),
            Evidence::S3(url) => write!(f, "{url}"),
        }
    }
}

/// `--since/--until`: checks only the digests whose hour overlaps `[since, until)`, so
/// a period's evidence can be proven without reading years of digests. A digest covers
/// the hour before its end time, which its file name carries, so the choice is made
/// before anything is downloaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    pub since: Option<Micros>,
    pub until: Option<Micros>,
}

const HOUR: Micros = 3_600_000_000;

impl Period {
    /// A file whose name does not follow the digest scheme is kept, so that it is
    /// reported rather than silently skipped.
    pub fn keeps(&self, name: Option<&DigestName>) -> bool {
        let Some(n) = name else { return true };
        self.since.is_none_or(|s| n.end > s) && self.until.is_none_or(|u| n.end - HOUR < u)
    }
}

/// The outcome of one check. Names are the `status` values stored in the lake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Signature verified, hash matched, or chain link intact.
    Valid,
    /// A log file whose uncompressed SHA-256 differs from the digest's `hashValue`.
    Altered,
    /// A listed log file that is not there.
    Missing,
    /// The signature does not verify with the key the digest names.
    BadSignature,
    /// The digest lies elsewhere than the `digestS3Object` it was signed for.
    Moved,
    /// The file could not be read, decompressed or parsed, or uses an unknown algorithm.
    Unreadable,
    /// A `previous*` field disagrees with the previous digest: it was altered or replaced.
    ChainBroken,
    /// A digest is absent from the chain, or the hours do not join up.
    Gap,
    /// No signature available to check (no sidecar, no later digest).
    Unsigned,
    /// No given public key has the digest's fingerprint.
    NoKey,
    /// The previous digest is outside the checked directory: where the checked range starts.
    Unchecked,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Status::Valid,
        Status::Altered,
        Status::Missing,
        Status::BadSignature,
        Status::Moved,
        Status::Unreadable,
        Status::ChainBroken,
        Status::Gap,
        Status::Unsigned,
        Status::NoKey,
        Status::Unchecked,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Altered => "altered",
            Status::Missing => "missing",
            Status::BadSignature => "bad-signature",
            Status::Moved => "moved",
            Status::Unreadable => "unreadable",
            Status::ChainBroken => "chain-broken",
            Status::Gap => "gap",
            Status::Unsigned => "unsigned",
            Status::NoKey => "no-key",
            Status::Unchecked => "unchecked",
        }
    }

    /// Evidence of tampering or loss; `verify-digests` exits 2 when any row has one.
    /// `unsigned`, `no-key` and `unchecked` only mean "could not check", which the
    /// summary reports without failing, so a partial download can still be verified.
    pub fn is_failure(self) -> bool {
        !matches!(
            self,
            Status::Valid | Status::Unsigned | Status::NoKey | Status::Unchecked
        )
    }
}

/// What a row checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemKind {
    Digest,
    LogFile,
    Chain,
}

impl ItemKind {
    pub fn name(self) -> &'static str {
        match self {
            ItemKind::Digest => "digest",
            ItemKind::LogFile => "log-file",
            ItemKind::Chain => "chain",
        }
    }
}

/// One row of `digest_checks`; the fields are the columns documented at [`schema`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub checked_at: Micros,
    pub account_id: String,
    pub region: String,
    pub trail: String,
    pub digest_key: String,
    pub item_kind: ItemKind,
    pub item_key: String,
    pub status: Status,
    pub detail: String,
    pub expected_hash: Option<String>,
    pub actual_hash: Option<String>,
    pub digest_end_time: Micros,
    pub source_uri: Option<String>,
}

/// Schema of `digest_checks`: one row per checked item per `verify-digests` run.
///
/// | column | type | meaning |
/// |---|---|---|
/// | checked_at | timestamp(us, UTC) | when the run started; groups the rows of one run |
/// | account_id | utf8 | AWS account of the digest (`awsAccountId`, else from the file name) |
/// | region | utf8 | region the digest was delivered from |
/// | trail | utf8 | trail name, from the digest file name |
/// | digest_key | utf8 | S3 key of the digest (`digestS3Object`; for an unreadable file, its `AWSLogs/…` path) |
/// | item_kind | utf8 | `digest` (its signature), `log-file` (a listed log file's hash) or `chain` (the link to the previous digest) |
/// | item_key | utf8 | the digest's key, the log file's `s3Object`, or the previous digest's key (the digest's own key at a chain start) |
/// | status | utf8 | `valid`, `altered`, `missing`, `bad-signature`, `moved`, `unreadable`, `chain-broken`, `gap` (failures); `unsigned`, `no-key`, `unchecked` (not checkable) |
/// | detail | utf8 | human-readable reason, naming the files and keys involved |
/// | expected_hash | utf8 | hex SHA-256 the digest records (`hashValue`, `previousDigestHashValue`); null for signatures |
/// | actual_hash | utf8 | hex SHA-256 computed over the uncompressed file; null when it could not be read |
/// | digest_end_time | timestamp(us, UTC) | `digestEndTime` (else the file-name time); partition and sort column |
/// | source_uri | utf8 | the local file checked (or `s3://…`); null when missing |
pub fn schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let s = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
        Arc::new(Schema::new(vec![
            Field::new("checked_at", ts_type(), false),
            s("account_id", false),
            s("region", false),
            s("trail", false),
            s("digest_key", false),
            s("item_kind", false),
            s("item_key", false),
            s("status", false),
            s("detail", false),
            s("expected_hash", true),
            s("actual_hash", true),
            Field::new("digest_end_time", ts_type(), false),
            s("source_uri", true),
        ]))
    });
    SCHEMA.clone()
}

/// The rows as one batch of [`schema`], ready for `LakeWriter::add`.
pub fn to_batch(rows: &[Check]) -> Result<RecordBatch, ArrowError> {
    let ts = |f: fn(&Check) -> Micros| -> ArrayRef {
        let mut b = TimestampMicrosecondBuilder::with_capacity(rows.len()).with_timezone("UTC");
        rows.iter().for_each(|r| b.append_value(f(r)));
        Arc::new(b.finish())
    };
    let text = |f: fn(&Check) -> Option<&str>| -> ArrayRef {
        let mut b = StringBuilder::new();
        rows.iter().for_each(|r| b.append_option(f(r)));
        Arc::new(b.finish())
    };
    RecordBatch::try_new(
        schema(),
        vec![
            ts(|r| r.checked_at),
            text(|r| Some(&r.account_id)),
            text(|r| Some(&r.region)),
            text(|r| Some(&r.trail)),
            text(|r| Some(&r.digest_key)),
            text(|r| Some(r.item_kind.name())),
            text(|r| Some(&r.item_key)),
            text(|r| Some(r.status.name())),
            text(|r| Some(&r.detail)),
            text(|r| r.expected_hash.as_deref()),
            text(|r| r.actual_hash.as_deref()),
            ts(|r| r.digest_end_time),
            text(|r| r.source_uri.as_deref()),
        ],
    )
}

/// The `digest` row of a digest file that could not be downloaded, read or decompressed.
fn unreadable_digest(
    key: &str,
    uri: &str,
    name: Option<&DigestName>,
    reason: String,
    checked_at: Micros,
) -> Check {
    Check {
        checked_at,
        account_id: name.map(|n| n.account_id.clone()).unwrap_or_default(),
        region: name.map(|n| n.region.clone()).unwrap_or_default(),
        trail: name.map(|n| n.trail.clone()).unwrap_or_default(),
        digest_key: key.to_string(),
        item_kind: ItemKind::Digest,
        item_key: key.to_string(),
        status: Status::Unreadable,
        detail: reason,
        expected_hash: None,
        actual_hash: None,
        digest_end_time: name.map_or(checked_at, |n| n.end),
        source_uri: Some(uri.to_string()),
    }
}

/// The part of an S3 key from its `AWSLogs/` segment on. Local copies of a bucket keep
/// that part whatever bucket, prefix or folder they were copied to, so it is how keys
/// named inside digests are matched with files.
pub fn awslogs_suffix(key: &str) -> &str {
    if key.starts_with("AWSLogs/") {
        return key;
    }
    match key.find("/AWSLogs/") {
        Some(i) => &key[i + 1..],
        None => key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_drops_bucket_and_prefix() {
        assert_eq!(
            awslogs_suffix("AWSLogs/1/CloudTrail/x"),
            "AWSLogs/1/CloudTrail/x"
        );
        assert_eq!(
            awslogs_suffix("my-prefix/deeper/AWSLogs/1/CloudTrail/x"),
            "AWSLogs/1/CloudTrail/x"
        );
        assert_eq!(awslogs_suffix("elsewhere/x.json.gz"), "elsewhere/x.json.gz");
        assert_eq!(awslogs_suffix("NotAWSLogs/x"), "NotAWSLogs/x");
    }

    #[test]
    fn a_period_keeps_the_digests_whose_hour_overlaps_it() {
        let t = |s: &str| crate::sources::timefmt::parse_iso(s).unwrap();
        let digest = |end: &str| DigestName {
            account_id: "1".into(),
            region: "r".into(),
            trail: "t".into(),
            home_region: "r".into(),
            end: t(end),
            backfill: false,
        };
        let period = Period {
            since: Some(t("2023-08-28T19:01:31Z")),
            until: Some(t("2023-08-28T20:00:00Z")),
        };
        let kept: Vec<bool> = [
            "2023-08-28T19:01:31Z",
            "2023-08-28T20:01:31Z",
            "2023-08-28T20:59:59Z",
            "2023-08-28T21:00:00Z",
        ]
        .iter()
        .map(|end| period.keeps(Some(&digest(end))))
        .collect();
        assert_eq!(kept, [false, true, true, false]);
        assert!(period.keeps(None));
        assert!(Period::default().keeps(Some(&digest("2013-11-01T00:00:00Z"))));
    }

    #[test]
    fn only_evidence_of_tampering_fails() {
        let failing: Vec<&str> = Status::ALL
            .iter()
            .filter(|s| s.is_failure())
            .map(|s| s.name())
            .collect();
        assert_eq!(
            failing,
            [
                "altered",
                "missing",
                "bad-signature",
                "moved",
                "unreadable",
                "chain-broken",
                "gap"
            ]
        );
    }
}
