//! Building the session index ([`crate::lake::session_index`]) and answering from it.
//!
//! A report or `findings` over the whole lake used to group every db event into
//! sessions at every run (at 33 M events, most of its 37 s). The index stores the rows
//! of the two views that cost it, computed by those same views, so every answer is
//! the one the views give; an index that no longer matches the lake is ignored.

use std::time::{Duration, Instant};

use arrow::array::ArrayRef;
use arrow::compute::cast;
use arrow::record_batch::RecordBatch;
use datafusion::error::DataFusionError;
use datafusion::prelude::{DataFrame, SessionContext};
use futures::StreamExt;

use super::index_update::Update;
use super::shuffle::Layout;
use super::{AttributionSettings, Engine, EngineError, default_memory_limit, df, views};
use crate::lake::session_index::{self, Marker, fingerprint, stored_marker};
use crate::lake::writer::LakeWriter;
use crate::lake::{
    DB_EVENTS, EVENT_MINUTES_INDEX, Lake, LakeError, SESSION_FACTS_INDEX, SESSION_SPANS_INDEX,
    TableDef,
};

/// Each view the index stores, with the lake table that holds its rows.
pub(super) const INDEXED: [(&str, &TableDef); 3] = [PER_SESSION[0], PER_SESSION[1], MINUTES];

/// The indexed views with a row per session, computed a bucket of connections at a time.
pub(super) const PER_SESSION: [(&str, &TableDef); 2] = [
    ("db_session_spans", &SESSION_SPANS_INDEX),
    ("db_session_facts", &SESSION_FACTS_INDEX),
];

/// The indexed view with a row per instance and minute, computed a day at a time.
pub(super) const MINUTES: (&str, &TableDef) = ("db_event_minutes", &EVENT_MINUTES_INDEX);

/// What building the index did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexOutcome {
    /// The stored index already matched the lake.
    UpToDate,
    /// Stored anew: how many sessions, and how long it took.
    Built { sessions: u64, took: Duration },
    /// Brought up to date after an ingest of database logs: the sessions of the
    /// connections they hold rows of were computed again (how many connections and
    /// sessions), every other stored session kept.
    Updated {
        connections: u64,
        sessions: u64,
        took: Duration,
    },
}

/// The text of every view the indexed views are computed from (they come first in
/// [`views::VIEWS`]), so an index made by another version of them is not used.
pub(super) fn index_sql() -> String {
    let last = INDEXED
        .iter()
        .filter_map(|(name, _)| views::VIEWS.iter().position(|v| v.name == *name))
        .max()
        .expect("the indexed views are views");
    views::text_through(views::VIEWS[last].name)
}

/// Creates (or replaces) each indexed view as its index table's columns (the `date`
/// partition left out), over the table's rows as `narrow` (view, rows) gives them: all
/// of them for the lake's questions, those a question can need for one about a period
/// or a few connections, or a batch of days' sessions to attribute.
pub(super) async fn create_views(
    ctx: &SessionContext,
    narrow: impl Fn(&str, DataFrame) -> Result<DataFrame, DataFusionError>,
) -> Result<(), EngineError> {
    for (view, table) in INDEXED {
        let schema = (table.schema)();
        let columns: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        let context = format!("reading view {view} from table {}", table.name);
        let rows = ctx
            .table(table.name)
            .await
            .and_then(|rows| narrow(view, rows))
            .and_then(|rows| rows.select_columns(&columns))
            .map_err(df(context.clone()))?;
        ctx.deregister_table(view).map_err(df(context.clone()))?;
        ctx.register_table(view, rows.into_view())
            .map_err(df(context))?;
    }
    Ok(())
}

/// Whether the lake's stored index is the one for its db events now.
pub(super) fn is_current(lake: &Lake) -> Result<bool, LakeError> {
    let Some(stored) = stored_marker(lake)? else {
        return Ok(false);
    };
    Ok(stored.fingerprint == fingerprint(lake, &index_sql())?)
}

