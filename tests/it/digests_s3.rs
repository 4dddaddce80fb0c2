//! `tagtrail verify-digests s3://…` against a real moto server: the signed three-digest
//! chain of `digests.rs`, uploaded the way CloudTrail delivers it (each digest's
//! signature in its object metadata, no sidecars), one bucket per test.

use std::path::Path;
use std::process::{Command, Output};

use aws_sdk_s3::primitives::ByteStream;
use serde_json::json;

use crate::digests::{
    DIGESTS, LOGS, PREFIX, Row, SECOND_HOUR, Trail, assert_exit, digest_key, expected, gunzip,
    gzip, log_key, results, second_hour_only, sha256_hex, stdout,
};
use crate::moto::Moto;
use crate::support::{query, temp_lake};

/// The chain in moto, as CloudTrail would have delivered it to `bucket`.
struct S3Trail {
    trail: Trail,
    moto: Moto,
    rt: tokio::runtime::Runtime,
}

impl S3Trail {
    /// Uploads every log file (gzipped, as delivered) and digest (signature as
    /// `x-amz-meta-signature`) to a fresh bucket named after the test.
    fn upload(test: &str) -> S3Trail {
        let bucket = format!("{test}-{}", std::process::id());
        let s3 = S3Trail {
            trail: Trail::build_in(&bucket),
            moto: Moto::start(),
            rt: tokio::runtime::Runtime::new().unwrap(),
        };
        let client = s3.moto.client();
        s3.rt.block_on(async {
            // Left over from an earlier run against the same server: fine.
            let _created = client.create_bucket().bucket(&bucket).send().await;
        });
        for file in crate::cloudtrail::walk(&s3.trail.bucket_dir()) {
            let key = file
                .strip_prefix(s3.trail.bucket_dir())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if key.ends_with(".signature") {
                continue;
            }
            let bytes = std::fs::read(&file).unwrap();
            if key.contains("/CloudTrail-Digest/") {
                let signature =
                    std::fs::read_to_string(s3.trail.path(&format!("{key}.signature"))).unwrap();
                s3.put(&key, bytes, Some(&signature));
            } else if let Some(plain) = key.strip_suffix(".json") {
                // The local chain keeps one log decompressed; S3 holds it as delivered.
                s3.put(&format!("{plain}.json.gz"), gzip(&bytes), None);
            } else {
                s3.put(&key, bytes, None);
            }
        }
        s3
    }

    fn bucket(&self) -> &str {
        &self.trail.bucket
    }

    fn put(&self, key: &str, bytes: Vec<u8>, signature: Option<&str>) {
        let mut put = self
            .moto
            .client()
            .put_object()
            .bucket(self.bucket())
            .key(key)
            .body(ByteStream::from(bytes));
        if let Some(sig) = signature {
            put = put
                .metadata("signature", sig.trim())
                .metadata("signature-algorithm", "SHA256withRSA");
        }
        self.rt
            .block_on(put.send())
            .unwrap_or_else(|e| panic!("upload {key}: {e:?}"));
    }

    fn get(&self, key: &str) -> Vec<u8> {
        self.rt.block_on(async {
            let out = self
                .moto
                .client()
                .get_object()
                .bucket(self.bucket())
                .key(key)
                .send()
                .await
                .unwrap_or_else(|e| panic!("get {key}: {e:?}"));
            out.body.collect().await.unwrap().into_bytes().to_vec()
        })
    }

    fn delete(&self, key: &str) {
        self.rt
            .block_on(
                self.moto
                    .client()
                    .delete_object()
                    .bucket(self.bucket())
                    .key(key)
                    .send(),
            )
            .unwrap_or_else(|e| panic!("delete {key}: {e:?}"));
    }

    fn url(&self) -> String {
        format!("s3://{}/{PREFIX}/", self.bucket())
    }

    /// `tagtrail verify-digests s3://bucket/cloudtrail/ --endpoint-url MOTO --public-key …`.
    fn verify(&self, lake: &Path, extra: &[&str]) -> Output {
        let key = self.trail.key_file();
        let mut args = vec!["--public-key", key.to_str().unwrap()];
        args.extend_from_slice(extra);
        self.verify_without_key(lake, &args)
    }

    fn verify_without_key(&self, lake: &Path, extra: &[&str]) -> Output {
        let url = self.url();
        Command::new(env!("CARGO_BIN_EXE_tagtrail"))
            .args([
                "verify-digests",
                &url,
                "--endpoint-url",
                &self.moto.endpoint,
            ])
            .args(extra)
            .env("TAGTRAIL_LAKE", lake)
            .envs(self.moto.env())
            .output()
            .expect("run tagtrail")
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn s3_trail_is_all_valid_with_signatures_from_object_metadata() {
    let s3 = S3Trail::upload("digests-valid");
    let lake = temp_lake();
    let out = s3.verify(lake.path(), &[]);
    assert_exit(&out, 0);
    assert_eq!(results(lake.path()), expected(&[]));
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "Checked 3 digest files and the 3 log files they list under {}",
            s3.url()
        )),
        "{text}"
    );
    assert!(!text.contains("Not valid"), "{text}");
    let uri = |key: String| json!(format!("s3://{}/{key}", s3.bucket()));
    let digests = (0..3).map(|i| {
        json!({"item_kind": "digest", "source_uri": uri(digest_key(i)),
        "from_metadata": true})
    });
    let logs = (0..3).map(|i| {
        json!({"item_kind": "log-file", "source_uri": uri(log_key(i)),
        "from_metadata": false})
    });
    let want: Vec<_> = digests.chain(logs).collect();
    assert_eq!(
        query(
            lake.path(),
            "SELECT item_kind, source_uri, detail LIKE '%x-amz-meta-signature%' AS from_metadata \
             FROM digest_checks WHERE item_kind <> 'chain' ORDER BY item_kind, source_uri"
        ),
        json!(want)
    );
}

