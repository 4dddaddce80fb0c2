//! Findings of the period against the previous period's: a (check, subject) pair is new
//! when the previous period had no finding of it, resolved when only the previous
//! period had one. Grouped by check, with the check's remediation from its docs.

use std::collections::BTreeSet;

use super::model::{CheckFindings, FindingItem, Findings, SeverityCount};
use crate::checks::{self, Finding, Severity, Status};

const TOP_SUBJECTS: usize = 5;

pub fn compare(current: &[Finding], previous: &[Finding]) -> Findings {
    let keys = |found: &[Finding]| -> BTreeSet<(String, String)> {
        found
            .iter()
            .map(|f| (f.check.to_string(), f.subject.clone()))
            .collect()
    };
    let (now, before) = (keys(current), keys(previous));
    let items: Vec<FindingItem> = current
        .iter()
        .map(|f| {
            let key = (f.check.to_string(), f.subject.clone());
            item(
                f,
                if before.contains(&key) {
                    "persisting"
                } else {
                    "new"
                },
            )
        })
        .collect();
    let resolved: Vec<FindingItem> = previous
        .iter()
        .filter(|f| !now.contains(&(f.check.to_string(), f.subject.clone())))
        .map(|f| item(f, "resolved"))
        .collect();
    let mut checks: Vec<CheckFindings> = Vec::new();
    for it in &items {
        match checks.iter_mut().find(|c| c.check == it.check) {
            Some(c) => c.items.push(it.clone()),
            None => {
                let check = checks::by_id(&it.check).expect("findings come from known checks");
                checks.push(CheckFindings {
                    check: it.check.clone(),
                    title: check.title.to_string(),
                    severity: it.severity.clone(),
                    new: 0,
                    top_subjects: Vec::new(),
                    remediation: remediation(check.doc),
                    items: vec![it.clone()],
                });
            }
        }
    }
    for c in &mut checks {
        c.new = c.items.iter().filter(|i| i.change == "new").count();
        for i in &c.items {
            if c.top_subjects.len() < TOP_SUBJECTS && !c.top_subjects.contains(&i.subject) {
                c.top_subjects.push(i.subject.clone());
            }
        }
    }
    let by_severity = Severity::ALL
        .iter()
        .map(|s| {
            let at = |list: &[FindingItem]| -> Vec<FindingItem> {
                list.iter()
                    .filter(|i| i.severity == s.name())
                    .cloned()
                    .collect()
            };
            let here = at(&items);
            SeverityCount {
                severity: s.name().to_string(),
                findings: here.len(),
                new: here.iter().filter(|i| i.change == "new").count(),
                resolved: at(&resolved).len(),
            }
        })
        .collect();
    Findings {
        by_severity,
        checks,
        resolved,
    }
}

fn item(f: &Finding, change: &str) -> FindingItem {
    FindingItem {
        check: f.check.to_string(),
        severity: f.severity.name().to_string(),
        subject: f.subject.clone(),
        summary: f.summary.clone(),
        count: f.count,
        first_seen: f.first_seen.clone(),
        last_seen: f.last_seen.clone(),
        status: match f.status {
            Status::Open => "open",
            Status::Accepted => "accepted",
        }
        .to_string(),
        change: change.to_string(),
    }
}

/// The text under `## Remediation`, up to the next heading.
pub fn remediation(doc: &str) -> String {
    doc.split_once("## Remediation\n")
        .map(|(_, rest)| rest.split("\n## ").next().unwrap_or(rest))
        .unwrap_or("")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn finding(check: &'static str, severity: Severity, subject: &str) -> Finding {
        Finding {
            check,
            severity,
            subject: subject.into(),
            summary: format!("{check} {subject}"),
            evidence: Value::Null,
            first_seen: None,
            last_seen: None,
            count: 1,
            status: Status::Open,
            justification: None,
        }
    }

    #[test]
    fn new_persisting_and_resolved_by_check_and_subject() {
        let now = [
            finding("missing-mfa", Severity::High, "erin"),
            finding("shared-db-account", Severity::High, "reporting"),
            finding("missing-mfa", Severity::Low, "bob"),
        ];
        let before = [
            finding("missing-mfa", Severity::Low, "erin"),
            finding("tag-typo", Severity::Medium, "dokafr"),
        ];
        let f = compare(&now, &before);
        let changes: Vec<(&str, &str, &str)> = f
            .checks
            .iter()
            .flat_map(|c| c.items.iter())
            .map(|i| (i.check.as_str(), i.subject.as_str(), i.change.as_str()))
            .collect();
        assert_eq!(
            changes,
            [
                ("missing-mfa", "erin", "persisting"),
                ("missing-mfa", "bob", "new"),
                ("shared-db-account", "reporting", "new"),
            ]
        );
        assert_eq!(f.checks[0].new, 1);
        assert_eq!(f.checks[0].top_subjects, ["erin", "bob"]);
        assert_eq!(f.checks[0].severity, "high");
        assert!(f.checks[0].remediation.starts_with("Require MFA"));
        assert_eq!(f.resolved.len(), 1);
        assert_eq!(f.resolved[0].subject, "dokafr");
        let counts: Vec<(String, usize, usize, usize)> = f
            .by_severity
            .into_iter()
            .map(|s| (s.severity, s.findings, s.new, s.resolved))
            .collect();
        assert_eq!(
            counts,
            [
                ("critical".into(), 0, 0, 0),
                ("high".into(), 2, 1, 0),
                ("medium".into(), 0, 0, 1),
                ("low".into(), 1, 1, 0),
                ("info".into(), 0, 0, 0),
            ]
        );
    }

    #[test]
    fn every_check_documents_a_remediation() {
        for c in checks::ALL {
            let r = remediation(c.doc);
            assert!(!r.is_empty() && !r.contains("## "), "{}: {r}", c.id);
        }
    }
}
