//! `missing-mfa`: database access through federated sessions signed in without MFA,
//! or with no evidence of MFA either way.

use super::{Check, Severity};

pub const CHECK: Check = Check {
    id: "missing-mfa",
    severity: Severity::High,
    title: "Database access by people signed in without MFA",
    doc: r#"## What it finds
People whose attributed database sessions ran under a federated session whose sign-in had
no second factor (`absent`: the Okta System Log shows the SSO to AWS in a session without
MFA; severity high), and separately those with no evidence either way (`unknown`: no IdP
log or SAML assertion covers the sign-in; severity low, a gap in the evidence rather than
a proven failure). One finding per person and status.

## Why it matters
CloudTrail never proves MFA for federated users (`mfaAuthenticated` is false for SAML
sessions); only the IdP knows. A database token minted from a password-only sign-in turns
one phished password into production data access.

## Example
`erin.walsh@example.com` federated three times in the demo week from an Okta session that
never verified a factor, and read `billing-prod` each time.

## Remediation
Require MFA in the Okta sign-on policy of the AWS IAM Identity Center app (or an
authentication policy with possession factor); ingest the Okta System Log (or capture
SAML assertions carrying `amr`) for the period so `unknown` becomes a verdict.

## References
- docs/attribution.md (rule R4, MFA evidence)
- https://developer.okta.com/docs/reference/api/system-log/
- https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html
"#,
    sql: include_str!("../../queries/checks/missing-mfa.sql"),
};

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::checks::Severity;
    use crate::checks::testing::{Lab, subjects};

    #[tokio::test]
    async fn unknown_without_idp_evidence_is_low() {
        let mut lab = Lab::new();
        lab.federate(
            "erin.walsh@example.com",
            &[("Username", "ewalsh")],
            "2026-11-16 09:00:00",
            8,
        );
        lab.mysql_session(
            "billing-prod",
            "ewalsh",
            "10.0.1.40",
            31,
            "2026-11-16 09:20:00",
            None,
        );
        lab.mysql_session(
            "billing-prod",
            "ewalsh",
            "10.0.1.40",
            32,
            "2026-11-16 10:20:00",
            None,
        );
        let found = lab.findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [("erin.walsh@example.com".to_string(), 2)]
        );
        assert_eq!(found[0].severity, Severity::Low);
        assert_eq!(found[0].evidence["mfa_status"], "unknown");
    }

    /// Erin signs in to Okta with a password only, SSOs to AWS IAM Identity Center 10 s
    /// before the federation, and reads billing-prod twice with it.
    fn erin_via_okta(mfa: bool) -> Lab {
        let mut lab = Lab::new();
        let okta_session = "102Ew4lshN0MfaS3ss10nXyZ";
        lab.okta_sign_in(
            "erin.walsh@example.com",
            okta_session,
            "2026-11-16 09:05:00",
            mfa,
        );
        lab.okta_sso_aws(
            "erin.walsh@example.com",
            okta_session,
            "2026-11-16 09:10:00",
        );
        lab.federate(
            "erin.walsh@example.com",
            &[("Username", "ewalsh")],
            "2026-11-16 09:10:10",
            8,
        );
        for (conn, at) in [(31, "2026-11-16 09:20:00"), (32, "2026-11-16 10:20:00")] {
            lab.mysql_session("billing-prod", "ewalsh", "10.0.1.40", conn, at, None);
        }
        lab
    }

    #[tokio::test]
    async fn absent_when_the_okta_session_never_verified_a_factor_is_high() {
        let found = erin_via_okta(false).findings(&CHECK).await;
        assert_eq!(
            subjects(&found),
            [("erin.walsh@example.com".to_string(), 2)]
        );
        let f = &found[0];
        assert_eq!(f.severity, Severity::High);
        assert_eq!(
            f.summary,
            "erin.walsh@example.com reached the database in 1 federated session(s) signed in without MFA"
        );
        assert_eq!(f.evidence["mfa_status"], "absent");
        assert_eq!(
            f.evidence["sessions"],
            serde_json::json!(["billing-prod:31:1", "billing-prod:32:1"])
        );
        let why = f.evidence["mfa_evidence"][0].as_str().unwrap();
        assert!(
            why.contains("session 102Ew4lshN0MfaS3ss10nXyZ shows no MFA"),
            "{why}"
        );
    }

    #[tokio::test]
    async fn a_push_verified_in_the_same_okta_session_is_no_finding() {
        let found = erin_via_okta(true).findings(&CHECK).await;
        assert_eq!(subjects(&found), []);
    }

    #[tokio::test]
    async fn unattributed_sessions_are_not_mfa_findings() {
        let mut lab = Lab::new();
        lab.mysql_session(
            "billing-prod",
            "ewalsh",
            "10.0.1.40",
            31,
            "2026-11-16 09:20:00",
            None,
        );
        assert_eq!(subjects(&lab.findings(&CHECK).await), []);
    }
}
