//! `tagtrail verify-digests` on a signed digest chain built here the way CloudTrail
//! builds one: three hourly digests over three real-format log files (from
//! fixtures/cloudtrail), signed with a test RSA key, `.signature` sidecars, the bucket
//! copied under a key prefix. Each test tampers with a fresh copy. The builder is
//! shared with the S3 tests (`digests_s3.rs`), which upload the same chain to moto.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::LazyLock;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::Md5;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::support::{fixture, query, tagtrail_output, temp_lake};

const BUCKET: &str = "example-trail-bucket";
pub(crate) const PREFIX: &str = "cloudtrail";
const ACCOUNT: &str = "444455556666";
const REGION: &str = "us-east-2";
const TRAIL: &str = "audit_trail-1";

static KEY: LazyLock<KeyPair> =
    LazyLock::new(|| KeyPair::generate(KeySize::Rsa2048).expect("generate RSA key"));

/// Log file names: hour 1 is the fixture file as delivered (gzip), hour 2 another real
/// record file gzipped, hour 3 kept decompressed (`.json`) under a `.json.gz` key.
pub(crate) const LOGS: [&str; 3] = [
    "444455556666_CloudTrail_us-east-2_20230828T1845Z_Ex4mpleUn1queStr.json.gz",
    "444455556666_CloudTrail_us-east-2_20230828T1950Z_Sec0ndF1leStr1ng.json.gz",
    "444455556666_CloudTrail_us-east-2_20230828T2055Z_Th1rdF1leStr1ngX.json.gz",
];
pub(crate) const DIGESTS: [&str; 3] = [
    "444455556666_CloudTrail-Digest_us-east-2_audit_trail-1_us-east-2_20230828T190131Z.json.gz",
    "444455556666_CloudTrail-Digest_us-east-2_audit_trail-1_us-east-2_20230828T200131Z.json.gz",
    "444455556666_CloudTrail-Digest_us-east-2_audit_trail-1_us-east-2_20230828T210131Z.json.gz",
];
const HOURS: [&str; 4] = [
    "2023-08-28T18:01:31Z",
    "2023-08-28T19:01:31Z",
    "2023-08-28T20:01:31Z",
    "2023-08-28T21:01:31Z",
];

pub(crate) fn log_key(i: usize) -> String {
    format!(
        "{PREFIX}/AWSLogs/{ACCOUNT}/CloudTrail/{REGION}/2023/08/28/{}",
        LOGS[i]
    )
}

pub(crate) fn digest_key(i: usize) -> String {
    format!(
        "{PREFIX}/AWSLogs/{ACCOUNT}/CloudTrail-Digest/{REGION}/2023/08/28/{}",
        DIGESTS[i]
    )
}

pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

pub(crate) fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn sign(message: &str) -> String {
    let mut sig = vec![0; KEY.public_modulus_len()];
    KEY.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        message.as_bytes(),
        &mut sig,
    )
    .unwrap();
    hex::encode(sig)
}

