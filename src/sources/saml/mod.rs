//! SAML responses and assertions → `saml_assertions`.
//!
//! The assertion the IdP sent is the one place that shows what the IdP asserted about a
//! person at sign-in (roles offered, session tags, `amr`), before AWS reduced it to the
//! few fields CloudTrail records (research notes §1.1, §3). Inputs: raw XML (a
//! `samlp:Response` or a bare `saml:Assertion`), or the `SAMLResponse` form value as a
//! browser capture shows it. One document per file.
//!
//! An assertion is a bearer credential: whoever holds it can sign in until it expires.
//! So the lake never holds the XML, the signature or a reject excerpt of it, only the
//! fields below. `signed` says a signature element is present; tagtrail does NOT
//! verify signatures, so it is no evidence that the assertion is genuine.

pub(crate) mod decode;
mod rows;
pub(crate) mod xml;

use std::io::{BufRead, Read};
use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

pub use decode::{MAX_INPUT_BYTES, MAX_XML_BYTES};

use super::{FileStats, Output, Reject, Sink, SourceError, WHOLE_FILE, tag_map_type, ts_type};

/// Schema of `saml_assertions`: one row per assertion.
///
/// | column | type | meaning |
/// |---|---|---|
/// | assertion_id | utf8 | the Assertion's `ID` (CloudTrail's `AssumeRoleWithSAML` logs it as the SAML assertion ID) |
/// | response_id | utf8 | the enclosing `Response`'s `ID`; null for a bare assertion |
/// | issue_instant | timestamp(us, UTC) | the Assertion's `IssueInstant` |
/// | authn_instant | timestamp(us, UTC) | `AuthnStatement/@AuthnInstant`: when the person authenticated to the IdP |
/// | issuer | utf8 | the Assertion's `Issuer` (else the Response's) |
/// | name_id | utf8 | `Subject/NameID`: the person as the IdP names them |
/// | name_id_format | utf8 | `NameID/@Format` (full URN) |
/// | name_qualifier | utf8 | `NameID/@NameQualifier` |
/// | sp_name_qualifier | utf8 | `NameID/@SPNameQualifier` |
/// | audience | utf8 | first `Conditions/AudienceRestriction/Audience` |
/// | recipient | utf8 | `SubjectConfirmationData/@Recipient` (the ACS URL) |
/// | not_on_or_after | timestamp(us, UTC) | `SubjectConfirmationData/@NotOnOrAfter` (until when the bearer may present it), else `Conditions/@NotOnOrAfter` |
/// | authn_context_class_ref | utf8 | `AuthnContextClassRef` (an Okta per-app setting, not per-login MFA evidence) |
/// | session_index | utf8 | `AuthnStatement/@SessionIndex` |
/// | roles | list(utf8) | values of `https://aws.amazon.com/SAML/Attributes/Role` (`role-arn,provider-arn` pairs), in order |
/// | role_session_name | utf8 | `…/RoleSessionName` |
/// | session_duration | int64 | `…/SessionDuration` in seconds (null when absent or not a number) |
/// | source_identity | utf8 | `…/SourceIdentity` |
/// | transitive_tag_keys | list(utf8) | values of `…/TransitiveTagKeys` |
/// | principal_tags | map(utf8→utf8) | `…/PrincipalTag:{Key}` attributes: key = the text after `PrincipalTag:`, exact case; value = the first value (session tags are single-valued) |
/// | access_control | map(utf8→utf8) | `…/AccessControl:{Key}` attributes (IAM Identity Center ABAC), same rules |
/// | amr | list(utf8) | values of attributes named `amr`, `session.amr` or ending in `/claims/authnmethodsreferences` (case-insensitive) |
/// | attributes | utf8 | every attribute as a JSON object: name → array of values, document order |
/// | signed | boolean | a `Signature` element is a child of the Assertion or of its Response. NOT verified |
/// | source_uri | utf8 | the file the assertion came from |
/// | source_offset | int64 | 0-based index of the assertion in the document |
pub fn schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let s = |n: &str| Field::new(n, DataType::Utf8, true);
        let t = |n: &str| Field::new(n, ts_type(), true);
        let list = |n: &str| Field::new(n, DataType::new_list(DataType::Utf8, true), true);
        Arc::new(Schema::new(vec![
            Field::new("assertion_id", DataType::Utf8, false),
            s("response_id"),
            Field::new("issue_instant", ts_type(), false),
            t("authn_instant"),
            s("issuer"),
            s("name_id"),
            s("name_id_format"),
            s("name_qualifier"),
            s("sp_name_qualifier"),
            s("audience"),
            s("recipient"),
            t("not_on_or_after"),
            s("authn_context_class_ref"),
            s("session_index"),
            list("roles"),
            s("role_session_name"),
            Field::new("session_duration", DataType::Int64, true),
            s("source_identity"),
            list("transitive_tag_keys"),
            Field::new("principal_tags", tag_map_type(), true),
            Field::new("access_control", tag_map_type(), true),
            list("amr"),
            s("attributes"),
            Field::new("signed", DataType::Boolean, true),
            Field::new("source_uri", DataType::Utf8, false),
            Field::new("source_offset", DataType::Int64, false),
        ]))
    });
    SCHEMA.clone()
}

