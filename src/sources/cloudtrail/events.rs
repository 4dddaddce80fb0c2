//! `cloudtrail_events`: the kept CloudTrail events other than `AssumeRoleWithSAML`.
//!
//! Typed columns for what later work joins and filters on (time, name, principal,
//! source IP), and the variable parts of each API (`requestParameters`, …) as scrubbed
//! JSON text, so any question about them stays answerable in SQL (`json_get`-style
//! functions or `LIKE`) without a schema per API.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde::Deserialize;

use super::identity::UserIdentity;
use crate::sources::columns::{Cell, RowBuilder};
use crate::sources::redact::scrub_json;
use crate::sources::timefmt::{in_range, parse_iso};
use crate::sources::ts_type;

/// Schema of `cloudtrail_events`: one row per kept event (see
/// [`super::DEFAULT_EVENTS`]), failed calls included.
///
/// | column | type | meaning |
/// |---|---|---|
/// | event_id | utf8 | `eventID`, the deduplication key |
/// | event_time | timestamp(us, UTC) | `eventTime` |
/// | event_version | utf8 | `eventVersion` |
/// | event_source | utf8 | `eventSource` (`sso.amazonaws.com`, `rds.amazonaws.com`, …) |
/// | event_name | utf8 | `eventName` |
/// | event_type | utf8 | `eventType` (`AwsApiCall`, `AwsServiceEvent`, `AwsConsoleSignIn`) |
/// | account_id | utf8 | `recipientAccountId`: the account whose trail recorded it |
/// | region | utf8 | `awsRegion` |
/// | read_only | boolean | `readOnly` |
/// | identity_type | utf8 | `userIdentity.type`: `SAMLUser`, `AssumedRole`, `IdentityCenterUser`, `Unknown`, `IAMUser`, `Root`, `AWSService`, … |
/// | principal_id | utf8 | `userIdentity.principalId`; for an assumed role `AROA…:<session>` = `federated_sessions.assumed_role_id` of the session that made the call |
/// | identity_arn | utf8 | `userIdentity.arn` |
/// | identity_account_id | utf8 | `userIdentity.accountId` |
/// | access_key_id | utf8 | `userIdentity.accessKeyId` (an id, not a secret) |
/// | user_name | utf8 | `userIdentity.userName` |
/// | actor | utf8 | the most readable name of the caller: user name, else the assumed-role session name, else the Identity Store user id, else `invokedBy` |
/// | invoked_by | utf8 | `userIdentity.invokedBy` (the AWS service acting) |
/// | identity_provider | utf8 | `userIdentity.identityProvider` (SAML name qualifier) |
/// | session_issuer_arn | utf8 | `sessionContext.sessionIssuer.arn`: the role behind an assumed-role session |
/// | session_issuer_name | utf8 | `sessionContext.sessionIssuer.userName` (the role name) |
/// | session_created | timestamp(us, UTC) | `sessionContext.attributes.creationDate`; with `principal_id` it identifies the session |
/// | mfa_authenticated | boolean | `sessionContext.attributes.mfaAuthenticated` (AWS-side MFA only; always false for federated users) |
/// | source_identity | utf8 | `sessionContext.sourceIdentity` |
/// | web_identity_provider | utf8 | `sessionContext.webIdFederationData.federatedProvider` |
/// | on_behalf_of_user_id | utf8 | `userIdentity.onBehalfOf.userId`: the Identity Store user (Identity Center, since 2025) |
/// | identity_store_arn | utf8 | `userIdentity.onBehalfOf.identityStoreArn` |
/// | credential_id | utf8 | `userIdentity.credentialId` (Identity Center credential id, not the credential) |
/// | source_ip | utf8 | `sourceIPAddress` |
/// | user_agent | utf8 | `userAgent` |
/// | error_code | utf8 | `errorCode`, null on success |
/// | error_message | utf8 | `errorMessage` |
/// | request_id | utf8 | `requestID` |
/// | request_parameters | utf8 (JSON) | `requestParameters`, secrets replaced by `<redacted>` |
/// | response_elements | utf8 (JSON) | `responseElements`, secrets replaced by `<redacted>` |
/// | additional_event_data | utf8 (JSON) | `additionalEventData` |
/// | service_event_details | utf8 (JSON) | `serviceEventDetails` (e.g. `role_name`, `account_id` of `GetRoleCredentials`) |
/// | source_uri | utf8 | the file (or `cloudtrail-api:<region>`) the record came from |
/// | source_offset | int64 | index of the record in the file's `Records` array (or in the API results) |
pub fn schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let s = |n: &str| Field::new(n, DataType::Utf8, true);
        Arc::new(Schema::new(vec![
            Field::new("event_id", DataType::Utf8, false),
            Field::new("event_time", ts_type(), false),
            s("event_version"),
            s("event_source"),
            s("event_name"),
            s("event_type"),
            s("account_id"),
            s("region"),
            Field::new("read_only", DataType::Boolean, true),
            s("identity_type"),
            s("principal_id"),
            s("identity_arn"),
            s("identity_account_id"),
            s("access_key_id"),
            s("user_name"),
            s("actor"),
            s("invoked_by"),
            s("identity_provider"),
            s("session_issuer_arn"),
            s("session_issuer_name"),
            Field::new("session_created", ts_type(), true),
            Field::new("mfa_authenticated", DataType::Boolean, true),
            s("source_identity"),
            s("web_identity_provider"),
            s("on_behalf_of_user_id"),
            s("identity_store_arn"),
            s("credential_id"),
            s("source_ip"),
            s("user_agent"),
            s("error_code"),
            s("error_message"),
            s("request_id"),
            s("request_parameters"),
            s("response_elements"),
            s("additional_event_data"),
            s("service_event_details"),
            Field::new("source_uri", DataType::Utf8, false),
            Field::new("source_offset", DataType::Int64, false),
        ]))
    });
    SCHEMA.clone()
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct EventRecord {
    event_version: Option<String>,
    event_time: Option<String>,
    event_source: Option<String>,
    event_name: Option<String>,
    event_type: Option<String>,
    #[serde(rename = "eventID")]
    event_id: Option<String>,
    #[serde(rename = "requestID")]
    request_id: Option<String>,
    aws_region: Option<String>,
    #[serde(rename = "sourceIPAddress")]
    source_ip_address: Option<String>,
    user_agent: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
    recipient_account_id: Option<String>,
    read_only: Option<serde_json::Value>,
    user_identity: Option<UserIdentity>,
    request_parameters: Option<serde_json::Value>,
    response_elements: Option<serde_json::Value>,
    additional_event_data: Option<serde_json::Value>,
    service_event_details: Option<serde_json::Value>,
}

