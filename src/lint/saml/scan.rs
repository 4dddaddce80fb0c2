//! One pass over the XML with quick-xml under the same rules as the SAML source (no DTD,
//! predefined entities only, bounded depth; the caller bounds the size), keeping where
//! each attribute name and value is written. Unlike the source it accepts fragments —
//! a bare `<AttributeStatement>` or one or more `<Attribute>` elements as an IdP's
//! configuration shows them — whose prefixes may be bound nowhere: the plain reader
//! matches local names and never resolves namespaces.

use quick_xml::XmlVersion;
use quick_xml::errors::{Error, IllFormedError, SyntaxError};
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::super::position::offset_in;
use crate::sources::saml::xml::{MAX_DEPTH, resolve_ref};

/// A `<saml:Attribute>` as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    pub name: String,
    /// Byte offset of the `Name` value's first character (of the tag without one).
    pub name_at: usize,
    /// Each `AttributeValue`'s text, with the offset where its content starts.
    pub values: Vec<(String, usize)>,
    /// Index of the enclosing assertion in [`Scan::assertions`]; `None` in a fragment.
    pub assertion: Option<usize>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Scan {
    /// Local name of the first element.
    pub root: String,
    /// Byte offset of each `Assertion` start tag.
    pub assertions: Vec<usize>,
    /// Byte offset of each `EncryptedAssertion` start tag.
    pub encrypted: Vec<usize>,
    pub attrs: Vec<Attr>,
}

/// Why the text is not XML the linter can read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub at: usize,
    /// `true` for what is refused on purpose (DTD, unknown entity), not malformed.
    pub unsafe_construct: bool,
    pub message: String,
}

fn malformed(at: usize, message: impl Into<String>) -> Unreadable {
    Unreadable {
        at,
        unsafe_construct: false,
        message: message.into(),
    }
}

