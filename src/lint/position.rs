//! Byte offsets → what an editor shows: 1-based line and column, the column counted in
//! characters (quick-xml and string search both give byte offsets).

/// Line and column of byte `offset` in `text`; an offset past the end is the end, one
/// inside a multi-byte character is that character.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    (line, before[line_start..].chars().count() + 1)
}

/// Byte offset of the `part` slice inside `whole`, when `part` borrows from it.
pub fn offset_in(whole: &str, part: &[u8]) -> Option<usize> {
    let start = whole.as_ptr() as usize;
    let at = part.as_ptr() as usize;
    (at >= start && at + part.len() <= start + whole.len()).then(|| at - start)
}

/// Finds JSON string values in the text of a file, for documents that were parsed
/// (and maybe nested as a JSON string inside another document) and lost their
/// positions. The n-th lookup of the same value gets its n-th occurrence.
pub struct Locator<'t> {
    text: &'t str,
    seen: std::collections::HashMap<String, usize>,
}

impl<'t> Locator<'t> {
    pub fn new(text: &'t str) -> Self {
        Locator {
            text,
            seen: Default::default(),
        }
    }

    /// Byte offset of the first character of the string value `value` (after its
    /// opening quote): written as a JSON string, as a JSON string inside a JSON string
    /// (`"InlinePolicy": "{\"Resource\": \"…\"}"`), or as bare text; else 0.
    pub fn find(&mut self, value: &str) -> usize {
        let n = {
            let seen = self.seen.entry(value.to_string()).or_insert(0);
            *seen += 1;
            *seen - 1
        };
        let quoted = serde_json::Value::from(value).to_string();
        let nested = serde_json::Value::from(quoted.as_str()).to_string();
        let nested = &nested[1..nested.len() - 1];
        for (needle, skip) in [(quoted.as_str(), 1), (nested, 2), (value, 0)] {
            let hits: Vec<usize> = self.text.match_indices(needle).map(|(i, _)| i).collect();
            if let Some(&at) = hits.get(n).or(hits.last()) {
                return at + skip;
            }
        }
        0
    }

    pub fn text(&self) -> &'t str {
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let t = "ab\nçé<x\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 2), (1, 3));
        assert_eq!(line_col(t, 3), (2, 1));
        // `<` is byte 7 (ç and é take two bytes each) but the third character.
        assert_eq!(line_col(t, 7), (2, 3));
        assert_eq!(line_col(t, 4), (2, 1), "inside ç: that character");
        assert_eq!(line_col(t, 99), (3, 1));
    }

    #[test]
    fn locator_finds_plain_nested_and_repeated_values() {
        let text = "{\"R\": \"a*\",\n \"S\": \"a*\",\n \"P\": \"{\\\"R\\\": \\\"b\\\"}\"}";
        let mut l = Locator::new(text);
        assert_eq!(line_col(text, l.find("a*")), (1, 8));
        assert_eq!(line_col(text, l.find("a*")), (2, 8));
        assert_eq!(
            line_col(text, l.find("a*")),
            (2, 8),
            "past the last: the last"
        );
        assert_eq!(&text[l.find("b")..][..1], "b");
        assert_eq!(l.find("absent"), 0);
    }
}
