//! Secret scrubbing. Audit logs and CloudTrail records can carry password literals,
//! IAM database auth tokens and STS session tokens; none of them may reach the lake,
//! a report or a log line. Every text that tagtrail stores from a statement or a raw
//! record passes through here first.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// What replaces a secret. Distinct from the servers' own `*****` / `<secret>` masks so
/// a reader can tell tagtrail removed it.
pub const MASK: &str = "<redacted>";

static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let quoted = r#"(?:'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*")"#;
    [
        // MySQL: IDENTIFIED BY 'pw' / IDENTIFIED WITH plugin BY 'pw' / AS 'hash'
        (
            format!(r"(?i)(\bIDENTIFIED\b(?:\s+WITH\s+\S+)?\s+(?:BY|AS)\s+){quoted}"),
            "${1}<redacted>",
        ),
        // MySQL: PASSWORD('pw'), SET PASSWORD ... = 'pw'; PostgreSQL: PASSWORD 'pw'
        (
            format!(r"(?i)(\bPASSWORD\s*(?:\(\s*|=\s*)?){quoted}"),
            "${1}<redacted>",
        ),
        // PostgreSQL: ENCRYPTED PASSWORD handled above; md5/SCRAM verifiers too.
        // RDS IAM auth token (a SigV4 presigned URL used as the password).
        (
            r"(?i)(X-Amz-Signature=)[0-9a-f]+".to_string(),
            "${1}<redacted>",
        ),
        (
            r"(?i)(X-Amz-Security-Token=)[^&\s'\x22]+".to_string(),
            "${1}<redacted>",
        ),
        // STS credentials inside raw CloudTrail JSON.
        (
            r#"(?i)("(?:sessionToken|secretAccessKey|password)"\s*:\s*)"(?:[^"\\]|\\.)*""#
                .to_string(),
            "${1}\"<redacted>\"",
        ),
    ]
    .into_iter()
    .map(|(p, r)| (Regex::new(&p).expect("redaction pattern compiles"), r))
    .collect()
});

/// Removes secrets from a statement or raw record. Borrowed when nothing matched,
/// which is the common case and keeps ingestion cheap.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (re, rep) in PATTERNS.iter() {
        if re.is_match(&out) {
            out = Cow::Owned(re.replace_all(&out, *rep).into_owned());
        }
    }
    out
}

/// JSON keys whose values are secrets wherever they appear in a CloudTrail record
/// (STS and OAuth tokens, passwords in RDS and IAM requests). Compared ignoring case.
const SECRET_KEYS: &[&str] = &[
    "sessionToken",
    "secretAccessKey",
    "password",
    "masterUserPassword",
    "newPassword",
    "oldPassword",
    "accessToken",
    "refreshToken",
    "idToken",
    "clientSecret",
    "privateKey",
];

/// Scrubs a JSON document that tagtrail keeps as text (`request_parameters`, …): the
/// value of every secret-named key becomes [`MASK`], and every string goes through
/// [`redact`] (an auth token can hide in any string).
pub fn scrub_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if !v.is_null() && SECRET_KEYS.iter().any(|s| s.eq_ignore_ascii_case(key)) {
                    *v = Value::String(MASK.to_string());
                } else {
                    scrub_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub_json),
        Value::String(s) => {
            if let Cow::Owned(clean) = redact(s) {
                *s = clean;
            }
        }
        _ => {}
    }
}

/// The first 200 characters of a raw record, redacted, for the rejects table.
pub fn excerpt(raw: &str) -> String {
    let cleaned = redact(raw);
    let mut end = cleaned.len().min(200);
    while !cleaned.is_char_boundary(end) {
        end -= 1;
    }
    cleaned[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_secret_shape() {
        let cases = [
            (
                "CREATE USER 'u'@'%' IDENTIFIED BY 'S3cr3t,pw'",
                "CREATE USER 'u'@'%' IDENTIFIED BY <redacted>",
            ),
            (
                "ALTER USER u IDENTIFIED WITH mysql_native_password BY 'x\\'y'",
                "ALTER USER u IDENTIFIED WITH mysql_native_password BY <redacted>",
            ),
            (
                "SET PASSWORD FOR u = PASSWORD('pw')",
                "SET PASSWORD FOR u = PASSWORD(<redacted>)",
            ),
            ("SET PASSWORD = 'pw'", "SET PASSWORD = <redacted>"),
            (
                "ALTER ROLE bob WITH PASSWORD 'pw'",
                "ALTER ROLE bob WITH PASSWORD <redacted>",
            ),
            (
                "h:3306/?Action=connect&DBUser=a&X-Amz-Security-Token=IQoJb%2Fx&X-Amz-Signature=d1138cdb",
                "h:3306/?Action=connect&DBUser=a&X-Amz-Security-Token=<redacted>&X-Amz-Signature=<redacted>",
            ),
            (
                r#"{"sessionToken": "IQoJb3Jp", "accessKeyId": "ASIA"}"#,
                r#"{"sessionToken": "<redacted>", "accessKeyId": "ASIA"}"#,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(redact(input), want, "input: {input}");
        }
    }

    #[test]
    fn leaves_masked_and_innocent_text_borrowed() {
        for text in [
            "CREATE USER 'alice'@'%' IDENTIFIED BY *****",
            "CREATE USER 'u1'@'%' IDENTIFIED BY <secret>",
            "SELECT password_hint FROM customers WHERE id = 1",
        ] {
            assert!(matches!(redact(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn excerpt_is_short_redacted_and_char_safe() {
        let raw = format!("{}é{}", "a".repeat(199), "b".repeat(50));
        assert_eq!(excerpt(&raw), "a".repeat(199));
        assert_eq!(excerpt("PASSWORD('x')"), "PASSWORD(<redacted>)");
    }

    #[test]
    fn scrub_json_masks_secret_keys_at_any_depth() {
        let mut v: serde_json::Value = serde_json::from_str(
            r#"{"credentials":{"accessKeyId":"ASIAX","SessionToken":"IQoJb3JpZ2lu","expiration":"x"},
                "list":[{"masterUserPassword":"hunter2"},{"note":"IDENTIFIED BY 'pw'"}],
                "accessToken":null}"#,
        )
        .unwrap();
        scrub_json(&mut v);
        assert_eq!(
            v.to_string(),
            r#"{"credentials":{"accessKeyId":"ASIAX","SessionToken":"<redacted>","expiration":"x"},"list":[{"masterUserPassword":"<redacted>"},{"note":"IDENTIFIED BY <redacted>"}],"accessToken":null}"#
        );
    }
}
