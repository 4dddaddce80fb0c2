//! Questions about a few connections, answered at their cost rather than the lake's.
//!
//! A database session is built from its own connection's rows (instance, connection id)
//! and nothing else: its span between opening rows, its aggregates and its attribution
//! never look at another connection. So a question that can only be about some
//! connections (`who` a table, the `timeline` of a person) is answered by an engine
//! whose `db_events` holds every row of those connections and no other, with the
//! answer the whole lake gives.

use std::sync::Arc;

use arrow::array::{Array, AsArray};
use arrow::record_batch::RecordBatch;
use datafusion::common::JoinType;
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryPool, MemoryReservation};
use datafusion::prelude::{DataFrame, ParquetReadOptions, SessionContext, col, lit};
use datafusion::scalar::ScalarValue;
use futures::StreamExt;

use super::{ATTRIBUTION_VIEWS, Engine, EngineError, SETTINGS_TABLE, bind, df, register_functions};
use crate::lake::ALL_TABLES;

impl Engine {
    /// A new engine over the same lake and runtime (and memory limit) whose `db_events`
    /// holds only the rows of the connections (instance, connection_id) that `ids_sql`
    /// returns. The session views build a connection's sessions from that connection's
    /// rows alone, so a question about those connections gets the answer the whole lake
    /// gives, at the cost of their rows rather than of the lake. The one thing computed
    /// across connections, the hours with a PostgreSQL csvlog, is computed here over
    /// every row. The rows are held in memory when they take less than `budget` bytes
    /// (reserved from the pool), and read again at each use otherwise.
    pub(super) async fn focused(
        &self,
        ids_sql: &str,
        params: Vec<ScalarValue>,
        budget: usize,
    ) -> Result<Engine, EngineError> {
        let ids = bind(self.ctx.sql(ids_sql).await, params)?
            .cache()
            .await
            .map_err(df("finding the connections asked about"))?;
        let dates = if self.indexed {
            Some(self.connection_dates(&ids).await?)
        } else {
            None
        };
        self.focused_on(ids, dates, budget).await
    }

    /// [`Engine::focused`] on the connections `ids` (instance, connection_id), whose
    /// rows are in the `date=` partitions `dates` (all of them when `None`).
    pub(super) async fn focused_on(
        &self,
        ids: DataFrame,
        dates: Option<(String, String)>,
        budget: usize,
    ) -> Result<Engine, EngineError> {
        let ctx = self.narrowed_context().await?;
        ctx.register_table("focus_connections", ids.into_view())
            .map_err(df("registering the connections asked about"))?;
        // The csvlog hours of those dates only: a row is judged against its own hour.
        ctx.sql(&format!(
            "CREATE VIEW db_events AS {}",
            in_dates(IN_LAKE, &dates)
        ))
        .await
        .map_err(df("reading the dates of the connections asked about"))?;
        let hours = ctx
            .sql(super::views::PG_CSVLOG_HOURS)
            .await
            .map_err(df("reading view pg_csvlog_hours"))?
            .cache()
            .await
            .map_err(df("computing view pg_csvlog_hours"))?;
        ctx.register_table("pg_csvlog_hours", hours.into_view())
            .map_err(df("registering view pg_csvlog_hours"))?;
        ctx.deregister_table("db_events")
            .map_err(df("reading the dates of the connections asked about"))?;
        let held = restrict_db_events(&ctx, &dates, budget).await?;
        // Not from the session index: it is sorted by time, not connection, so keeping a
        // few connections' stored sessions reads every stored session, while computing
        // them reads only their rows. Tried: `who` at 33.6 M events was no faster (7.9–8.7 s
        // with, 6.6–9.4 s without; this VM's run-to-run noise is larger than that).
        self.narrowed(ctx, held, false).await
    }