/// Brings the lake's session index up to date: nothing to do when it is current (unless
/// `force`); after ingests that only added database logs, computes again the sessions
/// of the connections those logs hold rows of ([`super::index_update`]: every other
/// session is made of rows the index already saw); else computes the sessions of every
/// db event in the lake. The rows are computed by the views over the events (never from
/// an older index's rows) and written as they stream out, and the index's parts are
/// replaced in one commit. Fails, changing nothing, when another ingest or compaction
/// commits meanwhile.
pub async fn build_session_index(lake: &Lake, force: bool) -> Result<IndexOutcome, EngineError> {
    build_in_buckets(lake, force, BUCKET_ROWS, Layout::DEFAULT).await
}

/// The db events whose sessions the index computes at once. A bucket's events, spans,
/// sessions and their aggregates are held while it is computed (the whole lake at once
/// took 13.4 GiB at 100 M events), so this bounds the index's memory whatever the
/// lake's size: at 100 M events the index peaked at 554 MiB with buckets of a million
/// events and at 466 MiB with half a million (the lake writer's buffered rows counted).
const BUCKET_ROWS: u64 = 500_000;

/// The bytes of index rows the lake writer buffers before it writes a part: the
/// stored sessions of every day pile up beside each bucket's working set. With
/// ingest's 192 MiB, `index --force` at 100 M db events grew from 343 to 508 MiB over
/// its buckets (sampled) and peaked at 519 MiB; with 64 MiB, 402 MiB (the split's).
pub(super) const WRITER_BYTES: usize = 64 << 20;

/// [`build_session_index`], computing the sessions of about `bucket_rows` db events at
/// a time, written as `layout` says.
async fn build_in_buckets(
    lake: &Lake,
    force: bool,
    bucket_rows: u64,
    layout: Layout,
) -> Result<IndexOutcome, EngineError> {
    let start = Instant::now();
    let generation = lake.live_files()?.generation;
    let now = Marker::new(&index_sql(), session_index::inputs(lake)?);
    let stored = stored_marker(lake)?;
    if !force && stored.as_ref().map(|m| &m.fingerprint) == Some(&now.fingerprint) {
        return Ok(IndexOutcome::UpToDate);
    }
    let engine = Engine::open_for_one_pass(
        lake,
        &AttributionSettings::default(),
        default_memory_limit(),
    )
    .await?;
    let added = stored.filter(|_| !force).and_then(|s| s.added_uris(&now));
    if let Some(uris) = added {
        let update = Update {
            lake,
            engine: &engine,
            generation,
            bucket_rows,
            layout,
        };
        let (connections, sessions) = update.run(&uris, &now).await?;
        return Ok(IndexOutcome::Updated {
            connections,
            sessions,
            took: start.elapsed(),
        });
    }
    let mut writer = LakeWriter::with_budget(lake, WRITER_BYTES);
    let sessions = store_sessions(&engine, &engine, bucket_rows, layout, &mut writer).await?;
    // Per instance and minute, across connections, a day at a time: over the whole
    // lake at once, the aggregate held every minute's first and last row (185 MiB at
    // 100 M events).
    let live = lake.live_files()?;
    store_minutes(&engine, &engine, live.dates(DB_EVENTS.name), &mut writer).await?;
    let replaced: Vec<String> = INDEXED
        .iter()
        .flat_map(|(_, t)| live.of(t.name, None))
        .map(|(path, _)| path.to_string())
        .collect();
    commit(lake, generation, writer, &replaced, &now)?;
    Ok(IndexOutcome::Built {
        sessions,
        took: start.elapsed(),
    })
}

