//! One digest file: parse it, verify its signature, check the log files it lists.
//!
//! Nothing here knows where bytes come from: callers pass the uncompressed digest, where
//! it was found, its signature (S3 metadata or a sidecar) and a [`LogFiles`] lookup, so
//! the local-directory reader and an S3 reader share the same rules.

use serde::{Deserialize, Deserializer};
use sha2::{Digest as _, Sha256};

use super::keys::PublicKeys;
use super::{Check, ItemKind, Status, awslogs_suffix};
use crate::sources::timefmt::{Micros, parse_iso};

/// The only algorithms CloudTrail uses (digest signature, file hashes).
pub const SIGNATURE_ALGORITHM: &str = "SHA256withRSA";
pub const HASH_ALGORITHM: &str = "SHA-256";

/// A digest file's content (the fields validation needs).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Digest {
    pub aws_account_id: Option<String>,
    pub digest_start_time: String,
    pub digest_end_time: String,
    pub digest_s3_bucket: String,
    pub digest_s3_object: String,
    pub digest_public_key_fingerprint: String,
    pub digest_signature_algorithm: String,
    pub previous_digest_s3_bucket: Option<String>,
    pub previous_digest_s3_object: Option<String>,
    pub previous_digest_hash_value: Option<String>,
    pub previous_digest_hash_algorithm: Option<String>,
    /// Present in every digest (null in a starting one); the AWS CLI rejects a digest
    /// without it, and so does tagtrail, because it is part of what was signed.
    #[serde(deserialize_with = "nullable")]
    pub previous_digest_signature: Option<String>,
    pub log_files: Vec<LogFileEntry>,
}

/// One `logFiles[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogFileEntry {
    pub s3_bucket: String,
    pub s3_object: String,
    pub hash_value: String,
    pub hash_algorithm: String,
    pub newest_event_time: Option<String>,
    pub oldest_event_time: Option<String>,
}

/// Required, but may be null (plain `Option` fields may also be absent).
fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

impl Digest {
    pub fn parse(uncompressed: &[u8]) -> Result<Digest, String> {
        let digest: Digest =
            serde_json::from_slice(uncompressed).map_err(|e| format!("not a digest file: {e}"))?;
        for (field, value) in [
            ("digestStartTime", &digest.digest_start_time),
            ("digestEndTime", &digest.digest_end_time),
        ] {
            if parse_iso(value).is_none() {
                return Err(format!("{field} `{value}` is not a UTC timestamp"));
            }
        }
        Ok(digest)
    }

    /// `digestStartTime`; always `Some` for a digest from [`Digest::parse`].
    pub fn start(&self) -> Option<Micros> {
        parse_iso(&self.digest_start_time)
    }

    /// `digestEndTime`; always `Some` for a digest from [`Digest::parse`].
    pub fn end(&self) -> Option<Micros> {
        parse_iso(&self.digest_end_time)
    }

    /// What CloudTrail signed: `digestEndTime`, `bucket/key`, the hex SHA-256 of the
    /// uncompressed digest and the previous signature, joined by `\n`. A starting digest
    /// has a null previous signature, which is signed as the text `null` (AWS CLI
    /// `Sha256RSADigestValidator`: "The value must be 'null' to match the Java
    /// implementation").
    pub fn string_to_sign(&self, uncompressed_sha256_hex: &str) -> String {
        format!(
            "{}\n{}/{}\n{}\n{}",
            self.digest_end_time,
            self.digest_s3_bucket,
            self.digest_s3_object,
            uncompressed_sha256_hex,
            self.previous_digest_signature.as_deref().unwrap_or("null")
        )
    }
}

/// The parts of a digest file name: `<account>_CloudTrail-Digest_<region>_<trail>_<home-region>_<YYYYMMDDTHHMMSSZ>[_backfill].json.gz`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DigestName {
    pub account_id: String,
    pub region: String,
    pub trail: String,
    pub home_region: String,
    /// The digest end time the name carries.
    pub end: Micros,
    /// Backfill digests list log files an hourly digest missed; they are not in the chain.
    pub backfill: bool,
}