    /// A new engine over the same lake whose `db_events` is one bucket of connections
    /// (a folder of Parquet files) written by [`super::shuffle::split`], with `hours`
    /// (the rows of `pg_csvlog_hours` over the whole lake, computed once) as that view.
    /// As in [`Engine::focused`], every session of those connections is the one the
    /// whole lake gives: the session index is built bucket by bucket so that its memory
    /// follows a bucket's rows, not the lake's.
    pub(super) async fn bucket(
        &self,
        hours: &DataFrame,
        path: &std::path::Path,
    ) -> Result<Engine, EngineError> {
        let context = format!("reading {}", path.display());
        let ctx = self.narrowed_context().await?;
        ctx.register_table("pg_csvlog_hours", hours.clone().into_view())
            .map_err(df("registering view pg_csvlog_hours"))?;
        let path = path
            .to_str()
            .ok_or_else(|| df(context.clone())(DataFusionError::Plan("not a UTF-8 path".into())))?;
        // A folder of Parquet files.
        let path = format!("{path}/");
        ctx.register_parquet("db_events", &path, ParquetReadOptions::default())
            .await
            .map_err(df(context))?;
        self.narrowed(ctx, None, false).await
    }

    /// A new engine over the same lake whose `db_events` is the lake's partition
    /// `date` (YYYY-MM-DD, from the file list), with `hours` as in [`Engine::bucket`].
    /// An event's partition is its time's day, so what is computed per instance and
    /// minute (`db_event_minutes`) is the whole lake's answer for that day, holding a
    /// day's minutes rather than the lake's.
    pub(super) async fn day(&self, hours: &DataFrame, date: &str) -> Result<Engine, EngineError> {
        let context = format!("reading the db_events of {date}");
        let ctx = self.narrowed_context().await?;
        ctx.register_table("pg_csvlog_hours", hours.clone().into_view())
            .map_err(df("registering view pg_csvlog_hours"))?;
        let partition = ScalarValue::Utf8(Some(date.to_string()));
        let rows = ctx
            .table("db_events_lake")
            .await
            .and_then(|t| t.filter(datafusion::prelude::col("date").eq(lit(partition))))
            .map_err(df(context.clone()))?;
        ctx.register_table("db_events", rows.into_view())
            .map_err(df(context))?;
        self.narrowed(ctx, None, false).await
    }

    /// A context over the same lake, runtime and memory pool, with every table
    /// registered but `db_events`, which is there as `db_events_lake` for the caller to
    /// narrow into a view or table named `db_events`.
    pub(super) async fn narrowed_context(&self) -> Result<SessionContext, EngineError> {
        let mut config = self.ctx.copied_config();
        // The rows asked about are a part of the lake: the scan evaluates the filter on
        // the key columns first and decodes the other columns (statements) only where
        // it holds (a third of the time over 34 M rows).
        config.options_mut().execution.parquet.pushdown_filters = true;
        // Also under an engine that reads the lake once ([`super::LakeReads::OnePass`]):
        // the session views' join order follows the statistics, and without them a
        // bucket of a million events peaked at 987 MiB instead of 559.
        config.options_mut().execution.collect_statistics = true;
        let ctx = SessionContext::new_with_config_rt(config, self.ctx.runtime_env());
        register_functions(&ctx);
        let tables = ALL_TABLES.iter().map(|t| t.name);
        for name in tables.chain([SETTINGS_TABLE]) {
            let provider = self
                .ctx
                .table_provider(name)
                .await
                .map_err(df(format!("reading table {name}")))?;
            let as_name = if name == "db_events" {
                "db_events_lake"
            } else {
                name
            };
            ctx.register_table(as_name, provider)
                .map_err(df(format!("registering table {name}")))?;
        }
        Ok(ctx)
    }

    /// The engine over `ctx`, whose `db_events` and `pg_csvlog_hours` are registered,
    /// the views computed from the events, or with `indexed` read from the index views
    /// the caller created.
    pub(super) async fn narrowed(
        &self,
        ctx: SessionContext,
        held: Option<MemoryReservation>,
        indexed: bool,
    ) -> Result<Engine, EngineError> {
        self.narrowed_with(ctx, held, indexed, &[]).await
    }