pub fn scan(xml: &str) -> Result<Scan, Unreadable> {
    let mut reader = Reader::from_str(xml);
    let mut s = Scanner {
        xml,
        out: Scan::default(),
        stack: Vec::new(),
        assertion: None,
        attribute: None,
        value: None,
    };
    loop {
        let before = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => return Err(s.xml_error(&e, reader.error_position() as usize)),
        };
        let after = reader.buffer_position() as usize;
        match event {
            Event::DocType(_) => {
                return Err(Unreadable {
                    at: before,
                    unsafe_construct: true,
                    message:
                        "DTD not allowed: SAML never needs one, and entity attacks start with it"
                            .into(),
                });
            }
            Event::Eof => break,
            Event::Start(e) => s.open(&e, before, after, false)?,
            Event::Empty(e) => s.open(&e, before, after, true)?,
            Event::End(_) => s.close(),
            Event::Text(t) => s.text(&t.xml10_content()),
            Event::CData(t) => s.text(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let text = resolve_ref(&r).map_err(|message| Unreadable {
                    at: before,
                    unsafe_construct: true,
                    message,
                })?;
                s.text(&text);
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if let Some((name, at)) = s.stack.last() {
        return Err(malformed(
            *at,
            format!("<{name}> is never closed (the text ends inside it)"),
        ));
    }
    if s.out.root.is_empty() {
        return Err(malformed(0, "no XML element"));
    }
    Ok(s.out)
}

struct Scanner<'x> {
    xml: &'x str,
    out: Scan,
    /// Open elements: qualified name and offset of the start tag.
    stack: Vec<(String, usize)>,
    /// Stack depth of the current assertion's element.
    assertion: Option<usize>,
    /// Stack depth of the current attribute's element.
    attribute: Option<usize>,
    /// The `AttributeValue` being read: its depth, text so far, where its content starts.
    value: Option<(usize, String, usize)>,
}

impl Scanner<'_> {
    fn open(
        &mut self,
        e: &BytesStart<'_>,
        at: usize,
        after: usize,
        empty: bool,
    ) -> Result<(), Unreadable> {
        let local = e.local_name().into_inner().to_string();
        let depth = self.stack.len();
        if depth >= MAX_DEPTH {
            return Err(malformed(
                at,
                format!("XML nested deeper than {MAX_DEPTH} elements"),
            ));
        }
        let attributes = self.attributes(e, at)?;
        if self.out.root.is_empty() {
            self.out.root = local.clone();
        }
        let parent = self.stack.last().map(|(n, _)| local_name(n));
        match (local.as_str(), parent) {
            ("Assertion", _) if self.assertion.is_none() => {
                self.out.assertions.push(at);
                self.assertion = (!empty).then_some(depth);
            }
            ("EncryptedAssertion", _) => self.out.encrypted.push(at),
            ("Attribute", Some("AttributeStatement") | None) => {
                let (name, name_at) = attributes
                    .into_iter()
                    .find(|(k, _, _)| local_name(k) == "Name")
                    .map_or((String::new(), at), |(_, v, o)| (v, o));
                self.out.attrs.push(Attr {
                    name,
                    name_at,
                    values: Vec::new(),
                    assertion: self.assertion.map(|_| self.out.assertions.len() - 1),
                });
                self.attribute = (!empty).then_some(depth);
            }
            ("AttributeValue", _) if self.attribute.is_some_and(|d| d + 1 == depth) => {
                if empty {
                    self.push_value(String::new(), at);
                } else {
                    self.value = Some((depth, String::new(), after));
                }
            }
            _ => {}
        }
        if !empty {
            let name = e.name().into_inner().to_string();
            self.stack.push((name, at));
        }
        Ok(())
    }

    fn close(&mut self) {
        self.stack.pop();
        let depth = self.stack.len();
        if self.value.as_ref().is_some_and(|(d, _, _)| *d == depth) {
            let (_, text, at) = self.value.take().expect("checked above");
            self.push_value(text, at);
        }
        if self.attribute == Some(depth) {
            self.attribute = None;
        }
        if self.assertion == Some(depth) {
            self.assertion = None;
        }
    }

    fn text(&mut self, t: &str) {
        if let Some((_, buf, _)) = self.value.as_mut() {
            buf.push_str(t);
        }
    }

    /// A value without the whitespace around it (pretty-printed XML puts line breaks
    /// there; the SAML source trims too), at its first character.
    fn push_value(&mut self, text: String, at: usize) {
        let lead = text.len() - text.trim_start().len();
        if let Some(attr) = self.out.attrs.last_mut() {
            attr.values.push((text.trim().to_string(), at + lead));
        }
    }

    /// The tag's attributes as (qualified name, value with entities resolved, offset
    /// of the value), each checked as XML requires.
    fn attributes(
        &self,
        e: &BytesStart<'_>,
        at: usize,
    ) -> Result<Vec<(String, String, usize)>, Unreadable> {
        let content = offset_in(self.xml, e.as_bytes()).unwrap_or(at + 1);
        let mut out = Vec::new();
        for a in e.attributes() {
            let a = match a {
                Ok(a) => a,
                Err(err) => {
                    let (pos, what) = attr_error(&err);
                    return Err(missing_quote(self.xml, at)
                        .unwrap_or_else(|| malformed(content + pos, what)));
                }
            };
            let key = a.key.into_inner().to_string();
            let raw_at = offset_in(self.xml, a.value.as_bytes()).unwrap_or(at);
            if let Some(lt) = a.value.find('<') {
                // An earlier value that lost its closing quote shifts every quote after
                // it, and so puts markup inside this value.
                let earlier = missing_quote(self.xml, at).filter(|m| m.at < raw_at);
                return Err(earlier.unwrap_or_else(|| {
                    malformed(
                        raw_at + lt,
                        format!("`<` inside the value of attribute {key}: write it as &lt;"),
                    )
                }));
            }
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| Unreadable {
                    at: raw_at,
                    unsafe_construct: true,
                    message: format!("value of attribute {key}: {err}"),
                })?
                .into_owned();
            out.push((key, value, raw_at));
        }
        Ok(out)
    }

    fn xml_error(&self, err: &Error, at: usize) -> Unreadable {
        match err {
            Error::Syntax(
                SyntaxError::UnclosedDoubleQuotedAttributeValue
                | SyntaxError::UnclosedSingleQuotedAttributeValue
                | SyntaxError::UnclosedTag,
            ) => missing_quote(self.xml, at).unwrap_or_else(|| malformed(at, err.to_string())),
            Error::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => {
                let opened = self.stack.last().map_or(at, |(_, o)| *o);
                let (line, col) = super::super::line_col(self.xml, opened);
                malformed(
                    at,
                    format!("</{found}> closes <{expected}>, opened at {line}:{col}"),
                )
            }
            Error::IllFormed(IllFormedError::UnmatchedEndTag(name)) => {
                malformed(at, format!("</{name}> closes no open element"))
            }
            other => malformed(at, format!("not well-formed XML: {other}")),
        }
    }
}