/// Stores the session views' rows (spans and facts) of the db events of `rows` (an
/// engine over the lake, or over some connections' rows), a bucket of about
/// `bucket_rows` events at a time, with `rows`' `pg_csvlog_hours`; returns how many
/// sessions they are. The buckets keep the columns the views read over the lake:
/// `lake`'s plans, since those of a view over some rows scan no `db_events`.
pub(super) async fn store_sessions(
    lake: &Engine,
    rows: &Engine,
    bucket_rows: u64,
    layout: Layout,
    writer: &mut LakeWriter<'_>,
) -> Result<u64, EngineError> {
    let mut sessions = 0;
    // The sessions, a bucket of connections at a time: a session is made of its
    // connection's rows alone, so each bucket's are those of the whole lake. The lake is
    // read once per 68 buckets, into a folder of files per bucket (`shuffle`).
    let buckets = count_db_events(rows).await?.div_ceil(bucket_rows).max(1);
    let hours = csvlog_hours(rows).await?;
    let views: Vec<&str> = PER_SESSION.iter().map(|(view, _)| *view).collect();
    let kept = super::shuffle::columns_read(lake, &views).await?;
    let split = super::shuffle::split(rows, buckets, layout, &kept).await?;
    crate::memory::release_freed();
    for path in &split.paths {
        let part = rows.bucket(&hours, path).await?;
        // The events are joined to the spans: held in memory, the join builds from them.
        part.cache_views(&[PER_SESSION[0].0]).await?;
        for (view, table) in PER_SESSION {
            let rows = store(&part, view, table, writer).await?;
            if table.name == SESSION_FACTS_INDEX.name {
                sessions += rows;
            }
        }
        drop(part);
        crate::memory::release_freed();
    }
    Ok(sessions)
}

/// Stores the rows of `db_event_minutes` of the lake's partitions `days`, with `rows`'
/// `pg_csvlog_hours` (which must hold those days' hours).
pub(super) async fn store_minutes<'d>(
    lake: &Engine,
    rows: &Engine,
    days: impl IntoIterator<Item = &'d str>,
    writer: &mut LakeWriter<'_>,
) -> Result<(), EngineError> {
    let hours = csvlog_hours(rows).await?;
    let (view, table) = MINUTES;
    for date in days {
        let day = lake.day(&hours, date).await?;
        store(&day, view, table, writer).await?;
    }
    Ok(())
}

/// `rows`' view `pg_csvlog_hours`, held.
async fn csvlog_hours(rows: &Engine) -> Result<DataFrame, EngineError> {
    rows.cache_views(&["pg_csvlog_hours"]).await?;
    rows.ctx
        .table("pg_csvlog_hours")
        .await
        .map_err(df("reading view pg_csvlog_hours"))
}

/// Commits the index parts `writer` staged in place of `replaced` (unless another commit
/// came after `generation`), then records `marker` and deletes the replaced parts.
pub(super) fn commit(
    lake: &Lake,
    generation: Option<u64>,
    writer: LakeWriter<'_>,
    replaced: &[String],
    marker: &Marker,
) -> Result<(), EngineError> {
    commit_then(lake, generation, writer, replaced, || {
        session_index::store_marker(lake, marker)
    })
}

/// [`commit`], recording what was committed with `record` (a marker) once the parts
/// are in the lake.
pub(super) fn commit_then(
    lake: &Lake,
    generation: Option<u64>,
    writer: LakeWriter<'_>,
    replaced: &[String],
    record: impl FnOnce() -> Result<(), LakeError>,
) -> Result<(), EngineError> {
    let added = writer.finish_staged()?;
    lake.swap(Some(generation), replaced, &added)?;
    record()?;
    for path in replaced {
        lake.storage().delete(path)?;
    }
    Ok(())
}

/// Streams the rows of `view` into `table`; returns how many rows they are.
pub(super) async fn store(
    engine: &Engine,
    view: &str,
    table: &'static TableDef,
    writer: &mut LakeWriter<'_>,
) -> Result<u64, EngineError> {
    let mut stream = engine
        .ctx
        .table(view)
        .await
        .map_err(df(format!("reading view {view}")))?
        .execute_stream()
        .await
        .map_err(df(format!("computing view {view}")))?;
    let mut rows = 0;
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(df(format!("computing view {view}")))?;
        rows += batch.num_rows() as u64;
        writer.add(table, conform(&batch, table)?)?;
    }
    Ok(rows)
}

