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

/// A secret pattern, its replacement, and the kind of secret it finds (what a check
/// reports: "a password was logged", "an IAM token was logged").
struct Pattern {
    re: Regex,
    replacement: &'static str,
    kind: SecretKind,
}

/// Which kind of secret a text carried; stored on `db_events` rows next to the
/// `redacted` flag so a check can report that a secret was logged, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SecretKind {
    Password,
    IamToken,
    AwsSecret,
    /// An OAuth/OIDC token or client secret in a URL query (`access_token=…`).
    OAuthToken,
}

impl SecretKind {
    pub fn name(self) -> &'static str {
        match self {
            SecretKind::Password => "password",
            SecretKind::IamToken => "iam-token",
            SecretKind::AwsSecret => "aws-secret",
            SecretKind::OAuthToken => "oauth-token",
        }
    }
}

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    // Also `\'…\'`: a literal still escaped inside a raw MySQL audit line (the excerpt
    // of a rejected line is redacted before its quoting is undone).
    let quoted = r#"(?:'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*"|\\'(?:[^\\]|\\[^'])*\\')"#;
    [
        // MySQL: IDENTIFIED BY 'pw' / IDENTIFIED WITH plugin BY 'pw' / AS 'hash'
        (
            format!(r"(?i)(\bIDENTIFIED\b(?:\s+WITH\s+\S+)?\s+(?:BY|AS)\s+){quoted}"),
            "${1}<redacted>",
            SecretKind::Password,
        ),
        // MySQL: PASSWORD('pw'), SET PASSWORD ... = 'pw'; PostgreSQL: [ENCRYPTED] PASSWORD 'pw'
        (
            format!(r"(?i)(\bPASSWORD\s*(?:\(\s*|=\s*)?){quoted}"),
            "${1}<redacted>",
            SecretKind::Password,
        ),
        // RDS IAM auth token (a SigV4 presigned URL used as the password).
        (
            r"(?i)(X-Amz-Signature=)[0-9a-f]+".to_string(),
            "${1}<redacted>",
            SecretKind::IamToken,
        ),
        (
            r"(?i)(X-Amz-Security-Token=)[^&\s'\x22]+".to_string(),
            "${1}<redacted>",
            SecretKind::IamToken,
        ),
        // Secret-named keys inside raw JSON (a rejected record's excerpt is not parsed):
        // STS credentials, passwords of RDS and IAM requests, OAuth tokens.
        (
            format!(
                r#"(?i)("(?:{})"\s*:\s*)"(?:[^"\\]|\\.)*""#,
                SECRET_KEYS.join("|")
            ),
            "${1}\"<redacted>\"",
            SecretKind::AwsSecret,
        ),
        // OAuth/OIDC tokens and secrets in a URL's query (Okta's debugData URLs).
        (
            r#"(?i)([?&;](?:access_token|id_token|refresh_token|client_secret|code_verifier|session_token|sessiontoken|password)=)[^&\s"'\\#]+"#
                .to_string(),
            "${1}<redacted>",
            SecretKind::OAuthToken,
        ),
        // An AWS secret access key written next to its name, in SQL, config or shell
        // text: `aws_secret_access_key = '…'`, `SecretAccessKey: …`, `secret_key=…`.
        (
            r#"(?i)(\b(?:aws_?)?secret_?(?:access_?)?key\b['"]?\s*[:=]\s*['"]?)[A-Za-z0-9/+=]{40,}"#
                .to_string(),
            "${1}<redacted>",
            SecretKind::AwsSecret,
        ),
    ]
    .into_iter()
    .map(|(p, replacement, kind)| Pattern {
        re: Regex::new(&p).expect("redaction pattern compiles"),
        replacement,
        kind,
    })
    .collect()
});

/// Removes secrets from a statement or raw record. Borrowed when nothing matched,
/// which is the common case and keeps ingestion cheap.
pub fn redact(text: &str) -> Cow<'_, str> {
    redact_with_kind(text).0
}

