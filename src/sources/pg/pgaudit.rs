//! pgaudit's `AUDIT:` payload: `AUDIT_TYPE,STATEMENT_ID,SUBSTATEMENT_ID,CLASS,COMMAND,
//! OBJECT_TYPE,OBJECT_NAME,STATEMENT,PARAMETER[,ROWS]`.
//!
//! pgaudit quotes a field only when it holds `,` `"` CR or LF (`append_valid_csv`), so
//! most statements appear bare; a CSV reader handles both. Parameters are not kept: they
//! are bind values, which may be secrets and are not needed to tell who touched what.

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
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(payload.as_bytes());
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => {}
        Ok(false) => return Err("empty pgaudit record".into()),
        Err(e) => return Err(format!("unreadable pgaudit record: {e}")),
    }
    if record.len() < 8 {
        return Err(format!(
            "pgaudit record has {} fields, expected at least 8",
            record.len()
        ));
    }
    let audit_type = &record[0];
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
    let class = &record[3];
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