    /// [`Engine::narrowed`], with the views `stored` registered by the caller from
    /// stored rows (never planned from their SQL).
    pub(super) async fn narrowed_with(
        &self,
        ctx: SessionContext,
        held: Option<MemoryReservation>,
        indexed: bool,
        stored: &[&'static str],
    ) -> Result<Engine, EngineError> {
        let mut cached: std::collections::BTreeSet<&'static str> = ["pg_csvlog_hours"].into();
        cached.extend(stored);
        let engine = Engine {
            ctx,
            cached: std::sync::Mutex::new(cached),
            memory_limit: self.memory_limit,
            indexed,
            attributed: false,
            accesses: None,
            _held: held,
            _lake: self._lake.clone(),
        };
        engine.plan_views().await?;
        Ok(engine)
    }

    /// Whether the attribution views are held in memory, for the whole lake or for a
    /// report's period ([`Engine::within`]): questions are then answered from them.
    pub(super) fn holds_sessions(&self) -> bool {
        let cached = self.cached_views();
        ATTRIBUTION_VIEWS.iter().all(|v| cached.contains(v))
    }

    /// `sql` with `params` over the attribution views, computed for the connections that
    /// `ids_sql` with `focus` returns ([`Engine::focused`]); or, on an engine that already
    /// holds the whole lake's sessions (a report), over those.
    pub(super) async fn answer_focused(
        &self,
        ids_sql: &str,
        focus: Vec<ScalarValue>,
        sql: &str,
        params: Vec<ScalarValue>,
    ) -> Result<Vec<RecordBatch>, EngineError> {
        if self.holds_sessions() {
            return self.sql_with(sql, params).await;
        }
        // A quarter of the limit: the sessions and the answer are computed beside them.
        let focused = self.focused(ids_sql, focus, self.memory_limit / 4).await?;
        focused.cache_views(ATTRIBUTION_VIEWS).await?;
        focused.sql_with(sql, params).await
    }

    /// The `date=` partitions that hold every row of the connections `ids`, from the
    /// session index: a connection's rows lie between its first session's first row
    /// and its last session's last row. Without it, finding a week's connections would
    /// still read every partition of the lake for their rows. An empty range (first
    /// after last) when the index holds none of them.
    pub(super) async fn connection_dates(
        &self,
        ids: &DataFrame,
    ) -> Result<(String, String), EngineError> {
        use datafusion::functions_aggregate::expr_fn::{max, min};
        const KEY: [&str; 2] = ["instance", "connection_id"];
        let context = "finding the dates of the connections asked about";
        let facts = self
            .ctx
            .table("session_facts_index")
            .await
            .map_err(df(context))?;
        // The connections are the hash join's build side: an engine without statistics
        // keeps the left side in memory (the lake's stored sessions, 0.6 GB at 100 M
        // db events).
        let batches = ids
            .clone()
            .join(facts, JoinType::RightSemi, &KEY, &KEY, None)
            .and_then(|f| {
                f.aggregate(
                    vec![],
                    vec![min(col("session_start")), max(col("last_event_time"))],
                )
            })
            .map_err(df(context))?
            .collect()
            .await
            .map_err(df(context))?;
        let value = |column: usize| -> Result<Option<String>, EngineError> {
            let Some(b) = batches.iter().find(|b| b.num_rows() > 0) else {
                return Ok(None);
            };
            let a = arrow::compute::cast(b.column(column), &arrow::datatypes::DataType::Int64)
                .map_err(|e| df(context)(e.into()))?;
            let a = a.as_primitive::<arrow::datatypes::Int64Type>();
            Ok(a.is_valid(0).then(|| partition_text(a.value(0))))
        };
        // No connection (both NULL): an empty range.
        Ok(value(0)?
            .zip(value(1)?)
            .unwrap_or_else(|| ("9999-12-31".to_string(), "0000-01-01".to_string())))
    }
}

const IN_LAKE: &str = "SELECT e.* FROM db_events_lake e";

/// `select` (over `db_events_lake e`) limited to the partitions `dates`, when known.
fn in_dates(select: &str, dates: &Option<(String, String)>) -> String {
    match dates {
        // Dates the engine computed (YYYY-MM-DD), never user text.
        Some((lo, hi)) => format!("{select} WHERE e.date >= '{lo}' AND e.date <= '{hi}'"),
        None => select.to_string(),
    }
}

/// Registers `db_events` in `ctx` as the rows of `db_events_lake` whose connection is in
/// `focus_connections` (in the partitions `dates`, when known): held in memory when they
/// fit in `budget` (the views then read them from memory, several times), else as a
/// view that reads them from the lake at each use. Returns the memory held.
async fn restrict_db_events(
    ctx: &SessionContext,
    dates: &Option<(String, String)>,
    budget: usize,
) -> Result<Option<MemoryReservation>, EngineError> {
    let restricted = in_dates(
        "SELECT e.* FROM db_events_lake e \
         LEFT SEMI JOIN focus_connections f \
         ON e.instance = f.instance AND e.connection_id = f.connection_id",
        dates,
    );
    let rows = ctx
        .sql(&restricted)
        .await
        .map_err(df("restricting db_events to the connections asked about"))?;
    let pool = ctx.runtime_env().memory_pool.clone();
    let held = hold(rows, &pool, budget, ctx.copied_config().target_partitions())
        .await
        .map_err(df("reading the rows of the connections asked about"))?;
    Ok(match held {
        Some((table, reservation)) => {
            ctx.register_table("db_events", Arc::new(table))
                .map_err(df("registering the rows of the connections asked about"))?;
            Some(reservation)
        }
        None => {
            ctx.sql(&format!("CREATE VIEW db_events AS {restricted}"))
                .await
                .map_err(df("restricting db_events to the connections asked about"))?;
            None
        }
    })
}

/// The rows of `frame` held in memory, in `partitions` partitions, with the bytes they
/// take reserved from `pool`; `None` when they would take more than `budget` or than the
/// pool has left (the caller then reads them from the lake at each use).
pub(super) async fn hold(
    frame: DataFrame,
    pool: &Arc<dyn MemoryPool>,
    budget: usize,
    partitions: usize,
) -> Result<Option<(MemTable, MemoryReservation)>, DataFusionError> {
    if budget == 0 {
        return Ok(None);
    }
    let mut stream = frame.execute_stream().await?;
    let schema = stream.schema();
    let reservation = MemoryConsumer::new("rows of the connections asked about").register(pool);
    let mut parts = vec![Vec::new(); partitions.max(1)];
    let mut n = 0;
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        let bytes = batch.get_array_memory_size();
        if reservation.size() + bytes > budget || reservation.try_grow(bytes).is_err() {
            return Ok(None);
        }
        let i = n % parts.len();
        parts[i].push(batch);
        n += 1;
    }
    Ok(Some((MemTable::try_new(schema, parts)?, reservation)))
}

