//! Safe reading of one SAML document: a `Response` (holding assertions) or a bare
//! `Assertion`.
//!
//! SAML is signed XML from the network, the classic target of XML attacks, so the
//! reader refuses any DTD (no `<!DOCTYPE`, hence no custom or external entities),
//! resolves only the five predefined entities and numeric character references, and
//! bounds the nesting depth; the caller bounds the size. Elements are matched by local
//! name, whatever prefix the IdP bound the SAML namespaces to. Signature contents
//! (`SignatureValue`, certificates) are skipped unread: only the presence of a
//! signature is recorded, and it is not verified.

use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;

pub(crate) const MAX_DEPTH: usize = 64;

/// What an assertion says, as text (times are parsed by the caller).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Assertion {
    pub id: Option<String>,
    pub issue_instant: Option<String>,
    pub issuer: Option<String>,
    pub name_id: Option<String>,
    pub name_id_format: Option<String>,
    pub name_qualifier: Option<String>,
    pub sp_name_qualifier: Option<String>,
    pub audience: Option<String>,
    pub recipient: Option<String>,
    /// `SubjectConfirmationData/@NotOnOrAfter` (how long the bearer may present it).
    pub confirmation_not_on_or_after: Option<String>,
    /// `Conditions/@NotOnOrAfter`.
    pub conditions_not_on_or_after: Option<String>,
    pub authn_instant: Option<String>,
    pub authn_context_class_ref: Option<String>,
    pub session_index: Option<String>,
    /// Every attribute in document order: name and values.
    pub attributes: Vec<(String, Vec<String>)>,
    /// A `Signature` is a direct child of the assertion.
    pub signed: bool,
    /// An `EncryptedAssertion`: nothing inside is readable without the SP's key.
    pub encrypted: bool,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Document {
    pub response_id: Option<String>,
    pub response_issuer: Option<String>,
    /// A `Signature` is a direct child of the `Response`.
    pub response_signed: bool,
    pub assertions: Vec<Assertion>,
}

/// Where captured text goes when its element ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    ResponseIssuer,
    Issuer,
    NameId,
    Audience,
    ClassRef,
    AttributeValue,
}

pub fn read(xml: &str) -> Result<Document, String> {
    let mut reader = Reader::from_str(xml);
    let mut w = Walker::default();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("XML unreadable at byte {}: {e}", reader.error_position()))?;
        match event {
            Event::DocType(_) => return Err("DTD not allowed".into()),
            Event::Eof => break,
            Event::Start(e) => w.open(&e, false)?,
            Event::Empty(e) => w.open(&e, true)?,
            Event::End(_) => w.close(),
            Event::Text(t) => w.text(&t.xml10_content()),
            Event::CData(t) => w.text(&t.xml10_content()),
            Event::GeneralRef(r) => w.text(&resolve_ref(&r)?),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if let Some(open) = w.stack.last() {
        return Err(format!("XML ends inside <{open}>"));
    }
    if !w.root_seen {
        return Err("no XML element".into());
    }
    Ok(w.doc)
}

/// A `&…;` reference as text: a character reference, or one of the five predefined
/// entities. Any other entity could only come from a DTD, which is refused, so it is an
/// error rather than text to guess at.
pub(crate) fn resolve_ref(r: &BytesRef<'_>) -> Result<String, String> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c.to_string()),
            _ => Err(format!("bad character reference &{};", r.xml10_content())),
        };
    }
    let name = r.xml10_content();
    resolve_predefined_entity(&name)
        .map(str::to_string)
        .ok_or_else(|| {
            format!("undefined entity &{name}; (only the predefined XML entities are allowed)")
        })
}

#[derive(Default)]
struct Walker {
    doc: Document,
    /// Local names of the open elements.
    stack: Vec<String>,
    root_seen: bool,
    /// Depth at which the current assertion started.
    assertion_depth: Option<usize>,
    /// Depth of a subtree being skipped (signature, encrypted or nested assertion).
    skip_depth: Option<usize>,
    /// Text being collected: for what, at which depth.
    capture: Option<(Target, usize, String)>,
}

impl Walker {
    fn open(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), String> {
        let name = e.local_name().into_inner().to_string();
        let depth = self.stack.len();
        if self.skip_depth.is_some() {
            if !empty {
                self.stack.push(name);
            }
            return Ok(());
        }
        if depth == 0 {
            if self.root_seen {
                return Err("more than one root element".into());
            }
            self.root_seen = true;
            if name != "Response" && name != "Assertion" {
                return Err(format!(
                    "root element is <{name}>, not a SAML Response or Assertion"
                ));
            }
        }
        if depth >= MAX_DEPTH {
            return Err(format!("XML nested deeper than {MAX_DEPTH} elements"));
        }
        let parent = self.stack.last().cloned();
        let mut skip = false;
        match (name.as_str(), self.assertion_depth) {
            ("Response", None) if depth == 0 => self.doc.response_id = attr(e, "ID")?,
            ("Assertion", None) => {
                self.doc.assertions.push(Assertion {
                    id: attr(e, "ID")?,
                    issue_instant: attr(e, "IssueInstant")?,
                    ..Assertion::default()
                });
                self.assertion_depth = Some(depth);
            }
            ("EncryptedAssertion", None) => {
                self.doc.assertions.push(Assertion {
                    encrypted: true,
                    ..Assertion::default()
                });
                skip = true;
            }
            // An assertion inside an assertion (Advice) is not the one presented.
            ("Assertion" | "EncryptedAssertion", Some(_)) => skip = true,
            ("Signature", a) => {
                if a.is_some() && a == depth.checked_sub(1) {
                    self.assertion().signed = true;
                } else if a.is_none() && depth == 1 {
                    self.doc.response_signed = true;
                }
                skip = true;
            }
            ("Issuer", None) if depth == 1 => self.start_capture(Target::ResponseIssuer, depth),
            ("Issuer", Some(a)) if depth == a + 1 => self.start_capture(Target::Issuer, depth),
            (_, Some(_)) => self.assertion_element(&name, parent.as_deref(), e, depth)?,
            _ => {}
        }
        if empty {
            self.end_capture(depth);
            if self.assertion_depth == Some(depth) {
                self.assertion_depth = None;
            }
        } else {
            self.stack.push(name);
            if skip {
                self.skip_depth = Some(depth);
            }
        }
        Ok(())
    }