/// Reads one SAML document and emits its assertions. A document that cannot be read
/// safely (DTD, over the size limit, malformed, not SAML) is one reject for the whole
/// file; an assertion that cannot be a row is a reject at its index. Reject excerpts
/// stay empty: the raw text is a credential.
pub fn parse(
    reader: impl BufRead,
    source_uri: &str,
    sink: &mut Sink<'_>,
) -> Result<FileStats, SourceError> {
    let mut stats = FileStats::default();
    let mut input = Vec::new();
    reader
        .take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut input)?;
    let doc = if input.len() > MAX_INPUT_BYTES {
        Err(format!(
            "SAML input larger than the {MAX_INPUT_BYTES}-byte limit"
        ))
    } else {
        decode::to_xml(&input).and_then(|xml| xml::read(&xml))
    };
    let doc = match doc {
        Ok(doc) => doc,
        Err(reason) => {
            stats.records = 1;
            stats.rejects.push(Reject::new(WHOLE_FILE, reason, ""));
            return Ok(stats);
        }
    };
    if doc.assertions.is_empty() {
        stats.records = 1;
        stats.rejects.push(Reject::new(
            WHOLE_FILE,
            "SAML response holds no assertion",
            "",
        ));
        return Ok(stats);
    }
    let mut rows = rows::Rows::default();
    for (index, assertion) in doc.assertions.iter().enumerate() {
        stats.records += 1;
        match rows.push(&doc, assertion, source_uri, index as i64) {
            Ok(()) => stats.kept += 1,
            Err(reason) => stats.rejects.push(Reject::new(index as i64, reason, "")),
        }
    }
    if rows.len() > 0 {
        sink(Output::SamlAssertions, rows.finish()?)?;
    }
    Ok(stats)
}

/// Whether the first bytes of a file are a SAML document: after a BOM, whitespace and
/// an XML declaration (or comments), an element whose local name is `Response` or
/// `Assertion`; or a `SAMLResponse` form value whose base64 decodes to that.
pub fn looks_like_saml(head: &[u8]) -> bool {
    let text = head.trim_ascii();
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    if text.starts_with(b"<") {
        return xml_root_is_saml(text);
    }
    let value = match decode::find(text, b"SAMLResponse=") {
        Some(at) => &text[at + b"SAMLResponse=".len()..],
        None => text,
    };
    let value = &value[..value.iter().position(|&b| b == b'&').unwrap_or(value.len())];
    let looks_base64 = |b: &u8| b.is_ascii_alphanumeric() || b"+/=%\r\n".contains(b);
    if value.len() < 16 || !value.iter().all(looks_base64) {
        return false;
    }
    let Ok(decoded) = decode::percent_decode(value) else {
        return false;
    };
    let mut compact: Vec<u8> = decoded
        .into_iter()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    compact.truncate(compact.len().min(1024) / 4 * 4);
    use base64::Engine as _;
    match base64::engine::general_purpose::STANDARD.decode(&compact) {
        Ok(xml) => xml_root_is_saml(xml.trim_ascii()),
        Err(_) => false,
    }
}

/// The first element after the prolog (declaration, comments, whitespace) is a
/// `Response` or `Assertion`, whatever its prefix.
fn xml_root_is_saml(mut text: &[u8]) -> bool {
    loop {
        text = text.trim_ascii_start();
        if text.starts_with(b"<?") || text.starts_with(b"<!--") {
            let end: &[u8] = if text.starts_with(b"<?") {
                b"?>"
            } else {
                b"-->"
            };
            match decode::find(text, end) {
                Some(at) => text = &text[at + end.len()..],
                None => return false,
            }
            continue;
        }
        // A DTD comes before the root: a SAML document with one is rejected by the
        // parser, so it must be recognised as SAML here.
        if text.starts_with(b"<!DOCTYPE") {
            return decode::find(&text[..text.len().min(4096)], b"Response").is_some()
                || decode::find(&text[..text.len().min(4096)], b"Assertion").is_some();
        }
        let Some(tag) = text.strip_prefix(b"<") else {
            return false;
        };
        let name_end = tag
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
            .unwrap_or(tag.len());
        let name = &tag[..name_end];
        let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
        return local == b"Response" || local == b"Assertion";
    }
}

#[cfg(test)]
mod tests;
