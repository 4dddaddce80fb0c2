//! Every verbatim line of the research note (db-audit-formats.md §c: lines real
//! PostgreSQL servers wrote, locally and on RDS) through the public entry point, with
//! the exact rows they must give.

use serde_json::{Value, json};

use super::*;
use crate::report::json_value;

mod connections;
mod csvlog;
mod lines;
mod real_server;
mod statements;

/// Columns that are the same for every row of a file.
const FILE_COLUMNS: [&str; 3] = ["instance", "engine", "source_uri"];

/// The rows as JSON objects without the per-file columns, nulls and unset flags, so a
/// test lists exactly what a row says and any other value makes it fail.
fn run(log: &(impl AsRef<[u8]> + ?Sized), format: Format<'_>, tz: Tz) -> (FileStats, Vec<Value>) {
    let ctx = Context {
        instance: "shop-pg",
        tz,
        source_uri: "/logs/error/postgresql.log.2026-11-28-15",
        format,
    };
    let mut batches = Vec::new();
    let stats = parse(log.as_ref(), &ctx, &mut |out, b| {
        assert_eq!(out, crate::sources::Output::DbEvents);
        batches.push(b);
        Ok(())
    })
    .unwrap();
    let mut rows = Vec::new();
    for b in &batches {
        for r in 0..b.num_rows() {
            let mut obj = serde_json::Map::new();
            for (i, field) in b.schema().fields().iter().enumerate() {
                let v = json_value(b.column(i).as_ref(), r);
                if FILE_COLUMNS.contains(&field.name().as_str()) {
                    assert_eq!(
                        v,
                        json!({"instance": "shop-pg", "engine": "postgres",
                               "source_uri": "/logs/error/postgresql.log.2026-11-28-15"})
                            [field.name()]
                    );
                    continue;
                }
                if field.name() == "words" {
                    // Derived from the statement and object (`sources::words` tests the rule).
                    let text = |c| json_value(b.column_by_name(c).unwrap().as_ref(), r);
                    let (statement, object) = (text("statement"), text("object"));
                    let want = crate::sources::words::of_row(statement.as_str(), object.as_str());
                    assert_eq!(v, json!(want), "{statement} {object}");
                    continue;
                }
                let unset_flag = v == json!(false)
                    && [
                        "opens_session",
                        "statement_truncated",
                        "not_utf8",
                        "redacted",
                    ]
                    .contains(&field.name().as_str());
                if !(v.is_null() || unset_flag) {
                    obj.insert(field.name().clone(), v);
                }
            }
            rows.push(Value::Object(obj));
        }
    }
    assert_eq!(
        stats.records,
        stats.kept + stats.skipped + stats.rejects.len() as u64,
        "{stats:?}"
    );
    (stats, rows)
}

fn stderr(log: &str) -> (FileStats, Vec<Value>) {
    run(log, Format::Stderr(LinePrefix::rds()), chrono_tz::UTC)
}

fn csvlog(log: &str) -> (FileStats, Vec<Value>) {
    run(log, Format::Csvlog, chrono_tz::UTC)
}

fn counts(s: &FileStats) -> (u64, u64, u64, usize) {
    (s.records, s.kept, s.skipped, s.rejects.len())
}