impl DigestName {
    /// From a key or path; `None` when the file name does not follow the scheme.
    pub fn parse(key: &str) -> Option<DigestName> {
        let file = key.rsplit(['/', '\\']).next()?;
        let stem = file
            .strip_suffix(".json.gz")
            .or_else(|| file.strip_suffix(".json"))?;
        let (stem, backfill) = match stem.strip_suffix("_backfill") {
            Some(s) => (s, true),
            None => (stem, false),
        };
        let (account_id, rest) = stem.split_once("_CloudTrail-Digest_")?;
        let (region, rest) = rest.split_once('_')?;
        let (rest, stamp) = rest.rsplit_once('_')?;
        // Trail names may contain `_`; region names never do.
        let (trail, home_region) = rest.rsplit_once('_')?;
        let end = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ")
            .ok()?
            .and_utc()
            .timestamp_micros();
        if account_id.is_empty() || region.is_empty() || trail.is_empty() {
            return None;
        }
        Some(DigestName {
            account_id: account_id.to_string(),
            region: region.to_string(),
            trail: trail.to_string(),
            home_region: home_region.to_string(),
            end,
            backfill,
        })
    }
}

/// Where a digest was read from.
#[derive(Debug, Clone, Copy)]
pub struct DigestLocation<'a> {
    /// The bucket, when read from S3; `None` for a local copy, where only the
    /// `AWSLogs/…` part of the key can be compared.
    pub bucket: Option<&'a str>,
    /// The S3 key, or for a local file its path from `AWSLogs/` on.
    pub key: &'a str,
    /// `s3://…` or the local path, for reports.
    pub uri: &'a str,
}

impl DigestLocation<'_> {
    /// Whether the digest is where it was signed to be (the AWS CLI's "has been moved
    /// from its original location" check).
    fn matches(&self, d: &Digest) -> bool {
        match self.bucket {
            Some(b) => b == d.digest_s3_bucket && self.key == d.digest_s3_object,
            None => awslogs_suffix(&d.digest_s3_object) == awslogs_suffix(self.key),
        }
    }
}

/// What a [`LogFiles`] lookup found for a listed log file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogLookup {
    /// `sha256` is the hex SHA-256 of the uncompressed content.
    Found {
        uri: String,
        sha256: String,
    },
    Missing,
    Unreadable {
        uri: String,
        reason: String,
    },
}

impl LogLookup {
    /// Hashes a log file's uncompressed content, however it was opened (local file,
    /// downloaded object): what a digest's `hashValue` covers.
    pub fn hash(uri: String, content: std::io::Result<impl std::io::Read>) -> LogLookup {
        use sha2::{Digest as _, Sha256};
        let mut hasher = Sha256::new();
        match content.and_then(|mut r| std::io::copy(&mut r, &mut hasher)) {
            Ok(_) => LogLookup::Found {
                uri,
                sha256: hex::encode(hasher.finalize()),
            },
            Err(e) => LogLookup::Unreadable {
                reason: format!("cannot read the uncompressed content of {uri}: {e}"),
                uri,
            },
        }
    }
}

/// Finds and hashes the log files a digest lists (local directory, S3, …).
pub trait LogFiles {
    fn lookup(&mut self, bucket: &str, key: &str) -> LogLookup;
}

/// The result of checking one digest file.
#[derive(Debug, Clone)]
pub struct Verified {
    /// `None` when the file could not be parsed.
    pub digest: Option<Digest>,
    /// Hex SHA-256 of the uncompressed bytes (what the next digest must name).
    pub sha256: String,
    /// The `digest` row first, then one `log-file` row per listed log file.
    pub rows: Vec<Check>,
}

