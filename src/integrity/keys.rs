//! CloudTrail's public keys and how a digest names the one that signed it.
//!
//! `ListPublicKeys` (`aws cloudtrail list-public-keys`) returns each key as `Value`
//! (DER, base64 in the CLI's JSON) and `Fingerprint`; a digest names its key by that
//! fingerprint in `digestPublicKeyFingerprint`. The fingerprint is the hex MD5 of the
//! DER bytes as returned: checked against all three sample keys in the AWS guide
//! "Custom implementations of CloudTrail log file integrity validation" (two PKCS#1
//! `RSAPublicKey`, one X.509 `SubjectPublicKeyInfo`), see the tests below. The AWS CLI
//! never computes it (it keys `ListPublicKeys` results by `Fingerprint`), so tagtrail
//! registers the MD5 of both DER forms of each key: a key converted between PKCS#1 and
//! X.509 (`openssl rsa -RSAPublicKey_in`) still matches.
//!
//! A key file may hold PEM (`RSA PUBLIC KEY` or `PUBLIC KEY` blocks, several allowed),
//! DER, the bare base64 `Value`, or the JSON that `aws cloudtrail list-public-keys`
//! prints (every key in `PublicKeyList`).

use std::path::Path;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::{Digest as _, Md5};

use super::IntegrityError;

/// Hex MD5 of a DER public key: CloudTrail's `Fingerprint` / `digestPublicKeyFingerprint`.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Md5::digest(der))
}

/// One RSA public key and the fingerprints it answers to.
#[derive(Debug, Clone)]
pub struct PublicKey {
    /// Where the key came from (`file` or `file#2`), so a report can name it.
    pub origin: String,
    /// PKCS#1 `RSAPublicKey` DER, the form the verifier takes.
    pkcs1: Vec<u8>,
    fingerprints: Vec<String>,
}

impl PublicKey {
    /// Accepts PKCS#1 or X.509 DER; `listed` is a fingerprint the key was published with.
    pub fn from_der(origin: String, der: &[u8], listed: Option<&str>) -> Result<Self, String> {
        let key = aws_lc_rs::rsa::PublicKey::from_der(der).map_err(|e| {
            format!(
                "not an RSA public key (PKCS#1 RSAPublicKey or X.509 SubjectPublicKeyInfo DER): {e}"
            )
        })?;
        let pkcs1 = key.as_ref().to_vec();
        let spki = key
            .as_der()
            .map_err(|_| "cannot re-encode the RSA key as X.509".to_string())?;
        let mut fingerprints = vec![fingerprint(der), fingerprint(&pkcs1)];
        fingerprints.push(fingerprint(spki.as_ref()));
        if let Some(l) = listed {
            fingerprints.push(l.trim().to_ascii_lowercase());
        }
        fingerprints.sort();
        fingerprints.dedup();
        Ok(PublicKey {
            origin,
            pkcs1,
            fingerprints,
        })
    }

    pub fn fingerprints(&self) -> &[String] {
        &self.fingerprints
    }

    /// Whether `signature` is a SHA256withRSA (PKCS#1 v1.5) signature of `message`.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &self.pkcs1)
            .verify(message, signature)
            .is_ok()
    }
}

/// The keys given with `--public-key`.
#[derive(Debug, Clone, Default)]
pub struct PublicKeys {
    keys: Vec<PublicKey>,
}

impl PublicKeys {
    pub fn new() -> Self {
        PublicKeys::default()
    }

