//! Okta System Log → `idp_events`.
//!
//! CloudTrail cannot say whether a federated person passed MFA (research notes §3):
//! that evidence lives in Okta's System Log, stitched to the AWS sign-in by the Okta
//! session (`externalSessionId`). This module keeps one row per Okta event with the
//! fields that stitching and an auditor need.
//!
//! Two shapes arrive: the JSON array `/api/v1/logs` returns (compact or
//! pretty-printed) and NDJSON exports, one event per line; either may be gzip (the
//! caller decompresses). Exports reach gigabytes, so neither is read whole: array
//! elements are pulled one at a time from a streaming deserializer, NDJSON line by
//! line. NDJSON is read by lines rather than as a JSON stream so one broken line
//! costs one reject, not the rest of the file.

mod event;
mod stream;

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

pub use stream::parse;

use super::ts_type;

/// Schema of `idp_events`: one row per Okta System Log event.
///
/// | column | type | meaning |
/// |---|---|---|
/// | uuid | utf8 | the event's `uuid`, unique per event |
/// | published | timestamp(us, UTC) | `published`: when Okta recorded the event |
/// | event_type | utf8 | `eventType` (`user.session.start`, `user.authentication.sso`, `user.authentication.auth_via_mfa`, …) |
/// | outcome_result | utf8 | `outcome.result`: SUCCESS, FAILURE, CHALLENGE, ALLOW, DENY, SKIPPED, UNKNOWN |
/// | outcome_reason | utf8 | `outcome.reason` (`INVALID_CREDENTIALS`, `FAILED_PUSH_VERIFY_REJECTED`, …) |
/// | severity | utf8 | `severity`: DEBUG, INFO, WARN, ERROR |
/// | display_message | utf8 | `displayMessage` |
/// | actor_id | utf8 | `actor.id` (`00u…` for users) |
/// | actor_type | utf8 | `actor.type` (`User`, `SystemPrincipal`, `PublicClientApp`, …) |
/// | actor_alternate_id | utf8 | `actor.alternateId`: the user's Okta login |
/// | actor_display_name | utf8 | `actor.displayName` |
/// | client_ip | utf8 | `client.ipAddress` |
/// | user_agent | utf8 | `client.userAgent.rawUserAgent` |
/// | external_session_id | utf8 | `authenticationContext.externalSessionId`: every event of one Okta sign-in session shares it (`unknown` when Okta has none) |
/// | credential_type | utf8 | `authenticationContext.credentialType` (PASSWORD, OTP, SMS, ASSERTION, …) |
/// | credential_provider | utf8 | `authenticationContext.credentialProvider` (OKTA_CREDENTIAL_PROVIDER, DUO, YUBIKEY, …) |
/// | authentication_provider | utf8 | `authenticationContext.authenticationProvider` (OKTA_AUTHENTICATION_PROVIDER, FACTOR_PROVIDER, FEDERATION, …) |
/// | authentication_step | int32 | `authenticationContext.authenticationStep` |
/// | target_app_id | utf8 | `id` of the first `AppInstance` target (the app signed in to) |
/// | target_app_name | utf8 | that target's `alternateId` (the app label or OIN name, e.g. `amazon_aws_sso`) |
/// | target_app_display_name | utf8 | that target's `displayName` (e.g. `AWS IAM Identity Center`, `AWS Account Federation`) |
/// | sign_on_mode | utf8 | that target's `detailEntry.signOnModeType` (`SAML_2_0`, …) |
/// | factor | utf8 | the MFA factor the event names: `debugContext.debugData.factor` (e.g. `OKTA_VERIFY_PUSH`), else, for `user.authentication.auth_via_mfa` / `user.authentication.verify`, the authenticator target's `displayName` (else its `alternateId`) |
/// | transaction_id | utf8 | `transaction.id`: events of one HTTP request share it |
/// | legacy_event_type | utf8 | `legacyEventType` (`app.auth.sso`, `core.user.factor.attempt_success`, …) |
/// | target_user_id | utf8 | `id` of the first `User` target (`00u…`): the person an admin event is about — in `user.lifecycle.deactivate` / `suspend` the actor is the admin and the deactivated person is this target |
/// | target_user_login | utf8 | that target's `alternateId`: the person's Okta login |
/// | target_user_display_name | utf8 | that target's `displayName` |
/// | source_uri | utf8 | the file the event came from |
/// | source_offset | int64 | 0-based index of the event in the file (array element or non-blank NDJSON line) |
pub fn schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let s = |n: &str| Field::new(n, DataType::Utf8, true);
        Arc::new(Schema::new(vec![
            Field::new("uuid", DataType::Utf8, false),
            Field::new("published", ts_type(), false),
            s("event_type"),
            s("outcome_result"),
            s("outcome_reason"),
            s("severity"),
            s("display_message"),
            s("actor_id"),
            s("actor_type"),
            s("actor_alternate_id"),
            s("actor_display_name"),
            s("client_ip"),
            s("user_agent"),
            s("external_session_id"),
            s("credential_type"),
            s("credential_provider"),
            s("authentication_provider"),
            Field::new("authentication_step", DataType::Int32, true),
            s("target_app_id"),
            s("target_app_name"),
            s("target_app_display_name"),
            s("sign_on_mode"),
            s("factor"),
            s("transaction_id"),
            s("legacy_event_type"),
            s("target_user_id"),
            s("target_user_login"),
            s("target_user_display_name"),
            Field::new("source_uri", DataType::Utf8, false),
            Field::new("source_offset", DataType::Int64, false),
        ]))
    });
    SCHEMA.clone()
}

/// Whether the first bytes of a file look like Okta System Log events: a JSON object
/// (alone or first in an array) with `eventType` and a key only Okta writes. CloudTrail
/// records have `eventType` too, never `published`/`displayMessage`/`legacyEventType`.
pub fn looks_like_okta(head: &[u8]) -> bool {
    let text = head.trim_ascii_start();
    let text = text.strip_prefix(b"[").unwrap_or(text).trim_ascii_start();
    let has = |needle: &[u8]| text.windows(needle.len()).any(|w| w == needle);
    text.starts_with(b"{")
        && !text.starts_with(b"{\"Records\"")
        && has(b"\"eventType\"")
        && (has(b"\"published\"") || has(b"\"displayMessage\"") || has(b"\"legacyEventType\""))
}

#[cfg(test)]
mod tests;
