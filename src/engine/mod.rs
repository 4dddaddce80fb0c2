//! The query layer: a DataFusion `SessionContext` over the lake, with tagtrail's SQL
//! functions and the views from `queries/`, so every answer tagtrail gives is a SQL
//! query a user can read, rerun and change with `tagtrail query`.

mod access;
mod attribution;
mod focus;
mod focus_rows;
mod index;
mod index_update;
mod live_store;
mod period;
mod settings;
mod shuffle;
pub mod table_keys;
pub mod udf;
pub mod udf_policy;
pub mod views;

use std::num::NonZeroUsize;
use std::sync::Arc;

use arrow::record_batch::RecordBatch;
use datafusion::common::ParamValues;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTableUrl};
use datafusion::error::DataFusionError;
use datafusion::execution::memory_pool::{GreedyMemoryPool, MemoryReservation, TrackConsumersPool};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};
use datafusion::scalar::ScalarValue;
use object_store::ObjectMeta;
use object_store::path::Path;

use crate::lake::{ALL_TABLES, Lake, LakeError};

pub use access::{AccessOutcome, build_access_index};
pub use attribution::{AttributionOutcome, build_attribution_index};
pub use index::{IndexOutcome, build_session_index};
pub use settings::{AttributionSettings, parse_duration, validate_tag_key};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{context}: {source}")]
    DataFusion {
        context: String,
        source: DataFusionError,
    },
    #[error(transparent)]
    Lake(#[from] LakeError),
}

fn df(context: impl Into<String>) -> impl FnOnce(DataFusionError) -> EngineError {
    let context = context.into();
    move |source| EngineError::DataFusion { context, source }
}

/// The values of the one column of `sql`'s rows, as text (NULLs left out); `context`
/// says what for, in an error.
pub(super) async fn texts(
    ctx: &SessionContext,
    sql: &str,
    context: &str,
) -> Result<Vec<String>, EngineError> {
    use arrow::array::AsArray;
    let batches = ctx
        .sql(sql)
        .await
        .map_err(df(context))?
        .collect()
        .await
        .map_err(df(context))?;
    let mut out = Vec::new();
    for batch in &batches {
        let column = arrow::compute::cast(batch.column(0), &arrow::datatypes::DataType::Utf8)
            .map_err(|e| df(context)(e.into()))?;
        let column = column.as_string::<i32>();
        out.extend(column.iter().flatten().map(str::to_string));
    }
    Ok(out)
}

/// Which sessions `tagtrail sessions` lists; `None` means any.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionFilter {
    pub person: Option<String>,
    pub db_user: Option<String>,
    pub instance: Option<String>,
    pub unattributed: bool,
}

/// How an engine reads the lake's Parquet files, which decides what it keeps of their
/// footers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LakeReads {
    /// Many questions over the same files: each file's statistics are collected at
    /// planning (the join order of the session views follows them) and the parsed
    /// footers are cached for the next query.
    Questions,
    /// Each file read once, whole (the session index): statistics and the footer cache
    /// would serve nothing, and at 2,121 `db_events` files they held 90 MiB of the
    /// index's 512 MiB target (`SELECT sum(connection_id) FROM db_events`: 217 → 128 MiB).
    OnePass,
}

/// Partitions of a question's plans: two per core. A scan splits its files between the
/// partitions by bytes, and the lake's files hold more rows per byte on some days than
/// on others: with one partition per core, one core read 42 % more rows of a week than
/// the other and then sat idle. Two per core are shared between the cores as they
/// finish: at 100 M db events on 2 cores, one binary run with two and with four
/// partitions answered `who` over a week in 5.9 and 4.6 s, `findings` in 6.8 and 5.7 s,
/// `report` in 14.1 and 11.5 s, the same each time (BENCHMARKS.md, fourteenth run).
/// More per core gained nothing.
///
/// Each partition of a sort reserves memory to merge what it spilled (10 MB), so under
/// a limit too small for 64 MiB a partition the question keeps one per core (a sort
/// past a 24 MiB limit failed with two per core). The index build keeps one per core.
fn question_partitions(cores: usize, memory_limit: usize) -> usize {
    (2 * cores).min((memory_limit / (64 << 20)).max(cores))
}

