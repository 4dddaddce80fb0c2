//! The messages tagtrail reads, recognised by their fixed English text (PostgreSQL's
//! `lc_messages` is `C`/English on RDS); everything else in a log is skipped.

/// A recognised message, borrowing its values from the message text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Message<'a> {
    /// `connection received: host=… port=…`
    Received {
        host: &'a str,
        port: Option<i32>,
    },
    /// `connection authenticated: identity="…" method=… (file:line)` (PostgreSQL ≥ 14).
    Authenticated {
        identity: Option<&'a str>,
        method: &'a str,
    },
    /// `connection authorized: user=… database=… [application_name=…] [SSL enabled (…)]`
    Authorized {
        user: Option<&'a str>,
        database: Option<&'a str>,
        application_name: Option<&'a str>,
        ssl: bool,
    },
    /// `disconnection: session time: … user=… database=… host=… [port=…]`
    Disconnected {
        user: Option<&'a str>,
        database: Option<&'a str>,
        host: Option<&'a str>,
        port: Option<i32>,
    },
    /// A FATAL that refused a connection.
    AuthFailed {
        sql_state: &'static str,
        method: Option<&'static str>,
        user: Option<&'a str>,
        database: Option<&'a str>,
    },
    /// `pam_authenticate failed: …`, the LOG line before a PAM (IAM) failure.
    PamReason,
    /// `statement: …` (`log_statement`), also after `duration: … ms  `, and `execute …: …`.
    Statement(&'a str),
    /// `AUDIT: …` (pgaudit); the payload is CSV.
    Audit(&'a str),
    Error,
    Other,
}

/// Recognises a message; `Err` when it has a known start but not the known shape.
pub(super) fn classify<'a>(severity: &str, message: &'a str) -> Result<Message<'a>, String> {
    if let Some(payload) = message.strip_prefix("AUDIT: ")
        && matches!(severity, "LOG" | "NOTICE" | "INFO" | "WARNING" | "DEBUG")
    {
        return Ok(Message::Audit(payload));
    }
    match severity {
        "LOG" => log(message),
        "FATAL" => Ok(auth_failure(message).unwrap_or(Message::Other)),
        "ERROR" => Ok(Message::Error),
        _ => Ok(Message::Other),
    }
}

fn log(message: &str) -> Result<Message<'_>, String> {
    let bad = |what: &str| format!("unrecognised `{what}` message");
    if let Some(rest) = message.strip_prefix("connection received: ") {
        let [host, port] = values(rest, ["host=", " port="]);
        let host = host.ok_or_else(|| bad("connection received"))?;
        let port = port_number(port).map_err(|_| bad("connection received"))?;
        return Ok(Message::Received { host, port });
    }
    if let Some(rest) = message.strip_prefix("connection authenticated: ") {
        return authenticated(rest).ok_or_else(|| bad("connection authenticated"));
    }
    if let Some(rest) = message
        .strip_prefix("connection authorized: ")
        .or_else(|| message.strip_prefix("replication connection authorized: "))
    {
        return authorized(rest).ok_or_else(|| bad("connection authorized"));
    }
    if let Some(rest) = message.strip_prefix("disconnection: ") {
        let at = rest.find(" user=").ok_or_else(|| bad("disconnection"))?;
        let [user, database, host, port] =
            values(&rest[at..], [" user=", " database=", " host=", " port="]);
        return Ok(Message::Disconnected {
            user,
            database,
            host,
            port: port_number(port).map_err(|_| bad("disconnection"))?,
        });
    }
    if message.starts_with("pam_authenticate failed: ") {
        return Ok(Message::PamReason);
    }
    Ok(statement(message).map_or(Message::Other, Message::Statement))
}

fn port_number(port: Option<&str>) -> Result<Option<i32>, std::num::ParseIntError> {
    port.map(str::parse).transpose()
}

/// `statement: X`, `execute <name>: X`, optionally after `duration: 1.2 ms  `.
fn statement(message: &str) -> Option<&str> {
    let rest = match message.strip_prefix("duration: ") {
        Some(d) => d.split_once(" ms  ")?.1,
        None => message,
    };
    if let Some(sql) = rest.strip_prefix("statement: ") {
        return Some(sql);
    }
    rest.strip_prefix("execute ")?
        .split_once(": ")
        .map(|(_, sql)| sql)
}

