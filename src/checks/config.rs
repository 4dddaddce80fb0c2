//! `tagtrail.toml`: what an organization decides once and every run then applies —
//! the db-user tag key and skew, required tag keys, the naming convention, the
//! vocabulary per key (written out or read from an AWS Organizations tag policy),
//! thresholds, severity overrides, disabled checks and accepted exceptions. Unknown
//! keys and check ids are errors naming their line: a typo in an audit configuration
//! must not silently switch a check off.
//!
//! ```toml
//! [attribution]
//! tag_key = "Username"
//! skew = "5m"
//!
//! [tags]
//! required = ["Username", "Department"]
//! convention = '^[a-z0-9]+(-[a-z0-9]+)*$'
//! vocabulary_from = "org-tag-policy.json"
//! [tags.vocabulary]
//! Project = ["project-alpha", "project-alpha2"]
//!
//! [thresholds]
//! failed_auth_burst_count = 5
//! failed_auth_burst_minutes = 10
//! audit_gap_minutes = 60
//! cloudtrail_gap_hours = 24
//!
//! [severity]
//! tag-convention = "info"
//!
//! [checks]
//! disable = ["audit-gap"]
//!
//! [report]
//! sensitive_objects = ["shop.customers"]
//!
//! [[exceptions]]
//! check = "shared-db-account"
//! subject = "breakglass"
//! justification = "Break-glass account, sealed in the vault (CHG-1042)"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::Severity;
use crate::engine::{parse_duration, validate_tag_key};

/// The default naming convention for tag values: lowercase words joined by hyphens.
pub const DEFAULT_CONVENTION: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    /// toml's message names the line and column and quotes it.
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: String,
        line: usize,
        message: String,
    },
}

/// A finding someone looked at and accepted, with why. Accepted findings are still
/// reported (status `accepted`), never hidden, and do not trip `--fail-on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    pub check: String,
    /// The finding's subject, exactly.
    pub subject: String,
    pub justification: String,
}

