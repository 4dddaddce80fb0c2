//! Database accounts and how they authenticate → `db_users`, from an export file (CSV
//! or a JSON array) or from a live query (`tagtrail inventory`).
//!
//! The MySQL-family audit log never says how a user logged in; the account's
//! authentication plugin does (`AWSAuthenticationPlugin` = IAM). On PostgreSQL, RDS
//! authenticates members of `rds_iam` with IAM tokens. This table records that, per
//! instance and user, with when it was observed.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use serde_json::Value;

use super::columns::{Cell, RowBuilder};
use super::{BATCH_ROWS, FileStats, Output, Reject, Sink, SourceError, ts_type};

/// Schema of `db_users`: one row per account per observation.
///
/// | column | type | meaning |
/// |---|---|---|
/// | instance | utf8 | RDS instance identifier (as in `db_events.instance`) |
/// | engine | utf8 | `mysql` (MySQL family) or `postgres`; null when neither the file nor the plugin says |
/// | user_name | utf8 | the account (MySQL `User`, PostgreSQL role name) |
/// | host | utf8 | MySQL `Host` pattern (`%`, `localhost`…); null on PostgreSQL |
/// | auth_plugin | utf8 | MySQL `plugin` (`AWSAuthenticationPlugin`, `mysql_native_password`, `caching_sha2_password`…); PostgreSQL `rds_iam` for members of `rds_iam`, else `password` |
/// | iam | boolean | the account authenticates with IAM tokens (`AWSAuthenticationPlugin`, or member of `rds_iam`); null when the plugin is unknown |
/// | observed_at | timestamp(us, UTC) | live: when the query ran; file: its modification time for local files, the ingest run's start otherwise |
/// | origin | utf8 | `file` or `live` |
/// | source_uri | utf8 | the file, or the database URL queried (without its password) |
/// | source_offset | int64 | file: 1-based line (CSV) or 0-based array index (JSON); live: 0-based row of the query result |
pub fn schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let s = |n: &str| Field::new(n, DataType::Utf8, true);
        let req = |n: &str, t: DataType| Field::new(n, t, false);
        Arc::new(Schema::new(vec![
            req("instance", DataType::Utf8),
            s("engine"),
            req("user_name", DataType::Utf8),
            s("host"),
            s("auth_plugin"),
            Field::new("iam", DataType::Boolean, true),
            req("observed_at", ts_type()),
            req("origin", DataType::Utf8),
            req("source_uri", DataType::Utf8),
            req("source_offset", DataType::Int64),
        ]))
    });
    SCHEMA.clone()
}

/// The MySQL plugin of IAM database authentication on RDS.
pub const MYSQL_IAM_PLUGIN: &str = "AWSAuthenticationPlugin";
/// The PostgreSQL role whose members RDS authenticates with IAM tokens.
pub const PG_IAM_ROLE: &str = "rds_iam";

/// One account as read, before the row is built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DbUser {
    pub instance: String,
    pub engine: Option<String>,
    pub user_name: String,
    pub host: Option<String>,
    pub auth_plugin: Option<String>,
    pub iam: Option<bool>,
}

impl DbUser {
    /// A MySQL-family account from `mysql.user` (`user, host, plugin`). An empty
    /// plugin (MariaDB's bootstrap root, pre-5.7 rows) is the server's built-in
    /// password authentication: not IAM, though which hash is not said.
    pub fn mysql(instance: &str, user: &str, host: &str, plugin: &str) -> DbUser {
        let plugin = (!plugin.is_empty()).then(|| plugin.to_string());
        DbUser {
            instance: instance.to_string(),
            engine: Some("mysql".into()),
            user_name: user.to_string(),
            host: Some(host.to_string()),
            iam: Some(plugin.as_deref().is_some_and(is_iam_plugin)),
            auth_plugin: plugin,
        }
    }