/// How many rows `db_events` holds (from the Parquet footers).
async fn count_db_events(engine: &Engine) -> Result<u64, EngineError> {
    let context = "counting db_events";
    let n = engine
        .ctx
        .table("db_events")
        .await
        .map_err(df(context))?
        .count()
        .await
        .map_err(df(context))?;
    Ok(n as u64)
}

/// `batch` in `table`'s schema: columns by name, cast where the view's type differs
/// (text the view gives as `Utf8View`; a test checks there is nothing else), and a
/// column the view lacks is an error.
pub(super) fn conform(batch: &RecordBatch, table: &TableDef) -> Result<RecordBatch, LakeError> {
    let schema = (table.schema)();
    let columns = schema
        .fields()
        .iter()
        .map(|field| {
            let column = batch.column_by_name(field.name()).ok_or_else(|| {
                arrow::error::ArrowError::SchemaError(format!(
                    "{}: the view has no column {}",
                    table.name,
                    field.name()
                ))
            })?;
            if column.data_type() == field.data_type() {
                Ok(column.clone())
            } else {
                cast(column, field.data_type())
            }
        })
        .collect::<Result<Vec<ArrayRef>, _>>()?;
    Ok(RecordBatch::try_new(schema, columns)?)
}

#[cfg(test)]
pub(super) mod tests {
    use std::path::Path;

    use super::*;
    use crate::engine::tests::{demo_lake, demo_lake_without, explain, pretty};
    use crate::ingest::{IngestOptions, Silent, ingest};

    pub(in crate::engine) const SESSIONS: &str =
        "SELECT * FROM db_sessions ORDER BY instance, connection_id, session_seq";
    pub(in crate::engine) const EVENTS: &str = "SELECT instance, connection_id, session_seq, session_start, \
         source_uri, source_offset FROM db_session_events \
         ORDER BY source_uri, source_offset, operation, event_time";
    pub(in crate::engine) const MINUTES: &str =
        "SELECT * FROM db_event_minutes ORDER BY instance, minute";

    pub(in crate::engine) async fn ingest_into(lake: &Lake, path: &Path) {
        let report = ingest(
            lake,
            &IngestOptions::local(vec![path.to_path_buf()]),
            &mut Silent,
        )
        .await
        .unwrap();
        assert!(!report.files.is_empty());
    }

    pub(in crate::engine) async fn text(engine: &Engine, sql: &str) -> String {
        pretty(&engine.sql(sql).await.unwrap())
    }

    /// How [`text`] shows `SELECT count(*) AS n` answering `n`.
    fn text_of_count(n: u64) -> String {
        let batch = RecordBatch::try_from_iter([(
            "n",
            std::sync::Arc::new(arrow::array::Int64Array::from(vec![n as i64])) as ArrayRef,
        )])
        .unwrap();
        pretty(&[batch])
    }

    pub(in crate::engine) fn sessions_built(outcome: IndexOutcome) -> u64 {
        match outcome {
            IndexOutcome::Built { sessions, .. } => sessions,
            other => panic!("the index was not built in full: {other:?}"),
        }
    }