    pub fn push(&mut self, key: PublicKey) {
        self.keys.push(key);
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn by_fingerprint(&self, fp: &str) -> Option<&PublicKey> {
        let fp = fp.trim().to_ascii_lowercase();
        self.keys.iter().find(|k| k.fingerprints.contains(&fp))
    }

    /// Adds every key in the file; returns how many.
    pub fn load_file(&mut self, path: &Path) -> Result<usize, IntegrityError> {
        let bytes = std::fs::read(path).map_err(|source| IntegrityError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let bad = |message: String| IntegrityError::Key {
            path: path.to_path_buf(),
            message,
        };
        let found = parse_key_file(&bytes).map_err(bad)?;
        if found.is_empty() {
            return Err(bad("no public key in the file".into()));
        }
        let many = found.len() > 1;
        for (i, (der, listed)) in found.iter().enumerate() {
            let origin = if many {
                format!("{}#{}", path.display(), i + 1)
            } else {
                path.display().to_string()
            };
            let key = PublicKey::from_der(origin, der, listed.as_deref()).map_err(|m| {
                bad(if many {
                    format!("key {}: {m}", i + 1)
                } else {
                    m
                })
            })?;
            self.push(key);
        }
        Ok(found.len())
    }
}

/// A DER key found in a file, with the fingerprint it was listed with (JSON only).
type FoundKey = (Vec<u8>, Option<String>);

/// Every key in a file.
fn parse_key_file(bytes: &[u8]) -> Result<Vec<FoundKey>, String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(vec![(bytes.to_vec(), None)]);
    };
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        return pem_blocks(text);
    }
    if text.starts_with('{') {
        return list_public_keys_json(text);
    }
    match BASE64.decode(text.split_whitespace().collect::<String>()) {
        Ok(der) if !text.is_empty() => Ok(vec![(der, None)]),
        _ => Ok(vec![(bytes.to_vec(), None)]),
    }
}

fn pem_blocks(text: &str) -> Result<Vec<FoundKey>, String> {
    let mut out = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        if label != "RSA PUBLIC KEY" && label != "PUBLIC KEY" {
            return Err(format!(
                "PEM block `{label}` is not a public key (expected RSA PUBLIC KEY or PUBLIC KEY)"
            ));
        }
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        loop {
            match lines.next() {
                Some(l) if l == end => break,
                Some(l) => body.push_str(l),
                None => return Err(format!("PEM block `{label}` has no `{end}` line")),
            }
        }
        let der = BASE64
            .decode(&body)
            .map_err(|e| format!("PEM block `{label}`: bad base64: {e}"))?;
        out.push((der, None));
    }
    Ok(out)
}