    /// A PostgreSQL login role, member of `rds_iam` or not.
    pub fn postgres(instance: &str, user: &str, rds_iam: bool) -> DbUser {
        DbUser {
            instance: instance.to_string(),
            engine: Some("postgres".into()),
            user_name: user.to_string(),
            host: None,
            auth_plugin: Some(if rds_iam { PG_IAM_ROLE } else { "password" }.into()),
            iam: Some(rds_iam),
        }
    }
}

fn is_iam_plugin(plugin: &str) -> bool {
    plugin.eq_ignore_ascii_case(MYSQL_IAM_PLUGIN) || plugin.eq_ignore_ascii_case(PG_IAM_ROLE)
}

/// The engine a plugin name belongs to, when it says.
fn engine_of_plugin(plugin: &str) -> Option<&'static str> {
    match plugin.to_ascii_lowercase().as_str() {
        "rds_iam" | "password" | "md5" | "scram-sha-256" => Some("postgres"),
        "awsauthenticationplugin"
        | "mysql_native_password"
        | "caching_sha2_password"
        | "sha256_password"
        | "mysql_old_password"
        | "mysql_clear_password"
        | "auth_socket"
        | "unix_socket"
        | "ed25519"
        | "auth_pam" => Some("mysql"),
        _ => None,
    }
}

/// Where the rows came from and when; shared by every row of one file or query.
pub struct Provenance<'a> {
    pub origin: &'a str,
    pub source_uri: &'a str,
    pub observed_at: i64,
}

/// Builds `db_users` batches.
pub struct DbUserRows {
    rows: RowBuilder,
}

impl Default for DbUserRows {
    fn default() -> Self {
        DbUserRows {
            rows: RowBuilder::new(schema()),
        }
    }
}

impl DbUserRows {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn push(&mut self, p: &Provenance<'_>, user: &DbUser, offset: i64) {
        self.rows.push(&[
            Cell::Str(Some(&user.instance)),
            Cell::Str(user.engine.as_deref()),
            Cell::Str(Some(&user.user_name)),
            Cell::Str(user.host.as_deref()),
            Cell::Str(user.auth_plugin.as_deref()),
            Cell::Bool(user.iam),
            Cell::Time(Some(p.observed_at)),
            Cell::Str(Some(p.origin)),
            Cell::Str(Some(p.source_uri)),
            Cell::Int(Some(offset)),
        ]);
    }

    pub fn finish(&mut self) -> Result<RecordBatch, arrow::error::ArrowError> {
        self.rows.finish()
    }
}

/// What an export file does not say by itself.
pub struct Context<'a> {
    /// For files without an `instance` column: `--instance`, else the path.
    pub instance: Option<&'a str>,
    pub source_uri: &'a str,
    pub observed_at: i64,
}

/// Reads a CSV (comma or tab separated, header first) or a JSON array of objects.
/// Column names are matched case-insensitively and may be those of the live queries:
/// `instance`, `user` (`user_name`, `rolname`), `host`, `plugin` (`auth_plugin`,
/// `auth`), `rds_iam` (PostgreSQL membership, true/false), `engine`, `iam`.
pub fn parse(
    bytes: &[u8],
    ctx: &Context<'_>,
    sink: &mut Sink<'_>,
) -> Result<FileStats, SourceError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| SourceError::NotDbUsers(format!("not UTF-8 text: {e}")))?;
    let text = text.trim_start_matches('\u{feff}');
    let prov = Provenance {
        origin: "file",
        source_uri: ctx.source_uri,
        observed_at: ctx.observed_at,
    };
    let mut out = Emitter {
        rows: DbUserRows::default(),
        stats: FileStats::default(),
        prov,
    };
    if text.trim_start().starts_with('[') {
        parse_json(text, ctx, &mut out, sink)?;
    } else {
        parse_csv(text, ctx, &mut out, sink)?;
    }
    if !out.rows.is_empty() {
        sink(Output::DbUsers, out.rows.finish()?)?;
    }
    Ok(out.stats)
}

struct Emitter<'a> {
    rows: DbUserRows,
    stats: FileStats,
    prov: Provenance<'a>,
}

