//! `federated_sessions`: one row per `AssumeRoleWithSAML`, the event that carries the
//! federated person (the SAML subject) together with the session tags that decide
//! which database user they may become. The STS session token in the response is never
//! deserialised, so it cannot reach the lake.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use arrow::array::{
    ArrayRef, Int64Builder, ListBuilder, MapBuilder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use serde::Deserialize;

use crate::sources::timefmt::{Micros, in_range, parse_expiration, parse_iso};
use crate::sources::{tag_map_type, ts_type};

/// STS's default when a request names no duration.
const DEFAULT_DURATION_SECONDS: i64 = 3600;

/// Schema of `federated_sessions`: one row per `AssumeRoleWithSAML` call, failed ones
/// included (a failed federation is evidence too).
///
/// | column | type | meaning |
/// |---|---|---|
/// | event_id | utf8 | CloudTrail `eventID`; unique per event, the deduplication key |
/// | event_time | timestamp(us, UTC) | `eventTime`: when STS issued the session |
/// | event_version | utf8 | `eventVersion` (1.08, 1.11, …) |
/// | account_id | utf8 | `recipientAccountId`: the account that owns the role |
/// | region | utf8 | `awsRegion` |
/// | role_arn | utf8 | `requestParameters.roleArn` |
/// | role_name | utf8 | last path segment of the role ARN |
/// | permission_set | utf8 | Identity Center permission set, from `AWSReservedSSO_<name>_<hex>`; null for plain IAM roles |
/// | saml_provider_arn | utf8 | `requestParameters.principalArn` |
/// | subject | utf8 | the person: SAML `NameID` (`responseElements.subject`, else `userIdentity.userName`) |
/// | subject_type | utf8 | NameID format suffix (`persistent`, `transient`, …) |
/// | issuer | utf8 | SAML issuer (Okta app or Identity Center portal URL) |
/// | name_qualifier | utf8 | hash of issuer + account + provider; with `subject` identifies the person uniquely |
/// | role_session_name | utf8 | `requestParameters.roleSessionName` |
/// | source_identity | utf8 | `requestParameters.sourceIdentity`, immutable across role chaining |
/// | principal_tags | map(utf8→utf8) | session tags (`requestParameters.principalTags`), keys as sent by the IdP |
/// | transitive_tag_keys | list(utf8) | `requestParameters.transitiveTagKeys` |
/// | duration_seconds | int64 | `requestParameters.durationSeconds` (null when not requested) |
/// | session_start | timestamp(us, UTC) | = event_time |
/// | session_expiry | timestamp(us, UTC) | start + duration (else the reported expiration, else start + 1 h); null for failed calls |
/// | credential_expiration | timestamp(us, UTC) | `responseElements.credentials.expiration`, parsed from its locale format |
/// | assumed_role_id | utf8 | `AROA…:<session name>`; later events carry it as `userIdentity.principalId` |
/// | assumed_role_arn | utf8 | `arn:aws:sts::<acct>:assumed-role/<role>/<session>` |
/// | access_key_id | utf8 | issued `ASIA…` key id (not a secret; not reliable as a join key for Identity Center) |
/// | source_ip | utf8 | `sourceIPAddress` (an AWS address for console/Identity Center flows) |
/// | user_agent | utf8 | `userAgent` |
/// | error_code | utf8 | `errorCode` of a failed call, else null |
/// | error_message | utf8 | `errorMessage` |
/// | source_uri | utf8 | the file the record came from |
/// | source_offset | int64 | index of the record in the file's `Records` array |
pub fn schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let s = |n: &str| Field::new(n, DataType::Utf8, true);
        let t = |n: &str| Field::new(n, ts_type(), true);
        Arc::new(Schema::new(vec![
            Field::new("event_id", DataType::Utf8, false),
            Field::new("event_time", ts_type(), false),
            s("event_version"),
            s("account_id"),
            s("region"),
            s("role_arn"),
            s("role_name"),
            s("permission_set"),
            s("saml_provider_arn"),
            s("subject"),
            s("subject_type"),
            s("issuer"),
            s("name_qualifier"),
            s("role_session_name"),
            s("source_identity"),
            Field::new("principal_tags", tag_map_type(), true),
            Field::new(
                "transitive_tag_keys",
                DataType::new_list(DataType::Utf8, true),
                true,
            ),
            Field::new("duration_seconds", DataType::Int64, true),
            t("session_start"),
            t("session_expiry"),
            t("credential_expiration"),
            s("assumed_role_id"),
            s("assumed_role_arn"),
            s("access_key_id"),
            s("source_ip"),
            s("user_agent"),
            s("error_code"),
            s("error_message"),
            Field::new("source_uri", DataType::Utf8, false),
            Field::new("source_offset", DataType::Int64, false),
        ]))
    });
    SCHEMA.clone()
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct SamlRecord {
    event_version: Option<String>,
    event_time: Option<String>,
    #[serde(rename = "eventID")]
    event_id: Option<String>,
    aws_region: Option<String>,
    #[serde(rename = "sourceIPAddress")]
    source_ip_address: Option<String>,
    user_agent: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
    recipient_account_id: Option<String>,
    user_identity: Option<UserIdentity>,
    request_parameters: Option<RequestParameters>,
    response_elements: Option<ResponseElements>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct UserIdentity {
    user_name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RequestParameters {
    role_arn: Option<String>,
    principal_arn: Option<String>,
    role_session_name: Option<String>,
    source_identity: Option<String>,
    principal_tags: Option<BTreeMap<String, serde_json::Value>>,
    transitive_tag_keys: Option<Vec<String>>,
    duration_seconds: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ResponseElements {
    credentials: Option<Credentials>,
    assumed_role_user: Option<AssumedRoleUser>,
    subject: Option<String>,
    subject_type: Option<String>,
    issuer: Option<String>,
    name_qualifier: Option<String>,
}

/// `sessionToken` is deliberately absent: it is a secret.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Credentials {
    access_key_id: Option<String>,
    expiration: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct AssumedRoleUser {
    assumed_role_id: Option<String>,
    arn: Option<String>,
}

/// The permission set behind an Identity Center role name
/// (`AWSReservedSSO_<PermissionSet>_<16 hex>`); set names may contain `_`.
pub fn permission_set(role_name: &str) -> Option<&str> {
    let rest = role_name.strip_prefix("AWSReservedSSO_")?;
    let (name, hex) = rest.rsplit_once('_')?;
    (!name.is_empty() && !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(name)
}

/// Column builders for `federated_sessions`, in schema order.
pub(crate) struct Rows {
    n: usize,
    strings: Vec<StringBuilder>,
    event_time: TimestampMicrosecondBuilder,
    tags: MapBuilder<StringBuilder, StringBuilder>,
    transitive: ListBuilder<StringBuilder>,
    duration: Int64Builder,
    times: [TimestampMicrosecondBuilder; 3],
    tail_strings: Vec<StringBuilder>,
    source_uri_col: StringBuilder,
    offset: Int64Builder,
}

/// Number of string columns before `principal_tags` and between `transitive…` and `source_uri`.
const HEAD_STRINGS: usize = 14;
const TAIL_STRINGS: usize = 7;

impl Rows {
    pub(crate) fn new() -> Self {
        Rows {
            n: 0,
            strings: (0..HEAD_STRINGS).map(|_| StringBuilder::new()).collect(),
            event_time: ts_builder(),
            tags: MapBuilder::new(None, StringBuilder::new(), StringBuilder::new()),
            transitive: ListBuilder::new(StringBuilder::new()),
            duration: Int64Builder::new(),
            times: [ts_builder(), ts_builder(), ts_builder()],
            tail_strings: (0..TAIL_STRINGS).map(|_| StringBuilder::new()).collect(),
            source_uri_col: StringBuilder::new(),
            offset: Int64Builder::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.n
    }

    pub fn push(&mut self, raw: &str, source_uri: &str, offset: i64) -> Result<(), String> {
        let r: SamlRecord = serde_json::from_str(raw)
            .map_err(|e| format!("malformed AssumeRoleWithSAML record: {e}"))?;
        let event_id = r
            .event_id
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or("record has no eventID")?;
        let time_text = r.event_time.as_deref().ok_or("record has no eventTime")?;
        let start = parse_iso(time_text)
            .ok_or_else(|| format!("eventTime `{time_text}` is not ISO 8601"))
            .and_then(in_range)?;
        let req = r.request_parameters.as_ref();
        let resp = r.response_elements.as_ref();
        let role_arn = req.and_then(|q| q.role_arn.as_deref());
        let role_name = role_arn
            .and_then(|a| a.rsplit('/').next())
            .filter(|n| !n.is_empty());
        let subject = resp.and_then(|p| p.subject.as_deref()).or_else(|| {
            r.user_identity
                .as_ref()
                .and_then(|u| u.user_name.as_deref())
        });
        let duration = match req.and_then(|q| q.duration_seconds.as_ref()) {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => Some(
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                    .ok_or_else(|| format!("durationSeconds `{v}` is not a number"))?,
            ),
        };
        let creds = resp.and_then(|p| p.credentials.as_ref());
        let expiration_text = creds.and_then(|c| c.expiration.as_deref());
        let expiration = match expiration_text {
            None => None,
            Some(text) => Some(parse_expiration(text).ok_or_else(|| {
                format!("credentials.expiration `{text}` is not a known time format")
            })?),
        };
        let failed = r.error_code.is_some();
        let expiry: Option<Micros> = (!failed).then(|| match (duration, expiration) {
            (Some(d), _) => start + d * 1_000_000,
            (None, Some(e)) => e,
            (None, None) => start + DEFAULT_DURATION_SECONDS * 1_000_000,
        });
        let role_user = resp.and_then(|p| p.assumed_role_user.as_ref());

        let head: [Option<&str>; HEAD_STRINGS] = [
            Some(event_id),
            r.event_version.as_deref(),
            r.recipient_account_id.as_deref(),
            r.aws_region.as_deref(),
            role_arn,
            role_name,
            role_name.and_then(permission_set),
            req.and_then(|q| q.principal_arn.as_deref()),
            subject,
            resp.and_then(|p| p.subject_type.as_deref()),
            resp.and_then(|p| p.issuer.as_deref()),
            resp.and_then(|p| p.name_qualifier.as_deref()),
            req.and_then(|q| q.role_session_name.as_deref()),
            req.and_then(|q| q.source_identity.as_deref()),
        ];
        // event_id is column 0 but the builders list starts with it too.
        for (b, v) in self.strings.iter_mut().zip(head) {
            b.append_option(v);
        }
        self.event_time.append_value(start);
        match req.and_then(|q| q.principal_tags.as_ref()) {
            Some(tags) => {
                for (k, v) in tags {
                    self.tags.keys().append_value(k);
                    match v {
                        serde_json::Value::String(s) => self.tags.values().append_value(s),
                        serde_json::Value::Null => self.tags.values().append_null(),
                        other => self.tags.values().append_value(other.to_string()),
                    }
                }
                self.tags.append(true).map_err(|e| e.to_string())?;
            }
            None => self.tags.append(false).map_err(|e| e.to_string())?,
        }
        match req.and_then(|q| q.transitive_tag_keys.as_ref()) {
            Some(keys) => {
                for k in keys {
                    self.transitive.values().append_value(k);
                }
                self.transitive.append(true);
            }
            None => self.transitive.append(false),
        }
        self.duration.append_option(duration);
        self.times[0].append_value(start);
        self.times[1].append_option(expiry);
        self.times[2].append_option(expiration);
        let tail: [Option<&str>; TAIL_STRINGS] = [
            role_user.and_then(|u| u.assumed_role_id.as_deref()),
            role_user.and_then(|u| u.arn.as_deref()),
            creds.and_then(|c| c.access_key_id.as_deref()),
            r.source_ip_address.as_deref(),
            r.user_agent.as_deref(),
            r.error_code.as_deref(),
            r.error_message.as_deref(),
        ];
        for (b, v) in self.tail_strings.iter_mut().zip(tail) {
            b.append_option(v);
        }
        self.source_uri_col.append_value(source_uri);
        self.offset.append_value(offset);
        self.n += 1;
        Ok(())
    }

    pub fn finish(&mut self) -> Result<RecordBatch, arrow::error::ArrowError> {
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(30);
        let mut head = self
            .strings
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef);
        cols.push(head.next().expect("event_id builder"));
        cols.push(Arc::new(self.event_time.finish()));
        cols.extend(head);
        cols.push(Arc::new(self.tags.finish()));
        cols.push(Arc::new(self.transitive.finish()));
        cols.push(Arc::new(self.duration.finish()));
        cols.extend(
            self.times
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        cols.extend(
            self.tail_strings
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        cols.push(Arc::new(self.source_uri_col.finish()));
        cols.push(Arc::new(self.offset.finish()));
        self.n = 0;
        RecordBatch::try_new(schema(), cols)
    }
}

fn ts_builder() -> TimestampMicrosecondBuilder {
    TimestampMicrosecondBuilder::new().with_timezone("UTC")
}