/// How many independent questions to run at once ([`Engine::questions_at_once`]): one
/// per partition, so that every core has work while another question is planned or
/// in its single-partition steps, but at most one per 256 MiB of the memory limit,
/// since each question in flight holds its own buffers and sorts from the same pool
/// (under a small limit they run one at a time, each with the whole pool). At 100 M db
/// events on 2 cores, four at a time were faster than two, and eight no faster.
fn questions_at_once(partitions: usize, memory_limit: usize) -> usize {
    partitions.min(memory_limit / (256 << 20)).max(1)
}

pub struct Engine {
    ctx: SessionContext,
    /// Views whose rows are held in memory ([`Engine::cache_views`]).
    cached: std::sync::Mutex<std::collections::BTreeSet<&'static str>>,
    /// What queries may use, in bytes (the pool's limit).
    memory_limit: usize,
    /// Whether the views of [`index::INDEXED`] read the lake's session index.
    indexed: bool,
    /// Whether the lake's stored attribution is current for this engine's settings
    /// ([`build_attribution_index`]): questions about a few rows then read their
    /// sessions' attribution instead of computing it.
    attributed: bool,
    /// The stored table accesses' marker while they are current for this engine's
    /// settings ([`build_access_index`]): `who` over whole days then reads them.
    accesses: Option<crate::lake::access_index::Marker>,
    /// The pool's share held by a focused engine's rows ([`Engine::focused`]).
    _held: Option<MemoryReservation>,
    /// Keeps an S3 lake's connection (and its runtime) alive while queries run.
    _lake: Lake,
}

impl Engine {
    /// Registers every lake table, the SQL functions and the views, with the default
    /// attribution settings.
    pub async fn open(lake: &Lake) -> Result<Engine, EngineError> {
        Engine::open_with(lake, &AttributionSettings::default()).await
    }

    /// Like [`Engine::open`], answering with `settings`.
    pub async fn open_with(
        lake: &Lake,
        settings: &AttributionSettings,
    ) -> Result<Engine, EngineError> {
        Engine::open_limited(lake, settings, default_memory_limit()).await
    }

    /// Like [`Engine::open_with`], with queries held to `memory_limit` bytes: sorts and
    /// aggregations past it spill to the temporary directory, and an operator that
    /// cannot spill fails with DataFusion's "Resources exhausted" naming it, instead of
    /// the whole process being killed by the kernel for running out of memory.
    ///
    /// The session views read the lake's session index when it is current
    /// ([`build_session_index`]).
    pub async fn open_limited(
        lake: &Lake,
        settings: &AttributionSettings,
        memory_limit: usize,
    ) -> Result<Engine, EngineError> {
        let indexed = index::is_current(lake)?;
        let mut engine =
            Engine::open_indexed(lake, settings, memory_limit, indexed, LakeReads::Questions)
                .await?;
        // The attribution's marker is computed once (it reads the ingest manifest):
        // the stored accesses' digest is made from it.
        let attribution = if indexed {
            attribution::current(lake, settings)?
        } else {
            None
        };
        if let Some(stored) = attribution {
            engine.attributed = true;
            engine.accesses = access::current(lake, &stored)?;
        }
        Ok(engine)
    }

    /// Like [`Engine::open_limited`], computing every view from the events, for one
    /// pass over the lake ([`LakeReads::OnePass`]).
    async fn open_for_one_pass(
        lake: &Lake,
        settings: &AttributionSettings,
        memory_limit: usize,
    ) -> Result<Engine, EngineError> {
        Engine::open_indexed(lake, settings, memory_limit, false, LakeReads::OnePass).await
    }