impl Emitter<'_> {
    fn record(
        &mut self,
        offset: i64,
        raw: &str,
        user: Result<DbUser, String>,
        sink: &mut Sink<'_>,
    ) -> Result<(), SourceError> {
        self.stats.records += 1;
        match user {
            Ok(u) => {
                self.rows.push(&self.prov, &u, offset);
                self.stats.kept += 1;
            }
            Err(reason) => self.stats.rejects.push(Reject::new(offset, reason, raw)),
        }
        if self.rows.len() >= BATCH_ROWS {
            sink(Output::DbUsers, self.rows.finish()?)?;
        }
        Ok(())
    }
}

/// The fields of one record, by canonical name.
#[derive(Default)]
struct Fields<'a> {
    instance: Option<&'a str>,
    user: Option<&'a str>,
    host: Option<&'a str>,
    plugin: Option<&'a str>,
    rds_iam: Option<&'a str>,
    engine: Option<&'a str>,
    iam: Option<&'a str>,
}

fn canonical(name: &str) -> Option<&'static str> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "instance" | "db_instance" | "dbinstanceidentifier" => "instance",
        "user" | "user_name" | "username" | "rolname" | "usename" => "user",
        "host" => "host",
        "plugin" | "auth_plugin" | "auth" => "plugin",
        "rds_iam" => "rds_iam",
        "engine" => "engine",
        "iam" => "iam",
        _ => return None,
    })
}

impl<'a> Fields<'a> {
    fn set(&mut self, name: &str, value: &'a str) {
        let value = Some(value.trim()).filter(|v| !v.is_empty());
        match name {
            "instance" => self.instance = value,
            "user" => self.user = value,
            "host" => self.host = value,
            "plugin" => self.plugin = value,
            "rds_iam" => self.rds_iam = value,
            "engine" => self.engine = value,
            "iam" => self.iam = value,
            _ => {}
        }
    }

    fn user(&self, default_instance: Option<&str>) -> Result<DbUser, String> {
        let instance = self.instance.or(default_instance).ok_or(
            "no instance: add an `instance` column or pass --instance (or put the file under rds/<instance>/)",
        )?;
        let user = self.user.ok_or("no user name")?;
        let flag = |what: &str, v: &str| {
            parse_bool(v).ok_or_else(|| format!("{what} `{v}` is not true or false"))
        };
        let mut u = match self.rds_iam {
            Some(v) => DbUser::postgres(instance, user, flag("rds_iam", v)?),
            None => DbUser {
                instance: instance.to_string(),
                engine: self.plugin.and_then(engine_of_plugin).map(str::to_string),
                user_name: user.to_string(),
                host: self.host.map(str::to_string),
                auth_plugin: self.plugin.map(str::to_string),
                iam: self.plugin.map(is_iam_plugin),
            },
        };
        if let Some(e) = self.engine {
            u.engine = Some(
                normalise_engine(e)
                    .ok_or_else(|| format!("engine `{e}` is neither MySQL-family nor PostgreSQL"))?
                    .into(),
            );
        }
        if let Some(v) = self.iam {
            u.iam = Some(flag("iam", v)?);
        }
        Ok(u)
    }
}

fn normalise_engine(e: &str) -> Option<&'static str> {
    let e = e.to_ascii_lowercase();
    if e.contains("postgres") {
        Some("postgres")
    } else if e.contains("mysql") || e.contains("mariadb") || e == "aurora" {
        Some("mysql")
    } else {
        None
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "t" | "true" | "1" | "yes" | "y" => Some(true),
        "f" | "false" | "0" | "no" | "n" => Some(false),
        _ => None,
    }
}