/// The validated configuration of the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckConfig {
    /// `[attribution] tag_key`: applies unless `--tag-key` is given.
    pub tag_key: Option<String>,
    /// `[attribution] skew`, in seconds: applies unless `--skew` is given.
    pub skew_seconds: Option<i64>,
    /// Keys every federated session must carry; empty means the db-user key.
    pub required_keys: Vec<String>,
    pub convention: String,
    /// Allowed values per key (from the file and the tag policy); a key without an
    /// entry has no vocabulary.
    pub vocabulary: BTreeMap<String, Vec<String>>,
    pub failed_auth_burst_count: i64,
    pub failed_auth_burst_minutes: i64,
    pub audit_gap_minutes: i64,
    /// `audit-gap`: hours without a CloudTrail log file (account, region) that count as
    /// a delivery gap; quiet hours deliver no file, a quiet day in a used region is rare.
    pub cloudtrail_gap_hours: i64,
    pub severity: BTreeMap<String, Severity>,
    pub disabled: Vec<String>,
    pub exceptions: Vec<Exception>,
    /// `[report] sensitive_objects`: the `database.table`s whose accesses `tagtrail
    /// report` lists, person by person.
    pub sensitive_objects: Vec<String>,
    /// Where it came from, for messages; `None` for the defaults.
    pub source: Option<PathBuf>,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            tag_key: None,
            skew_seconds: None,
            required_keys: Vec::new(),
            convention: DEFAULT_CONVENTION.to_string(),
            vocabulary: BTreeMap::new(),
            failed_auth_burst_count: 5,
            failed_auth_burst_minutes: 10,
            audit_gap_minutes: 60,
            cloudtrail_gap_hours: 24,
            severity: BTreeMap::new(),
            disabled: Vec::new(),
            exceptions: Vec::new(),
            sensitive_objects: Vec::new(),
            source: None,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    attribution: RawAttribution,
    #[serde(default)]
    tags: RawTags,
    #[serde(default)]
    thresholds: RawThresholds,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    checks: RawChecks,
    #[serde(default)]
    exceptions: Vec<RawException>,
    #[serde(default)]
    report: RawReport,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawReport {
    #[serde(default)]
    sensitive_objects: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAttribution {
    tag_key: Option<Spanned<String>>,
    skew: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTags {
    #[serde(default)]
    required: Vec<String>,
    convention: Option<Spanned<String>>,
    vocabulary_from: Option<Spanned<String>>,
    #[serde(default)]
    vocabulary: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawThresholds {
    failed_auth_burst_count: Option<Spanned<i64>>,
    failed_auth_burst_minutes: Option<Spanned<i64>>,
    audit_gap_minutes: Option<Spanned<i64>>,
    cloudtrail_gap_hours: Option<Spanned<i64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawChecks {
    #[serde(default)]
    disable: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    check: Spanned<String>,
    subject: String,
    justification: Spanned<String>,
}

impl CheckConfig {
    /// `--config PATH`, else `./tagtrail.toml` when it exists, else the defaults.
    pub fn discover(explicit: Option<&Path>) -> Result<CheckConfig, ConfigError> {
        match explicit {
            Some(p) => CheckConfig::load(p),
            None if Path::new("tagtrail.toml").is_file() => {
                CheckConfig::load(Path::new("tagtrail.toml"))
            }
            None => Ok(CheckConfig::default()),
        }
    }

    pub fn load(path: &Path) -> Result<CheckConfig, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        CheckConfig::parse(&text, path)
    }

    /// Parses and validates `text`, read from `path` (relative `vocabulary_from` paths
    /// are resolved against its folder).
    pub fn parse(text: &str, path: &Path) -> Result<CheckConfig, ConfigError> {
        let shown = path.display().to_string();
        let raw: RawFile = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: shown.clone(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let invalid = |span: std::ops::Range<usize>, message: String| ConfigError::Invalid {
            path: shown.clone(),
            line: text[..span.start.min(text.len())].matches('\n').count() + 1,
            message,
        };
        let known = |id: &Spanned<String>| match super::by_id(id.get_ref()) {
            Some(_) => Ok(id.get_ref().clone()),
            None => Err(invalid(
                id.span(),
                format!("no check `{}` (`tagtrail checks` lists them)", id.get_ref()),
            )),
        };
        let mut config = CheckConfig {
            source: Some(path.to_path_buf()),
            ..CheckConfig::default()
        };
        if let Some(k) = &raw.attribution.tag_key {
            config.tag_key = Some(
                validate_tag_key(k.get_ref())
                    .map_err(|m| invalid(k.span(), format!("tag_key: {m}")))?,
            );
        }
        if let Some(s) = &raw.attribution.skew {
            config.skew_seconds = Some(
                parse_duration(s.get_ref()).map_err(|m| invalid(s.span(), format!("skew: {m}")))?,
            );
        }
        config.required_keys = raw.tags.required;
        if let Some(c) = &raw.tags.convention {
            regex::Regex::new(c.get_ref())
                .map_err(|e| invalid(c.span(), format!("convention is not a regex: {e}")))?;
            config.convention = c.get_ref().clone();
        }
        if let Some(p) = &raw.tags.vocabulary_from {
            let file = path.parent().unwrap_or(Path::new(".")).join(p.get_ref());
            let policy = std::fs::read_to_string(&file)
                .map_err(|e| invalid(p.span(), format!("{}: {e}", file.display())))?;
            let from_policy = tag_policy_vocabulary(&policy)
                .map_err(|m| invalid(p.span(), format!("{}: {m}", file.display())))?;
            merge(&mut config.vocabulary, from_policy);
        }
        merge(&mut config.vocabulary, raw.tags.vocabulary);
        let t = &raw.thresholds;
        for (value, slot, name) in [
            (
                &t.failed_auth_burst_count,
                &mut config.failed_auth_burst_count,
                "failed_auth_burst_count",
            ),
            (
                &t.failed_auth_burst_minutes,
                &mut config.failed_auth_burst_minutes,
                "failed_auth_burst_minutes",
            ),
            (
                &t.audit_gap_minutes,
                &mut config.audit_gap_minutes,
                "audit_gap_minutes",
            ),
            (
                &t.cloudtrail_gap_hours,
                &mut config.cloudtrail_gap_hours,
                "cloudtrail_gap_hours",
            ),
        ] {
            if let Some(v) = value {
                if *v.get_ref() < 1 {
                    return Err(invalid(v.span(), format!("{name} must be at least 1")));
                }
                *slot = *v.get_ref();
            }
        }
        for (id, level) in &raw.severity {
            let id = known(id)?;
            let sev = Severity::from_name(level.get_ref()).ok_or_else(|| {
                invalid(
                    level.span(),
                    format!(
                        "severity `{}` is not one of critical, high, medium, low, info",
                        level.get_ref()
                    ),
                )
            })?;
            config.severity.insert(id, sev);
        }
        for id in &raw.checks.disable {
            config.disabled.push(known(id)?);
        }
        for e in raw.exceptions {
            let check = known(&e.check)?;
            if e.justification.get_ref().trim().is_empty() {
                return Err(invalid(
                    e.justification.span(),
                    "an exception needs a justification".into(),
                ));
            }
            config.exceptions.push(Exception {
                check,
                subject: e.subject,
                justification: e.justification.into_inner(),
            });
        }
        for o in &raw.report.sensitive_objects {
            let object = o.get_ref().replace('`', "");
            match object.split_once('.') {
                Some((db, table))
                    if !db.is_empty() && !table.is_empty() && !table.contains('.') =>
                {
                    config.sensitive_objects.push(object)
                }
                _ => {
                    return Err(invalid(
                        o.span(),
                        format!(
                            "sensitive_objects: `{}` is not database.table (for example shop.customers)",
                            o.get_ref()
                        ),
                    ));
                }
            }
        }
        Ok(config)
    }

    /// The keys `missing-required-tag` demands: the configured ones, else the db-user key.
    pub fn required_keys_or(&self, db_user_key: &str) -> Vec<String> {
        if self.required_keys.is_empty() {
            vec![db_user_key.to_string()]
        } else {
            self.required_keys.clone()
        }
    }
}

fn merge(into: &mut BTreeMap<String, Vec<String>>, from: BTreeMap<String, Vec<String>>) {
    for (k, values) in from {
        let slot = into.entry(k).or_default();
        for v in values {
            if !slot.contains(&v) {
                slot.push(v);
            }
        }
    }
}

/// The allowed values per key of an AWS Organizations tag policy (`tags.<name>.tag_key`
/// / `tag_value` with `@@assign`; the key's case is the policy's `tag_key`).
pub fn tag_policy_vocabulary(json: &str) -> Result<BTreeMap<String, Vec<String>>, String> {
    let doc: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let tags = doc
        .get("tags")
        .and_then(|t| t.as_object())
        .ok_or("not a tag policy: no `tags` object")?;
    let mut out = BTreeMap::new();
    for (name, entry) in tags {
        let key = entry
            .pointer("/tag_key/@@assign")
            .and_then(|k| k.as_str())
            .unwrap_or(name)
            .to_string();
        let values: Vec<String> = match entry.pointer("/tag_value/@@assign") {
            None => continue,
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| format!("tags.{name}.tag_value: {v} is not a string"))
                })
                .collect::<Result<_, _>>()?,
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            Some(other) => {
                return Err(format!(
                    "tags.{name}.tag_value.@@assign: {other} is not a list of strings"
                ));
            }
        };
        out.insert(key, values);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<CheckConfig, ConfigError> {
        CheckConfig::parse(text, Path::new("tagtrail.toml"))
    }

    #[test]
    fn a_full_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("policy.json"),
            r#"{"tags": {"project": {"tag_key": {"@@assign": "Project"},
                "tag_value": {"@@assign": ["project-alpha", "project-beta"]}},
                "costcenter": {"tag_key": {"@@assign": "CostCenter"}}}}"#,
        )
        .unwrap();
        let text = r#"
