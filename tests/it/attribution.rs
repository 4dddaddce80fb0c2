//! The attribution rules of docs/attribution.md, one test each, on the demo week
//! (`fixtures/demo`: Okta System Log, CloudTrail, MariaDB / RDS MySQL audit logs, RDS
//! PostgreSQL logs, inventory and the DatabaseAccess policy), through the real binary.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::{assert_snapshot, demo_lake, fixture, query, tagtrail, temp_lake};

/// Every session's attribution (one run of `tagtrail sessions`: each run plans the whole
/// view stack, so tests pick from one answer).
fn sessions(lake: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = extra.to_vec();
    args.extend_from_slice(&["sessions", "--format", "json"]);
    let rows: Value = serde_json::from_str(&tagtrail(lake, &args)).unwrap();
    rows.as_array().unwrap().clone()
}

/// One session, picked by instance, db user and connect time.
fn pick(rows: &[Value], instance: &str, user: &str, connect: &str) -> Value {
    let row = rows
        .iter()
        .find(|r| r["instance"] == instance && r["db_user"] == user && r["connect_time"] == connect)
        .unwrap_or_else(|| panic!("no {user} session at {connect} on {instance}"));
    json!({
        "attribution": row["attribution"], "confidence": row["confidence"],
        "person": row["person"], "mfa_status": row["mfa_status"], "reason": row["reason"],
        "success": row["success"],
    })
}

#[test]
fn r1_the_policy_names_the_tag_key_before_the_flag() {
    // Alice's Monday login, and where each federated session's tag key came from.
    let alice = |lake: &Path, extra: &[&str]| {
        pick(
            &sessions(lake, extra),
            "shop-prod",
            "anguyen",
            "2026-11-16T09:14:02Z",
        )
    };
    let key_sources = |lake: &Path| {
        query(
            lake,
            "SELECT DISTINCT tag_key, tag_key_source FROM role_sessions",
        )
    };
    let lake = demo_lake();
    // DatabaseAccess's policy says ${aws:PrincipalTag/Username}: --tag-key does not apply.
    assert_eq!(
        alice(lake.path(), &["--tag-key", "Department"])["attribution"],
        "exact"
    );
    assert_eq!(
        key_sources(lake.path()),
        json!([{"tag_key": "Username", "tag_key_source": "policy"}])
    );
    // Without the policy, the flag decides: no session carries Department=anguyen.
    let evidence = tempfile::tempdir().unwrap();
    copy_dir(&fixture("demo"), evidence.path(), &|p| {
        !p.starts_with("iam")
    });
    let bare = temp_lake();
    // Its `expected/` answer file is rejected, as in fixtures/demo.
    let args = ["ingest", evidence.path().to_str().unwrap()];
    crate::support::ingest_rejecting(bare.path(), &args, "1 unreadable file(s) rejected");
    let by_department = alice(bare.path(), &["--tag-key", "Department"]);
    assert_eq!(by_department["attribution"], "unattributed");
    assert_eq!(
        by_department["reason"],
        "no federated session carried the tag value anguyen"
    );
    assert_eq!(alice(bare.path(), &[])["attribution"], "exact");
    assert_eq!(
        key_sources(bare.path()),
        json!([{"tag_key": "Username", "tag_key_source": "default"}])
    );
}

#[test]
fn r2_the_window_allows_the_clock_skew() {
    let lake = demo_lake();
    let all = sessions(lake.path(), &[]);
    // Dave's ledger login 2½ minutes after his session expired.
    let dave = pick(&all, "ledger-prod", "dokafor", "2026-11-18T16:06:10Z");
    assert_eq!(dave["attribution"], "exact");
    assert_eq!(dave["person"], "dave.okafor@example.com");
    let strict = pick(
        &sessions(lake.path(), &["--skew", "0"]),
        "ledger-prod",
        "dokafor",
        "2026-11-18T16:06:10Z",
    );
    assert_eq!(strict["attribution"], "unattributed");
    assert_eq!(
        strict["reason"],
        "no federated session open at connect: the nearest with dokafor expired 2 min before"
    );
    // Ivan, five hours after his session expired.
    let ivan = pick(&all, "ledger-prod", "ipetrov", "2026-11-20T21:52:47Z");
    assert_eq!(
        ivan,
        json!({"attribution": "unattributed", "confidence": "none", "person": null, "mfa_status": null,
               "reason": "no federated session open at connect: the nearest with ipetrov expired 300 min before",
               "success": true})
    );
}

