//! The lake's tables: which schema, which column decides the date partition, and which
//! columns are low-cardinality enough for Parquet dictionary encoding. Column meanings
//! are documented once, beside each schema (`sources::*::schema`, `lake::manifest`,
//! `integrity::schema`).

use arrow::datatypes::SchemaRef;

use crate::integrity;
use crate::lake::{access_index, attribution_index, manifest, session_index};
use crate::sources::{
    Output, cloudtrail, db_events, db_users, iam_policy, okta, rds_inventory, saml,
};

pub struct TableDef {
    pub name: &'static str,
    pub schema: fn() -> SchemaRef,
    /// Timestamp column that picks the `date=` partition and the sort order.
    pub time_column: &'static str,
    /// Column used to break ties in the sort (provenance keeps order within a file).
    pub tie_column: &'static str,
    pub dictionary_columns: &'static [&'static str],
}

pub static FEDERATED_SESSIONS: TableDef = TableDef {
    name: "federated_sessions",
    schema: cloudtrail::schema,
    time_column: "event_time",
    tie_column: "source_offset",
    dictionary_columns: &[
        "event_version",
        "account_id",
        "region",
        "role_arn",
        "role_name",
        "permission_set",
        "saml_provider_arn",
        "subject",
        "subject_type",
        "issuer",
        "name_qualifier",
        "role_session_name",
        "source_identity",
        "source_ip",
        "user_agent",
        "error_code",
        "error_message",
        "source_uri",
    ],
};

pub static CLOUDTRAIL_EVENTS: TableDef = TableDef {
    name: "cloudtrail_events",
    schema: cloudtrail::events::schema,
    time_column: "event_time",
    tie_column: "source_offset",
    dictionary_columns: &[
        "event_version",
        "event_source",
        "event_name",
        "event_type",
        "account_id",
        "region",
        "identity_type",
        "principal_id",
        "identity_arn",
        "identity_account_id",
        "user_name",
        "actor",
        "invoked_by",
        "identity_provider",
        "session_issuer_arn",
        "session_issuer_name",
        "source_identity",
        "web_identity_provider",
        "on_behalf_of_user_id",
        "identity_store_arn",
        "source_ip",
        "user_agent",
        "error_code",
        "error_message",
        "source_uri",
    ],
};

pub static DB_EVENTS: TableDef = TableDef {
    name: "db_events",
    schema: db_events::schema,
    time_column: "event_time",
    tie_column: "source_offset",
    dictionary_columns: &[
        "instance",
        "engine",
        "server_host",
        "db_user",
        "client_host",
        "operation",
        "database",
        "object",
        "audit_type",
        "command",
        "object_type",
        "sql_state",
        "severity",
        "auth_method",
        "connection_type",
        "application_name",
        "secret_kind",
        "dialect",
        "source_uri",
        // A connection's rows lie all over a row group (rows are in time order), but a
        // row group of 131 K rows holds only the connections open in its minutes: as
        // a dictionary (deltas past 1 MB of ids), six days of 28.7 M rows took 53 MB
        // instead of 57, and reading it for `who`'s rows 0.1 s less (BENCHMARKS.md,
        // twenty-eighth run).
        "connection_id",
    ],
};

pub static IDP_EVENTS: TableDef = TableDef {
    name: "idp_events",
    schema: okta::schema,
    time_column: "published",
    tie_column: "source_offset",
    dictionary_columns: &[
        "event_type",
        "outcome_result",
        "outcome_reason",
        "severity",
        "display_message",
        "actor_type",
        "actor_alternate_id",
        "actor_display_name",
        "client_ip",
        "user_agent",
        "credential_type",
        "credential_provider",
        "authentication_provider",
        "target_app_name",
        "target_app_display_name",
        "sign_on_mode",
        "factor",
        "legacy_event_type",
        "target_user_login",
        "target_user_display_name",
        "source_uri",
    ],
};

pub static SAML_ASSERTIONS: TableDef = TableDef {
    name: "saml_assertions",
    schema: saml::schema,
    time_column: "issue_instant",
    tie_column: "source_offset",
    dictionary_columns: &[
        "issuer",
        "name_id_format",
        "name_qualifier",
        "sp_name_qualifier",
        "audience",
        "recipient",
        "authn_context_class_ref",
        "source_uri",
    ],
};

pub static INGEST_MANIFEST: TableDef = TableDef {
    name: "ingest_manifest",
    schema: manifest::manifest_schema,
    time_column: "ingested_at",
    tie_column: "size",
    dictionary_columns: &["kind", "layout", "status", "source_uri"],
};

pub static INGEST_REJECTS: TableDef = TableDef {
    name: "ingest_rejects",
    schema: manifest::rejects_schema,
    time_column: "ingested_at",
    tie_column: "source_offset",
    dictionary_columns: &["kind", "source_uri", "reason"],
};

