//! `CREATE TABLE` statements for the lake's tables. The lake's layout is
//! `<location>/<table>/date=YYYY-MM-DD/part-*.parquet`, which both engines read as a
//! Hive-partitioned Parquet table; Athena finds the partitions by projection (no
//! `MSCK REPAIR` runs as the lake grows), Spark by listing them once.

use std::fmt::Write;

use crate::lake::TableDef;

use super::types::column_type;
use super::{DdlError, SqlEngine};

/// The statements that declare `table` over `<location>/<table>/`; `first_date` starts
/// Athena's projected range (Spark lists the partitions that exist).
pub fn create_table(
    engine: SqlEngine,
    table: &TableDef,
    location: &str,
    first_date: &str,
) -> Result<Vec<String>, DdlError> {
    let schema = (table.schema)();
    let mut columns = Vec::new();
    for field in schema.fields() {
        columns.push(format!(
            "  `{}` {}",
            field.name(),
            column_type(engine, field)?
        ));
    }
    let dir = format!("{}/{}/", location.trim_end_matches('/'), table.name);
    let name = table.name;
    let mut sql = String::new();
    Ok(match engine {
        SqlEngine::Athena => {
            let _ = write!(
                sql,
                "CREATE EXTERNAL TABLE IF NOT EXISTS `{name}` (\n{}\n)\n\
                 PARTITIONED BY (`date` string)\n\
                 STORED AS PARQUET\n\
                 LOCATION '{}'\n\
                 TBLPROPERTIES (\n\
                 \x20 'projection.enabled'='true',\n\
                 \x20 'projection.date.type'='date',\n\
                 \x20 'projection.date.format'='yyyy-MM-dd',\n\
                 \x20 'projection.date.range'='{first_date},NOW',\n\
                 \x20 'projection.date.interval'='1',\n\
                 \x20 'projection.date.interval.unit'='DAYS',\n\
                 \x20 'storage.location.template'='{}date=${{date}}/'\n)",
                columns.join(",\n"),
                quote_text(&dir),
                quote_text(&dir),
            );
            vec![sql]
        }
        SqlEngine::Spark => {
            columns.push("  `date` STRING".to_string());
            let _ = write!(
                sql,
                "CREATE TABLE IF NOT EXISTS `{name}` (\n{}\n)\n\
                 USING parquet\n\
                 PARTITIONED BY (`date`)\n\
                 LOCATION '{}'",
                columns.join(",\n"),
                quote_text(&dir),
            );
            vec![sql, format!("ALTER TABLE `{name}` RECOVER PARTITIONS")]
        }
    })
}

/// A location inside single quotes: both engines' DDL parsers read `\` as an escape.
fn quote_text(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\'', "\\'")
}

#[cfg(test)]
mod tests {
    use super::create_table;
    use crate::ddl::SqlEngine;
    use crate::lake::ALL_TABLES;

    #[test]
    fn every_table_has_a_ddl_type_for_every_column() {
        for table in ALL_TABLES {
            for engine in [SqlEngine::Athena, SqlEngine::Spark] {
                let sql = create_table(engine, table, "s3://b/lake", "2026-11-16").unwrap();
                assert!(sql[0].contains(&format!("`{}`", table.name)), "{sql:?}");
            }
        }
    }

    #[test]
    fn spark_declares_the_partition_column_and_recovers_partitions() {
        let t = crate::lake::ALL_TABLES
            .iter()
            .find(|t| t.name == "db_users")
            .unwrap();
        let sql = create_table(SqlEngine::Spark, t, "file:///tmp/lake/", "2026-11-16").unwrap();
        assert!(sql[0].starts_with("CREATE TABLE IF NOT EXISTS `db_users` (\n  `"));
        assert!(sql[0].ends_with(
            "  `date` STRING\n)\nUSING parquet\nPARTITIONED BY (`date`)\nLOCATION 'file:///tmp/lake/db_users/'"
        ));
        assert_eq!(sql[1], "ALTER TABLE `db_users` RECOVER PARTITIONS");
    }
}
