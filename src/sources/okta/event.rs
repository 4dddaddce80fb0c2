//! One Okta event (a JSON object) → one `idp_events` row.
//!
//! Fields are read leniently (a field of an unexpected type is null, as if absent):
//! Okta adds and reshapes fields between releases and `debugData` is documented as not
//! a contract. Only what makes a row meaningless is a reject: no `uuid`, no readable
//! `published`.

use chrono::{NaiveDateTime, Utc};
use serde_json::Value;

use crate::sources::columns::{Cell, RowBuilder};
use crate::sources::timefmt::{Micros, in_range, parse_iso};

/// Events whose authenticator target names the MFA factor.
const MFA_EVENTS: [&str; 2] = [
    "user.authentication.auth_via_mfa",
    "user.authentication.verify",
];

/// Target types that are authenticators (Identity Engine) or factors (Classic).
const AUTHENTICATOR_TYPES: [&str; 3] = ["AuthenticatorEnrollment", "Authenticator", "Factor"];

pub struct Rows {
    rows: RowBuilder,
}

impl Rows {
    pub fn new() -> Self {
        Rows {
            rows: RowBuilder::new(super::schema()),
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn finish(&mut self) -> Result<arrow::record_batch::RecordBatch, arrow::error::ArrowError> {
        self.rows.finish()
    }

    /// Adds the event in `raw`, or says why it cannot be a row.
    pub fn push(&mut self, raw: &str, source_uri: &str, offset: i64) -> Result<(), String> {
        let v: Value =
            serde_json::from_str(raw).map_err(|e| format!("event is not valid JSON: {e}"))?;
        if !v.is_object() {
            return Err("event is not a JSON object".into());
        }
        let uuid = text(&v, "/uuid").ok_or("event has no uuid")?;
        let published = match v.pointer("/published") {
            None | Some(Value::Null) => return Err("event has no published time".into()),
            Some(Value::String(s)) => parse_published(s)
                .ok_or_else(|| format!("published `{s}` is not a timestamp"))
                .and_then(in_range)?,
            Some(other) => return Err(format!("published `{other}` is not a timestamp")),
        };
        let event_type = text(&v, "/eventType");
        let app = targets(&v).find(|t| text(t, "/type") == Some("AppInstance"));
        let app_field = |p: &str| app.and_then(|t| text(t, p));
        // `User` only: SSO events name the app's own account as an `AppUser` target.
        let user = targets(&v).find(|t| text(t, "/type") == Some("User"));
        let user_field = |p: &str| user.and_then(|t| text(t, p));
        let step = v
            .pointer("/authenticationContext/authenticationStep")
            .and_then(|s| match s {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.parse().ok(),
                _ => None,
            })
            .and_then(|n| i32::try_from(n).ok());
        let factor = factor(&v, event_type);
        self.rows.push(&[
            Cell::Str(Some(uuid)),
            Cell::Time(Some(published)),
            Cell::Str(event_type),
            Cell::Str(text(&v, "/outcome/result")),
            Cell::Str(text(&v, "/outcome/reason")),
            Cell::Str(text(&v, "/severity")),
            Cell::Str(text(&v, "/displayMessage")),
            Cell::Str(text(&v, "/actor/id")),
            Cell::Str(text(&v, "/actor/type")),
            Cell::Str(text(&v, "/actor/alternateId")),
            Cell::Str(text(&v, "/actor/displayName")),
            Cell::Str(text(&v, "/client/ipAddress")),
            Cell::Str(text(&v, "/client/userAgent/rawUserAgent")),
            Cell::Str(text(&v, "/authenticationContext/externalSessionId")),
            Cell::Str(text(&v, "/authenticationContext/credentialType")),
            Cell::Str(text(&v, "/authenticationContext/credentialProvider")),
            Cell::Str(text(&v, "/authenticationContext/authenticationProvider")),
            Cell::I32(step),
            Cell::Str(app_field("/id")),
            Cell::Str(app_field("/alternateId")),
            Cell::Str(app_field("/displayName")),
            Cell::Str(app_field("/detailEntry/signOnModeType")),
            Cell::Str(factor),
            Cell::Str(text(&v, "/transaction/id")),
            Cell::Str(text(&v, "/legacyEventType")),
            Cell::Str(user_field("/id")),
            Cell::Str(user_field("/alternateId")),
            Cell::Str(user_field("/displayName")),
            Cell::Str(Some(source_uri)),
            Cell::Int(Some(offset)),
        ]);
        Ok(())
    }
}

fn text<'v>(v: &'v Value, pointer: &str) -> Option<&'v str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn targets(v: &Value) -> impl Iterator<Item = &Value> {
    v.pointer("/target")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn factor<'v>(v: &'v Value, event_type: Option<&str>) -> Option<&'v str> {
    if let Some(f) = text(v, "/debugContext/debugData/factor") {
        return Some(f);
    }
    if !event_type.is_some_and(|t| MFA_EVENTS.contains(&t)) {
        return None;
    }
    let authenticator = targets(v)
        .find(|t| text(t, "/type").is_some_and(|ty| AUTHENTICATOR_TYPES.contains(&ty)))?;
    text(authenticator, "/displayName").or_else(|| text(authenticator, "/alternateId"))
}

/// The API writes `2020-02-14T22:18:51.843Z`; SIEM re-exports sometimes drop the `T`
/// and the zone (`2024-05-02 18:46:21.121000000`, UTC).
fn parse_published(s: &str) -> Option<Micros> {
    parse_iso(s).or_else(|| {
        NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S%.f")
            .ok()
            .map(|t| t.and_utc().with_timezone(&Utc).timestamp_micros())
    })
}
