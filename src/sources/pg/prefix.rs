//! `log_line_prefix` compiled into one anchored regex, once per run.
//!
//! PostgreSQL writes the prefix before every line of an entry, so knowing it is the only
//! reliable way to tell where a user or database name ends: names may contain `@`, `/`
//! (`iamuser/dbuser` on RDS) or spaces, and `%r` may be an IPv6 address full of colons.
//! Free-text escapes match lazily; the severity keyword after the prefix anchors the end.

use std::sync::LazyLock;

use regex::Regex;

/// The prefix RDS and Aurora PostgreSQL write; it cannot be changed there.
pub const RDS_PREFIX: &str = "%t:%r:%u@%d:[%p]:";

/// Prefix escapes whose values end up in rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Time,
    Epoch,
    Remote,
    Host,
    User,
    Database,
    Pid,
    Session,
    App,
    SqlState,
}

/// A compiled `log_line_prefix`.
#[derive(Debug, Clone)]
pub struct LinePrefix {
    text: String,
    regex: Regex,
    /// The field of each capture group, in order (group 0 is the whole match).
    fields: Vec<Field>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PrefixError {
    #[error("`%{0}` is not a log_line_prefix escape")]
    UnknownEscape(char),
    #[error("ends with a lone `%`")]
    Dangling,
    #[error("has no time escape (%t, %m or %n), so its lines cannot be placed in time")]
    NoTime,
    #[error("is too long to match lines with: {0}")]
    TooLong(String),
}

/// What the prefix of one line says, and the severity and message after it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PrefixedLine<'a> {
    /// `%t`/`%m` text with its zone abbreviation.
    pub time: Option<&'a str>,
    /// `%n`: Unix epoch seconds with milliseconds.
    pub epoch: Option<&'a str>,
    /// `%r`: `host(port)`, `[local]`, or empty for background processes.
    pub remote: Option<&'a str>,
    pub host: Option<&'a str>,
    pub user: Option<&'a str>,
    pub database: Option<&'a str>,
    pub pid: Option<i64>,
    pub session_id: Option<&'a str>,
    pub application_name: Option<&'a str>,
    pub sql_state: Option<&'a str>,
    pub severity: &'a str,
    pub message: &'a str,
}

const TIME_S: &str =
    r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [A-Za-z+\-][A-Za-z0-9+\-]*";
const TIME_MS: &str =
    r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} [A-Za-z+\-][A-Za-z0-9+\-]*";
/// `DEBUG1`…`DEBUG5` are all written as `DEBUG`.
const SEVERITY: &str = "(?P<severity>DEBUG|INFO|NOTICE|WARNING|ERROR|LOG|FATAL|PANIC|DETAIL|HINT|QUERY|CONTEXT|LOCATION|STATEMENT):[ \t]*(?P<message>.*)\\z";

impl LinePrefix {
    /// Compiles a `log_line_prefix` value (every escape PostgreSQL documents, with
    /// optional padding such as `%-10u`).
    pub fn compile(text: &str) -> Result<Self, PrefixError> {
        let mut re = String::from(r"\A");
        let mut fields = Vec::new();
        let mut optional = 0;
        let mut has_time = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
                continue;
            }
            let mut padded = false;
            if chars.peek() == Some(&'-') {
                chars.next();
                padded = true;
            }
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
                padded = true;
            }
            let esc = chars.next().ok_or(PrefixError::Dangling)?;
            let (body, field) = match esc {
                't' => (TIME_S, Some(Field::Time)),
                's' => (TIME_S, None),
                'm' => (TIME_MS, Some(Field::Time)),
                'n' => (r"[0-9]+\.[0-9]{3}", Some(Field::Epoch)),
                'r' => (r"\[local\]|.*?\([0-9]+\)|", Some(Field::Remote)),
                'h' => (".*?", Some(Field::Host)),
                'u' => (".*?", Some(Field::User)),
                'd' => (".*?", Some(Field::Database)),
                'a' => (".*?", Some(Field::App)),
                // At most 18 digits: always fits an i64.
                'p' => (r"[0-9]{1,18}", Some(Field::Pid)),
                'c' => (r"[0-9a-f]+\.[0-9a-f]+", Some(Field::Session)),
                'e' => ("[0-9A-Z]{5}", Some(Field::SqlState)),
                'l' | 'x' => (r"[0-9]+", None),
                'P' => (r"[0-9]*", None),
                'Q' => (r"-?[0-9]+", None),
                'i' | 'b' | 'v' | 'L' => (".*?", None),
                'q' => {
                    // Background processes stop writing the prefix here.
                    re.push_str("(?:");
                    optional += 1;
                    continue;
                }
                '%' => {
                    re.push('%');
                    continue;
                }
                other => return Err(PrefixError::UnknownEscape(other)),
            };
            has_time |= matches!(field, Some(Field::Time | Field::Epoch));
            let pad = if padded { " *" } else { "" };
            re.push_str(pad);
            match field {
                Some(f) => {
                    re.push_str(&format!("({body})"));
                    fields.push(f);
                }
                None => re.push_str(&format!("(?:{body})")),
            }
            re.push_str(pad);
        }
        if !has_time {
            return Err(PrefixError::NoTime);
        }
        re.push_str(&")?".repeat(optional));
        re.push_str(SEVERITY);
        // Literals are escaped and bodies fixed, so only the size limit can refuse it.
        let regex = Regex::new(&re).map_err(|e| PrefixError::TooLong(e.to_string()))?;
        Ok(LinePrefix {
            text: text.to_string(),
            regex,
            fields,
        })
    }

    /// The RDS prefix, compiled once.
    pub fn rds() -> &'static LinePrefix {
        static RDS: LazyLock<LinePrefix> =
            LazyLock::new(|| LinePrefix::compile(RDS_PREFIX).expect("the RDS prefix compiles"));
        &RDS
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether a line starts an entry.
    pub fn starts_entry(&self, line: &str) -> bool {
        self.regex.is_match(line)
    }

    /// Splits a line into prefix fields, severity and message; `None` when the line does
    /// not start with this prefix (a continuation or a stray line).
    pub fn parse<'a>(&self, line: &'a str) -> Option<PrefixedLine<'a>> {
        let caps = self.regex.captures(line)?;
        let mut out = PrefixedLine {
            severity: caps.name("severity")?.as_str(),
            message: caps.name("message")?.as_str(),
            ..Default::default()
        };
        for (i, field) in self.fields.iter().enumerate() {
            let Some(m) = caps.get(i + 1) else { continue };
            let v = m.as_str().trim_matches(' ');
            let slot = match field {
                Field::Time => &mut out.time,
                Field::Epoch => &mut out.epoch,
                Field::Remote => &mut out.remote,
                Field::Host => &mut out.host,
                Field::User => &mut out.user,
                Field::Database => &mut out.database,
                Field::Session => &mut out.session_id,
                Field::App => &mut out.application_name,
                Field::SqlState => &mut out.sql_state,
                Field::Pid => {
                    out.pid = out.pid.or(Some(super::time::decimal(v)));
                    continue;
                }
            };
            if slot.is_none() {
                *slot = Some(v);
            }
        }
        Some(out)
    }
}