#[test]
fn r3_r4_one_person_is_exact_several_are_ambiguous() {
    let lake = demo_lake();
    let all = sessions(lake.path(), &[]);
    let shared = pick(&all, "shop-prod", "reporting", "2026-11-17T09:12:44Z");
    assert_eq!(
        shared,
        json!({"attribution": "ambiguous", "confidence": "low", "person": null, "mfa_status": null,
               "reason": "2 people carried Username=reporting at connect time: grace.kim@example.com, heidi.schmidt@example.com",
               "success": true})
    );
    let rows: Value = serde_json::from_str(&tagtrail(
        lake.path(),
        &[
            "sessions",
            "--person",
            "heidi.schmidt@example.com",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(
        rows[0]["candidates"],
        json!(["grace.kim@example.com", "heidi.schmidt@example.com"])
    );
    // Two days later only Grace's session carries the tag.
    let grace = pick(&all, "shop-prod", "reporting", "2026-11-19T09:30:12Z");
    assert_eq!(grace["person"], "grace.kim@example.com");
    // Frank's IdP sends the key as `username`: keys compare case-insensitively.
    let frank = pick(&all, "shop-prod", "fli", "2026-11-18T09:41:50Z");
    assert_eq!(frank["person"], "frank.li@example.com");
    // A tag value that equals the db user only when case is ignored is no candidate.
    let kevin = pick(&all, "ledger-prod", "kwright", "2026-11-20T11:06:40Z");
    assert_eq!(
        kevin,
        json!({"attribution": "unattributed", "confidence": "none", "person": null, "mfa_status": null,
               "reason": "tag value differs from the db user only in case: kevin.wright@example.com (Username=KWright)",
               "success": false})
    );
    // A refused login is attributed too: the responder wants to see it.
    let bob = pick(&all, "ledger-prod", "bmartin", "2026-11-19T09:30:00Z");
    assert_eq!(
        (bob["success"].clone(), bob["person"].clone()),
        (json!(false), json!("bob.martin@example.com"))
    );
}

#[test]
fn r4_the_client_address_in_cloudtrail_raises_confidence() {
    let lake = demo_lake();
    let all = sessions(lake.path(), &[]);
    let carol = pick(&all, "ledger-prod", "cdiaz", "2026-11-20T10:15:05Z");
    assert_eq!(carol["confidence"], "high");
    assert_eq!(
        carol["reason"],
        "client 10.0.9.15 also made AWS calls as AROARZ5UQ3XGT7KDN4E2P:carol.diaz@example.com"
    );
    // The same day from her laptop: time only.
    let laptop = pick(&all, "shop-prod", "cdiaz", "2026-11-20T09:40:03Z");
    assert_eq!(laptop["confidence"], "medium");
}

#[test]
fn r5_password_accounts_are_named_as_such() {
    let lake = demo_lake();
    let all = sessions(lake.path(), &[]);
    let app = pick(&all, "shop-prod", "app_legacy", "2026-11-17T02:30:11Z");
    assert_eq!(
        app["reason"],
        "password account per inventory (mysql_native_password)"
    );
    let ledger = pick(&all, "ledger-prod", "ledger_app", "2026-11-17T02:00:03Z");
    assert_eq!(
        ledger["reason"],
        "password account per inventory (password)"
    );
    // The inventory also tells the MySQL sessions' authentication.
    assert_eq!(
        query(
            lake.path(),
            "SELECT db_user, auth_method FROM db_sessions WHERE instance = 'shop-prod' \
             AND db_user IN ('anguyen', 'app_legacy') GROUP BY db_user, auth_method ORDER BY db_user"
        ),
        json!([{"db_user": "anguyen", "auth_method": "iam"}, {"db_user": "app_legacy", "auth_method": "password"}])
    );
}

#[test]
fn r6_mfa_from_okta_from_a_tag_or_unknown() {
    let lake = demo_lake();
    let all = sessions(lake.path(), &[]);
    let mfa = |instance, user, connect| {
        let s = pick(&all, instance, user, connect);
        s["mfa_status"].as_str().unwrap().to_string()
    };
    // Alice signed in with an Okta Verify push, 11 s before the federation.
    assert_eq!(
        mfa("shop-prod", "anguyen", "2026-11-16T09:14:02Z"),
        "verified"
    );
    // Erin's sign-on policy let her in with a password alone.
    assert_eq!(
        mfa("ledger-prod", "ewalsh", "2026-11-18T10:30:00Z"),
        "absent"
    );
    // Judy's sign-ins are not in the Okta export; her AuthMethods tag says mfa.
    assert_eq!(
        mfa("billing-prod", "jchen", "2026-11-17T10:20:44Z"),
        "verified"
    );
    // Bob's afternoon session came from the portal session of the morning: no Okta SSO
    // within 10 minutes of it.
    assert_eq!(
        mfa("shop-prod", "bmartin", "2026-11-16T15:02:10Z"),
        "unknown"
    );
    let evidence = query(
        lake.path(),
        "SELECT mfa_evidence FROM attributed_sessions WHERE db_user = 'jchen' \
         AND connect_time = '2026-11-17T10:20:44Z'",
    );
    assert_eq!(
        evidence,
        json!([{"mfa_evidence": "session tag amr=pwd mfa"}])
    );
    let erin = query(
        lake.path(),
        "SELECT mfa_evidence FROM attributed_sessions WHERE db_user = 'ewalsh' \
         AND connect_time = '2026-11-18T10:30:00Z'",
    );
    let text = erin[0]["mfa_evidence"].as_str().unwrap();
    assert!(
        text.starts_with("okta sso ") && text.ends_with(" shows no MFA"),
        "{text}"
    );
}

#[test]
fn who_explain_shows_the_evidence() {
    let lake = demo_lake();
    let rows: Value = serde_json::from_str(&tagtrail(
        lake.path(),
        &["who", "shop.customers", "--explain", "--format", "json"],
    ))
    .unwrap();
    let app = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["db_user"] == "app_legacy")
        .unwrap();
    assert_eq!(
        app["evidence"]["reasons"],
        json!(["password account per inventory (mysql_native_password)"])
    );
    assert_eq!(app["evidence"]["client_hosts"], json!(["10.0.3.17"]));
    let plain: Value = serde_json::from_str(&tagtrail(
        lake.path(),
        &["who", "shop.customers", "--format", "json"],
    ))
    .unwrap();
    assert!(plain[0].get("evidence").is_none(), "{plain}");
    let md = tagtrail(lake.path(), &["who", "shop.customers", "--format", "md"]);
    assert!(md.starts_with("| person | db_user | instance |"), "{md}");
    assert!(md.lines().nth(1).unwrap().starts_with("|---|"), "{md}");
}

/// The timeline of one person, every source in order, against the reviewed snapshot
/// (`TAGTRAIL_BLESS=1` rewrites it after a deliberate change).
#[test]
fn timeline_of_erin_matches_the_snapshot() {
    let lake = demo_lake();
    let csv = tagtrail(
        lake.path(),
        &[
            "timeline",
            "erin.walsh@example.com",
            "--until",
            "2026-11-19",
            "--format",
            "csv",
        ],
    );
    let scrubbed = csv.replace(&format!("{}/", fixture("demo").display()), "<demo>/");
    assert_snapshot("timeline-erin.csv", &scrubbed);
    let kinds: Vec<&str> = scrubbed
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    for kind in [
        "okta sign-in",
        "okta sso",
        "aws federation",
        "db login",
        "db statement",
        "db logout",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing: {scrubbed}");
    }
    assert!(!kinds.contains(&"okta mfa"), "Erin has no MFA: {scrubbed}");
}

fn copy_dir(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let rel = path.strip_prefix(from).unwrap();
        if !keep(rel) {
            continue;
        }
        let dest = to.join(rel);
        if path.is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_dir(&path, &dest, &|_| true);
        } else {
            std::fs::copy(&path, &dest).unwrap();
        }
    }
}