    #[tokio::test]
    async fn questions_over_the_index_get_the_answers_the_views_compute() {
        let (_dir, lake) = demo_lake().await;
        let computed = Engine::open(&lake).await.unwrap();
        assert!(!computed.indexed, "no index yet");
        let sessions = text(&computed, SESSIONS).await;
        let events = text(&computed, EVENTS).await;
        let minutes = text(&computed, MINUTES).await;
        assert!(minutes.contains("shop-prod"), "{minutes}");
        assert_eq!(
            sessions_built(build_session_index(&lake, false).await.unwrap()),
            90
        );

        let indexed = Engine::open(&lake).await.unwrap();
        assert!(indexed.indexed);
        let read = explain(&indexed, "SELECT count(*) FROM db_sessions").await;
        assert!(read.contains("TableScan: session_facts_index"), "{read}");
        assert!(!read.contains("db_events"), "{read}");
        assert_eq!(text(&indexed, SESSIONS).await, sessions);
        assert_eq!(text(&indexed, EVENTS).await, events);
        let read = explain(&indexed, MINUTES).await;
        assert!(read.contains("TableScan: event_minutes_index"), "{read}");
        assert_eq!(text(&indexed, MINUTES).await, minutes);
        assert_eq!(
            build_session_index(&lake, false).await.unwrap(),
            IndexOutcome::UpToDate
        );
    }

    /// The index is computed a bucket of connections at a time (its memory then follows a
    /// bucket); buckets of a few events each, most holding one or two connections, must
    /// store what one pass over the lake stores.
    #[tokio::test]
    async fn an_index_built_a_few_connections_at_a_time_is_the_one_built_at_once() {
        let (_dir, lake) = demo_lake().await;
        let computed = Engine::open(&lake).await.unwrap();
        let events = count_db_events(&computed).await.unwrap();
        assert_eq!(events, 347, "the demo's db events");
        // The minutes are stored a day at a time: the demo's span several days.
        let days = text(&computed, "SELECT count(DISTINCT date) AS n FROM db_events").await;
        assert_eq!(days, text_of_count(7));
        let want = [SESSIONS, EVENTS, MINUTES].map(|sql| text(&computed, sql));
        let want = futures::future::join_all(want).await;
        assert!(want[0].contains("shop-prod"), "{}", want[0]);

        // 35 buckets of about 10 events, all written in one read of the lake; then in
        // 9 reads of 4 buckets, each bucket a folder of files of 3 row groups of 2 rows.
        let tiny = Layout {
            row_group_rows: 2,
            file_row_groups: 3,
            open_buckets: 4,
        };
        for layout in [Layout::DEFAULT, tiny] {
            let built = build_in_buckets(&lake, true, 10, layout).await.unwrap();
            assert_eq!(sessions_built(built), 90, "{layout:?}");
            let indexed = Engine::open(&lake).await.unwrap();
            assert!(indexed.indexed);
            for (sql, want) in [SESSIONS, EVENTS, MINUTES].iter().zip(&want) {
                assert_eq!(&text(&indexed, sql).await, want, "{sql} {layout:?}");
            }
        }
    }

    #[tokio::test]
    async fn who_over_the_index_names_whom_the_events_name() {
        let (_dir, lake) = demo_lake().await;
        let (since, until) = (i64::MIN / 2, i64::MAX / 2);
        let computed = Engine::open(&lake).await.unwrap();
        let want = pretty(&computed.who("shop.customers", since, until).await.unwrap());
        assert!(want.contains("alice.nguyen@example.com"), "{want}");
        build_session_index(&lake, false).await.unwrap();

        let indexed = Engine::open(&lake).await.unwrap();
        let (asked, _) = super::super::who_params("shop.customers", since, until);
        let focused = indexed
            .focused(&views::WHO_CONNECTIONS, asked, usize::MAX)
            .await
            .unwrap();
        // A focused engine computes its few connections' sessions (cheaper than reading
        // every stored one).
        let read = explain(&focused, "SELECT count(*) FROM db_sessions").await;
        assert!(!read.contains("session_facts_index"), "{read}");
        assert!(read.contains("TableScan: db_events"), "{read}");
        assert_eq!(
            pretty(&indexed.who("shop.customers", since, until).await.unwrap()),
            want
        );
    }

