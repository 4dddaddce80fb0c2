//! What the evidence says about one identity, as plain values: the lake queries and the
//! `--assertion`/`--policy` files both fill these, and the diagnoses read only these, so
//! each diagnosis can be tested without a lake.

/// Microseconds since the Unix epoch, UTC.
pub type Micros = i64;

/// An Okta event: a sign-in (`user.session.start`) or an SSO to the AWS app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpEvent {
    pub id: String,
    pub time: Micros,
    pub success: bool,
    /// Okta's outcome reason for a failure (`INVALID_CREDENTIALS`, …).
    pub reason: Option<String>,
}

/// One `AssumeRoleWithSAML`, with the MFA evidence behind it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Federation {
    pub id: String,
    pub time: Micros,
    pub role_name: String,
    pub start: Micros,
    pub expiry: Micros,
    /// The key the role's policy reads (or the configured one), exactly as written there.
    pub tag_key: String,
    /// Session tags exactly as the IdP sent them.
    pub tags: Vec<(String, String)>,
    /// `verified`, `absent` or `unknown` (view `session_mfa`).
    pub mfa_status: String,
    pub mfa_evidence: Option<String>,
}

impl Federation {
    /// The tag IAM reads for `key`: keys compare case-insensitively.
    pub fn tag(&self, key: &str) -> Option<&(String, String)> {
        self.tags.iter().find(|(k, _)| k.eq_ignore_ascii_case(key))
    }

    pub fn is_identity_center(&self) -> bool {
        self.role_name.starts_with("AWSReservedSSO_")
    }
}

/// An `AssumeRoleWithSAML` that AWS refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationFailure {
    pub id: String,
    pub time: Micros,
    pub role_name: String,
    pub error_code: String,
    pub error_message: Option<String>,
}

/// A session-tag attribute of a SAML assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlAttribute {
    /// The full attribute name, as sent.
    pub name: String,
    pub values: Vec<String>,
    /// `file:line` or `saml_assertions <id>`.
    pub at: String,
}

/// One captured assertion (`--assertion`) or a `saml_assertions` row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assertion {
    /// `file` or `saml_assertions <id>`.
    pub origin: String,
    pub name_id: Option<String>,
    /// Audience or recipient is IAM Identity Center's (`…/platform/saml/…`), or a `Role`
    /// names an `AWSReservedSSO_` role; `None` when the assertion does not tell.
    pub to_identity_center: Option<bool>,
    pub attributes: Vec<SamlAttribute>,
    /// Attribute names `tagtrail lint saml` rejects: (`file:line:col`, lint id, message).
    pub name_problems: Vec<(String, String, String)>,
}

/// An `rds-db:connect` Allow (from `--policy` or `db_grants`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `file:line`, or the lake's policy name and source.
    pub at: String,
    pub principal: String,
    pub db_user_pattern: String,
    /// `per_person`, `literal`, `wildcard`.
    pub kind: String,
    /// The `${aws:PrincipalTag/KEY}` key, exactly as written.
    pub tag_key: Option<String>,
}

/// A database account from the inventory (`db_users`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbAccount {
    pub instance: String,
    pub user_name: String,
    pub auth_plugin: Option<String>,
    pub iam: Option<bool>,
}

/// One database login attempt (view `attributed_sessions`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Login {
    /// `instance:connection:seq`.
    pub at: String,
    pub instance: String,
    pub engine: String,
    pub time: Micros,
    pub db_user: String,
    pub success: bool,
    pub failure_code: Option<i32>,
    pub failure_reason: Option<String>,
    pub auth_method: Option<String>,
    pub statement_count: i64,
}

/// Everything found about one identity in the period.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facts {
    pub subject: String,
    pub persons: Vec<String>,
    pub sign_ins: Vec<IdpEvent>,
    pub sso: Vec<IdpEvent>,
    pub federations: Vec<Federation>,
    pub federation_failures: Vec<FederationFailure>,
    pub assertions: Vec<Assertion>,
    pub grants: Vec<Grant>,
    /// Whether the lake has any inventory at all (else a missing account is unknown).
    pub inventory_seen: bool,
    pub accounts: Vec<DbAccount>,
    pub logins: Vec<Login>,
    /// The configured db-user tag key, when neither a policy nor a session says one.
    pub configured_key: String,
    /// Clock skew allowed around a session's validity.
    pub skew: Micros,
}
