//! `tagtrail report` through the binary on the demo week (2026-W47): exact key figures,
//! checked against independent `tagtrail query` counts; the JSON against the field list
//! of docs/report-json.md; findings new against an empty previous week; the files
//! checked into reports/ kept current.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{demo_lake, query, repo, scratch, tagtrail, tagtrail_output};

const WEEK: &str = "2026-W47";
const SINCE: &str = "TIMESTAMP '2026-11-16T00:00:00Z'";
const UNTIL: &str = "TIMESTAMP '2026-11-23T00:00:00Z'";

/// The demo lake and the W47 report written from it (once per test run: a report runs
/// every check twice, which takes a while in a debug build).
pub struct Demo {
    pub lake: PathBuf,
    pub out: PathBuf,
    pub stdout: String,
}

pub fn demo_report() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = scratch("report-demo");
        let lake = dir.join("lake");
        let tmp = demo_lake();
        copy_dir(tmp.path(), &lake);
        let config = dir.join("tagtrail.toml");
        std::fs::write(
            &config,
            "[report]\nsensitive_objects = [\"shop.customers\"]\n",
        )
        .unwrap();
        let out = dir.join("reports");
        let stdout = tagtrail(
            &lake,
            &[
                "report",
                "--week",
                WEEK,
                "--config",
                config.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
        );
        Demo { lake, out, stdout }
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn report_json() -> Value {
    let text = std::fs::read_to_string(demo_report().out.join(format!("{WEEK}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn figure<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no figure {name}"))
}

/// One number from an independent query.
fn count(lake: &Path, sql: &str) -> i64 {
    query(lake, sql)[0]["n"].as_i64().unwrap()
}

fn pct(part: i64, whole: i64) -> f64 {
    (1000.0 * part as f64 / whole as f64).round() / 10.0
}

#[test]
fn the_demo_week_has_exact_key_figures() {
    let demo = demo_report();
    let r = report_json();
    let lake = demo.lake.as_path();
    let week = format!("connect_time >= {SINCE} AND connect_time < {UNTIL}");
    let sessions = |filter: &str| {
        count(
            lake,
            &format!(
                "SELECT count(*) AS n FROM attributed_sessions WHERE success AND {week} AND {filter}"
            ),
        )
    };
    let db_sessions = sessions("true");
    let exact = sessions("attribution = 'exact'");
    let independent = [
        (
            "people_active",
            count(
                lake,
                &format!(
                    "SELECT count(DISTINCT subject) AS n FROM federated_sessions \
                     WHERE error_code IS NULL AND event_time >= {SINCE} AND event_time < {UNTIL}"
                ),
            ) as f64,
        ),
        (
            "federated_sessions",
            count(
                lake,
                &format!(
                    "SELECT count(*) AS n FROM federated_sessions \
                     WHERE error_code IS NULL AND event_time >= {SINCE} AND event_time < {UNTIL}"
                ),
            ) as f64,
        ),
        ("db_sessions", db_sessions as f64),
        ("exact_pct", pct(exact, db_sessions)),
        (
            "ambiguous_pct",
            pct(sessions("attribution = 'ambiguous'"), db_sessions),
        ),
        (
            "unattributed_pct",
            pct(sessions("attribution = 'unattributed'"), db_sessions),
        ),
        (
            "iam_login_pct",
            pct(sessions("auth_method = 'iam'"), db_sessions),
        ),
        (
            "password_login_pct",
            pct(sessions("auth_method = 'password'"), db_sessions),
        ),
        (
            "mfa_verified_pct",
            pct(
                sessions("attribution = 'exact' AND mfa_status = 'verified'"),
                exact,
            ),
        ),
        (
            "mfa_absent_pct",
            pct(
                sessions("attribution = 'exact' AND mfa_status = 'absent'"),
                exact,
            ),
        ),
        (
            "mfa_unknown_pct",
            pct(
                sessions("attribution = 'exact' AND mfa_status = 'unknown'"),
                exact,
            ),
        ),
        (
            "failed_logins",
            count(
                lake,
                &format!("SELECT count(*) AS n FROM db_sessions WHERE NOT success AND {week}"),
            ) as f64,
        ),
    ];
    let reported: Vec<(&str, f64)> = r["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["value"].as_f64().unwrap()))
        .collect();
    assert_eq!(reported, independent);
    // The demo week, pinned: 11 people, 23 federations, 87 sessions (22 exact, 1
    // ambiguous, 64 unattributed; 25 IAM, 62 password), MFA 16 verified / 4 absent / 2
    // unknown of the 22 exact, 3 failed IAM logins.
    let pinned = [
        ("people_active", 11.0),
        ("federated_sessions", 23.0),
        ("db_sessions", 87.0),
        ("exact_pct", 25.3),
        ("ambiguous_pct", 1.1),
        ("unattributed_pct", 73.6),
        ("iam_login_pct", 28.7),
        ("password_login_pct", 71.3),
        ("mfa_verified_pct", 72.7),
        ("mfa_absent_pct", 18.2),
        ("mfa_unknown_pct", 9.1),
        ("failed_logins", 3.0),
    ];
    assert_eq!(reported, pinned);
    // W46 holds no evidence: counts 0, percentages of nothing null.
    for f in r["figures"].as_array().unwrap() {
        if f["unit"] == "count" {
            assert_eq!(f["previous"], 0, "{f}");
            assert_eq!(f["change"], f["value"], "{f}");
        } else {
            assert_eq!(f["previous"], Value::Null, "{f}");
            assert_eq!(f["change"], Value::Null, "{f}");
        }
    }
    assert_eq!(
        figure(&r, "db_sessions")["query"],
        "queries/report/db_sessions.sql"
    );
    // The terminal summary: the figures and the findings by severity, then the files.
    let stdout = &demo.stdout;
    assert!(
        stdout.starts_with(
            "tagtrail compliance report 2026-W47 (2026-11-16T00:00:00Z to 2026-11-23T00:00:00Z, compared with 2026-W46)"
        ),
        "{stdout}"
    );
    for row in [
        "│ Database sessions                  ┆ 87       ┆ 0        ┆ +87    │",
        "│ Sessions attributed exactly        ┆ 25.3 %   ┆ n/a      ┆ n/a    │",
        "│ high     ┆ 5        ┆ 5   ┆ 0        │",
    ] {
        assert!(stdout.contains(row), "no `{row}` in\n{stdout}");
    }
    assert!(stdout.contains(&format!(
        "wrote {}",
        demo.out.join("2026-W47.json").display()
    )));
}

/// Field names of every object documented in docs/report-json.md, by path.
fn documented_fields() -> Vec<(String, Vec<String>)> {
    let doc = std::fs::read_to_string(repo().join("docs/report-json.md")).unwrap();
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in doc.lines() {
        if let Some(path) = line.strip_prefix("### `").and_then(|l| l.strip_suffix('`')) {
            out.push((path.to_string(), Vec::new()));
        } else if let Some(rest) = line.strip_prefix("| `")
            && let Some((field, _)) = rest.split_once("` |")
        {
            out.last_mut()
                .expect("a table under a heading")
                .1
                .push(field.to_string());
        }
    }
    out
}

/// Every value at `path` (`.scope.files[]`): arrays are entered at `[]`.
fn values_at<'a>(root: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut here = vec![root];
    for part in path
        .trim_start_matches('.')
        .split('.')
        .filter(|p| !p.is_empty())
    {
        let (name, each) = match part.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (part, false),
        };
        here = here
            .into_iter()
            .flat_map(|v| {
                let child = &v[name];
                if each {
                    child
                        .as_array()
                        .expect("an array")
                        .iter()
                        .collect::<Vec<_>>()
                } else {
                    vec![child]
                }
            })
            .collect();
    }
    here
}

#[test]
fn the_json_follows_the_documented_schema() {
    let r = report_json();
    let documented = documented_fields();
    assert!(documented.len() >= 15, "{documented:?}");
    for (path, fields) in &documented {
        let objects = values_at(&r, path);
        // Objects of an empty array (gaps, resolved) have nothing to check.
        if path != ".scope.gaps[]" {
            assert!(!objects.is_empty(), "nothing at {path}");
        }
        for o in objects {
            let keys: Vec<&str> = o
                .as_object()
                .unwrap_or_else(|| panic!("{path} is not an object"))
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, *fields, "{path}");
        }
    }
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["period"]["name"], "2026-W47");
    assert_eq!(r["previous_period"]["name"], "2026-W46");
    // Scope: the demo's one account and region, three instances, Okta; no digest checked.
    assert_eq!(r["scope"]["accounts"], serde_json::json!(["111122223333"]));
    assert_eq!(r["scope"]["regions"], serde_json::json!(["eu-west-1"]));
    assert_eq!(
        r["scope"]["instances"],
        serde_json::json!(["billing-prod", "ledger-prod", "shop-prod"])
    );
    assert_eq!(r["scope"]["idp"], serde_json::json!(["okta"]));
    assert_eq!(r["scope"]["digests"]["status"], "not-verified");
    let shop = r["scope"]["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["scope"] == "shop-prod")
        .unwrap();
    assert_eq!(
        (&shop["first_event"], &shop["last_event"], &shop["events"]),
        (
            &Value::from("2026-11-16T00:00:41Z"),
            &Value::from("2026-11-22T18:00:19Z"),
            &Value::from(192)
        )
    );
    // Every query of the appendix is the file it names.
    for q in r["appendix"].as_array().unwrap() {
        let file = std::fs::read_to_string(repo().join(q["file"].as_str().unwrap())).unwrap();
        assert_eq!(q["sql"].as_str().unwrap(), file.trim_end());
    }
}