fn parse_csv(
    text: &str,
    ctx: &Context<'_>,
    out: &mut Emitter<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), SourceError> {
    let first = text.lines().next().unwrap_or_default();
    // `mysql -B` writes tab-separated output with the same header.
    let delimiter = if first.contains('\t') && !first.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<Option<&'static str>> = reader
        .headers()
        .map_err(|e| SourceError::NotDbUsers(format!("no CSV header: {e}")))?
        .iter()
        .map(canonical)
        .collect();
    if !header.contains(&Some("user")) {
        return Err(SourceError::NotDbUsers(
            "the CSV header has no `user` column (expected `instance,user,host,plugin`)".into(),
        ));
    }
    if !header.contains(&Some("instance")) && ctx.instance.is_none() {
        return Err(SourceError::NotDbUsers(
            "no `instance` column: pass --instance or put the file under rds/<instance>/".into(),
        ));
    }
    // csv's own line count skips blank lines; counting newlines before the record's
    // byte offset gives the line an editor shows.
    // A record's position can point at the blank lines before it.
    let line_of = |byte: u64| {
        let bytes = text.as_bytes();
        let mut at = (byte as usize).min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
            at += 1;
        }
        bytes[..at].iter().filter(|&&b| b == b'\n').count() as i64 + 1
    };
    let mut record = csv::StringRecord::new();
    loop {
        let at = line_of(reader.position().byte());
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(at, |p| line_of(p.byte()));
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                let raw = record.iter().collect::<Vec<_>>().join(",");
                let mut fields = Fields::default();
                for (name, value) in header.iter().zip(record.iter()) {
                    if let Some(n) = name {
                        fields.set(n, value);
                    }
                }
                out.record(line, &raw, fields.user(ctx.instance), sink)?;
            }
            Err(e) => {
                let line = e.position().map_or(at, |p| line_of(p.byte()));
                out.record(line, "", Err(format!("unreadable CSV record: {e}")), sink)?;
                if !matches!(
                    e.kind(),
                    csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }
                ) {
                    break;
                }
            }
        }
    }
    Ok(())
}