    fn close(&mut self) {
        self.stack.pop();
        let depth = self.stack.len();
        if self.skip_depth.is_some() {
            if self.skip_depth == Some(depth) {
                self.skip_depth = None;
            }
            return;
        }
        self.end_capture(depth);
        if self.assertion_depth == Some(depth) {
            self.assertion_depth = None;
        }
    }

    fn text(&mut self, t: &str) {
        if self.skip_depth.is_none()
            && let Some((_, _, buf)) = self.capture.as_mut()
        {
            buf.push_str(t);
        }
    }

    fn assertion(&mut self) -> &mut Assertion {
        self.doc
            .assertions
            .last_mut()
            .expect("inside an assertion, one was pushed")
    }

    fn start_capture(&mut self, target: Target, depth: usize) {
        if self.capture.is_none() {
            self.capture = Some((target, depth, String::new()));
        }
    }

    fn end_capture(&mut self, depth: usize) {
        if !matches!(self.capture, Some((_, d, _)) if d == depth) {
            return;
        }
        let Some((target, _, text)) = self.capture.take() else {
            return;
        };
        let text = text.trim().to_string();
        let set = |slot: &mut Option<String>| {
            if slot.is_none() {
                *slot = Some(text.clone());
            }
        };
        match target {
            Target::ResponseIssuer => set(&mut self.doc.response_issuer),
            Target::Issuer => set(&mut self.assertion().issuer),
            Target::NameId => set(&mut self.assertion().name_id),
            Target::Audience => set(&mut self.assertion().audience),
            Target::ClassRef => set(&mut self.assertion().authn_context_class_ref),
            Target::AttributeValue => {
                if let Some((_, values)) = self.assertion().attributes.last_mut() {
                    values.push(text);
                }
            }
        }
    }

    /// An element inside the current assertion.
    fn assertion_element(
        &mut self,
        name: &str,
        parent: Option<&str>,
        e: &BytesStart<'_>,
        depth: usize,
    ) -> Result<(), String> {
        let first = |slot: &mut Option<String>, v: Option<String>| {
            if slot.is_none() {
                *slot = v;
            }
        };
        match (name, parent) {
            ("NameID", Some("Subject")) => {
                let a = self.assertion();
                first(&mut a.name_id_format, attr(e, "Format")?);
                first(&mut a.name_qualifier, attr(e, "NameQualifier")?);
                first(&mut a.sp_name_qualifier, attr(e, "SPNameQualifier")?);
                self.start_capture(Target::NameId, depth);
            }
            ("SubjectConfirmationData", _) => {
                let recipient = attr(e, "Recipient")?;
                let until = attr(e, "NotOnOrAfter")?;
                let a = self.assertion();
                first(&mut a.recipient, recipient);
                first(&mut a.confirmation_not_on_or_after, until);
            }
            ("Conditions", _) => {
                let until = attr(e, "NotOnOrAfter")?;
                first(&mut self.assertion().conditions_not_on_or_after, until);
            }
            ("Audience", _) => self.start_capture(Target::Audience, depth),
            ("AuthnStatement", _) => {
                let instant = attr(e, "AuthnInstant")?;
                let index = attr(e, "SessionIndex")?;
                let a = self.assertion();
                first(&mut a.authn_instant, instant);
                first(&mut a.session_index, index);
            }
            ("AuthnContextClassRef", _) => self.start_capture(Target::ClassRef, depth),
            ("Attribute", Some("AttributeStatement")) => {
                let name = attr(e, "Name")?.unwrap_or_default();
                self.assertion().attributes.push((name, Vec::new()));
            }
            ("AttributeValue", Some("Attribute")) => {
                self.start_capture(Target::AttributeValue, depth)
            }
            _ => {}
        }
        Ok(())
    }
}

/// An attribute by local name, entities resolved (predefined ones only).
fn attr(e: &BytesStart<'_>, name: &str) -> Result<Option<String>, String> {
    for a in e.attributes() {
        let a = a.map_err(|err| format!("bad XML attribute: {err}"))?;
        if a.key.local_name().into_inner() == name {
            let v = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| format!("bad value of attribute {name}: {err}"))?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}