#[test]
fn s3_replaced_log_object_is_altered() {
    let s3 = S3Trail::upload("digests-altered");
    let forged = String::from_utf8(gunzip(&s3.get(&log_key(1))))
        .unwrap()
        .replace("13.239.101.254", "10.0.0.1");
    s3.put(&log_key(1), gzip(forged.as_bytes()), None);
    let lake = temp_lake();
    let out = s3.verify(lake.path(), &[]);
    assert_exit(&out, 2);
    assert_eq!(
        results(lake.path()),
        expected(&[("log-file", LOGS[1], Some("altered"))])
    );
    assert_eq!(
        query(
            lake.path(),
            "SELECT item_key, expected_hash, actual_hash, source_uri FROM digest_checks WHERE status = 'altered'"
        ),
        json!([{
            "item_key": log_key(1),
            "expected_hash": s3.trail.log_hashes[1],
            "actual_hash": sha256_hex(forged.as_bytes()),
            "source_uri": format!("s3://{}/{}", s3.bucket(), log_key(1)),
        }])
    );
    assert!(
        stderr(&out).contains("integrity check failed: 1 item(s)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn s3_deleted_log_object_is_missing() {
    let s3 = S3Trail::upload("digests-missing");
    s3.delete(&log_key(0));
    let lake = temp_lake();
    let out = s3.verify(lake.path(), &[]);
    assert_exit(&out, 2);
    assert_eq!(
        results(lake.path()),
        expected(&[("log-file", LOGS[0], Some("missing"))])
    );
    assert_eq!(
        query(
            lake.path(),
            "SELECT item_key, source_uri, actual_hash, detail FROM digest_checks WHERE status = 'missing'"
        ),
        json!([{
            "item_key": log_key(0),
            "source_uri": null,
            "actual_hash": null,
            "detail": format!("log file s3://{}/{} listed in the digest is not there", s3.bucket(), log_key(0)),
        }])
    );
}

#[test]
fn s3_period_lists_only_its_day_folders_and_discovers_regions() {
    let s3 = S3Trail::upload("digests-period");
    let junk = |folder: &str, name: &str| {
        format!("{PREFIX}/AWSLogs/444455556666/CloudTrail-Digest/{folder}/{name}")
    };
    // Another region, in the period: found by listing the account's regions, and
    // reported unreadable because it is no digest.
    let other_region =
        "444455556666_CloudTrail-Digest_eu-west-1_audit_trail-1_us-east-2_20230828T194500Z.json.gz";
    s3.put(
        &junk("eu-west-1/2023/08/28", other_region),
        b"junk".to_vec(),
        None,
    );
    // Named in the period but filed under a day outside it: never listed.
    s3.put(
        &junk("us-east-2/2023/08/30", other_region),
        b"junk".to_vec(),
        None,
    );
    // Listed (same day folder), but its hour is outside the period.
    s3.put(
        &junk(
            "us-east-2/2023/08/28",
            "444455556666_CloudTrail-Digest_us-east-2_audit_trail-1_us-east-2_20230828T120131Z.json.gz",
        ),
        b"junk".to_vec(),
        None,
    );
    let lake = temp_lake();
    let out = s3.verify(lake.path(), &SECOND_HOUR);
    assert_exit(&out, 2);
    let mut want: Vec<Row> = second_hour_only();
    want.push(("digest".into(), other_region.into(), "unreadable".into()));
    want.sort();
    assert_eq!(results(lake.path()), want);
    assert_eq!(
        query(
            lake.path(),
            "SELECT region, source_uri FROM digest_checks WHERE status = 'unreadable'"
        ),
        json!([{
            "region": "eu-west-1",
            "source_uri": format!("s3://{}/{}", s3.bucket(), junk("eu-west-1/2023/08/28", other_region)),
        }])
    );
}

#[test]
fn s3_digest_without_metadata_falls_back_to_the_next_digests_signature() {
    let s3 = S3Trail::upload("digests-no-metadata");
    for i in [1, 2] {
        s3.put(&digest_key(i), s3.get(&digest_key(i)), None);
    }
    let lake = temp_lake();
    let out = s3.verify(lake.path(), &[]);
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
            "no x-amz-meta-signature; signature from previousDigestSignature of {}",
            digest_key(2)
        )),
        "{middle}"
    );
}

#[test]
fn s3_without_public_key_survives_list_public_keys_failing_and_reports_no_key() {
    let s3 = S3Trail::upload("digests-no-key");
    let lake = temp_lake();
    let out = s3.verify_without_key(lake.path(), &[]);
    // moto has no ListPublicKeys: the run goes on, and no-key is not a failure.
    assert_exit(&out, 0);
    assert_eq!(
        results(lake.path()),
        expected(&[
            ("digest", DIGESTS[0], Some("no-key")),
            ("digest", DIGESTS[1], Some("no-key")),
            ("digest", DIGESTS[2], Some("no-key")),
        ])
    );
    let failed = "CloudTrail ListPublicKeys in us-east-2 failed";
    assert!(stderr(&out).contains(failed), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(failed), "{text}");
    assert!(
        text.contains("So the digests of us-east-2 could not be checked (no-key)"),
        "{text}"
    );
    assert_eq!(
        query(
            lake.path(),
            &format!(
                "SELECT count(*) AS n FROM digest_checks WHERE status = 'no-key' AND detail LIKE '%{failed}%'"
            )
        ),
        json!([{"n": 3}])
    );
}
