//! pgaudit's `AUDIT:` payload: `AUDIT_TYPE,STATEMENT_ID,SUBSTATEMENT_ID,CLASS,COMMAND,
//! OBJECT_TYPE,OBJECT_NAME,STATEMENT,PARAMETER[,ROWS]`.
//!
//! pgaudit quotes a field only when it holds `,` `"` CR or LF (`append_valid_csv`), so
//! most statements appear bare. One record is split here by hand: building a `csv`
//! reader per audit row cost more than the rest of ingestion together. Parameters are not kept: they
//! are bind values, which may be secrets and are not needed to tell who touched what.

/// Splits one CSV record (RFC 4180: `"` quotes a field, `""` inside it is a quote).
/// Unquoted fields are borrowed; the payload may span lines (quoted newlines).
fn split_csv(text: &str) -> Result<Vec<std::borrow::Cow<'_, str>>, &'static str> {
    use std::borrow::Cow;
    let bytes = text.as_bytes();
    let mut fields = Vec::with_capacity(10);
    let mut i = 0;
    loop {
        if bytes.get(i) == Some(&b'"') {
            let mut field = String::new();
            let mut j = i + 1;
            loop {
                let Some(k) = memchr::memchr(b'"', &bytes[j..]) else {
                    return Err("a quoted field never ends");
                };
                field.push_str(&text[j..j + k]);
                j += k + 1;
                if bytes.get(j) == Some(&b'"') {
                    field.push('"');
                    j += 1;
                } else {
                    break;
                }
            }
            fields.push(Cow::Owned(field));
            match bytes.get(j) {
                None => break,
                Some(b',') => i = j + 1,
                Some(_) => return Err("text after a closing quote"),
            }
        } else {
            match memchr::memchr(b',', &bytes[i..]) {
                Some(k) => {
                    fields.push(Cow::Borrowed(&text[i..i + k]));
                    i += k + 1;
                }
                None => {
                    fields.push(Cow::Borrowed(&text[i..]));
                    break;
                }
            }
        }
    }
    Ok(fields)
}

/// One audit row; `audit_type` is `SESSION` or `OBJECT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Audit {
    pub audit_type: String,
    pub statement_id: i64,
    pub substatement_id: i64,
    pub class: String,
    pub command: String,
    pub object_type: String,
    pub object: String,
    pub statement: String,
}

pub(super) fn parse_audit(payload: &str) -> Result<Audit, String> {
    let record = split_csv(payload).map_err(|e| format!("unreadable pgaudit record: {e}"))?;
    if record.len() < 8 {
        return Err(format!(
            "pgaudit record has {} fields, expected at least 8",
            record.len()
        ));
    }
    let audit_type = &*record[0];
    if audit_type != "SESSION" && audit_type != "OBJECT" {
        return Err(format!(
            "pgaudit audit type `{audit_type}` is neither SESSION nor OBJECT"
        ));
    }
    let id = |i: usize, what: &str| {
        record[i]
            .parse::<i64>()
            .map_err(|_| format!("pgaudit {what} `{}` is not a number", &record[i]))
    };
    let class = &*record[3];
    if class.is_empty() || !class.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
        return Err(format!("pgaudit class `{class}` is not a class name"));
    }
    Ok(Audit {
        audit_type: audit_type.to_string(),
        statement_id: id(1, "statement id")?,
        substatement_id: id(2, "substatement id")?,
        class: class.to_string(),
        command: record[4].to_string(),
        object_type: record[5].to_string(),
        object: record[6].to_string(),
        statement: record[7].to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::split_csv;

    #[test]
    fn splits_quoted_doubled_multiline_and_empty_fields() {
        let f = |s| split_csv(s).map(|v| v.into_iter().map(|c| c.into_owned()).collect::<Vec<_>>());
        assert_eq!(
            f("SESSION,1,1,READ,SELECT,,,\"SELECT a, \"\"b\"\"\nFROM t\",<none>").unwrap(),
            [
                "SESSION",
                "1",
                "1",
                "READ",
                "SELECT",
                "",
                "",
                "SELECT a, \"b\"\nFROM t",
                "<none>"
            ]
        );
        assert_eq!(f("a,").unwrap(), ["a", ""]);
        assert_eq!(f("\"\"").unwrap(), [""]);
        assert_eq!(f("a,\"cut"), Err("a quoted field never ends"));
        assert_eq!(f("\"x\"y,z"), Err("text after a closing quote"));
    }
}