/// The `date=` partition value of time `t`. Partition values are compared as text, which
/// is time order for years 0000–9999 only, so a period reaching past them (`--since`
/// left out) is cut there.
pub(super) fn partition(t: i64) -> ScalarValue {
    ScalarValue::Utf8(Some(partition_text(t)))
}

/// The `date=` partition of the last instant of a period `[since, until)`: the period
/// ends before `until`, so one ending at midnight reads no file of the day that
/// midnight begins. (Read to `partition(until)`, a week's `who` read an eighth day of
/// stored sessions, stored attribution and csvlog hours, to drop them by their time.)
pub(super) fn last_partition(until: i64) -> ScalarValue {
    partition(until.saturating_sub(1))
}

/// [`last_partition`] as text.
pub(super) fn last_partition_text(until: i64) -> String {
    partition_text(until.saturating_sub(1))
}

/// [`partition`] as text.
pub(super) fn partition_text(t: i64) -> String {
    crate::sources::timefmt::partition_date(t.clamp(YEAR_0, YEAR_9999_END))
}

/// The first and last instants a `date=` partition can name (0000-01-01 and
/// 9999-12-31): a time outside them is a period left open.
pub(super) const YEAR_0: i64 = -62_167_219_200_000_000;
pub(super) const YEAR_9999_END: i64 = 253_402_300_799_999_999;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::tests::empty_engine;
    use crate::engine::views;

    /// Partition values compare as text: a period left open is cut at years 0000 and
    /// 9999, where "+146138-…" would sort before "2026-…".
    #[test]
    fn partition_values_of_open_periods_stay_in_text_order() {
        let text = |v: ScalarValue| v.to_string();
        assert_eq!(text(partition(i64::MIN / 2)), "0000-01-01");
        assert_eq!(text(partition(i64::MAX / 2)), "9999-12-31");
        let t = crate::sources::timefmt::parse_iso("2026-11-02T23:59:59Z").unwrap();
        assert_eq!(text(partition(t)), "2026-11-02");
    }

    /// A period is `[since, until)`: one that ends at midnight ends on the day before.
    #[test]
    fn a_period_ending_at_midnight_ends_in_the_day_before() {
        let at = |iso: &str| crate::sources::timefmt::parse_iso(iso).unwrap();
        let midnight = at("2026-11-16T00:00:00Z");
        assert_eq!(last_partition_text(midnight), "2026-11-15");
        assert_eq!(last_partition(midnight).to_string(), "2026-11-15");
        assert_eq!(last_partition_text(midnight + 1), "2026-11-16");
        assert_eq!(
            last_partition_text(at("2026-11-16T09:30:00Z")),
            "2026-11-16"
        );
        assert_eq!(last_partition_text(i64::MIN), "0000-01-01");
        assert_eq!(last_partition_text(i64::MAX), "9999-12-31");
    }

    /// A focused engine holds its rows when they fit the budget and the pool, and
    /// gives them back (to be read from the lake) when they do not.
    #[tokio::test]
    async fn rows_are_held_only_within_the_budget() {
        let (_dir, engine) = empty_engine().await;
        let rows = || async {
            engine
                .context()
                .sql("SELECT value FROM generate_series(1, 100000)")
                .await
                .unwrap()
        };
        let pool = engine.context().runtime_env().memory_pool.clone();
        let (table, reservation) = hold(rows().await, &pool, 64 << 20, 2)
            .await
            .unwrap()
            .expect("800 KB fit in 64 MiB");
        assert!(reservation.size() >= 800_000, "{}", reservation.size());
        assert_eq!(pool.reserved(), reservation.size());
        let held = engine.context().read_table(Arc::new(table)).unwrap();
        assert_eq!(held.count().await.unwrap(), 100_000);
        drop(reservation);
        assert!(
            hold(rows().await, &pool, 100_000, 2)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(pool.reserved(), 0, "a refused hold gives its memory back");
    }

    /// Rows of the focused connections that do not fit the budget are read from the
    /// lake at each use, with the same answer (tests/it/sessions.rs compares focused
    /// and whole-lake answers on harder data).
    #[tokio::test]
    async fn who_reads_the_focused_rows_from_the_lake_when_they_do_not_fit() {
        let (_dir, lake) = crate::engine::tests::demo_lake().await;
        let engine = Engine::open(&lake).await.unwrap();
        let (since, until) = (i64::MIN / 2, i64::MAX / 2);
        let held = engine
            .who(crate::demo::DEMO_OBJECT, since, until)
            .await
            .unwrap();
        let (asked, params) = crate::engine::who_params(crate::demo::DEMO_OBJECT, since, until);
        let unheld = engine
            .focused(&views::WHO_CONNECTIONS, asked, 0)
            .await
            .unwrap();
        assert!(unheld._held.is_none());
        unheld.cache_views(ATTRIBUTION_VIEWS).await.unwrap();
        let read = unheld.sql_with(views::WHO, params).await.unwrap();
        let text = |b: &[RecordBatch]| {
            arrow::util::pretty::pretty_format_batches(b)
                .unwrap()
                .to_string()
        };
        assert_eq!(text(&read), text(&held));
        assert!(
            text(&held).contains("alice.nguyen@example.com"),
            "{}",
            text(&held)
        );
    }
    /// Regression: the session index's engine reads each lake file once, without
    /// statistics or footer cache ([`super::super::LakeReads::OnePass`]); its bucket
    /// engines inherited that, and without statistics the session views joined the
    /// other way round: a bucket of a million events peaked at 987 MiB, not 559.
    #[tokio::test]
    async fn regression_a_bucket_of_the_one_pass_index_engine_plans_with_statistics() {
        let (_dir, lake) = crate::engine::tests::demo_lake().await;
        let engine = Engine::open_for_one_pass(&lake, &Default::default(), 64 << 20)
            .await
            .unwrap();
        let runtime = engine.context().runtime_env();
        assert_eq!(runtime.cache_manager.get_metadata_cache_limit(), 0);
        assert!(!engine.context().copied_config().collect_statistics());
        let narrowed = engine.narrowed_context().await.unwrap();
        assert!(narrowed.copied_config().collect_statistics());
        let questions = Engine::open(&lake).await.unwrap();
        assert!(questions.context().copied_config().collect_statistics());
        assert!(
            questions
                .context()
                .runtime_env()
                .cache_manager
                .get_metadata_cache_limit()
                > 0
        );
    }
}