pub static DIGEST_CHECKS: TableDef = TableDef {
    name: "digest_checks",
    schema: integrity::schema,
    time_column: "digest_end_time",
    tie_column: "item_key",
    dictionary_columns: &[
        "account_id",
        "region",
        "trail",
        "digest_key",
        "item_kind",
        "status",
    ],
};

pub static IAM_POLICIES: TableDef = TableDef {
    name: "iam_policies",
    schema: iam_policy::schema,
    time_column: "observed_at",
    tie_column: "source_offset",
    dictionary_columns: &[
        "principal_kind",
        "principal_name",
        "principal_arn",
        "account_id",
        "policy_name",
        "policy_arn",
        "policy_type",
        "origin",
        "source_uri",
    ],
};

pub static RDS_INSTANCES: TableDef = TableDef {
    name: "rds_instances",
    schema: rds_inventory::schema,
    time_column: "observed_at",
    tie_column: "source_offset",
    dictionary_columns: &[
        "resource_kind",
        "cluster_identifier",
        "engine",
        "engine_version",
        "account_id",
        "region",
        "status",
        "master_username",
        "source_uri",
    ],
};

pub static DB_USERS: TableDef = TableDef {
    name: "db_users",
    schema: db_users::schema,
    time_column: "observed_at",
    tie_column: "source_offset",
    dictionary_columns: &[
        "instance",
        "engine",
        "host",
        "auth_plugin",
        "origin",
        "source_uri",
    ],
};

/// The session index ([`session_index`]): `db_session_spans`' rows.
pub static SESSION_SPANS_INDEX: TableDef = TableDef {
    name: "session_spans_index",
    schema: session_index::spans_schema,
    time_column: "session_start",
    tie_column: "connection_id",
    dictionary_columns: &["instance", "open_uri", "next_uri"],
};

/// The session index ([`session_index`]): `db_session_facts`' rows.
pub static SESSION_FACTS_INDEX: TableDef = TableDef {
    name: "session_facts_index",
    schema: session_index::facts_schema,
    time_column: "session_start",
    tie_column: "connection_id",
    dictionary_columns: &[
        "instance",
        "engine",
        "db_user",
        "client_host",
        "initial_database",
        "application_name",
        "failure_sql_state",
        "failure_reason",
        "log_auth_method",
    ],
};

/// The session index ([`session_index`]): `db_event_minutes`' rows.
pub static EVENT_MINUTES_INDEX: TableDef = TableDef {
    name: "event_minutes_index",
    schema: session_index::minutes_schema,
    time_column: "minute",
    tie_column: "first_offset",
    dictionary_columns: &["instance", "first_uri", "last_uri"],
};

/// The stored attribution ([`attribution_index`]): `attributed_sessions`' rows.
pub static ATTRIBUTION_INDEX: TableDef = TableDef {
    name: "session_attribution_index",
    schema: attribution_index::schema,
    time_column: "session_start",
    tie_column: "connection_id",
    dictionary_columns: &[
        "instance",
        "engine",
        "db_user",
        "client_host",
        "initial_database",
        "application_name",
        "failure_sql_state",
        "failure_reason",
        "auth_method",
        "attribution",
        "confidence",
        "person",
        "person_key",
        "tag_key",
        "tag_key_source",
        "mfa_status",
    ],
};

/// The stored table accesses ([`access_index`]): `table_accesses.sql`'s rows, by the
/// UTC day of the accesses.
pub static TABLE_ACCESS_INDEX: TableDef = TableDef {
    name: "table_access_index",
    schema: access_index::schema,
    time_column: "first_seen",
    tie_column: "connection_id",
    dictionary_columns: &["table_key", "instance"],
};

pub static ALL_TABLES: [&TableDef; 16] = [
    &FEDERATED_SESSIONS,
    &CLOUDTRAIL_EVENTS,
    &DB_EVENTS,
    &INGEST_MANIFEST,
    &INGEST_REJECTS,
    &DIGEST_CHECKS,
    &IAM_POLICIES,
    &RDS_INSTANCES,
    &DB_USERS,
    &IDP_EVENTS,
    &SAML_ASSERTIONS,
    &SESSION_SPANS_INDEX,
    &SESSION_FACTS_INDEX,
    &EVENT_MINUTES_INDEX,
    &ATTRIBUTION_INDEX,
    &TABLE_ACCESS_INDEX,
];

/// The table a source output goes to.
pub fn for_output(output: Output) -> &'static TableDef {
    match output {
        Output::FederatedSessions => &FEDERATED_SESSIONS,
        Output::CloudTrailEvents => &CLOUDTRAIL_EVENTS,
        Output::DbEvents => &DB_EVENTS,
        Output::IamPolicies => &IAM_POLICIES,
        Output::RdsInstances => &RDS_INSTANCES,
        Output::DbUsers => &DB_USERS,
        Output::IdpEvents => &IDP_EVENTS,
        Output::SamlAssertions => &SAML_ASSERTIONS,
    }
}