#[test]
fn against_an_empty_previous_week_findings_are_new() {
    let demo = demo_report();
    let r = report_json();
    let findings: Vec<Value> = serde_json::from_str(&tagtrail(
        &demo.lake,
        &[
            "findings",
            "--since",
            "2026-11-16",
            "--until",
            "2026-11-23",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let items: Vec<&Value> = r["findings"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["items"].as_array().unwrap())
        .collect();
    assert_eq!(items.len(), findings.len());
    // W46 has no evidence, so every finding is new — except password-auth-account's:
    // it reports the inventory (accounts that authenticate with a password), which holds
    // whatever the period, so W46 has the same (check, subject) pairs.
    let persisting: Vec<(&str, &str)> = items
        .iter()
        .filter(|i| i["change"] != "new")
        .map(|i| (i["check"].as_str().unwrap(), i["subject"].as_str().unwrap()))
        .collect();
    assert_eq!(
        persisting,
        [
            ("password-auth-account", "admin"),
            ("password-auth-account", "admin"),
            ("password-auth-account", "app_legacy"),
            ("password-auth-account", "ledger_app"),
            ("password-auth-account", "postgres"),
            ("password-auth-account", "rdsadmin"),
            ("password-auth-account", "rdsadmin"),
        ]
    );
    assert!(
        items
            .iter()
            .all(|i| i["change"] == "new" || i["change"] == "persisting")
    );
    assert_eq!(r["findings"]["resolved"], serde_json::json!([]));
    let mfa = r["findings"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "missing-mfa")
        .unwrap();
    assert_eq!(mfa["severity"], "high");
    assert_eq!(mfa["new"], 3);
    assert_eq!(
        mfa["top_subjects"],
        serde_json::json!([
            "erin.walsh@example.com",
            "alice.nguyen@example.com",
            "bob.martin@example.com"
        ])
    );
    assert!(
        mfa["remediation"]
            .as_str()
            .unwrap()
            .starts_with("Require MFA in the Okta sign-on policy")
    );
    // shop.customers: the same rows as `tagtrail who`.
    let who: Value = serde_json::from_str(&tagtrail(
        &demo.lake,
        &[
            "who",
            "shop.customers",
            "--since",
            "2026-11-16",
            "--until",
            "2026-11-23",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let shop = &r["sensitive_objects"][0];
    assert_eq!(shop["object"], "shop.customers");
    assert_eq!(shop["accesses"], who);
    assert_eq!(
        shop["people"],
        serde_json::json!([
            "alice.nguyen@example.com",
            "bob.martin@example.com",
            "carol.diaz@example.com",
            "frank.li@example.com",
            "grace.kim@example.com"
        ])
    );
}

#[test]
fn the_checked_in_demo_report_is_current() {
    let demo = demo_report();
    for ext in ["md", "html", "json"] {
        let name = format!("{WEEK}.{ext}");
        let made = std::fs::read_to_string(demo.out.join(&name)).unwrap();
        if std::env::var_os("TAGTRAIL_BLESS").is_some() {
            std::fs::write(repo().join("reports").join(&name), &made).unwrap();
        }
        let kept = std::fs::read_to_string(repo().join("reports").join(&name)).unwrap_or_default();
        assert!(
            kept == made,
            "reports/{name} is stale: TAGTRAIL_BLESS=1 cargo test --test it report:: rewrites it"
        );
    }
    let md = std::fs::read_to_string(demo.out.join("2026-W47.md")).unwrap();
    for part in [
        "# tagtrail compliance report 2026-W47",
        "## 1. Scope and evidence",
        "| Database sessions | 87 | 0 | +87 | `db_sessions` |",
        "## 3. Findings",
        "## 4. Access to sensitive objects",
        "### `shop.customers`: 18 statement(s)",
        "## 5. Appendix: the SQL behind every figure",
        "### db_sessions (`queries/report/db_sessions.sql`)",
    ] {
        assert!(md.contains(part), "no `{part}` in the Markdown");
    }
}

#[test]
fn bad_periods_and_formats_are_refused() {
    let lake = scratch("report-args");
    for (args, message) in [
        (
            vec!["report", "--week", "2026-47"],
            "--week: `2026-47` is not an ISO week: write YYYY-Www, for example 2026-W47",
        ),
        (
            vec!["report", "--week", "2025-W53"],
            "--week: `2025-W53`: that year has no such ISO week",
        ),
        (
            vec!["report", "--until", "2026-11-23"],
            "--since: --until needs --since too (or use --week)",
        ),
    ] {
        let out = tagtrail_output(&lake, &args);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let out = tagtrail_output(
        &lake,
        &["report", "--week", "2026-W47", "--since", "2026-11-16"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
}

/// A report reads only the stored sessions that can be in its period and the one
/// before it (`Engine::within`); it must say what the report computed from every db
/// event says. One day of the demo week, so sessions before and after are left out;
/// the lake without its index marker computes every session from the events.
#[test]
fn a_report_over_the_period_s_stored_sessions_says_what_the_events_say() {
    let demo = demo_report();
    let dir = scratch("report-within");
    let unindexed = dir.join("unindexed");
    copy_dir(&demo.lake, &unindexed);
    std::fs::remove_file(unindexed.join("_tagtrail/session_index.json")).unwrap();
    let config = dir.join("tagtrail.toml");
    std::fs::write(
        &config,
        "[report]\nsensitive_objects = [\"shop.customers\"]\n",
    )
    .unwrap();
    let report = |lake: &Path, name: &str| {
        let out = dir.join(name);
        let run = tagtrail_output(
            lake,
            &[
                "report",
                "--since",
                "2026-11-18",
                "--until",
                "2026-11-19",
                "--format",
                "json",
                "--config",
                config.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let file = std::fs::read_dir(&out)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        serde_json::from_str::<Value>(&std::fs::read_to_string(file).unwrap()).unwrap()
    };
    let indexed = report(&demo.lake, "indexed");
    let computed = report(&unindexed, "computed");
    assert_eq!(indexed, computed);
    // The day has sessions, findings and accesses to compare, and the day before some.
    let sessions = figure(&indexed, "db_sessions");
    for when in ["value", "previous"] {
        assert!(sessions[when].as_f64().unwrap() > 0.0, "{sessions}");
    }
    assert!(!indexed["findings"]["checks"].as_array().unwrap().is_empty());
    assert!(
        !indexed["sensitive_objects"][0]["accesses"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