/// A JSON sub-document as stored: scrubbed text, null when absent or `null`.
fn json_text(v: Option<serde_json::Value>) -> Option<String> {
    let mut v = v.filter(|v| !v.is_null())?;
    scrub_json(&mut v);
    Some(v.to_string())
}

fn flag(v: Option<&serde_json::Value>) -> Option<bool> {
    match v? {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::String(s) if s == "true" => Some(true),
        serde_json::Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

pub(crate) struct Rows(RowBuilder);

impl Rows {
    pub(crate) fn new() -> Self {
        Rows(RowBuilder::new(schema()))
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub fn push(&mut self, raw: &str, source_uri: &str, offset: i64) -> Result<(), String> {
        let r: EventRecord =
            serde_json::from_str(raw).map_err(|e| format!("malformed CloudTrail record: {e}"))?;
        let event_id = r
            .event_id
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or("record has no eventID")?;
        let time_text = r.event_time.as_deref().ok_or("record has no eventTime")?;
        let time = parse_iso(time_text)
            .ok_or_else(|| format!("eventTime `{time_text}` is not ISO 8601"))
            .and_then(in_range)?;
        let id = r.user_identity.unwrap_or_default();
        let created = match id.session_created() {
            None => None,
            Some(t) => Some(parse_iso(t).ok_or_else(|| {
                format!("sessionContext.attributes.creationDate `{t}` is not ISO 8601")
            })?),
        };
        let issuer = id.issuer();
        let request = json_text(r.request_parameters);
        let response = json_text(r.response_elements);
        let additional = json_text(r.additional_event_data);
        let service = json_text(r.service_event_details);
        use Cell::{Bool, Int, Str, Time};
        self.0.push(&[
            Str(Some(event_id)),
            Time(Some(time)),
            Str(r.event_version.as_deref()),
            Str(r.event_source.as_deref()),
            Str(r.event_name.as_deref()),
            Str(r.event_type.as_deref()),
            Str(r.recipient_account_id.as_deref()),
            Str(r.aws_region.as_deref()),
            Bool(flag(r.read_only.as_ref())),
            Str(id.kind.as_deref()),
            Str(id.principal_id.as_deref()),
            Str(id.arn.as_deref().filter(|a| !a.is_empty())),
            Str(id.account_id.as_deref()),
            Str(id.access_key_id.as_deref().filter(|a| !a.is_empty())),
            Str(id.user_name.as_deref()),
            Str(id.display_name()),
            Str(id.invoked_by.as_deref()),
            Str(id.identity_provider.as_deref()),
            Str(issuer.and_then(|i| i.arn.as_deref())),
            Str(issuer.and_then(|i| i.user_name.as_deref())),
            Time(created),
            Bool(id.mfa_authenticated()),
            Str(id.source_identity()),
            Str(id.web_identity_provider()),
            Str(id.on_behalf_of_user()),
            Str(id.identity_store_arn()),
            Str(id.credential_id.as_deref()),
            Str(r.source_ip_address.as_deref()),
            Str(r.user_agent.as_deref()),
            Str(r.error_code.as_deref()),
            Str(r.error_message.as_deref()),
            Str(r.request_id.as_deref()),
            Str(request.as_deref()),
            Str(response.as_deref()),
            Str(additional.as_deref()),
            Str(service.as_deref()),
            Str(Some(source_uri)),
            Int(Some(offset)),
        ]);
        Ok(())
    }

    pub fn finish(&mut self) -> Result<arrow::record_batch::RecordBatch, arrow::error::ArrowError> {
        self.0.finish()
    }
}