fn list_public_keys_json(text: &str) -> Result<Vec<FoundKey>, String> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Listing {
        // The AWS guide's sample response spells it `publicKeyList`.
        #[serde(alias = "publicKeyList")]
        public_key_list: Vec<Listed>,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Listed {
        value: String,
        fingerprint: Option<String>,
    }
    let listing: Listing = serde_json::from_str(text).map_err(|e| {
        format!("not the JSON of `aws cloudtrail list-public-keys` (PublicKeyList[].Value): {e}")
    })?;
    listing
        .public_key_list
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            let der = BASE64
                .decode(k.value.trim())
                .map_err(|e| format!("PublicKeyList[{i}].Value: bad base64: {e}"))?;
            Ok((der, k.fingerprint))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::KeyPair as _;

    /// `ListPublicKeys` sample response in the AWS CloudTrail User Guide, "Custom
    /// implementations of CloudTrail log file integrity validation": (Value, Fingerprint).
    const AWS_SAMPLE_KEYS: [(&str, &str); 3] = [
        (
            "MIIBCgKCAQEAn11L2YZ9h7onug2ILi1MWyHiMRsTQjfWE+pHVRLk1QjfWhirG+lpOa8NrwQ/r7Ah5bNL6HepznOU9XTDSfmmnP97mqyc7z/upfZdS/AHhYcGaz7n6Wc/RRBU6VmiPCrAUojuSk6/GjvA8iOPFsYDuBtviXarvuLPlrT9kAd4Lb+rFfR5peEgBEkhlzc5HuWO7S0y+KunqxX6jQBnXGMtxmPBPP0FylgWGNdFtks/4YSKcgqwH0YDcawP9GGGDAeCIqPWIXDLG1jOjRRzWfCmD0iJUkz8vTsn4hq/5ZxRFE7UBAUiVcGbdnDdvVfhF9C3dQiDq3k7adQIziLT0cShgQIDAQAB",
            "8eba5db5bea9b640d1c96a77256fe7f2",
        ),
        (
            "MIIBCgKCAQEApfYL2FiZhpN74LNWVUzhR+VheYhwhYm8w0n5Gf6i95ylW5kBAWKVEmnAQG7BvS5g9SMqFDQx52fW7NWV44IvfJ2xGXT+wT+DgR6ZQ+6yxskQNqV5YcXj4Aa5Zz4jJfsYjDuO2MDTZNIzNvBNzaBJ+r2WIWAJ/Xq54kyF63B6WE38vKuDE7nSd1FqQuEoNBFLPInvgggYe2Ym1Refe2z71wNcJ2kY+q0h1BSHrSM8RWuJIw7MXwF9iQncg9jYzUlNJomozQzAG5wSRfbplcCYNY40xvGd/aAmO0m+Y+XFMrKwtLCwseHPvj843qVno6x4BJN9bpWnoPo9sdsbGoiK3QIDAQAB",
            "8933b39ddc64d26d8e14ffbf6566fee4",
        ),
        (
            "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqlzPJbvZJ42UdcmLfPUqXYNfOs6I8lCfao/tOs8CmzPOEdtLWugB9xoIUz78qVHdKIqxbaG4jWHfJBiOSSFBM0lt8cdVo4TnRa7oG9io5pysS6DJhBBAeXsicufsiFJR+wrUNh8RSLxL4k6G1+BhLX20tJkZ/erT97tDGBujAelqseGg3vPZbTx9SMfOLN65PdLFudLP7Gat0Z9p5jw/rjpclKfo9Bfc3heeBxWGKwBBOKnFAaN9V57pOaosCvPKmHd9bg7jsQkI9Xp22IzGLsTFJZYVA3KiTAElDMu80iFXPHEq9hKNbt9e4URFam+1utKVEiLkR2disdCmPTK0VQIDAQAB",
            "31e8b5433410dfb61a9dc45cc65b22ff",
        ),
    ];

    #[test]
    fn fingerprint_is_md5_of_the_der_key_as_listed() {
        for (value, listed) in AWS_SAMPLE_KEYS {
            let der = BASE64.decode(value).unwrap();
            assert_eq!(fingerprint(&der), listed);
            // A key without its listed fingerprint is still found by it.
            let key = PublicKey::from_der("aws".into(), &der, None).unwrap();
            assert!(key.fingerprints().contains(&listed.to_string()));
        }
    }

    #[test]
    fn a_key_converted_to_the_other_der_form_keeps_its_fingerprint() {
        // The third sample is X.509; the same key as PKCS#1 must still match.
        let spki = BASE64.decode(AWS_SAMPLE_KEYS[2].0).unwrap();
        let pkcs1 = aws_lc_rs::rsa::PublicKey::from_der(&spki).unwrap();
        let key = PublicKey::from_der("converted".into(), pkcs1.as_ref(), None).unwrap();
        let mut keys = PublicKeys::new();
        keys.push(key);
        assert!(
            keys.by_fingerprint("31E8B5433410DFB61A9DC45CC65B22FF")
                .is_some()
        );
        assert!(
            keys.by_fingerprint("8eba5db5bea9b640d1c96a77256fe7f2")
                .is_none()
        );
    }

    #[test]
    fn reads_pem_der_base64_and_list_public_keys_json() {
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let der = pair.public_key().as_ref().to_vec();
        let b64 = BASE64.encode(&der);
        let pem = format!("-----BEGIN RSA PUBLIC KEY-----\n{b64}\n-----END RSA PUBLIC KEY-----\n");
        let json = format!(
            r#"{{"PublicKeyList":[{{"ValidityStartTime":"2026-01-01T00:00:00Z","Value":"{b64}","Fingerprint":"{}"}}]}}"#,
            fingerprint(&der)
        );
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in [
            ("k.pem", pem.as_bytes()),
            ("k.der", der.as_slice()),
            ("k.b64", b64.as_bytes()),
            ("k.json", json.as_bytes()),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, content).unwrap();
            let mut keys = PublicKeys::new();
            assert_eq!(keys.load_file(&path).unwrap(), 1, "{name}");
            assert!(keys.by_fingerprint(&fingerprint(&der)).is_some(), "{name}");
        }
        let bad = dir.path().join("cert.pem");
        std::fs::write(
            &bad,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let err = PublicKeys::new().load_file(&bad).unwrap_err().to_string();
        assert!(
            err.contains("cert.pem") && err.contains("CERTIFICATE"),
            "{err}"
        );
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a key").unwrap();
        let err = PublicKeys::new().load_file(&junk).unwrap_err().to_string();
        assert!(err.contains("junk.pem: not an RSA public key"), "{err}");
    }
}