[attribution]
tag_key = "UserName"
skew = "2m"
[tags]
required = ["Username", "Department"]
convention = '^[a-z]+$'
vocabulary_from = "policy.json"
[tags.vocabulary]
Project = ["project-alpha", "project-alpha2"]
Department = ["engineering"]
[thresholds]
failed_auth_burst_count = 3
[severity]
missing-mfa = "critical"
[checks]
disable = ["unattributed-session"]
[[exceptions]]
check = "missing-mfa"
subject = "svc"
justification = "service principal, no human"
"#;
        let c = CheckConfig::parse(text, &dir.path().join("tagtrail.toml")).unwrap();
        assert_eq!(c.tag_key.as_deref(), Some("UserName"));
        assert_eq!(c.skew_seconds, Some(120));
        assert_eq!(c.required_keys, ["Username", "Department"]);
        assert_eq!(c.convention, "^[a-z]+$");
        assert_eq!(
            c.vocabulary,
            BTreeMap::from([
                ("Department".to_string(), vec!["engineering".to_string()]),
                (
                    "Project".to_string(),
                    vec![
                        "project-alpha".to_string(),
                        "project-beta".to_string(),
                        "project-alpha2".to_string()
                    ]
                ),
            ])
        );
        assert_eq!(
            (c.failed_auth_burst_count, c.failed_auth_burst_minutes),
            (3, 10)
        );
        assert_eq!(c.severity["missing-mfa"], Severity::Critical);
        assert_eq!(c.disabled, ["unattributed-session"]);
        assert_eq!(
            c.exceptions,
            [Exception {
                check: "missing-mfa".into(),
                subject: "svc".into(),
                justification: "service principal, no human".into()
            }]
        );
        assert_eq!(
            parse("").unwrap(),
            CheckConfig {
                source: Some("tagtrail.toml".into()),
                ..CheckConfig::default()
            }
        );
    }

    /// docs/tagtrail.example.toml is what users copy: it must stay valid.
    #[test]
    fn the_documented_example_parses() {
        let c = parse(include_str!("../../docs/tagtrail.example.toml")).unwrap();
        assert_eq!(c.tag_key.as_deref(), Some("Username"));
        assert_eq!(c.severity["tag-convention"], Severity::Info);
        assert_eq!(c.exceptions.len(), 1);
        assert_eq!(
            c.vocabulary["Environment"],
            ["production", "staging", "development"]
        );
        assert_eq!(c.sensitive_objects, ["shop.customers"]);
    }

    #[test]
    fn mistakes_name_their_line() {
        let e = parse("[checks]\ndisable = [\"missing-mfa\", \"shared-acount\"]\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "tagtrail.toml:2: no check `shared-acount` (`tagtrail checks` lists them)"
        );
        let e = parse("[severity]\n\nmissing-mfa = \"urgent\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "tagtrail.toml:3: severity `urgent` is not one of critical, high, medium, low, info"
        );
        let e = parse("[tags]\nconvention = '^[a-z'\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("tagtrail.toml:2: convention is not a regex"),
            "{e}"
        );
        let e = parse("[attribution]\nskew = \"5 minutes\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "tagtrail.toml:2: skew: \"5 minutes\": unknown unit \" minutes\" (use s, m or h)"
        );
        // toml's own message says where.
        let e = parse("[tags]\nrequried = [\"Username\"]\n").unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("tagtrail.toml: TOML parse error at line 2")
                && text.contains("requried"),
            "{text}"
        );
        let e = parse(
            "[[exceptions]]\ncheck = \"missing-mfa\"\nsubject = \"x\"\njustification = \" \"\n",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "tagtrail.toml:4: an exception needs a justification"
        );
    }

    #[test]
    fn tag_policies_give_values_under_the_policys_key_case() {
        let v = tag_policy_vocabulary(
            r#"{"tags": {"dept": {"tag_key": {"@@assign": "Department"},
                 "tag_value": {"@@assign": ["engineering", "finance"]},
                 "enforced_for": {"@@assign": ["rds:db"]}}}}"#,
        )
        .unwrap();
        assert_eq!(
            v,
            BTreeMap::from([(
                "Department".to_string(),
                vec!["engineering".to_string(), "finance".to_string()]
            )])
        );
        assert_eq!(
            tag_policy_vocabulary("{}").unwrap_err(),
            "not a tag policy: no `tags` object"
        );
    }

    #[test]
    fn report_sensitive_objects() {
        assert!(CheckConfig::default().sensitive_objects.is_empty());
        let c =
            parse("[report]\nsensitive_objects = [\"shop.customers\", \"`billing`.`invoices`\"]\n")
                .unwrap();
        assert_eq!(c.sensitive_objects, ["shop.customers", "billing.invoices"]);
        let e = parse("[report]\n\nsensitive_objects = [\"customers\"]\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "tagtrail.toml:3: sensitive_objects: `customers` is not database.table (for example shop.customers)"
        );
        let e = parse("[report]\nsensitive = []\n").unwrap_err();
        assert!(e.to_string().contains("sensitive"), "{e}");
    }

    #[test]
    fn cloudtrail_gap_hours_is_a_threshold() {
        assert_eq!(CheckConfig::default().cloudtrail_gap_hours, 24);
        let c = parse("[thresholds]\ncloudtrail_gap_hours = 48\n").unwrap();
        assert_eq!(c.cloudtrail_gap_hours, 48);
        let e = parse("[thresholds]\n\ncloudtrail_gap_hours = 0\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "tagtrail.toml:3: cloudtrail_gap_hours must be at least 1"
        );
    }
}
