//! `tagtrail ddl`: the lake and tagtrail's questions for Athena or Spark, so an
//! organization that outgrows one machine asks the same questions over the same lake.
//! Tables become `CREATE TABLE` over the Parquet folders ([`tables`]); the views in
//! `queries/views/` and the question queries are rewritten for the engine's dialect
//! ([`dialect`]); views that need a tagtrail function no engine has are printed as
//! their rows ([`snapshot`]). `docs/portable-sql.md` lists every difference.

mod dialect;
mod snapshot;
mod tables;
mod types;

use std::path::{Path, PathBuf};

use crate::checks;
use crate::engine::{Engine, EngineError, views};
use crate::lake::{ALL_TABLES, Lake};

pub use dialect::{RFC3339_FORMAT, rewrite};

/// The engine the SQL is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlEngine {
    /// Amazon Athena (Trino SQL; Hive DDL with partition projection).
    Athena,
    /// Apache Spark SQL (3.4 or later: named parameter markers).
    Spark,
}

impl SqlEngine {
    pub fn name(self) -> &'static str {
        match self {
            SqlEngine::Athena => "athena",
            SqlEngine::Spark => "spark",
        }
    }

    pub fn from_name(name: &str) -> Option<SqlEngine> {
        [SqlEngine::Athena, SqlEngine::Spark]
            .into_iter()
            .find(|e| e.name() == name)
    }

    /// A table or view name in a query (Trino quotes with `"`, Spark with backticks).
    pub(crate) fn ident(self, name: &str) -> String {
        match self {
            SqlEngine::Athena => format!("\"{name}\""),
            SqlEngine::Spark => format!("`{name}`"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DdlError {
    #[error("column {column}: type {data_type} has no Athena/Spark DDL type")]
    UnsupportedType { column: String, data_type: String },
    #[error("{0}")]
    Unsupported(String),
    #[error("queries/{file}: {source}")]
    View {
        file: String,
        #[source]
        source: Box<DdlError>,
    },
    #[error("unknown query {0}: expected who, sessions, timeline or a check id (tagtrail checks)")]
    UnknownQuery(String),
    #[error("reading the partitions of {}: {source}", path.display())]
    Lake {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    LakeFiles(#[from] crate::lake::LakeError),
}

/// Views computed by tagtrail and printed as rows: `iam_policy_documents` and
/// `db_grants` need tagtrail's JSON and IAM policy functions (`json_string_at`,
/// `normalize_policy_document`, `rds_connect_grants`), which no engine has.
const SNAPSHOT_VIEWS: [&str; 2] = ["iam_policy_documents", "db_grants"];

/// Settings tagtrail keeps in memory and its SQL reads as tables: printed as rows when
/// the engine has them (`checks::tables::register` adds the check settings).
const SETTINGS_TABLES: [(&str, &str); 4] = [
    ("attribution_settings", "tag key, clock skew and MFA window"),
    (
        "check_settings",
        "thresholds and naming convention of the checks",
    ),
    ("tag_vocabulary", "allowed values per session-tag key"),
    (
        "required_tag_keys",
        "session-tag keys every federated session must carry",
    ),
];

/// Every statement `tagtrail ddl` prints, each ending with `;` and separated by a blank
/// line: tables over `location` (a URI: `s3://…`, `file:///…`), the attribution
/// settings of `engine` (the engine opened with this run's settings), then the views.
pub async fn ddl(
    lake: &Lake,
    engine: &Engine,
    target: SqlEngine,
    location: &str,
) -> Result<String, DdlError> {
    let mut out = Vec::new();
    let first_date =
        first_partition(lake)?.unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%d").to_string());
    for table in ALL_TABLES {
        let statements = tables::create_table(target, table, location, &first_date)?;
        out.push(format!(
            "-- table {}\n{}",
            table.name,
            statements.join(";\n")
        ));
    }
    for (name, what) in SETTINGS_TABLES {
        let registered =
            engine
                .context()
                .table_exist(name)
                .map_err(|source| EngineError::DataFusion {
                    context: format!("looking up {name}"),
                    source,
                })?;
        if registered {
            out.push(format!(
                "-- {name}: {what} (tagtrail.toml and flags of this run)\n{}",
                snapshot_view(engine, target, name).await?
            ));
        }
    }
    for view in views::VIEWS {
        let sql = if SNAPSHOT_VIEWS.contains(&view.name) {
            format!(
                "-- view {} (queries/{}): its SQL needs tagtrail's IAM policy functions, so these are its rows\n\
                 -- as of this run; run `tagtrail ddl` again after ingesting new policies or CloudTrail\n{}",
                view.name,
                view.file,
                snapshot_view(engine, target, view.name).await?
            )
        } else {
            let (body, _) = rewrite(view.sql, target, &[]).map_err(|e| DdlError::View {
                file: view.file.to_string(),
                source: Box::new(e),
            })?;
            format!(
                "-- view {} (queries/{})\nCREATE OR REPLACE VIEW {} AS\n{body}",
                view.name,
                view.file,
                target.ident(view.name)
            )
        };
        out.push(sql);
    }
    let mut text = format!(
        "-- tagtrail ddl --engine {}: the lake's tables and tagtrail's views (docs/portable-sql.md)\n\n",
        target.name()
    );
    for statement in out {
        text.push_str(&statement);
        text.push_str(";\n\n");
    }
    Ok(text)
}

async fn snapshot_view(engine: &Engine, target: SqlEngine, name: &str) -> Result<String, DdlError> {
    let frame = engine
        .context()
        .table(name)
        .await
        .map_err(|source| EngineError::DataFusion {
            context: format!("reading {name}"),
            source,
        })?;
    let schema = std::sync::Arc::new(frame.schema().as_arrow().clone());
    let batches = engine.sql(&format!("SELECT * FROM {name}")).await?;
    Ok(format!(
        "CREATE OR REPLACE VIEW {} AS\n{}",
        target.ident(name),
        snapshot::rows_sql(target, &schema, &batches)?
    ))
}

/// The earliest `date=YYYY-MM-DD` partition with a live file: where Athena's projected
/// range starts.
fn first_partition(lake: &Lake) -> Result<Option<String>, DdlError> {
    let live = lake.live_files()?;
    Ok(live
        .files
        .keys()
        .filter_map(|path| crate::lake::files::data_file(path))
        .map(|(_, date)| date)
        .min()
        .map(str::to_string))
}

/// A question tagtrail answers, as a query the engine runs with parameters.
pub struct Question {
    pub sql: String,
    /// Spark: the `:name` markers it uses. Athena: one entry per `?`, in order.
    pub parameters: Vec<String>,
}

/// `who`, `sessions`, `timeline` or a check id (its SQL over `$1` since, `$2` until),
/// rewritten for `target`.
pub fn question(name: &str, target: SqlEngine) -> Result<Question, DdlError> {
    let (file, sql, params): (String, &str, &[&str]) = match name {
        "who" => ("who.sql".into(), views::WHO, &["object", "since", "until"]),
        "sessions" => (
            "sessions.sql".into(),
            views::SESSIONS,
            &[
                "person",
                "db_user",
                "instance",
                "unattributed",
                "since",
                "until",
            ],
        ),
        "timeline" => (
            "timeline.sql".into(),
            views::TIMELINE,
            &["subject", "since", "until"],
        ),
        id => match checks::by_id(id) {
            Some(check) => (format!("checks/{id}.sql"), check.sql, &["since", "until"]),
            None => return Err(DdlError::UnknownQuery(id.to_string())),
        },
    };
    let (sql, order) = rewrite(sql, target, params).map_err(|e| DdlError::View {
        file,
        source: Box::new(e),
    })?;
    let parameters = match target {
        SqlEngine::Athena => order,
        SqlEngine::Spark => params
            .iter()
            .filter(|p| order.iter().any(|o| o == *p))
            .map(|p| p.to_string())
            .collect(),
    };
    Ok(Question { sql, parameters })
}

/// `question` as `tagtrail ddl --query` prints it: the parameters in a comment, then the
/// statement.
pub fn question_text(name: &str, target: SqlEngine) -> Result<String, DdlError> {
    let q = question(name, target)?;
    let how = match target {
        SqlEngine::Spark => "named parameters (spark.sql(query, args={…}))",
        SqlEngine::Athena => "positional parameters (EXECUTE … USING), in this order",
    };
    Ok(format!(
        "-- tagtrail ddl --engine {} --query {name}: {how}: {}\n{};\n",
        target.name(),
        q.parameters.join(", "),
        q.sql
    ))
}

/// Where an engine reads `lake` by default: its `s3://` URL, or a local lake's folder as
/// a `file://` URI for an engine on the same machine.
pub fn default_location(lake: &Lake) -> Result<String, DdlError> {
    let root = lake.root_url();
    if root.starts_with("s3://") {
        return Ok(root);
    }
    file_uri(Path::new(&root))
}

/// The lake folder as a `file://` URI, for an engine on the same machine.
pub fn file_uri(root: &Path) -> Result<String, DdlError> {
    let abs = std::path::absolute(root).map_err(|source| DdlError::Lake {
        path: root.to_path_buf(),
        source,
    })?;
    Ok(format!("file://{}", abs.display()))
}