    #[tokio::test]
    async fn an_ingest_of_database_logs_makes_the_index_stale_until_it_is_built_again() {
        let mysql = "rds/billing-prod/audit/server_audit.log";
        let okta = "okta/system-log-2026-11-16.json";
        let (dir, lake) = demo_lake_without(&[mysql, okta]).await;
        let later = dir.path().join("later");
        let count = "SELECT count(*) AS n FROM db_sessions";
        let first = Engine::open(&lake).await.unwrap();
        let before = sessions_built(build_session_index(&lake, false).await.unwrap());
        assert_eq!(text(&first, count).await, text_of_count(before));
        assert!(
            before < 90,
            "billing-prod's sessions are not in the lake yet"
        );

        // Okta events change no session: the index stays current.
        ingest_into(&lake, &later.join(okta)).await;
        assert!(is_current(&lake).unwrap());

        ingest_into(&lake, &later.join(mysql)).await;
        assert!(!is_current(&lake).unwrap());
        let stale = Engine::open(&lake).await.unwrap();
        assert!(!stale.indexed, "a stale index is not read");
        let computed = text(&stale, count).await;
        assert_eq!(computed, text_of_count(90));

        // Only billing-prod's connections are computed again (one session each).
        let outcome = build_session_index(&lake, false).await.unwrap();
        assert!(
            matches!(
                outcome,
                IndexOutcome::Updated {
                    connections: 36,
                    sessions: 36,
                    ..
                }
            ),
            "{outcome:?}"
        );
        let indexed = Engine::open(&lake).await.unwrap();
        assert!(indexed.indexed);
        assert_eq!(text(&indexed, count).await, computed);
        // The stored sessions are the lake's, none twice.
        let live = lake.live_files().unwrap();
        let facts: usize = live
            .of(SESSION_FACTS_INDEX.name, None)
            .iter()
            .map(|(path, file)| {
                crate::lake::read::read_file(&lake, path, file.size, None)
                    .unwrap()
                    .iter()
                    .map(RecordBatch::num_rows)
                    .sum::<usize>()
            })
            .sum();
        assert_eq!(facts, 90);
    }

    #[tokio::test]
    async fn an_index_whose_marker_does_not_match_the_lake_is_not_read() {
        let (_dir, lake) = demo_lake().await;
        build_session_index(&lake, false).await.unwrap();
        assert!(is_current(&lake).unwrap());
        // What an index interrupted between its commit and its marker leaves: another
        // index's marker.
        let older = session_index::Marker {
            fingerprint: "an older index".into(),
            sql: None,
            inputs: Vec::new(),
        };
        session_index::store_marker(&lake, &older).unwrap();
        assert!(!Engine::open(&lake).await.unwrap().indexed);
        assert_eq!(
            sessions_built(build_session_index(&lake, false).await.unwrap()),
            90
        );
        assert!(Engine::open(&lake).await.unwrap().indexed);
    }

    /// The column's type as stored: the views give some text columns as `Utf8View`
    /// (a `CAST(NULL AS VARCHAR)`), which Parquet stores as text all the same.
    fn stored_type(t: &arrow::datatypes::DataType) -> arrow::datatypes::DataType {
        match t {
            arrow::datatypes::DataType::Utf8View => arrow::datatypes::DataType::Utf8,
            other => other.clone(),
        }
    }

    #[tokio::test]
    async fn the_index_tables_have_the_types_of_the_views() {
        let (_dir, lake) = demo_lake().await;
        let engine = Engine::open(&lake).await.unwrap();
        for (view, table) in INDEXED {
            let frame = engine.context().table(view).await.unwrap();
            let columns: Vec<(String, arrow::datatypes::DataType)> = frame
                .schema()
                .fields()
                .iter()
                .map(|f| (f.name().clone(), stored_type(f.data_type())))
                .collect();
            let stored: Vec<(String, arrow::datatypes::DataType)> = (table.schema)()
                .fields()
                .iter()
                .map(|f| (f.name().clone(), f.data_type().clone()))
                .collect();
            assert_eq!(columns, stored, "{view}");
        }
    }
}
