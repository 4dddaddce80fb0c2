//! `userIdentity`: who made a call, in every shape CloudTrail writes.
//!
//! The variants differ in which fields they fill, not in structure, so one struct with
//! optional fields decodes all of them: `SAMLUser` (`userName` = SAML subject,
//! `identityProvider`), `AssumedRole` (`principalId` = `AROA…:<session>`, the join key
//! to the `AssumeRoleWithSAML` that created the session, plus `sessionContext` with the
//! issuer role, creation date, MFA flag and `sourceIdentity`), `IdentityCenterUser`
//! (since 2025: `onBehalfOf.userId` + `identityStoreArn` and `credentialId`, no user
//! name), `Unknown` (older Identity Center sign-ins, `userName` only), `IAMUser`,
//! `Root`, `AWSService` (`invokedBy`), `AWSAccount`, `WebIdentityUser`.

use serde::Deserialize;

#[derive(Debug, Deserialize, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct UserIdentity {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub principal_id: Option<String>,
    pub arn: Option<String>,
    pub account_id: Option<String>,
    pub access_key_id: Option<String>,
    pub user_name: Option<String>,
    pub invoked_by: Option<String>,
    pub identity_provider: Option<String>,
    pub credential_id: Option<String>,
    pub on_behalf_of: Option<OnBehalfOf>,
    pub session_context: Option<SessionContext>,
}

#[derive(Debug, Deserialize, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct OnBehalfOf {
    pub user_id: Option<String>,
    pub identity_store_arn: Option<String>,
}

#[derive(Debug, Deserialize, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionContext {
    pub session_issuer: Option<SessionIssuer>,
    pub attributes: Option<SessionAttributes>,
    pub source_identity: Option<String>,
    pub web_id_federation_data: Option<WebIdFederation>,
}

#[derive(Debug, Deserialize, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionIssuer {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub principal_id: Option<String>,
    pub arn: Option<String>,
    pub user_name: Option<String>,
}

#[derive(Debug, Deserialize, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionAttributes {
    pub creation_date: Option<String>,
    /// `"true"`/`"false"` as a string in real records; only AWS-side MFA (never Okta's).
    pub mfa_authenticated: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct WebIdFederation {
    pub federated_provider: Option<String>,
}

impl UserIdentity {
    fn context(&self) -> Option<&SessionContext> {
        self.session_context.as_ref()
    }

    pub fn issuer(&self) -> Option<&SessionIssuer> {
        self.context().and_then(|c| c.session_issuer.as_ref())
    }

    pub fn session_created(&self) -> Option<&str> {
        self.context()
            .and_then(|c| c.attributes.as_ref())
            .and_then(|a| a.creation_date.as_deref())
    }

    pub fn mfa_authenticated(&self) -> Option<bool> {
        let v = self
            .context()
            .and_then(|c| c.attributes.as_ref())
            .and_then(|a| a.mfa_authenticated.as_ref())?;
        match v {
            serde_json::Value::Bool(b) => Some(*b),
            serde_json::Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            serde_json::Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    pub fn source_identity(&self) -> Option<&str> {
        self.context().and_then(|c| c.source_identity.as_deref())
    }

    pub fn web_identity_provider(&self) -> Option<&str> {
        self.context()
            .and_then(|c| c.web_id_federation_data.as_ref())
            .and_then(|w| w.federated_provider.as_deref())
    }

    pub fn on_behalf_of_user(&self) -> Option<&str> {
        self.on_behalf_of
            .as_ref()
            .and_then(|o| o.user_id.as_deref())
    }

    pub fn identity_store_arn(&self) -> Option<&str> {
        self.on_behalf_of
            .as_ref()
            .and_then(|o| o.identity_store_arn.as_deref())
    }

    /// The most human name the record offers: a user name, else the session name of
    /// an assumed role (`AROA…:alice@example.com` → `alice@example.com`), else the
    /// Identity Store user id. Later work resolves ids to people; this is for reading.
    pub fn display_name(&self) -> Option<&str> {
        if let Some(n) = self.user_name.as_deref().filter(|n| !n.is_empty()) {
            return Some(n);
        }
        if self.kind.as_deref() == Some("AssumedRole")
            && let Some((_, session)) = self.principal_id.as_deref().and_then(|p| p.split_once(':'))
        {
            return Some(session);
        }
        self.on_behalf_of_user()
            .or(self.invoked_by.as_deref())
            .or(self.principal_id.as_deref().filter(|p| !p.is_empty()))
    }
}