    async fn open_indexed(
        lake: &Lake,
        settings: &AttributionSettings,
        memory_limit: usize,
        indexed: bool,
        reads: LakeReads,
    ) -> Result<Engine, EngineError> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let partitions = match reads {
            LakeReads::Questions => question_partitions(cores, memory_limit),
            // The session index: its memory is bounded, and each partition holds buffers.
            LakeReads::OnePass => cores,
        };
        let config = SessionConfig::new()
            .with_target_partitions(partitions)
            .with_information_schema(true)
            .set_str("datafusion.execution.time_zone", "UTC")
            .set_bool(
                "datafusion.execution.collect_statistics",
                reads == LakeReads::Questions,
            );
        // Greedy, not fair: a fair pool splits the limit between the spilling operators
        // and refused one large sort batch with most of the limit unused.
        let pool = TrackConsumersPool::new(
            GreedyMemoryPool::new(memory_limit),
            NonZeroUsize::new(5).expect("non-zero"),
        );
        let mut runtime = RuntimeEnvBuilder::new();
        if reads == LakeReads::OnePass {
            runtime = runtime
                .with_metadata_cache_limit(0)
                .with_file_statistics_cache_limit(0);
        }
        let runtime = runtime
            .with_memory_pool(Arc::new(pool))
            .build_arc()
            .map_err(df("building the query runtime"))?;
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        register_functions(&ctx);
        register_lake(&ctx, lake).await?;
        let settings_table = settings
            .table()
            .map_err(df("building attribution_settings"))?;
        ctx.register_table(SETTINGS_TABLE, Arc::new(settings_table))
            .map_err(df("registering attribution_settings"))?;
        if indexed {
            index::create_views(&ctx, |_, rows| Ok(rows)).await?;
        }
        let engine = Engine {
            ctx,
            cached: Default::default(),
            memory_limit,
            indexed,
            attributed: false,
            accesses: None,
            _held: None,
            _lake: lake.clone(),
        };
        engine.plan_views().await?;
        Ok(engine)
    }

    /// Computes each named view once and keeps the rows in memory under the same name,
    /// for a question whose SQL reads the same views several times (`timeline`) or a
    /// run of many queries (`tagtrail findings`): DataFusion inlines a view at every
    /// reference, and the attribution views are the costly part of every answer. The
    /// views that read a cached one are planned again, so they read the rows in memory
    /// rather than recomputing them: each at most once per call, when a view to cache
    /// reads it or at the end (planning the readers again after each view took 0.26 s
    /// of `who`'s 3.7 at 100 M db events, most views planned three or four times).
    /// Names not among [`views::VIEWS`] are an error; a view already cached is kept.
    pub async fn cache_views(&self, names: &[&str]) -> Result<(), EngineError> {
        // Views planned over a view cached since: they would compute it again.
        let mut stale = std::collections::BTreeSet::new();
        for name in names {
            let view = views::VIEWS
                .iter()
                .find(|v| v.name == *name)
                .ok_or_else(|| EngineError::DataFusion {
                    context: format!("caching view {name}"),
                    source: DataFusionError::Plan(format!("{name} is not one of tagtrail's views")),
                })?;
            if self.cached_views().contains(view.name) {
                continue;
            }
            // What this view reads is planned over the rows cached so far, then itself.
            let mut now = views::read_by(view.name);
            now.insert(view.name);
            let now: std::collections::BTreeSet<_> = stale.intersection(&now).copied().collect();
            self.plan_again(&now).await?;
            stale.retain(|v| !now.contains(v));
            let frame = self
                .ctx
                .table(view.name)
                .await
                .map_err(df(format!("reading view {name}")))?;
            let cached = frame
                .cache()
                .await
                .map_err(df(format!("computing view {name}")))?;
            self.ctx
                .deregister_table(view.name)
                .map_err(df(format!("replacing view {name}")))?;
            self.ctx
                .register_table(view.name, cached.into_view())
                .map_err(df(format!("replacing view {name}")))?;
            self.cached
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .insert(view.name);
            stale.extend(views::readers_of(view.name));
        }
        self.plan_again(&stale).await
    }

    /// How many independent questions (a report's checks) to run at once.
    pub fn questions_at_once(&self) -> usize {
        questions_at_once(
            self.ctx.copied_config().target_partitions(),
            self.memory_limit,
        )
    }

    /// Whether questions read the stored session index or compute the sessions from
    /// the db events (no index, or one the lake has outgrown): the second costs a pass
    /// over every event.
    pub fn reads_session_index(&self) -> bool {
        self.indexed
    }

    fn cached_views(&self) -> std::collections::BTreeSet<&'static str> {
        self.cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Creates every view that is not cached or read from the index, in dependency
    /// order, over the tables and views registered now. A planned view holds the plans
    /// of the views it reads, inlined.
    async fn plan_views(&self) -> Result<(), EngineError> {
        self.create_views("CREATE VIEW", |_| true).await
    }

    /// Plans again, in dependency order, the views among `names` that are not cached
    /// or read from the index, so that they read what is registered now (a view just
    /// cached) rather than what they inlined before.
    async fn plan_again(
        &self,
        names: &std::collections::BTreeSet<&str>,
    ) -> Result<(), EngineError> {
        self.create_views("CREATE OR REPLACE VIEW", |v| names.contains(v))
            .await
    }

    async fn create_views(
        &self,
        verb: &str,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<(), EngineError> {
        let mut skipped = self.cached_views();
        if self.indexed {
            skipped.extend(index::INDEXED.iter().map(|(view, _)| *view));
        }
        for view in views::VIEWS.iter() {
            if skipped.contains(view.name) || !wanted(view.name) {
                continue;
            }
            let sql = format!("{verb} {} AS {}", view.name, view.sql);
            self.ctx.sql(&sql).await.map_err(df(format!(
                "creating view {} (queries/{})",
                view.name, view.file
            )))?;
        }
        Ok(())
    }

    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Runs any SQL over the lake's tables and views.
    pub async fn sql(&self, sql: &str) -> Result<Vec<RecordBatch>, EngineError> {
        self.sql_with(sql, Vec::new()).await
    }

    /// Runs SQL with `$1, $2, …` bound to `params`; values are never spliced into text.
    ///
    /// A question that reads the session spans computes them first
    /// ([`SESSION_SPANS`]).
    pub async fn sql_with(
        &self,
        sql: &str,
        params: Vec<ScalarValue>,
    ) -> Result<Vec<RecordBatch>, EngineError> {
        let mut frame = bind(self.ctx.sql(sql).await, params.clone())?;
        if !self.cached_views().contains(SESSION_SPANS)
            && reads_table(frame.logical_plan(), SESSION_SPANS).map_err(df("planning query"))?
        {
            self.cache_views(&[SESSION_SPANS]).await?;
            frame = bind(self.ctx.sql(sql).await, params)?;
        }
        frame.collect().await.map_err(df("running query"))
    }
}