fn authenticated(rest: &str) -> Option<Message<'_>> {
    let (identity, rest) = if let Some(r) = rest.strip_prefix("identity=\"") {
        let end = r.rfind("\" method=")?;
        (Some(&r[..end]), &r[end + 2..])
    } else {
        // PostgreSQL 17 logs `user="…"` for methods without an identity (trust).
        let r = rest.strip_prefix("user=\"")?;
        let end = r.rfind("\" method=")?;
        (None, &r[end + 2..])
    };
    let method = rest.strip_prefix("method=")?.split(' ').next()?;
    Some(Message::Authenticated { identity, method })
}

/// Suffixes are cut from the right: `application_name` is free text and may contain
/// spaces, parentheses or even `SSL enabled`.
fn authorized(rest: &str) -> Option<Message<'_>> {
    let mut rest = rest;
    if rest.ends_with(')')
        && let Some(i) = rest.rfind(" GSS (")
    {
        rest = &rest[..i];
    }
    let mut ssl = false;
    if rest.ends_with(')')
        && let Some(i) = rest.rfind(" SSL enabled (")
    {
        rest = &rest[..i];
        ssl = true;
    }
    let [user, database, application_name] =
        values(rest, ["user=", " database=", " application_name="]);
    user?;
    Some(Message::Authorized {
        user,
        database,
        application_name,
        ssl,
    })
}

/// Values of `key=value` pairs written in a fixed order; each value runs to the next
/// key that is present, so values may contain spaces.
fn values<'a, const N: usize>(text: &'a str, keys: [&str; N]) -> [Option<&'a str>; N] {
    let mut spans = [None; N];
    let mut cursor = 0;
    for (i, key) in keys.iter().enumerate() {
        if let Some(at) = text[cursor..].find(key) {
            let start = cursor + at;
            spans[i] = Some((start, start + key.len()));
            cursor = start + key.len();
        }
    }
    let mut out = [None; N];
    for i in 0..N {
        if let Some((_, value_start)) = spans[i] {
            let end = spans[i + 1..]
                .iter()
                .flatten()
                .map(|(s, _)| *s)
                .next()
                .unwrap_or(text.len());
            out[i] = Some(&text[value_start..end]);
        }
    }
    out
}

/// FATAL messages that refuse a login, with the SQLSTATE PostgreSQL gives them.
fn auth_failure(message: &str) -> Option<Message<'_>> {
    let failed = |sql_state, method, user, database| {
        Some(Message::AuthFailed {
            sql_state,
            method,
            user,
            database,
        })
    };
    if let Some((method, user)) = message
        .strip_suffix('"')
        .and_then(|m| m.split_once(" authentication failed for user \""))
    {
        return match method {
            "password" => failed("28P01", None, Some(user), None),
            "PAM" => failed("28000", Some("pam"), Some(user), None),
            "Ident" => failed("28000", Some("ident"), Some(user), None),
            "LDAP" => failed("28000", Some("ldap"), Some(user), None),
            "RADIUS" => failed("28000", Some("radius"), Some(user), None),
            "certificate" => failed("28000", Some("cert"), Some(user), None),
            "GSSAPI" => failed("28000", Some("gss"), Some(user), None),
            _ => failed("28000", None, Some(user), None),
        };
    }
    if message.starts_with("pg_hba.conf rejects connection")
        || message.starts_with("no pg_hba.conf entry")
    {
        let user = quoted_after(message, "user \"");
        let database = quoted_after(message, "database \"");
        return failed("28000", None, user, database);
    }
    if let Some(rest) = message.strip_prefix("role \"") {
        let (user, tail) = rest.split_once('"')?;
        if tail == " does not exist" || tail == " is not permitted to log in" {
            return failed("28000", None, Some(user), None);
        }
    }
    if let Some(rest) = message.strip_prefix("database \"")
        && let Some(database) = rest.strip_suffix("\" does not exist")
    {
        return failed("3D000", None, None, Some(database));
    }
    None
}

fn quoted_after<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let start = text.find(key)? + key.len();
    let len = text[start..].find('"')?;
    Some(&text[start..start + len])
}