fn pem(der: &[u8]) -> String {
    let b64 = BASE64.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN RSA PUBLIC KEY-----\n{}\n-----END RSA PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

/// A local copy of the trail's bucket: `<tmp>/copy/<bucket>/<prefix>/AWSLogs/…`.
pub(crate) struct Trail {
    pub(crate) tmp: tempfile::TempDir,
    /// The bucket the digests say they and the log files were delivered to.
    pub(crate) bucket: String,
    /// Uncompressed SHA-256 of each log file, as the digests record it.
    pub(crate) log_hashes: [String; 3],
}

impl Trail {
    fn build() -> Trail {
        Trail::build_in(BUCKET)
    }

    pub(crate) fn build_in(bucket: &str) -> Trail {
        let tmp = tempfile::tempdir().unwrap();
        let trail_dir = fixture("cloudtrail");
        let delivered = std::fs::read(trail_dir.join(format!(
            "AWSLogs/{ACCOUNT}/CloudTrail/{REGION}/2023/08/28/{}",
            LOGS[0]
        )))
        .unwrap();
        let second = std::fs::read(trail_dir.join(
            "src/950363612855_CloudTrail_ap-southeast-2_20260701T0010Z_Gx7TqL2mPa9wZb4K.json",
        ))
        .unwrap();
        let third = std::fs::read(
            trail_dir
                .join("src/444455556666_CloudTrail_us-east-2_20230828T1845Z_Ex4mpleUn1queStr.json"),
        )
        .unwrap();
        let trail = Trail {
            tmp,
            bucket: bucket.to_string(),
            log_hashes: [
                sha256_hex(&gunzip(&delivered)),
                sha256_hex(&second),
                sha256_hex(&third),
            ],
        };
        trail.write(&log_key(0), &delivered);
        trail.write(&log_key(1), &gzip(&second));
        let plain = log_key(2);
        trail.write(plain.strip_suffix(".gz").unwrap(), &third);

        let fingerprint = hex::encode(<Md5 as md5::Digest>::digest(KEY.public_key().as_ref()));
        let mut previous: Option<(String, String, String)> = None; // key, hash, signature
        for i in 0..3 {
            let (prev_key, prev_hash, prev_sig) = match &previous {
                Some((k, h, s)) => (json!(k), json!(h), json!(s)),
                None => (Value::Null, Value::Null, Value::Null),
            };
            let digest = json!({
                "awsAccountId": ACCOUNT,
                "digestStartTime": HOURS[i],
                "digestEndTime": HOURS[i + 1],
                "digestS3Bucket": bucket,
                "digestS3Object": digest_key(i),
                "digestPublicKeyFingerprint": fingerprint,
                "digestSignatureAlgorithm": "SHA256withRSA",
                "newestEventTime": HOURS[i + 1],
                "oldestEventTime": HOURS[i],
                "previousDigestS3Bucket": if previous.is_some() { json!(bucket) } else { Value::Null },
                "previousDigestS3Object": prev_key,
                "previousDigestHashValue": prev_hash,
                "previousDigestHashAlgorithm": if previous.is_some() { json!("SHA-256") } else { Value::Null },
                "previousDigestSignature": prev_sig,
                "logFiles": [{
                    "s3Bucket": bucket,
                    "s3Object": log_key(i),
                    "hashValue": trail.log_hashes[i],
                    "hashAlgorithm": "SHA-256",
                    "newestEventTime": HOURS[i + 1],
                    "oldestEventTime": HOURS[i],
                }],
            });
            let bytes = serde_json::to_vec(&digest).unwrap();
            let hash = sha256_hex(&bytes);
            let to_sign = format!(
                "{}\n{bucket}/{}\n{hash}\n{}",
                HOURS[i + 1],
                digest_key(i),
                previous.as_ref().map_or("null", |p| p.2.as_str())
            );
            let signature = sign(&to_sign);
            trail.write(&digest_key(i), &gzip(&bytes));
            trail.write(
                &format!("{}.signature", digest_key(i)),
                signature.as_bytes(),
            );
            previous = Some((digest_key(i), hash, signature));
        }
        std::fs::write(trail.key_file(), pem(KEY.public_key().as_ref())).unwrap();
        trail
    }

    fn dir(&self) -> PathBuf {
        self.tmp.path().join("copy")
    }

    /// The copy of the bucket: every key below it, signatures in `.signature` sidecars.
    pub(crate) fn bucket_dir(&self) -> PathBuf {
        self.dir().join(&self.bucket)
    }

    pub(crate) fn path(&self, key: &str) -> PathBuf {
        self.bucket_dir().join(key)
    }

    fn write(&self, key: &str, bytes: &[u8]) {
        let path = self.path(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    fn remove(&self, key: &str) {
        std::fs::remove_file(self.path(key)).unwrap();
    }

    pub(crate) fn key_file(&self) -> PathBuf {
        self.tmp.path().join("cloudtrail-us-east-2.pem")
    }

    fn verify(&self, lake: &Path) -> Output {
        self.verify_with(lake, &["--public-key", self.key_file().to_str().unwrap()])
    }

    fn verify_with(&self, lake: &Path, extra: &[&str]) -> Output {
        let mut args = vec!["verify-digests"];
        args.extend(extra);
        let dir = self.dir();
        args.push(dir.to_str().unwrap());
        tagtrail_output(lake, &args)
    }

    /// The digest file, decompressed, to alter.
    fn digest_json(&self, i: usize) -> Value {
        serde_json::from_slice(&gunzip(&std::fs::read(self.path(&digest_key(i))).unwrap())).unwrap()
    }
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn name(key: &str) -> String {
    key.rsplit('/').next().unwrap().to_string()
}

pub(crate) type Row = (String, String, String);

/// (item_kind, file name of item_key, status) of every stored check, sorted.
pub(crate) fn results(lake: &Path) -> Vec<Row> {
    let rows = query(
        lake,
        "SELECT item_kind, item_key, status FROM digest_checks",
    );
    let mut out: Vec<Row> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["item_kind"].as_str().unwrap().to_string(),
                name(r["item_key"].as_str().unwrap()),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Every check valid, except `changes` (kind, item name, status); `None` drops the
/// (first) matching row.
pub(crate) fn expected(changes: &[(&str, &str, Option<&str>)]) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    for i in 0..3 {
        rows.push(("digest".into(), DIGESTS[i].into(), "valid".into()));
        rows.push(("log-file".into(), LOGS[i].into(), "valid".into()));
        // A chain row names the previous digest; the first digest starts the chain.
        let prev = if i == 0 { DIGESTS[0] } else { DIGESTS[i - 1] };
        rows.push(("chain".into(), prev.into(), "valid".into()));
    }
    for (kind, item, status) in changes {
        let at = rows
            .iter()
            .position(|r| r.0 == *kind && r.1 == *item)
            .unwrap_or_else(|| panic!("no {kind} row {item}"));
        match status {
            Some(s) => rows[at].2 = s.to_string(),
            None => {
                rows.remove(at);
            }
        }
    }
    rows.sort();
    rows
}

/// `--since 2023-08-28T19:01:31Z --until 2023-08-28T20:00:00Z`: only the second
/// digest's hour overlaps, and the first digest, which it names, is outside.
pub(crate) const SECOND_HOUR: [&str; 4] = [
    "--since",
    "2023-08-28T19:01:31Z",
    "--until",
    "2023-08-28T20:00:00Z",
];

pub(crate) fn second_hour_only() -> Vec<Row> {
    expected(&[
        ("digest", DIGESTS[0], None),
        ("log-file", LOGS[0], None),
        ("chain", DIGESTS[0], None),
        ("chain", DIGESTS[0], Some("unchecked")),
        ("digest", DIGESTS[2], None),
        ("log-file", LOGS[2], None),
        ("chain", DIGESTS[1], None),
    ])
}

pub(crate) fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(o),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn untouched_trail_is_all_valid() {
    let trail = Trail::build();
    let lake = temp_lake();
    let out = trail.verify(lake.path());
    assert_exit(&out, 0);
    assert_eq!(results(lake.path()), expected(&[]));
    let text = stdout(&out);
    assert!(
        text.contains("Checked 3 digest files and the 3 log files they list"),
        "{text}"
    );
    assert!(!text.contains("Not valid"), "{text}");
    assert_eq!(
        query(
            lake.path(),
            "SELECT account_id, region, trail, count(*) AS n, \
             count(*) FILTER (WHERE expected_hash = actual_hash) AS hashes_match, \
             min(digest_end_time) AS first_end, max(date) AS last_day \
             FROM digest_checks GROUP BY account_id, region, trail"
        ),
        json!([{
            "account_id": ACCOUNT, "region": REGION, "trail": TRAIL, "n": 9,
            "hashes_match": 5, "first_end": HOURS[1], "last_day": "2023-08-28"
        }]),
        "3 log files and the 2 chain links that name a previous digest compare hashes"
    );
    // The decompressed copy of the third log file is what was hashed.
    let third = query(
        lake.path(),
        "SELECT source_uri FROM digest_checks WHERE item_kind = 'log-file' AND item_key LIKE '%Th1rd%'",
    );
    assert!(
        third[0]["source_uri"]
            .as_str()
            .unwrap()
            .ends_with("Th1rdF1leStr1ngX.json"),
        "{third}"
    );
}

#[test]
fn tampered_log_file_is_altered() {
    let trail = Trail::build();
    let original = std::fs::read(trail.path(&log_key(1))).unwrap();
    let forged = String::from_utf8(gunzip(&original))
        .unwrap()
        .replace("13.239.101.254", "10.0.0.1");
    trail.write(&log_key(1), &gzip(forged.as_bytes()));
    let lake = temp_lake();
    let out = trail.verify(lake.path());
    assert_exit(&out, 2);
    assert_eq!(
        results(lake.path()),
        expected(&[("log-file", LOGS[1], Some("altered"))])
    );
    assert_eq!(
        query(
            lake.path(),
            "SELECT expected_hash, actual_hash FROM digest_checks WHERE status = 'altered'"
        ),
        json!([{"expected_hash": trail.log_hashes[1], "actual_hash": sha256_hex(forged.as_bytes())}])
    );
    assert!(stdout(&out).contains(LOGS[1]), "{}", stdout(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("integrity check failed: 1 item(s)"),
        "{stderr}"
    );
}

#[test]
fn deleted_log_file_is_missing() {
    let trail = Trail::build();
    trail.remove(&log_key(0));
    let lake = temp_lake();
    let out = trail.verify(lake.path());
    assert_exit(&out, 2);
    assert_eq!(
        results(lake.path()),
        expected(&[("log-file", LOGS[0], Some("missing"))])
    );
    assert_eq!(
        query(
            lake.path(),
            "SELECT item_key, source_uri, actual_hash FROM digest_checks WHERE status = 'missing'"
        ),
        json!([{"item_key": log_key(0), "source_uri": null, "actual_hash": null}])
    );
}

#[test]
fn altered_digest_fails_its_signature_and_breaks_the_chain() {
    let trail = Trail::build();
    let mut d = trail.digest_json(1);
    d["newestEventTime"] = json!("2023-08-28T19:59:59Z");
    trail.write(&digest_key(1), &gzip(&serde_json::to_vec(&d).unwrap()));
    let lake = temp_lake();
    let out = trail.verify(lake.path());
    assert_exit(&out, 2);
    assert_eq!(
        results(lake.path()),
        expected(&[
            ("digest", DIGESTS[1], Some("bad-signature")),
            ("chain", DIGESTS[1], Some("chain-broken")),
        ])
    );
    let broken = query(
        lake.path(),
        "SELECT digest_key, detail FROM digest_checks WHERE status = 'chain-broken'",
    );
    assert_eq!(broken[0]["digest_key"], json!(digest_key(2)));
    assert!(
        broken[0]["detail"]
            .as_str()
            .unwrap()
            .contains("previousDigestHashValue is"),
        "{broken}"
    );
}

#[test]
fn deleted_middle_digest_leaves_a_gap() {
    let trail = Trail::build();
    trail.remove(&digest_key(1));
    trail.remove(&format!("{}.signature", digest_key(1)));
    let lake = temp_lake();
    let out = trail.verify(lake.path());
    assert_exit(&out, 2);
    assert_eq!(
        results(lake.path()),
        expected(&[
            ("digest", DIGESTS[1], None),
            ("log-file", LOGS[1], None),
            ("chain", DIGESTS[0], None),
            ("chain", DIGESTS[1], Some("gap")),
        ])
    );
}

#[test]
fn a_copy_that_starts_mid_chain_passes() {
    let trail = Trail::build();
    trail.remove(&digest_key(0));
    trail.remove(&format!("{}.signature", digest_key(0)));
    let lake = temp_lake();
    let out = trail.verify(lake.path());
    assert_exit(&out, 0);
    assert_eq!(
        results(lake.path()),
        expected(&[
            ("digest", DIGESTS[0], None),
            ("log-file", LOGS[0], None),
            ("chain", DIGESTS[0], None),
            ("chain", DIGESTS[0], Some("unchecked")),
        ])
    );
}

#[test]
fn a_period_checks_only_the_digests_whose_hour_overlaps_it() {
    let trail = Trail::build();
    // The digest after the period still lends its previousDigestSignature.
    trail.remove(&format!("{}.signature", digest_key(1)));
    let lake = temp_lake();
    let key = trail.key_file();
    let mut args = vec!["--public-key", key.to_str().unwrap()];
    args.extend(SECOND_HOUR);
    let out = trail.verify_with(lake.path(), &args);
    assert_exit(&out, 0);
    assert_eq!(results(lake.path()), second_hour_only());
    let detail = query(
        lake.path(),
        "SELECT detail FROM digest_checks WHERE item_kind = 'digest'",
    );
    assert!(
        detail[0]["detail"]
            .as_str()
            .unwrap()
            .contains("previousDigestSignature of"),
        "{detail}"
    );
    let out = trail.verify_with(
        lake.path(),
        &["--since", "2023-08-29", "--until", "2023-08-30"],
    );
    assert_exit(&out, 1);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("in the period when --since/--until"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn missing_sidecar_leaves_only_the_newest_digest_unsigned() {
    let trail = Trail::build();
    trail.remove(&format!("{}.signature", digest_key(1)));
    trail.remove(&format!("{}.signature", digest_key(2)));
    let lake = temp_lake();
    let out = trail.verify(lake.path());
    // Unsigned means "could not check", not tampering: reported, exit 0.
    assert_exit(&out, 0);
    assert_eq!(
        results(lake.path()),
        expected(&[("digest", DIGESTS[2], Some("unsigned"))])
    );
    let middle = query(
        lake.path(),
        "SELECT detail FROM digest_checks WHERE item_kind = 'digest' AND item_key LIKE '%T200131Z%'",
    );
    assert!(
        middle[0]["detail"].as_str().unwrap().contains(&format!(
            "previousDigestSignature of {}",
            &digest_key(2)[PREFIX.len() + 1..]
        )),
        "{middle}"
    );
    assert!(stdout(&out).contains("unsigned"), "{}", stdout(&out));
}

#[test]
fn unknown_or_absent_key_is_no_key() {
    let trail = Trail::build();
    let other = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let other_file = trail.tmp.path().join("other.pem");
    std::fs::write(&other_file, pem(other.public_key().as_ref())).unwrap();
    let no_keys = [
        ("digest", DIGESTS[0], Some("no-key")),
        ("digest", DIGESTS[1], Some("no-key")),
        ("digest", DIGESTS[2], Some("no-key")),
    ];
    let lake = temp_lake();
    let out = trail.verify_with(lake.path(), &["--public-key", other_file.to_str().unwrap()]);
    assert_exit(&out, 0);
    assert_eq!(results(lake.path()), expected(&no_keys));

    let lake = temp_lake();
    let out = trail.verify_with(lake.path(), &[]);
    assert_exit(&out, 0);
    assert_eq!(results(lake.path()), expected(&no_keys));
    assert!(
        stdout(&out).contains("No --public-key given"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn truncated_digest_is_unreadable_and_breaks_the_chain() {
    let trail = Trail::build();
    let bytes = std::fs::read(trail.path(&digest_key(1))).unwrap();
    trail.write(&digest_key(1), &bytes[..bytes.len() / 2]);
    let lake = temp_lake();
    let out = trail.verify(lake.path());
    assert_exit(&out, 2);
    assert_eq!(
        results(lake.path()),
        expected(&[
            ("digest", DIGESTS[1], Some("unreadable")),
            ("log-file", LOGS[1], None),
            ("chain", DIGESTS[0], None),
            ("chain", DIGESTS[1], Some("chain-broken")),
        ])
    );
    let text = stdout(&out);
    assert!(text.contains("cannot decompress"), "{text}");
}

#[test]
fn no_digests_is_an_error_not_a_pass() {
    let lake = temp_lake();
    let out = tagtrail_output(
        lake.path(),
        &[
            "verify-digests",
            fixture("cloudtrail/AWSLogs").to_str().unwrap(),
        ],
    );
    assert_exit(&out, 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no CloudTrail digest files found"),
        "{stderr}"
    );
}