/// The view every session question joins the db events to. Joined while it is still a
/// view, the planner estimated it larger than the events (its row counts are guesses
/// through a window and a union) and built the join's hash table from every db event:
/// at 33 M events that ran out of memory. Held in memory it has exact statistics, so
/// the planner builds from the spans (one row per session) and streams the events.
const SESSION_SPANS: &str = "db_session_spans";

/// Whether `plan` reads table or view `name` (the SQL planner inlines a view as a
/// subquery under the view's name).
fn reads_table(plan: &LogicalPlan, name: &str) -> Result<bool, DataFusionError> {
    let mut found = false;
    plan.apply_with_subqueries(|node| {
        found = match node {
            LogicalPlan::TableScan(scan) => scan.table_name.table() == name,
            LogicalPlan::SubqueryAlias(alias) => alias.alias.table() == name,
            _ => false,
        };
        Ok(if found {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    })?;
    Ok(found)
}

/// A planned query with `$1, $2, …` bound to `params`.
fn bind(
    frame: Result<DataFrame, DataFusionError>,
    params: Vec<ScalarValue>,
) -> Result<DataFrame, EngineError> {
    let frame = frame.map_err(df("planning query"))?;
    if params.is_empty() {
        return Ok(frame);
    }
    frame
        .with_param_values(ParamValues::List(
            params.into_iter().map(Into::into).collect(),
        ))
        .map_err(df("binding parameters"))
}

fn register_functions(ctx: &SessionContext) {
    for f in udf::all().into_iter().chain(udf_policy::all()) {
        ctx.register_udf(f);
    }
}

/// The one-row table of the attribution settings an engine answers with.
const SETTINGS_TABLE: &str = "attribution_settings";

/// The views every question about sessions reads, most of them several times: the
/// session spans (read again by `db_session_events` for the question's own rows), the
/// sessions (one pass over every db event), the federated sessions, the pairs of the two
/// that could match (read five times by the attribution), the Okta SSOs to AWS (read
/// twice by `session_mfa`, and each a join of Okta events and sessions: inlined, the
/// Okta events were read eight times, 1.1 s of `who`'s 5 at 100 M db events), and the
/// attribution. Callers that cache more views cache these first ([`Engine::cache_views`]).
pub const ATTRIBUTION_VIEWS: &[&str] = &[
    "db_session_spans",
    "db_sessions",
    "role_sessions",
    "session_matches",
    "idp_aws_sso",
    "attributed_sessions",
];

impl Engine {
    /// `tagtrail who`: accesses to `object` (`db.table`) in `[since, until)`.
    ///
    /// Over whole days of a table the stored accesses key, answered from its entries and
    /// their sessions' stored attribution ([`build_access_index`]). Otherwise, over the
    /// session index, answered from the rows naming the table in the period
    /// and their stored sessions ([`Engine::rows_focused`]), and their stored
    /// attribution while it is current ([`build_attribution_index`]); without the
    /// index, by an engine focused on those rows' connections ([`Engine::focused`]). Either way an incident
    /// question over a year of logs costs what the period's rows cost. An engine that
    /// already holds the sessions (a report, over its period) answers from them.
    pub async fn who(
        &self,
        object: &str,
        since: i64,
        until: i64,
    ) -> Result<Vec<RecordBatch>, EngineError> {
        let (asked, params) = who_params(object, since, until);
        if self.indexed && !self.holds_sessions() {
            if let Some(rows) = self
                .who_from_accesses(object, since, until, params.clone())
                .await?
            {
                return Ok(rows);
            }
            let dates = (
                focus::partition_text(since),
                focus::last_partition_text(until),
            );
            // A quarter of the limit, as for [`Engine::focused`].
            let focused = self
                .rows_focused(
                    views::WHO_ROWS,
                    asked,
                    dates,
                    self.memory_limit / 4,
                    self.attributed,
                )
                .await?;
            // With the attribution stored, the spans alone are computed (and read twice).
            let computed: &[&str] = if self.attributed {
                &[SESSION_SPANS]
            } else {
                ATTRIBUTION_VIEWS
            };
            focused.cache_views(computed).await?;
            return focused.sql_with(views::WHO, params).await;
        }
        self.answer_focused(&views::WHO_CONNECTIONS, asked, views::WHO, params)
            .await
    }

    /// `tagtrail sessions`: sessions matching `filter` that connected in `[since, until)`.
    ///
    /// Focused on the person's (or else the db user's) connections when one is asked
    /// for, like [`Engine::timeline`].
    pub async fn sessions(
        &self,
        filter: &SessionFilter,
        since: i64,
        until: i64,
    ) -> Result<Vec<RecordBatch>, EngineError> {
        let text = |v: &Option<String>| ScalarValue::Utf8(v.clone());
        let params = vec![
            text(&filter.person),
            text(&filter.db_user),
            text(&filter.instance),
            ScalarValue::Boolean(Some(filter.unattributed)),
            ts(since),
            ts(until),
        ];
        match filter.person.as_ref().or(filter.db_user.as_ref()) {
            Some(subject) => {
                let focus = vec![ScalarValue::Utf8(Some(subject.clone()))];
                self.answer_focused(views::SUBJECT_CONNECTIONS, focus, views::SESSIONS, params)
                    .await
            }
            None => {
                self.cache_views(ATTRIBUTION_VIEWS).await?;
                self.sql_with(views::SESSIONS, params).await
            }
        }
    }

    /// `tagtrail timeline`: every event about `subject` (person or db user) in `[since, until)`.
    ///
    /// Focused like [`Engine::who`], on the connections that logged in as the subject or
    /// as one of the subject's tag values.
    pub async fn timeline(
        &self,
        subject: &str,
        since: i64,
        until: i64,
    ) -> Result<Vec<RecordBatch>, EngineError> {
        let subject = ScalarValue::Utf8(Some(subject.to_string()));
        let focus = vec![subject.clone()];
        let params = vec![subject, ts(since), ts(until)];
        self.answer_focused(views::SUBJECT_CONNECTIONS, focus, views::TIMELINE, params)
            .await
    }
}

/// Half the machine's memory (`MemTotal` in `/proc/meminfo`), or 4 GiB where that
/// cannot be read: room for the query and for the rest of the machine.
pub fn default_memory_limit() -> usize {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| mem_total(&text))
        .map_or(4 << 30, |total| total / 2)
}

fn mem_total(meminfo: &str) -> Option<usize> {
    let kib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse::<usize>()
        .ok()?;
    Some(kib * 1024)
}

/// Registers the lake's store, seeing only the live files, and one listing table per
/// lake table with its `date` partition column.
async fn register_lake(ctx: &SessionContext, lake: &Lake) -> Result<(), EngineError> {
    let root = lake.root_url();
    let base = ListingTableUrl::parse(&root).map_err(df(format!("lake at {root}")))?;
    let live = lake.live_files()?;
    let metas = live
        .files
        .iter()
        .map(|(rel, f)| ObjectMeta {
            location: if base.prefix().as_ref().is_empty() {
                Path::from(rel.as_str())
            } else {
                Path::from(format!("{}/{rel}", base.prefix()))
            },
            last_modified: f.last_modified,
            size: f.size,
            e_tag: None,
            version: None,
        })
        .collect();
    let store = live_store::LiveStore::new(lake.object_store(), base.prefix().clone(), metas);
    let store_url = base.object_store();
    ctx.register_object_store(AsRef::<url::Url>::as_ref(&store_url), Arc::new(store));
    for table in ALL_TABLES {
        let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
            .with_file_extension(".parquet")
            .with_table_partition_cols(vec![(
                "date".to_string(),
                arrow::datatypes::DataType::Utf8,
            )]);
        let path = format!("{root}{}/", table.name);
        ctx.register_listing_table(table.name, &path, options, Some((table.schema)()), None)
            .await
            .map_err(df(format!("registering table {} at {path}", table.name)))?;
    }
    Ok(())
}

/// The parameters of `who`'s focus query (`views::WHO_CONNECTIONS`) and of its answer
/// (`views::WHO`): the focus query also reads $4/$5, the period's `date=` partitions,
/// and $6, the bits of the table's name in a statement's signature (`who_rows.sql`).
fn who_params(object: &str, since: i64, until: i64) -> (Vec<ScalarValue>, Vec<ScalarValue>) {
    let params = vec![
        ScalarValue::Utf8(Some(object.to_string())),
        ts(since),
        ts(until),
    ];
    let mut asked = params.clone();
    let mask = crate::sources::words::table_mask(udf::split_object(object).1).unwrap_or(0);
    asked.extend([
        focus::partition(since),
        focus::last_partition(until),
        ScalarValue::Int64(Some(mask)),
    ]);
    (asked, params)
}

pub(super) fn ts(t: i64) -> ScalarValue {
    ScalarValue::TimestampMicrosecond(Some(t), Some("UTC".into()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An engine over a new, empty lake (kept while the folder lives).
    pub(super) async fn empty_engine() -> (tempfile::TempDir, Engine) {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(&Lake::open(dir.path()).unwrap())
            .await
            .unwrap();
        (dir, engine)
    }

    /// The demo scenario ingested into a new lake (kept while the folder lives).
    pub(crate) async fn demo_lake() -> (tempfile::TempDir, Lake) {
        demo_lake_without(&[]).await
    }

    /// The demo lake without the scenario's files `held`, which are moved to `later/`
    /// (same layout) under the returned folder.
    pub(super) async fn demo_lake_without(held: &[&str]) -> (tempfile::TempDir, Lake) {
        let dir = tempfile::tempdir().unwrap();
        let evidence = dir.path().join("evidence");
        crate::demo::write_scenario(&evidence).unwrap();
        for rel in held {
            let to = dir.path().join("later").join(rel);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::rename(evidence.join(rel), &to).unwrap();
        }
        let lake = Lake::open(dir.path().join("lake")).unwrap();
        let opts = crate::ingest::IngestOptions::local(vec![evidence]);
        crate::ingest::ingest(&lake, &opts, &mut crate::ingest::Silent)
            .await
            .unwrap();
        (dir, lake)
    }

    /// The logical and physical plans of `sql`, as text. Planned on the context, not
    /// through [`Engine::sql`], which would hold the spans first.
    pub(super) async fn explain(engine: &Engine, sql: &str) -> String {
        let plan = engine
            .context()
            .sql(&format!("EXPLAIN {sql}"))
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        pretty(&plan)
    }

    /// `batches` as the text table arrow prints.
    pub(super) fn pretty(batches: &[RecordBatch]) -> String {
        arrow::util::pretty::pretty_format_batches(batches)
            .unwrap()
            .to_string()
    }

    /// Window operators in the plan of `sql`: each is a pass over every row it numbers.
    async fn windows(engine: &Engine, sql: &str) -> usize {
        explain(engine, sql).await.matches("WindowAggExec").count()
    }

    #[test]
    fn the_memory_limit_is_half_of_mem_total() {
        let meminfo = "MemTotal:       24576000 kB\nMemFree:         1000 kB\n";
        assert_eq!(mem_total(meminfo), Some(24_576_000 * 1024));
        assert_eq!(mem_total("MemFree: 1 kB\n"), None);
        assert!(default_memory_limit() >= 1 << 20);
    }

    fn spills(plan: &Arc<dyn datafusion::physical_plan::ExecutionPlan>) -> usize {
        let own = plan
            .metrics()
            .and_then(|m| m.spill_count())
            .unwrap_or_default();
        own + plan.children().into_iter().map(spills).sum::<usize>()
    }

    /// Two partitions a core, but never fewer than one a core nor more than one per
    /// 64 MiB of the memory limit.
    #[test]
    fn questions_run_in_two_partitions_a_core_when_memory_allows() {
        const MIB: usize = 1 << 20;
        let cases = [
            (2, 8192 * MIB, 4),
            (2, 192 * MIB, 3),
            (2, 24 * MIB, 2),
            (16, 512 * MIB, 16),
            (16, 64 * 1024 * MIB, 32),
        ];
        for (cores, limit, want) in cases {
            assert_eq!(
                question_partitions(cores, limit),
                want,
                "{cores} cores, {limit} bytes"
            );
        }
    }

    /// One question per partition, but one per 256 MiB of the limit at most, and
    /// always at least one.
    #[test]
    fn questions_run_one_per_partition_at_once_when_memory_allows() {
        const MIB: usize = 1 << 20;
        let cases = [
            (4, 8192 * MIB, 4),
            (4, 512 * MIB, 2),
            (4, 24 * MIB, 1),
            (1, 8192 * MIB, 1),
            (32, 4096 * MIB, 16),
        ];
        for (partitions, limit, want) in cases {
            assert_eq!(
                questions_at_once(partitions, limit),
                want,
                "{partitions} partitions, {limit} bytes"
            );
        }
    }

    /// Regression: `who` over a 35 M-event lake sorted every event in memory until the
    /// kernel killed the process (24 GB RSS). Sorts past the limit now spill.
    #[tokio::test]
    async fn a_sort_larger_than_the_memory_limit_spills_and_answers() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path()).unwrap();
        let engine = Engine::open_limited(&lake, &AttributionSettings::default(), 24 << 20)
            .await
            .unwrap();
        // 4 M rows of 8 bytes and a string each: well past 24 MiB.
        let sql = "SELECT v, concat('row ', CAST(v AS VARCHAR)) AS s FROM \
                   (SELECT (value * 7919) % 4000000 AS v FROM generate_series(1, 4000000)) \
                   ORDER BY s";
        let frame = engine.context().sql(sql).await.unwrap();
        let plan = frame.create_physical_plan().await.unwrap();
        let batches =
            datafusion::physical_plan::collect(Arc::clone(&plan), engine.context().task_ctx())
                .await
                .unwrap();
        assert_eq!(
            batches.iter().map(|b| b.num_rows()).sum::<usize>(),
            4_000_000
        );
        assert!(spills(&plan) > 0, "the sort spilled");
    }

    /// `names_table` keeps the last table's compiled patterns: two tables asked in one
    /// query, over string views, each get their own answer.
    #[tokio::test]
    async fn names_table_answers_for_each_table_asked() {
        let (_dir, engine) = empty_engine().await;
        let sql = "SELECT names_table(s, 'shop', 'shop.customers') AS c, \
                          names_table(s, 'shop', 'shop.orders') AS o \
                   FROM (SELECT arrow_cast(column1, 'Utf8View') AS s FROM (VALUES \
                     ('SELECT * FROM Customers'), ('SELECT * FROM orders'), (NULL))) t";
        let batches = engine.sql(sql).await.unwrap();
        let text = arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string();
        let rows: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with('|'))
            .skip(1)
            .collect();
        assert_eq!(
            rows,
            [
                "| true  | false |",
                "| false | true  |",
                "| false | false |"
            ]
        );
    }

    /// Regression: `tagtrail query "SELECT count(*) FROM db_sessions"` ran out of memory
    /// at 33 M db events. The join of the events to their session spans built its hash
    /// table from every event, because the planner guessed the spans view was larger;
    /// with the spans held first it builds from them (BENCHMARKS.md: the query now
    /// answers in 16 s and 3.4 GiB). A question that does not read them computes nothing
    /// more.
    #[tokio::test]
    async fn a_question_over_sessions_holds_the_session_spans_first() {
        let (_dir, lake) = demo_lake().await;
        let engine = Engine::open(&lake).await.unwrap();
        let count = |batches: Vec<RecordBatch>| {
            arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(batches[0].column(0))
                .value(0)
        };
        let events = engine.sql("SELECT count(*) FROM db_events").await.unwrap();
        assert_eq!(count(events), 347, "the demo lake's db events");
        assert!(!engine.cached_views().contains(SESSION_SPANS));
        let through_a_subquery = "SELECT count(*) FROM (SELECT 1) t \
             WHERE EXISTS (SELECT 1 FROM db_sessions WHERE success)";
        engine.sql(through_a_subquery).await.unwrap();
        assert!(engine.cached_views().contains(SESSION_SPANS));
        let sessions = engine
            .sql("SELECT count(*) FROM db_sessions")
            .await
            .unwrap();
        assert_eq!(count(sessions), 90, "the demo lake's sessions");
    }

    #[tokio::test]
    async fn views_planned_after_a_cached_view_read_its_rows_instead_of_recomputing_them() {
        let (_dir, engine) = empty_engine().await;
        let who = "SELECT * FROM who_accessed";
        let before = windows(&engine, who).await;
        engine.cache_views(ATTRIBUTION_VIEWS).await.unwrap();
        // The windows are those of the inlined views (db_session_spans numbering opening
        // rows, db_sessions' latest inventory row, iam_policy_documents' policy
        // versions), at each reference anew: attributed_sessions reads its matches
        // several times (its chosen candidate's join back once more), and through its
        // candidates once more for the sessions without one. Once cached, the events
        // join the spans in memory. (The MFA views and the chosen candidate picked by
        // windows before: 26, then 24; a join back to the candidates beside per_session's
        // made it 29.)
        assert_eq!((before, windows(&engine, who).await), (26, 0));
        // No view is left planned over what was cached: planning each again from its
        // SQL now gives the plan it has.
        let plans = || async {
            let mut plans = Vec::new();
            for view in views::VIEWS.iter().map(|v| v.name) {
                if !engine.cached_views().contains(view) {
                    let explain = format!("EXPLAIN SELECT * FROM {view}");
                    plans.push((view, format!("{:?}", engine.sql(&explain).await.unwrap())));
                }
            }
            plans
        };
        let planned = plans().await;
        assert!(planned.len() > 5, "{planned:?}");
        let all = views::VIEWS.iter().map(|v| v.name).collect();
        engine.plan_again(&all).await.unwrap();
        assert_eq!(plans().await, planned);
        // Again is a no-op; an unknown name is an error that says so.
        engine.cache_views(&["db_sessions"]).await.unwrap();
        let err = engine.cache_views(&["db_event"]).await.unwrap_err();
        assert!(
            err.to_string()
                .contains("db_event is not one of tagtrail's views"),
            "{err}"
        );
    }
}