/// [`redact`], also saying which kind of secret was removed (the first in pattern
/// order when a text holds several).
pub fn redact_with_kind(text: &str) -> (Cow<'_, str>, Option<SecretKind>) {
    // Nearly no statement holds a secret: one scan for the words every pattern needs
    // keeps the per-pattern scans off the hot path.
    static MAY_HOLD_SECRET: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)identified|password|x-amz-|secret|token|privatekey|code_verifier")
            .expect("prefilter compiles")
    });
    if !MAY_HOLD_SECRET.is_match(text) {
        return (Cow::Borrowed(text), None);
    }
    let mut out = Cow::Borrowed(text);
    let mut found = None;
    for p in PATTERNS.iter() {
        if !p.re.is_match(&out) {
            continue;
        }
        let mut removed = false;
        let replaced = p.re.replace_all(&out, |caps: &regex::Captures| {
            if NOT_A_SECRET.is_match(&caps[0]) {
                return caps[0].to_string();
            }
            removed = true;
            let mut dst = String::new();
            caps.expand(p.replacement, &mut dst);
            dst
        });
        if removed {
            out = Cow::Owned(replaced.into_owned());
            found = found.or(Some(p.kind));
        }
    }
    (out, found)
}

/// Matches that look like a secret and are not: RDS IAM database users are created
/// `IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'`, where `'RDS'` is the plugin's
/// fixed auth string (AWS's documented form), not a password.
static NOT_A_SECRET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\bWITH\s+['"`]?AWSAuthenticationPlugin['"`]?\s+AS\s+(?:'RDS'|"RDS")$"#)
        .expect("exemption compiles")
});

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

/// A named value tagtrail keeps (a SAML attribute): masked whole when its name is a
/// secret's, else [`redact`]ed. The name's last segment counts
/// (`https://idp.example.com/claims/accessToken`), ignoring case.
pub fn scrub_named<'a>(name: &str, value: &'a str) -> Cow<'a, str> {
    let local = name.rsplit(['/', ':', '.']).next().unwrap_or(name);
    if SECRET_KEYS.iter().any(|s| s.eq_ignore_ascii_case(local)) {
        Cow::Borrowed(MASK)
    } else {
        redact(value)
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
                r"QUERY,shop,'CREATE USER x IDENTIFIED BY \'pw\' x',0",
                r"QUERY,shop,'CREATE USER x IDENTIFIED BY <redacted> x',0",
            ),
            (
                "/oauth2/v1/authorize?client_id=x&access_token=eyJ.a-b_c&state=1",
                "/oauth2/v1/authorize?client_id=x&access_token=<redacted>&state=1",
            ),
            (
                r#"{"accessToken":"eyJhbGciOi","uuid":"u"}"#,
                r#"{"accessToken":"<redacted>","uuid":"u"}"#,
            ),
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
    fn says_which_kind_of_secret_it_removed() {
        let key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let cases = [
            (
                "CREATE ROLE a LOGIN PASSWORD 'pw'",
                Some(SecretKind::Password),
            ),
            (
                "psql 'host=h password=h:5432/?Action=connect&X-Amz-Signature=abc123'",
                Some(SecretKind::IamToken),
            ),
            (
                &*format!(
                    "SELECT aws_s3.query_export('x', aws_secret_access_key => 1) -- aws_secret_access_key='{key}'"
                ),
                Some(SecretKind::AwsSecret),
            ),
            ("SELECT 1", None),
        ];
        for (input, want) in cases {
            let (text, kind) = redact_with_kind(input);
            assert_eq!(kind, want, "input: {input}");
            assert!(
                !text.contains(key) && !text.contains("'pw'") && !text.contains("abc123"),
                "{text}"
            );
        }
        assert_eq!(
            redact(&format!("secret_key={key}/more+")),
            "secret_key=<redacted>"
        );
    }

    #[test]
    fn leaves_masked_and_innocent_text_borrowed() {
        for text in [
            "CREATE USER 'alice'@'%' IDENTIFIED BY *****",
            "CREATE USER 'u1'@'%' IDENTIFIED BY <secret>",
            "SELECT password_hint FROM customers WHERE id = 1",
            "CREATE USER jane_doe IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'",
            "ALTER USER 'app_ro'@'%' IDENTIFIED WITH 'AWSAuthenticationPlugin' AS \"RDS\"",
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