#[cfg(test)]
mod across_days {
    use crate::checks::testing::{Lab, t};
    use crate::engine::{Engine, build_session_index};

    /// Regression: a session that connected the day before the period asked about,
    /// before the only federated session of its user began. Its CONNECT row is in an
    /// earlier `date=` partition than the row that reads the table; over the session
    /// index, `who` reads the partitions the index says the connection spans, not only
    /// the period's, so it sees the connect time and does not name the person (reading
    /// only the period's rows, the session would seem to start inside her window).
    #[tokio::test]
    async fn who_over_the_index_reads_a_connection_from_the_day_before_the_period() {
        let mut lab = Lab::new();
        lab.federate(
            "alice@example.com",
            &[("Username", "alice")],
            "2026-11-16 23:50:00",
            8,
        );
        let line = |at: &str, rest: &str| {
            format!(
                "{},ip-10-20-1-34,alice,10.0.0.7,41,{rest}",
                t(at).format("%Y%m%d %H:%M:%S")
            )
        };
        for (at, rest) in [
            ("2026-11-16 23:40:00", "0,CONNECT,shop,,0"),
            (
                "2026-11-17 00:05:00",
                "410,QUERY,shop,'SELECT email FROM customers',0",
            ),
            ("2026-11-17 00:06:00", "0,DISCONNECT,shop,,0"),
        ] {
            lab.audit_line("shop-prod", line(at, rest));
        }
        let (_dir, lake) = lab.lake().await;
        let (since, until) = (
            t("2026-11-17 00:00:00").timestamp_micros(),
            t("2026-11-18 00:00:00").timestamp_micros(),
        );
        let answer = |e: Engine| async move {
            let rows = e.who("shop.customers", since, until).await.unwrap();
            arrow::util::pretty::pretty_format_batches(&rows)
                .unwrap()
                .to_string()
        };
        let computed = answer(Engine::open(&lake).await.unwrap()).await;
        build_session_index(&lake, false).await.unwrap();
        let indexed = Engine::open(&lake).await.unwrap();
        assert!(indexed.reads_session_index());
        assert_eq!(answer(indexed).await, computed);
        // So does the stored attribution, stored under the day the session began.
        let settings = crate::engine::AttributionSettings::default();
        crate::engine::build_attribution_index(&lake, &settings, false)
            .await
            .unwrap();
        let attributed = Engine::open(&lake).await.unwrap();
        assert!(attributed.attributed);
        assert_eq!(answer(attributed).await, computed);
        let reason =
            "no federated session open at connect: the nearest with alice started 10 min after";
        for want in ["| unattributed |", reason] {
            assert!(computed.contains(want), "{want} in\n{computed}");
        }
    }
}
