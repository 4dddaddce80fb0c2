//! The bytes of a file → the SAML XML inside: raw XML, or the `SAMLResponse` form value
//! as a browser capture shows it (base64, maybe URL-encoded, maybe `SAMLResponse=`
//! prefixed, maybe with other form fields).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// Largest XML document read. Real responses are a few KiB; anything far larger is not
/// a login but an attempt to make the parser work.
pub const MAX_XML_BYTES: usize = 1 << 20;

/// Largest file read: base64 adds a third and URL-encoding may triple each base64
/// character, so a capture of a [`MAX_XML_BYTES`] document fits in this.
pub const MAX_INPUT_BYTES: usize = 4 * MAX_XML_BYTES + 4096;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The XML text of the file, or why there is none.
pub fn to_xml(input: &[u8]) -> Result<String, String> {
    let text = trim(input);
    let xml = if text.starts_with(b"<") {
        text.to_vec()
    } else {
        from_form_value(text)?
    };
    if xml.len() > MAX_XML_BYTES {
        return Err(format!(
            "SAML document is {} bytes, larger than the {MAX_XML_BYTES}-byte limit",
            xml.len()
        ));
    }
    let xml = String::from_utf8(xml).map_err(|e| format!("SAML document is not UTF-8: {e}"))?;
    if !trim(xml.as_bytes()).starts_with(b"<") {
        return Err("base64 value does not decode to XML".into());
    }
    Ok(xml)
}

fn trim(b: &[u8]) -> &[u8] {
    let b = b.trim_ascii();
    b.strip_prefix(BOM).unwrap_or(b).trim_ascii()
}

/// `SAMLResponse=…&RelayState=…`, or the bare value. A captured value is URL-encoded
/// when it holds `%`; then `+` never stands for a space (browsers send it as `%2B`), so
/// only `%XX` is decoded and `+` stays a base64 character.
fn from_form_value(text: &[u8]) -> Result<Vec<u8>, String> {
    let value = match find(text, b"SAMLResponse=") {
        Some(at) => {
            let rest = &text[at + b"SAMLResponse=".len()..];
            &rest[..rest.iter().position(|&b| b == b'&').unwrap_or(rest.len())]
        }
        None => text,
    };
    let value = percent_decode(value)?;
    let compact: Vec<u8> = value
        .into_iter()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if compact.is_empty() {
        return Err("empty SAMLResponse value".into());
    }
    if compact.len() > MAX_INPUT_BYTES {
        return Err("SAMLResponse value too large".into());
    }
    BASE64
        .decode(&compact)
        .map_err(|e| format!("neither XML nor a base64 SAMLResponse: {e}"))
        .map(|xml| trim(&xml).to_vec())
}

pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub(super) fn percent_decode(s: &[u8]) -> Result<Vec<u8>, String> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let (Some(h), Some(l)) = (
                s.get(i + 1).copied().and_then(hex),
                s.get(i + 2).copied().and_then(hex),
            ) else {
                return Err(format!("bad URL escape at byte {i}"));
            };
            out.push(h << 4 | l);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Ok(out)
}