fn parse_json(
    text: &str,
    ctx: &Context<'_>,
    out: &mut Emitter<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), SourceError> {
    let items: Vec<Value> = serde_json::from_str(text)
        .map_err(|e| SourceError::NotDbUsers(format!("not a JSON array: {e}")))?;
    for (i, item) in items.iter().enumerate() {
        let raw = item.to_string();
        let user = match item.as_object() {
            None => Err("not a JSON object".to_string()),
            Some(obj) => {
                let texts: Vec<(&'static str, String)> = obj
                    .iter()
                    .filter_map(|(k, v)| {
                        let name = canonical(k)?;
                        let text = match v {
                            Value::String(s) => s.clone(),
                            Value::Bool(b) => b.to_string(),
                            Value::Number(n) => n.to_string(),
                            _ => return None,
                        };
                        Some((name, text))
                    })
                    .collect();
                let mut fields = Fields::default();
                for (name, value) in &texts {
                    fields.set(name, value);
                }
                fields.user(ctx.instance)
            }
        };
        out.record(i as i64, &raw, user, sink)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::json_value;
    use serde_json::json;

    fn rows(text: &str, instance: Option<&str>) -> (FileStats, Vec<Value>) {
        let ctx = Context {
            instance,
            source_uri: "/inv/users.csv",
            observed_at: 0,
        };
        let mut batches = Vec::new();
        let stats = parse(text.as_bytes(), &ctx, &mut |out, b| {
            assert_eq!(out, Output::DbUsers);
            batches.push(b);
            Ok(())
        })
        .unwrap();
        let cols = [
            "instance",
            "engine",
            "user_name",
            "host",
            "auth_plugin",
            "iam",
            "source_offset",
        ];
        let out = batches
            .iter()
            .flat_map(|b| {
                (0..b.num_rows())
                    .map(|r| {
                        Value::Object(
                            cols.iter()
                                .map(|c| {
                                    (
                                        c.to_string(),
                                        json_value(b.column_by_name(c).unwrap().as_ref(), r),
                                    )
                                })
                                .collect(),
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        (stats, out)
    }

    #[test]
    fn csv_with_instance_column_and_a_bad_row() {
        let csv = "instance,user,host,plugin\n\
                   billing-prod,anguyen,%,AWSAuthenticationPlugin\n\
                   billing-prod,admin,%,caching_sha2_password\n\
                   \n\
                   billing-prod,,%,mysql_native_password\n\
                   billing-prod,legacy,localhost,\n";
        let (stats, rows) = rows(csv, None);
        assert_eq!((stats.records, stats.kept, stats.rejects.len()), (4, 3, 1));
        assert_eq!(stats.rejects[0].offset, 5);
        assert_eq!(stats.rejects[0].reason, "no user name");
        assert_eq!(
            rows,
            vec![
                json!({"instance": "billing-prod", "engine": "mysql", "user_name": "anguyen", "host": "%",
                       "auth_plugin": "AWSAuthenticationPlugin", "iam": true, "source_offset": 2}),
                json!({"instance": "billing-prod", "engine": "mysql", "user_name": "admin", "host": "%",
                       "auth_plugin": "caching_sha2_password", "iam": false, "source_offset": 3}),
                json!({"instance": "billing-prod", "engine": null, "user_name": "legacy", "host": "localhost",
                       "auth_plugin": null, "iam": null, "source_offset": 6}),
            ]
        );
    }

    #[test]
    fn live_query_headers_tabs_and_postgres_membership() {
        // `mysql -B -e "SELECT user, host, plugin FROM mysql.user"` output.
        let (_, mysql) = rows(
            "User\tHost\tplugin\nbob\t%\tAWSAuthenticationPlugin\n",
            Some("shop-prod"),
        );
        assert_eq!(
            mysql,
            vec![
                json!({"instance": "shop-prod", "engine": "mysql", "user_name": "bob", "host": "%",
                        "auth_plugin": "AWSAuthenticationPlugin", "iam": true, "source_offset": 2})
            ]
        );
        let (_, pg) = rows("rolname,rds_iam\nalice,t\napp,f\n", Some("ledger-prod"));
        assert_eq!(
            pg,
            vec![
                json!({"instance": "ledger-prod", "engine": "postgres", "user_name": "alice", "host": null,
                       "auth_plugin": "rds_iam", "iam": true, "source_offset": 2}),
                json!({"instance": "ledger-prod", "engine": "postgres", "user_name": "app", "host": null,
                       "auth_plugin": "password", "iam": false, "source_offset": 3}),
            ]
        );
    }

    #[test]
    fn json_array_of_objects() {
        let doc = r#"[{"instance": "ledger-prod", "user": "alice", "auth": "rds_iam"},
                      {"instance": "ledger-prod", "user": "app", "plugin": "password", "engine": "aurora-postgresql"},
                      {"instance": "ledger-prod", "user": "x", "rds_iam": "maybe"}, 7]"#;
        let (stats, rows) = rows(doc, None);
        assert_eq!(
            stats
                .rejects
                .iter()
                .map(|r| (r.offset, r.reason.as_str()))
                .collect::<Vec<_>>(),
            vec![
                (2, "rds_iam `maybe` is not true or false"),
                (3, "not a JSON object")
            ]
        );
        assert_eq!(
            rows,
            vec![
                json!({"instance": "ledger-prod", "engine": "postgres", "user_name": "alice", "host": null,
                       "auth_plugin": "rds_iam", "iam": true, "source_offset": 0}),
                json!({"instance": "ledger-prod", "engine": "postgres", "user_name": "app", "host": null,
                       "auth_plugin": "password", "iam": false, "source_offset": 1}),
            ]
        );
    }

    #[test]
    fn a_file_without_instance_or_user_is_refused_whole() {
        let ctx = Context {
            instance: None,
            source_uri: "x",
            observed_at: 0,
        };
        let mut sink = |_: Output, _: RecordBatch| Ok(());
        let e = parse(b"user,host,plugin\nbob,%,x\n", &ctx, &mut sink).unwrap_err();
        assert!(e.to_string().contains("pass --instance"), "{e}");
        let e = parse(b"a,b\n1,2\n", &ctx, &mut sink).unwrap_err();
        assert!(e.to_string().contains("no `user` column"), "{e}");
    }
}
