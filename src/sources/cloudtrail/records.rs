//! Splits a CloudTrail file (`{"Records":[{…},{…}]}`) into its records at byte level.
//!
//! Two reasons not to hand the whole file to a JSON parser: one malformed record must
//! cost only that record (the rest of the file is still evidence), and most records are
//! skipped after a look at their `eventName`, so validating them in full would be
//! wasted work. Boundaries are found by matching braces outside strings, which is
//! exact for any well-formed record and contained for a malformed one.

use memchr::{memchr2, memchr3};

/// One element of the `Records` array.
#[derive(Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// The bytes of one object, braces included.
    Record(&'a [u8]),
    /// Something that is not a usable record, with the reason.
    Bad { text: &'a [u8], reason: String },
}

pub struct Records<'a> {
    bytes: &'a [u8],
    pos: usize,
    done: bool,
}

/// `None` when the file does not start like a CloudTrail file; the caller then tries a
/// full JSON parse, which handles unusual layouts and explains what is wrong.
pub fn split(bytes: &[u8]) -> Option<Records<'_>> {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let offset = bytes.len() - b.len();
    let mut pos = skip_ws(b, 0);
    for token in [&b"{"[..], b"\"Records\"", b":", b"["] {
        if !b[pos..].starts_with(token) {
            return None;
        }
        pos = skip_ws(b, pos + token.len());
    }
    Some(Records {
        bytes,
        pos: pos + offset,
        done: false,
    })
}

fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    while pos < b.len() && matches!(b[pos], b' ' | b'\t' | b'\n' | b'\r') {
        pos += 1;
    }
    pos
}

/// Position just after the closing quote of the string whose opening quote is at
/// `pos - 1`, or `None` when the string never ends.
fn end_of_string(b: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let i = pos + memchr2(b'"', b'\\', &b[pos..])?;
        if b[i] == b'\\' {
            pos = i + 2;
            if pos > b.len() {
                return None;
            }
        } else {
            return Some(i + 1);
        }
    }
}

/// Position just after the `}` matching the `{` at `start`.
fn end_of_object(b: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut pos = start;
    loop {
        let i = pos + memchr3(b'"', b'{', b'}', &b[pos..])?;
        match b[i] {
            b'"' => pos = end_of_string(b, i + 1)?,
            b'{' => {
                depth += 1;
                pos = i + 1;
            }
            _ => {
                depth -= 1;
                pos = i + 1;
                if depth == 0 {
                    return Some(pos);
                }
            }
        }
    }
}

/// Position of the next `,` or `]` outside strings and nested values, for skipping a
/// non-object element.
fn end_of_element(b: &[u8], mut pos: usize) -> usize {
    let mut depth = 0usize;
    while pos < b.len() {
        match b[pos] {
            b'"' => match end_of_string(b, pos + 1) {
                Some(p) => {
                    pos = p;
                    continue;
                }
                None => return b.len(),
            },
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth > 0 => depth -= 1,
            b',' | b']' if depth == 0 => return pos,
            _ => {}
        }
        pos += 1;
    }
    b.len()
}

impl<'a> Iterator for Records<'a> {
    type Item = Item<'a>;

    fn next(&mut self) -> Option<Item<'a>> {
        if self.done {
            return None;
        }
        let b = self.bytes;
        let pos = skip_ws(b, self.pos);
        match b.get(pos) {
            None => {
                self.done = true;
                Some(Item::Bad {
                    text: &b[pos..],
                    reason: "the Records array never ends (file cut short?)".into(),
                })
            }
            Some(b']') => {
                self.done = true;
                None
            }
            Some(b'{') => match end_of_object(b, pos) {
                Some(end) => {
                    self.pos = after_separator(b, end);
                    Some(Item::Record(&b[pos..end]))
                }
                None => {
                    self.done = true;
                    Some(Item::Bad {
                        text: &b[pos..],
                        reason: "record is cut short (file truncated?)".into(),
                    })
                }
            },
            Some(_) => {
                let end = end_of_element(b, pos);
                self.pos = after_separator(b, end);
                Some(Item::Bad {
                    text: &b[pos..end],
                    reason: "record is not a JSON object".into(),
                })
            }
        }
    }
}

/// Skips the `,` after an element; a missing comma before the next `{` is tolerated
/// (the record after it is still read), and `]` is left for `next` to see.
fn after_separator(b: &[u8], end: usize) -> usize {
    let pos = skip_ws(b, end);
    if b.get(pos) == Some(&b',') {
        pos + 1
    } else {
        // `]`, `{` or garbage: `next` decides; garbage becomes a `Bad` element.
        pos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(s: &str) -> Vec<Result<&str, String>> {
        split(s.as_bytes())
            .expect("CloudTrail header")
            .map(|i| match i {
                Item::Record(r) => Ok(std::str::from_utf8(r).unwrap()),
                Item::Bad { reason, .. } => Err(reason),
            })
            .collect()
    }

    #[test]
    fn splits_records_with_braces_and_quotes_in_strings() {
        let file = "\u{feff}{ \"Records\" : [\n {\"a\":\"}{\\\"\",\"b\":{\"c\":[1,{}]}} ,{\"d\":\"\\\\\"}\n]}";
        assert_eq!(
            items(file),
            [Ok(r#"{"a":"}{\"","b":{"c":[1,{}]}}"#), Ok(r#"{"d":"\\"}"#)]
        );
        assert_eq!(items(r#"{"Records":[]}"#), []);
    }

    #[test]
    fn bad_elements_cost_only_themselves() {
        assert_eq!(
            items(r#"{"Records":[42,{"ok":1},"x,y",[1,2],{"ok":2}]}"#),
            [
                Err("record is not a JSON object".to_string()),
                Ok(r#"{"ok":1}"#),
                Err("record is not a JSON object".to_string()),
                Err("record is not a JSON object".to_string()),
                Ok(r#"{"ok":2}"#),
            ]
        );
        assert_eq!(
            items(r#"{"Records":[{"ok":1},{"cut":"#),
            [
                Ok(r#"{"ok":1}"#),
                Err("record is cut short (file truncated?)".to_string())
            ]
        );
        assert_eq!(
            items(r#"{"Records":[{"ok":1},"#),
            [
                Ok(r#"{"ok":1}"#),
                Err("the Records array never ends (file cut short?)".to_string())
            ]
        );
    }

    #[test]
    fn other_layouts_are_left_to_the_json_parser() {
        assert!(split(br#"{"foo":1}"#).is_none());
        assert!(split(br#"{"other":1,"Records":[]}"#).is_none());
        assert!(split(b"\x1f\x8b\x08").is_none());
    }
}
