//! Reads a record's `eventName` from its bytes without decoding the record.
//!
//! Most of a real trail is events tagtrail does not keep; deciding that from a substring
//! search instead of a JSON decode is where ingestion speed comes from. The answer is
//! only trusted when it cannot be wrong: the key `"eventName"` must occur exactly once
//! in the record (so it is the top-level field, not a nested one) and its value must be
//! a plain string. Anything else is [`Name::Unsure`] and the caller decodes properly.

use std::sync::LazyLock;

use memchr::memmem;

const KEY: &[u8] = b"\"eventName\"";

/// Built once: a finder's set-up is not free and it runs for every record of a trail.
static FINDER: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(KEY));

#[derive(Debug, PartialEq, Eq)]
pub enum Name<'a> {
    Found(&'a str),
    Unsure,
}

pub fn event_name(raw: &[u8]) -> Name<'_> {
    let mut hits = FINDER.find_iter(raw);
    let Some(at) = hits.next() else {
        return Name::Unsure;
    };
    if hits.next().is_some() {
        return Name::Unsure;
    }
    let rest = skip_ws(&raw[at + KEY.len()..]);
    let Some(rest) = rest.strip_prefix(b":") else {
        return Name::Unsure;
    };
    let Some(rest) = skip_ws(rest).strip_prefix(b"\"") else {
        return Name::Unsure;
    };
    let Some(end) = memchr::memchr(b'"', rest) else {
        return Name::Unsure;
    };
    let value = &rest[..end];
    // Event names are ASCII words; an escape or anything odd goes the slow, exact way.
    if value.is_empty()
        || !value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        return Name::Unsure;
    }
    std::str::from_utf8(value).map_or(Name::Unsure, Name::Found)
}

fn skip_ws(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        .count();
    &b[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decides_only_when_certain() {
        let cases: &[(&str, Name)] = &[
            (
                r#"{"eventName":"GetObject","x":1}"#,
                Name::Found("GetObject"),
            ),
            (
                "{\n  \"eventName\" :\t \"AssumeRoleWithSAML\",\n}",
                Name::Found("AssumeRoleWithSAML"),
            ),
            // Nested key with the same name: two hits, decode properly.
            (
                r#"{"requestParameters":{"eventName":"X"},"eventName":"PutRule"}"#,
                Name::Unsure,
            ),
            // Inside a JSON string the quotes are escaped, so it is not a key.
            (
                r#"{"eventName":"PutRule","requestParameters":{"pattern":"{\"eventName\":[\"A\"]}"}}"#,
                Name::Found("PutRule"),
            ),
            (r#"{"eventName":null}"#, Name::Unsure),
            (r#"{"eventName":"Get\u004fbject"}"#, Name::Unsure),
            (r#"{"eventSource":"s3.amazonaws.com"}"#, Name::Unsure),
            (r#"{"eventName":"unterminated"#, Name::Unsure),
            (r#"{"eventName":"""#, Name::Unsure),
        ];
        for (raw, want) in cases {
            assert_eq!(&event_name(raw.as_bytes()), want, "{raw}");
        }
    }
}