/// An Okta-to-AWS assertion for `subject`, issued at `instant`, with these amr values
/// (the shape of `fixtures/saml/amr-assertion.xml`, unsigned).
fn assertion(id: &str, subject: &str, instant: &str, amr: &[&str]) -> String {
    let values: String = amr
        .iter()
        .map(|v| format!("<saml2:AttributeValue>{v}</saml2:AttributeValue>"))
        .collect();
    format!(
        "<?xml version='1.0' encoding='UTF-8'?>\
         <saml2:Assertion xmlns:saml2=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{id}\" IssueInstant=\"{instant}\" Version=\"2.0\">\
         <saml2:Issuer>http://www.okta.com/exk1fcia6d6EMsf331d8</saml2:Issuer>\
         <saml2:Subject><saml2:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\">{subject}</saml2:NameID></saml2:Subject>\
         <saml2:AuthnStatement AuthnInstant=\"{instant}\"><saml2:AuthnContext><saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>\
         <saml2:AttributeStatement><saml2:Attribute Name=\"amr\">{values}</saml2:Attribute></saml2:AttributeStatement>\
         </saml2:Assertion>"
    )
}

#[test]
fn r6_mfa_from_a_captured_saml_assertion() {
    let lake = demo_lake();
    let captures = tempfile::tempdir().unwrap();
    // Bob's Monday afternoon federation (F5, 14:20:05) has no Okta SSO near it; a captured
    // assertion 15 s before it says mfa. Alice's Thursday afternoon one (F19, 13:55:02)
    // gets an assertion with a password only.
    std::fs::write(
        captures.path().join("bob.xml"),
        assertion(
            "id-bob-1",
            "bob.martin@example.com",
            "2026-11-16T14:19:50.000Z",
            &["pwd", "mfa"],
        ),
    )
    .unwrap();
    std::fs::write(
        captures.path().join("alice.xml"),
        assertion(
            "id-alice-1",
            "alice.nguyen@example.com",
            "2026-11-19T13:54:40.000Z",
            &["pwd"],
        ),
    )
    .unwrap();
    tagtrail(lake.path(), &["ingest", captures.path().to_str().unwrap()]);
    let all = sessions(lake.path(), &[]);
    assert_eq!(
        pick(&all, "shop-prod", "bmartin", "2026-11-16T15:02:10Z")["mfa_status"],
        "verified"
    );
    let evidence = query(
        lake.path(),
        "SELECT f.person, m.mfa_status, m.mfa_evidence FROM session_mfa m \
         JOIN role_sessions f ON f.federation_event_id = m.federation_event_id \
         WHERE f.federation_time IN ('2026-11-16T14:20:05Z', '2026-11-19T13:55:02Z') ORDER BY f.person",
    );
    assert_eq!(
        evidence,
        json!([
            {"person": "alice.nguyen@example.com", "mfa_status": "absent",
             "mfa_evidence": "saml assertion id-alice-1 amr=pwd"},
            {"person": "bob.martin@example.com", "mfa_status": "verified",
             "mfa_evidence": "saml assertion id-bob-1 amr=mfa,pwd"},
        ])
    );
    let timeline = tagtrail(
        lake.path(),
        &[
            "timeline",
            "bob.martin@example.com",
            "--since",
            "2026-11-16T14:00:00Z",
            "--until",
            "2026-11-16T14:30:00Z",
            "--format",
            "csv",
        ],
    );
    assert!(
        timeline.contains("2026-11-16T14:19:50Z,saml assertion,SAML assertion from http://www.okta.com/exk1fcia6d6EMsf331d8 amr=pwd mfa"),
        "{timeline}"
    );
}

/// Every session of the demo week but RDS's own `rdsadmin` health checks, against the
/// reviewed snapshot (`TAGTRAIL_BLESS=1` rewrites it after a deliberate change).
#[test]
fn sessions_of_the_demo_week_match_the_snapshot() {
    let lake = demo_lake();
    let csv = tagtrail(lake.path(), &["sessions", "--format", "csv"]);
    let kept: Vec<&str> = csv.lines().filter(|l| !l.contains(",rdsadmin,")).collect();
    let text = kept.join("\n") + "\n";
    assert_snapshot("sessions-demo.csv", &text);
    let unattributed = tagtrail(
        lake.path(),
        &[
            "sessions",
            "--unattributed",
            "--instance",
            "ledger-prod",
            "--format",
            "csv",
        ],
    );
    assert_eq!(unattributed.lines().count(), 1 + 4, "{unattributed}");
}