/// Checks one digest: its signature (with the key its fingerprint names), its location,
/// and every log file it lists. `signature_hex` is the digest's own signature; `None`
/// gives `unsigned`. Never fails: problems become rows.
pub fn verify(
    uncompressed: &[u8],
    at: &DigestLocation,
    signature_hex: Option<&str>,
    keys: &PublicKeys,
    logs: &mut dyn LogFiles,
    checked_at: Micros,
) -> Verified {
    let sha256 = hex::encode(Sha256::digest(uncompressed));
    let (digest, reason) = match Digest::parse(uncompressed) {
        Ok(d) => (Some(d), None),
        Err(reason) => (None, Some(reason)),
    };
    let name = DigestName::parse(at.key).or_else(|| {
        digest
            .as_ref()
            .and_then(|d| DigestName::parse(&d.digest_s3_object))
    });
    let row = |kind, item_key: &str, status, detail: String| Check {
        checked_at,
        account_id: digest
            .as_ref()
            .and_then(|d| d.aws_account_id.clone())
            .or_else(|| name.as_ref().map(|n| n.account_id.clone()))
            .unwrap_or_default(),
        region: name.as_ref().map(|n| n.region.clone()).unwrap_or_default(),
        trail: name.as_ref().map(|n| n.trail.clone()).unwrap_or_default(),
        digest_key: digest
            .as_ref()
            .map_or(at.key, |d| d.digest_s3_object.as_str())
            .into(),
        item_kind: kind,
        item_key: item_key.into(),
        status,
        detail,
        expected_hash: None,
        actual_hash: None,
        digest_end_time: digest
            .as_ref()
            .and_then(Digest::end)
            .or_else(|| name.as_ref().map(|n| n.end))
            .unwrap_or(checked_at),
        source_uri: Some(at.uri.into()),
    };
    let (Some(d), None) = (&digest, &reason) else {
        let reason = reason.unwrap_or_default();
        let mut r = row(ItemKind::Digest, at.key, Status::Unreadable, reason);
        r.actual_hash = Some(sha256.clone());
        return Verified {
            digest: None,
            sha256,
            rows: vec![r],
        };
    };
    let (status, detail) = check_signature(d, &sha256, at, signature_hex, keys);
    let mut digest_row = row(ItemKind::Digest, &d.digest_s3_object, status, detail);
    digest_row.actual_hash = Some(sha256.clone());
    let mut rows = vec![digest_row];
    for entry in &d.log_files {
        let mut r = row(
            ItemKind::LogFile,
            &entry.s3_object,
            Status::Valid,
            String::new(),
        );
        r.expected_hash = Some(entry.hash_value.to_ascii_lowercase());
        r.source_uri = None;
        if entry.hash_algorithm != HASH_ALGORITHM {
            r.status = Status::Unreadable;
            r.detail = format!(
                "hashAlgorithm `{}` is not supported (only {HASH_ALGORITHM})",
                entry.hash_algorithm
            );
            rows.push(r);
            continue;
        }
        match logs.lookup(&entry.s3_bucket, &entry.s3_object) {
            LogLookup::Found { uri, sha256 } => {
                if r.expected_hash.as_deref() == Some(sha256.as_str()) {
                    r.detail = "SHA-256 of the uncompressed content matches the digest".into();
                } else {
                    r.status = Status::Altered;
                    r.detail = format!(
                        "SHA-256 of the uncompressed content is {sha256}, the digest recorded {}",
                        entry.hash_value
                    );
                }
                r.actual_hash = Some(sha256);
                r.source_uri = Some(uri);
            }
            LogLookup::Missing => {
                r.status = Status::Missing;
                r.detail = format!(
                    "log file s3://{}/{} listed in the digest is not there",
                    entry.s3_bucket, entry.s3_object
                );
            }
            LogLookup::Unreadable { uri, reason } => {
                r.status = Status::Unreadable;
                r.detail = reason;
                r.source_uri = Some(uri);
            }
        }
        rows.push(r);
    }
    Verified {
        digest,
        sha256,
        rows,
    }
}