/// The local part of a qualified name.
fn local_name(qname: &str) -> &str {
    qname.rsplit(':').next().unwrap_or(qname)
}

/// Where in the tag (relative to the byte after `<`) an attribute error is, and what
/// it is, without quick-xml's own "position N" prefix.
fn attr_error(err: &AttrError) -> (usize, &'static str) {
    match *err {
        AttrError::ExpectedEq(p) => (p, "attribute name not followed by `=`"),
        AttrError::ExpectedValue(p) => (p, "`=` not followed by a quoted value"),
        AttrError::UnquotedValue(p) => (p, "attribute value not in quotes"),
        AttrError::ExpectedQuote(p, _) => (p, "attribute value without its closing quote"),
        AttrError::Duplicated(p, _) => (p, "the same attribute twice in one tag"),
    }
}

/// Where a closing quote is most likely missing in the tag starting at `tag` (its `<`):
/// the first attribute value that runs into `<`, `>`, a line end or the next
/// attribute's `name=`, as values do when their closing quote is missing. XML allows
/// `>` and line ends in values, so this is asked only once the tag failed to parse.
fn missing_quote(xml: &str, tag: usize) -> Option<Unreadable> {
    let b = xml.as_bytes();
    let mut i = tag + 1;
    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
        i += 1;
    }
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() || b[i] == b'>' || b[i] == b'/' {
            return None;
        }
        let key_start = i;
        while i < b.len() && b[i] != b'=' && !b[i].is_ascii_whitespace() && b[i] != b'>' {
            i += 1;
        }
        let key = &xml[key_start..i];
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            return None;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let quote = *b.get(i).filter(|q| **q == b'"' || **q == b'\'')?;
        let start = i + 1;
        let end = xml[start..]
            .find(quote as char)
            .map_or(b.len(), |e| start + e);
        let value = &xml[start..end];
        let runs_into = match value.find(['<', '>', '\n']) {
            Some(p) if b[start + p] == b'\n' => Some((start + p, "the line end".to_string())),
            Some(p) => Some((start + p, format!("`{}`", b[start + p] as char))),
            None => {
                next_attribute(value).map(|p| (start + p, format!("`{}`", value[p..].trim_start())))
            }
        };
        if let Some((at, into)) = runs_into {
            let q = quote as char;
            return Some(malformed(
                at,
                format!("closing {q} of attribute {key} missing: its value runs into {into}"),
            ));
        }
        i = end + 1;
    }
}

/// Offset of trailing whitespace + `name=` in a value: the next attribute swallowed
/// because this value's closing quote is missing.
fn next_attribute(value: &str) -> Option<usize> {
    let body = value.strip_suffix('=')?;
    let name_start = body.rfind(|c: char| c.is_whitespace()).map(|p| p + 1)?;
    let name = &body[name_start..];
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "_:.-".contains(c));
    let ws_start = body[..name_start].trim_end().len();
    valid.then_some(ws_start)
}