fn check_signature(
    d: &Digest,
    sha256: &str,
    at: &DigestLocation,
    signature_hex: Option<&str>,
    keys: &PublicKeys,
) -> (Status, String) {
    if d.digest_signature_algorithm != SIGNATURE_ALGORITHM {
        return (
            Status::Unreadable,
            format!(
                "digestSignatureAlgorithm `{}` is not supported (only {SIGNATURE_ALGORITHM})",
                d.digest_signature_algorithm
            ),
        );
    }
    let Some(hex_sig) = signature_hex else {
        return (
            Status::Unsigned,
            "no signature available (S3 metadata x-amz-meta-signature, a .signature sidecar, or a later digest's previousDigestSignature)".into(),
        );
    };
    let Ok(signature) = hex::decode(hex_sig.trim()) else {
        return (
            Status::BadSignature,
            "the signature is not a hex string".into(),
        );
    };
    let fp = &d.digest_public_key_fingerprint;
    let Some(key) = keys.by_fingerprint(fp) else {
        let given = if keys.is_empty() {
            "no --public-key given".to_string()
        } else {
            format!("{} key(s) given", keys.len())
        };
        return (
            Status::NoKey,
            format!(
                "no public key with fingerprint {fp} ({given}; `aws cloudtrail list-public-keys` run in the digest's region lists it)"
            ),
        );
    };
    if !key.verifies(d.string_to_sign(sha256).as_bytes(), &signature) {
        return (
            Status::BadSignature,
            format!(
                "signature does not verify with key {} (fingerprint {fp}): the digest's content, end time or signature was changed",
                key.origin
            ),
        );
    }
    if !at.matches(d) {
        return (
            Status::Moved,
            format!(
                "signed for s3://{}/{} but found at {}",
                d.digest_s3_bucket, d.digest_s3_object, at.uri
            ),
        );
    }
    (
        Status::Valid,
        format!("signature verified with key {}", key.origin),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(previous_signature: Option<&str>) -> Digest {
        Digest {
            aws_account_id: Some("111122223333".into()),
            digest_start_time: "2015-08-12T03:01:31Z".into(),
            digest_end_time: "2015-08-12T04:01:31Z".into(),
            digest_s3_bucket: "S3-bucket-name".into(),
            digest_s3_object: "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/12/111122223333_CloudTrail-Digest_us-east-2_trail_us-east-2_20150812T040131Z.json.gz".into(),
            digest_public_key_fingerprint: "31e8b5433410dfb61a9dc45cc65b22ff".into(),
            digest_signature_algorithm: SIGNATURE_ALGORITHM.into(),
            previous_digest_s3_bucket: None,
            previous_digest_s3_object: None,
            previous_digest_hash_value: None,
            previous_digest_hash_algorithm: None,
            previous_digest_signature: previous_signature.map(str::to_string),
            log_files: vec![],
        }
    }

    #[test]
    fn string_to_sign_follows_the_aws_format() {
        let hash = "4ff08d7c6ecd6eb313257e839645d20363ee3784a2328a7d76b99b53cc9bcacd";
        assert_eq!(
            sample(Some("6e8540b83c3a")).string_to_sign(hash),
            "2015-08-12T04:01:31Z\n\
             S3-bucket-name/AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/12/111122223333_CloudTrail-Digest_us-east-2_trail_us-east-2_20150812T040131Z.json.gz\n\
             4ff08d7c6ecd6eb313257e839645d20363ee3784a2328a7d76b99b53cc9bcacd\n\
             6e8540b83c3a"
        );
        assert!(
            sample(None)
                .string_to_sign(hash)
                .ends_with(&format!("{hash}\nnull"))
        );
    }

    #[test]
    fn previous_signature_must_be_present_but_may_be_null() {
        let json = |prev: &str| {
            format!(
                r#"{{"digestStartTime":"2015-08-12T03:01:31Z","digestEndTime":"2015-08-12T04:01:31Z",
                "digestS3Bucket":"b","digestS3Object":"k","digestPublicKeyFingerprint":"f",
                "digestSignatureAlgorithm":"SHA256withRSA",{prev}"logFiles":[]}}"#
            )
        };
        let d = Digest::parse(json(r#""previousDigestSignature":null,"#).as_bytes()).unwrap();
        assert_eq!(d.previous_digest_signature, None);
        let err = Digest::parse(json("").as_bytes()).unwrap_err();
        assert!(
            err.contains("missing field `previousDigestSignature`"),
            "{err}"
        );
        let bad_time = json(r#""previousDigestSignature":null,"#).replace("04:01:31Z", "4pm");
        assert!(
            Digest::parse(bad_time.as_bytes())
                .unwrap_err()
                .contains("digestEndTime `2015-08-12T4pm`")
        );
    }

    /// Logs that are all present with the given hash.
    struct Fixed(Vec<(&'static str, LogLookup)>);
    impl LogFiles for Fixed {
        fn lookup(&mut self, _bucket: &str, key: &str) -> LogLookup {
            self.0
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(LogLookup::Missing, |(_, l)| l.clone())
        }
    }

    #[test]
    fn verify_reports_every_outcome_without_failing() {
        use aws_lc_rs::signature::KeyPair as _;
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let der = pair.public_key().as_ref();
        let mut keys = PublicKeys::new();
        keys.push(super::super::PublicKey::from_der("k.pem".into(), der, None).unwrap());
        let mut d = sample(None);
        d.digest_public_key_fingerprint = super::super::fingerprint(der);
        let json = |d: &Digest, alg: &str| {
            serde_json::json!({
                "awsAccountId": d.aws_account_id, "digestStartTime": d.digest_start_time,
                "digestEndTime": d.digest_end_time, "digestS3Bucket": d.digest_s3_bucket,
                "digestS3Object": d.digest_s3_object,
                "digestPublicKeyFingerprint": d.digest_public_key_fingerprint,
                "digestSignatureAlgorithm": d.digest_signature_algorithm,
                "previousDigestSignature": null,
                "logFiles": [
                    {"s3Bucket": "S3-bucket-name", "s3Object": "AWSLogs/a.json.gz", "hashValue": "AA", "hashAlgorithm": alg},
                    {"s3Bucket": "S3-bucket-name", "s3Object": "AWSLogs/b.json.gz", "hashValue": "bb", "hashAlgorithm": alg},
                    {"s3Bucket": "S3-bucket-name", "s3Object": "AWSLogs/c.json.gz", "hashValue": "cc", "hashAlgorithm": alg},
                ],
            })
            .to_string()
            .into_bytes()
        };
        let bytes = json(&d, "SHA-256");
        let sha = hex::encode(Sha256::digest(&bytes));
        let mut sig = vec![0; pair.public_modulus_len()];
        pair.sign(
            &aws_lc_rs::signature::RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            d.string_to_sign(&sha).as_bytes(),
            &mut sig,
        )
        .unwrap();
        let sig = hex::encode(sig);
        let found = |h: &str| LogLookup::Found {
            uri: "/x".into(),
            sha256: h.into(),
        };
        let mut logs = Fixed(vec![
            ("AWSLogs/a.json.gz", found("aa")),
            ("AWSLogs/b.json.gz", found("00")),
        ]);
        let here = DigestLocation {
            bucket: None,
            key: &d.digest_s3_object,
            uri: "/copy/digest.json.gz",
        };
        let run = |bytes: &[u8],
                   at: &DigestLocation,
                   sig: Option<&str>,
                   keys: &PublicKeys,
                   logs: &mut Fixed| {
            verify(bytes, at, sig, keys, logs, 0)
                .rows
                .iter()
                .map(|r| (r.item_kind.name(), r.status.name()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            run(&bytes, &here, Some(&sig), &keys, &mut logs),
            [
                ("digest", "valid"),
                ("log-file", "valid"),
                ("log-file", "altered"),
                ("log-file", "missing")
            ]
        );
        let status = |bytes: &[u8], at: &DigestLocation, sig: Option<&str>, keys: &PublicKeys| {
            verify(bytes, at, sig, keys, &mut Fixed(vec![]), 0).rows[0]
                .status
                .name()
        };
        let moved = DigestLocation {
            key: "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/12/other.json.gz",
            ..here
        };
        assert_eq!(status(&bytes, &moved, Some(&sig), &keys), "moved");
        let s3 = DigestLocation {
            bucket: Some("S3-bucket-name"),
            ..here
        };
        assert_eq!(status(&bytes, &s3, Some(&sig), &keys), "valid");
        assert_eq!(status(&bytes, &here, None, &keys), "unsigned");
        assert_eq!(status(&bytes, &here, Some("zz"), &keys), "bad-signature");
        assert_eq!(
            status(&bytes, &here, Some(&sig), &PublicKeys::new()),
            "no-key"
        );
        let mut tampered = bytes.clone();
        tampered.push(b' ');
        assert_eq!(status(&tampered, &here, Some(&sig), &keys), "bad-signature");
        assert_eq!(
            status(b"{\"Records\":[]}", &here, Some(&sig), &keys),
            "unreadable"
        );
        let md5 = json(&d, "MD5");
        let v = verify(&md5, &here, None, &keys, &mut Fixed(vec![]), 0);
        assert_eq!(v.rows[1].status, Status::Unreadable);
        assert!(v.rows[1].detail.contains("`MD5` is not supported"));
    }

    #[test]
    fn digest_names_split_trail_names_with_underscores() {
        let n = DigestName::parse(
            "p/AWSLogs/o-x/111122223333/CloudTrail-Digest/eu-west-1/2026/11/17/111122223333_CloudTrail-Digest_eu-west-1_org_trail_1_us-east-1_20261117T100131Z.json.gz",
        )
        .unwrap();
        assert_eq!(
            (
                n.account_id.as_str(),
                n.region.as_str(),
                n.trail.as_str(),
                n.home_region.as_str(),
                n.backfill
            ),
            (
                "111122223333",
                "eu-west-1",
                "org_trail_1",
                "us-east-1",
                false
            )
        );
        assert_eq!(n.end, parse_iso("2026-11-17T10:01:31Z").unwrap());
        let b = DigestName::parse(
            "111122223333_CloudTrail-Digest_eu-west-1_t_eu-west-1_20261117T100131Z_backfill.json.gz",
        )
        .unwrap();
        assert!(b.backfill);
        assert_eq!(
            DigestName::parse("111122223333_CloudTrail_eu-west-1_x.json.gz"),
            None
        );
    }
}
