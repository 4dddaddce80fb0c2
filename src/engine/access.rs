//! Storing what each session did to each table, per day
//! ([`crate::lake::access_index`]), and answering `who` over whole days from it.
//!
//! The entries are the rows of `queries/access/table_accesses.sql` over the session
//! index and the stored attribution, computed a slice of a `date=` partition of db
//! events at a time ([`Engine::rows_focused`]): an entry is made of its slice's rows
//! of one session, whose session comes from the index, so each slice's entries are
//! those of the whole lake, and memory follows a slice's rows, not the lake's.

use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::{AsArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::prelude::{col, lit};
use datafusion::scalar::ScalarValue;

use super::index::{WRITER_BYTES, commit_then, store};
use super::{AttributionSettings, Engine, EngineError, attribution, df, focus, texts, views};
use crate::lake::access_index::{self, Marker, stored_marker};
use crate::lake::writer::LakeWriter;
use crate::lake::{DB_EVENTS, Lake, LakeError, TABLE_ACCESS_INDEX, attribution_index};

/// The SQL whose rows are stored.
const TABLE_ACCESSES: &str = include_str!("../../queries/access/table_accesses.sql");

/// `who_accessed` for `who`, rebuilt from the stored entries.
const WHO_ACCESSED: &str = include_str!("../../queries/access/who_accessed.sql");

/// What [`build_access_index`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessOutcome {
    /// The stored accesses already matched the lake and the settings.
    UpToDate,
    /// The stored attribution is not current, so there are no stored sessions to store
    /// accesses of (questions read the events).
    NoAttribution,
    /// Stored anew: how many entries, over how many tables, and how long it took.
    Built {
        entries: u64,
        tables: usize,
        took: Duration,
    },
}

/// The fingerprint of accesses stored now over the attribution whose marker is
/// `attribution`.
fn fingerprint(attribution: &attribution_index::Marker) -> String {
    let sql = format!("{}\n{TABLE_ACCESSES}", views::text_through("who_accessed"));
    access_index::fingerprint(&attribution.fingerprint, &sql)
}

/// The stored accesses' marker when they are the ones stored over `attribution` (the
/// current stored attribution's marker) by this binary's SQL.
pub(super) fn current(
    lake: &Lake,
    attribution: &attribution_index::Marker,
) -> Result<Option<Marker>, LakeError> {
    let Some(stored) = stored_marker(lake)? else {
        return Ok(None);
    };
    Ok((stored.fingerprint == fingerprint(attribution)).then_some(stored))
}

/// Stores the table accesses of every indexed session, over the attribution stored
/// with `settings`: nothing to do when the stored ones are current (unless `force`),
/// or when the stored attribution is not (store it first). Replaces the stored rows in
/// one commit; fails, changing nothing, when another ingest or compaction commits
/// meanwhile.
pub async fn build_access_index(
    lake: &Lake,
    settings: &AttributionSettings,
    force: bool,
) -> Result<AccessOutcome, EngineError> {
    build_in_slices(lake, settings, force, SLICE_ROWS).await
}

/// [`build_access_index`], computing the accesses of about `slice_rows` db events at
/// a time.
async fn build_in_slices(
    lake: &Lake,
    settings: &AttributionSettings,
    force: bool,
    slice_rows: u64,
) -> Result<AccessOutcome, EngineError> {
    let start = Instant::now();
    let live = lake.live_files()?;
    let engine = Engine::open_with(lake, settings).await?;
    if !engine.attributed {
        return Ok(AccessOutcome::NoAttribution);
    }
    let fingerprint = fingerprint(&attribution::marker(lake, settings)?);
    if !force && stored_marker(lake)?.is_some_and(|m| m.fingerprint == fingerprint) {
        return Ok(AccessOutcome::UpToDate);
    }
    let tables = known_tables(&engine).await?;
    let keys = Arc::new(keys_table(&tables).map_err(df("listing the tables to store"))?);
    let mut writer = LakeWriter::with_budget(lake, WRITER_BYTES);
    let mut entries = 0;
    const IN_SLICE: &str = "SELECT * FROM db_events WHERE event_time >= $1 AND event_time < $2";
    for day in live.dates(DB_EVENTS.name) {
        for (since, until) in slices(&engine, day, slice_rows).await? {
            let dates = (day.to_string(), day.to_string());
            let params = vec![super::ts(since), super::ts(until)];
            let rows = engine
                .rows_focused(IN_SLICE, params, dates, SLICE_BYTES, true)
                .await?;
            entries += store_slice(&rows, &keys, day, &mut writer).await?;
        }
    }
    let replaced: Vec<String> = live
        .of(TABLE_ACCESS_INDEX.name, None)
        .into_iter()
        .map(|(path, _)| path.to_string())
        .collect();
    let marker = Marker {
        fingerprint,
        tables: tables.clone(),
    };
    let record = || access_index::store_marker(lake, &marker);
    if entries == 0 && replaced.is_empty() {
        record()?;
    } else {
        commit_then(lake, live.generation, writer, &replaced, record)?;
    }
    Ok(AccessOutcome::Built {
        entries,
        tables: tables.len(),
        took: start.elapsed(),
    })
}

/// The db events whose accesses are computed at once: a day of more is computed in
/// slices of its hours. A whole day at 100 M db events (4.8 M events, 200 K entries)
/// took the build to 1.4 GiB, most of it the entries' lists being gathered.
const SLICE_ROWS: u64 = 500_000;

/// The bytes of a slice's db events held in memory while its accesses are computed;
/// a larger slice is read again at each use. Held under a quarter of the default
/// limit (3 GiB on 24 GiB of memory), a day at 100 M db events took the build to
/// 3.4 GiB.
const SLICE_BYTES: usize = 64 << 20;

/// The periods `[since, until)` of the `date=` partition `day` whose accesses are
/// computed at once: equal parts of the day, each of about `slice_rows` events
/// (counted from the Parquet footers). An entry is a slice's: a session active across
/// a slice's end has an entry in each, which `who` reads as one.
async fn slices(
    engine: &Engine,
    day: &str,
    slice_rows: u64,
) -> Result<Vec<(i64, i64)>, EngineError> {
    let context = format!("counting the db events of {day}");
    let start =
        crate::sources::timefmt::parse_iso(&format!("{day}T00:00:00Z")).ok_or_else(|| {
            df(context.clone())(DataFusionError::Plan(format!("{day} is not a date")))
        })?;
    let count = engine
        .sql_with(
            "SELECT count(*) FROM db_events WHERE date = $1",
            vec![ScalarValue::Utf8(Some(day.to_string()))],
        )
        .await?;
    let rows = count
        .first()
        .and_then(|b| b.column(0).as_primitive_opt::<Int64Type>())
        .map_or(0, |c| c.value(0)) as u64;
    let n = rows.div_ceil(slice_rows).max(1) as i64;
    Ok((0..n)
        .map(|i| (start + DAY * i / n, start + DAY * (i + 1) / n))
        .collect())
}

/// Stores the accesses of `rows`' db events (a slice of `day`) over the tables `keys`.
async fn store_slice(
    rows: &Engine,
    keys: &Arc<MemTable>,
    day: &str,
    writer: &mut LakeWriter<'_>,
) -> Result<u64, EngineError> {
    rows.cache_views(&[super::SESSION_SPANS]).await?;
    let context = format!("storing the table accesses of {day}");
    rows.ctx
        .register_table("access_tables", keys.clone())
        .map_err(df(context.clone()))?;
    let accesses = rows
        .ctx
        .sql(TABLE_ACCESSES)
        .await
        .map_err(df(context.clone()))?;
    rows.ctx
        .register_table("table_accesses", accesses.into_view())
        .map_err(df(context))?;
    store(rows, "table_accesses", &TABLE_ACCESS_INDEX, writer).await
}

/// Every table a TABLE event of the lake names, as `table_keys` lists it, that an
/// entry can key (see [`super::table_keys::is_keyed`]), in order.
async fn known_tables(engine: &Engine) -> Result<Vec<String>, EngineError> {
    let names = texts(
        &engine.ctx,
        "SELECT DISTINCT k FROM (SELECT unnest(table_keys(NULL, database, object)) AS k \
         FROM db_events WHERE object IS NOT NULL) t ORDER BY k",
        "listing the tables the TABLE events name",
    )
    .await?;
    Ok(names
        .into_iter()
        .filter(|k| super::table_keys::is_keyed(k))
        .collect())
}

/// `access_tables`: one column, `table_key`.
fn keys_table(tables: &[String]) -> Result<MemTable, datafusion::error::DataFusionError> {
    let schema = Arc::new(Schema::new(vec![Field::new(
        "table_key",
        DataType::Utf8,
        false,
    )]));
    let keys = StringArray::from_iter_values(tables);
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(keys)])?;
    MemTable::try_new(schema, vec![vec![batch]])
}

/// Microseconds in a day.
const DAY: i64 = 86_400_000_000;

/// Whether `[since, until)` is whole UTC days, each end a midnight or left open.
fn whole_days(since: i64, until: i64) -> bool {
    let edge =
        |t: i64| t.rem_euclid(DAY) == 0 || !(focus::YEAR_0..=focus::YEAR_9999_END).contains(&t);
    edge(since) && edge(until)
}

impl Engine {
    /// `who` `object` over `[since, until)` from the stored accesses, when they answer
    /// it: they are current, the period is whole days, the table is one of their keys,
    /// and no day of the period holds a statement whose names must be searched.
    /// `None` otherwise: the question reads the events.
    pub(super) async fn who_from_accesses(
        &self,
        object: &str,
        since: i64,
        until: i64,
        params: Vec<ScalarValue>,
    ) -> Result<Option<Vec<RecordBatch>>, EngineError> {
        let Some(marker) = &self.accesses else {
            return Ok(None);
        };
        let key = object.to_ascii_lowercase();
        if !object.is_ascii()
            || !whole_days(since, until)
            || marker.tables.binary_search(&key).is_err()
        {
            return Ok(None);
        }
        let (lo, hi) = (
            focus::partition_text(since),
            focus::last_partition_text(until),
        );
        let context = "reading the stored accesses";
        let ctx = self.narrowed_context().await?;
        let entries = ctx
            .table(TABLE_ACCESS_INDEX.name)
            .await
            .and_then(|t| {
                t.filter(
                    col("date")
                        .gt_eq(lit(lo.as_str()))
                        .and(col("date").lt_eq(lit(hi.as_str())))
                        .and(
                            col("table_key")
                                .eq(lit(key.as_str()))
                                .or(col("table_key").is_null()),
                        ),
                )
            })
            .map_err(df(context))?
            .cache()
            .await
            .map_err(df(context))?;
        let searched = entries
            .clone()
            .filter(col("table_key").is_null())
            .and_then(|t| t.limit(0, Some(1)))
            .map_err(df(context))?
            .count()
            .await
            .map_err(df(context))?;
        if searched > 0 {
            return Ok(None);
        }
        let ids = entries
            .clone()
            .select_columns(&["instance", "connection_id"])
            .and_then(|t| t.distinct())
            .map_err(df(context))?;
        ctx.register_table("table_accesses", entries.into_view())
            .map_err(df(context))?;
        attribution::register_stored(&ctx, ids, &hi).await?;
        // The views over db events are planned, never read: none of them is asked.
        let none = ctx
            .table("db_events_lake")
            .await
            .and_then(|t| t.filter(lit(false)))
            .map_err(df(context))?;
        ctx.register_table("db_events", none.into_view())
            .map_err(df(context))?;
        ctx.register_table(
            "pg_csvlog_hours",
            ctx.sql(views::PG_CSVLOG_HOURS)
                .await
                .map_err(df(context))?
                .into_view(),
        )
        .map_err(df(context))?;
        let who_accessed = ctx.sql(WHO_ACCESSED).await.map_err(df(context))?;
        ctx.register_table("who_accessed", who_accessed.into_view())
            .map_err(df(context))?;
        let engine = self
            .narrowed_with(ctx, None, false, &[attribution::VIEW, "who_accessed"])
            .await?;
        Ok(Some(engine.sql_with(views::WHO, params).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::index::tests::{ingest_into, text};
    use crate::engine::tests::{demo_lake, demo_lake_without, pretty};
    use crate::engine::{build_attribution_index, build_session_index};
    use crate::sources::timefmt::parse_iso;

    /// Every index the question can read, built.
    async fn build_all(lake: &Lake) -> AccessOutcome {
        let settings = AttributionSettings::default();
        build_session_index(lake, false).await.unwrap();
        build_attribution_index(lake, &settings, false)
            .await
            .unwrap();
        build_access_index(lake, &settings, false).await.unwrap()
    }

    const OBJECTS: [&str; 5] = [
        "shop.customers",
        "SHOP.Customers",
        "billing.invoices",
        "ledger.public.entries",
        "shop.no_such_table",
    ];

    /// Periods: all time, one whole day, two days, and a day cut at 09:00.
    fn periods() -> [(i64, i64); 4] {
        let t = |s: &str| parse_iso(s).unwrap();
        [
            (i64::MIN / 2, i64::MAX / 2),
            (t("2026-11-17T00:00:00Z"), t("2026-11-18T00:00:00Z")),
            (t("2026-11-16T00:00:00Z"), t("2026-11-18T00:00:00Z")),
            (t("2026-11-17T09:00:00Z"), t("2026-11-18T00:00:00Z")),
        ]
    }

    /// Over whole days, `who` a table the TABLE events name is answered from the stored
    /// accesses, with the answer the events give; any other name or period reads the
    /// events, with the same answer.
    #[tokio::test]
    async fn who_over_whole_days_from_the_stored_accesses_answers_as_the_events_do() {
        let (_dir, lake) = demo_lake().await;
        let computed = Engine::open(&lake).await.unwrap();
        let mut want = Vec::new();
        for object in OBJECTS {
            for (since, until) in periods() {
                want.push(pretty(&computed.who(object, since, until).await.unwrap()));
            }
        }
        // Every table but the missing one has accesses over all time.
        for (object, answer) in OBJECTS.iter().zip(want.iter().step_by(4)).take(4) {
            assert!(answer.lines().count() > 4, "{object}:\n{answer}");
        }
        let built = build_all(&lake).await;
        assert!(
            matches!(built, AccessOutcome::Built { tables: 7, .. }),
            "{built:?}"
        );
        let marker = stored_marker(&lake).unwrap().unwrap();
        assert_eq!(
            marker.tables,
            [
                "ledger.public.accounts",
                "ledger.public.balances",
                "ledger.public.entries",
                "shop.customers",
                "shop.customers_archive",
                "shop.orders",
                "staging.customers",
            ]
        );
        let stored = Engine::open(&lake).await.unwrap();
        assert_eq!(stored.accesses.as_ref(), Some(&marker));
        let mut got = Vec::new();
        let mut from_accesses = Vec::new();
        for object in OBJECTS {
            for (since, until) in periods() {
                got.push(pretty(&stored.who(object, since, until).await.unwrap()));
                let (_, params) = crate::engine::who_params(object, since, until);
                let answered = stored
                    .who_from_accesses(object, since, until, params)
                    .await
                    .unwrap()
                    .is_some();
                from_accesses.push(answered);
            }
        }
        assert_eq!(got, want);
        // Whole days of the keys; never the day cut at 09:00, `billing.invoices` (only
        // its statements name it: PostgreSQL's pgaudit logs no object here) or the
        // missing name.
        let whole = [true, true, true, false];
        let none = [false; 4];
        let expected: Vec<bool> = [whole, whole, none, whole, none].concat();
        assert_eq!(from_accesses, expected);

        // Every stored entry's table is a key, and no statement of the demo must be
        // searched (no entry without a table).
        let keys = text(
            &stored,
            "SELECT count(*) FILTER (WHERE table_key IS NULL) AS searched, \
             count(DISTINCT table_key) AS tables FROM table_access_index",
        )
        .await;
        assert!(keys.contains("| 0        | 7      |"), "{keys}");

        // In slices of about 8 events (equal parts of each day, end to end), `who`
        // answers the same.
        let day = slices(&stored, "2026-11-17", 8).await.unwrap();
        let events = text(
            &stored,
            "SELECT count(*) AS n FROM db_events WHERE date = '2026-11-17'",
        )
        .await;
        let n: usize = events
            .lines()
            .nth(3)
            .unwrap()
            .trim_matches(|c| c == '|' || c == ' ')
            .parse()
            .unwrap();
        assert_eq!(day.len(), n.div_ceil(8), "{events}");
        assert!(day.len() > 1);
        assert_eq!(day[0].0, parse_iso("2026-11-17T00:00:00Z").unwrap());
        assert_eq!(day[day.len() - 1].1, day[0].0 + DAY);
        assert!(day.windows(2).all(|w| w[0].1 == w[1].0));
        let settings = AttributionSettings::default();
        let sliced = build_in_slices(&lake, &settings, true, 8).await.unwrap();
        assert!(matches!(sliced, AccessOutcome::Built { .. }), "{sliced:?}");
        let stored = Engine::open(&lake).await.unwrap();
        for (object, answers) in OBJECTS.iter().zip(want.chunks(4)) {
            for ((since, until), answer) in periods().into_iter().zip(answers) {
                let got = pretty(&stored.who(object, since, until).await.unwrap());
                assert_eq!(&got, answer, "{object} {since} {until}");
            }
        }
        assert_eq!(
            build_access_index(&lake, &AttributionSettings::default(), false)
                .await
                .unwrap(),
            AccessOutcome::UpToDate
        );
    }

    /// An ingest of anything leaves the stored accesses behind with the attribution:
    /// `who` reads the events until both are stored again.
    #[tokio::test]
    async fn accesses_stored_before_an_ingest_are_not_read() {
        let okta = "okta/system-log-2026-11-16.json";
        let (dir, lake) = demo_lake_without(&[okta]).await;
        build_all(&lake).await;
        assert!(Engine::open(&lake).await.unwrap().accesses.is_some());
        ingest_into(&lake, &dir.path().join("later").join(okta)).await;
        let stale = Engine::open(&lake).await.unwrap();
        assert!(stale.accesses.is_none());
        let (since, until) = periods()[0];
        let after = pretty(&stale.who("shop.customers", since, until).await.unwrap());
        assert!(after.contains("| verified"), "{after}");
        let settings = AttributionSettings::default();
        assert_eq!(
            build_access_index(&lake, &settings, false).await.unwrap(),
            AccessOutcome::NoAttribution
        );
        build_attribution_index(&lake, &settings, false)
            .await
            .unwrap();
        assert!(matches!(
            build_access_index(&lake, &settings, false).await.unwrap(),
            AccessOutcome::Built { .. }
        ));
        let stored = Engine::open(&lake).await.unwrap();
        assert!(stored.accesses.is_some());
        let again = pretty(&stored.who("shop.customers", since, until).await.unwrap());
        assert_eq!(again, after);
    }

    /// A statement that is not ASCII has its names searched: `who` over its day reads
    /// the events, over other days the stored accesses, with the events' answer.
    #[tokio::test]
    async fn who_over_a_day_with_a_statement_to_search_reads_the_events() {
        let (dir, lake) = demo_lake().await;
        // A connection of shop-prod on 2026-11-19 naming customers in a non-ASCII literal.
        let later = dir
            .path()
            .join("later/rds/shop-prod/audit/server_audit.log.2");
        std::fs::create_dir_all(later.parent().unwrap()).unwrap();
        std::fs::write(
            &later,
            "20261119 11:00:00,ip-10-20-1-34,anguyen,10.0.1.21,18399,0,CONNECT,shop,,0\n\
             20261119 11:00:01,ip-10-20-1-34,anguyen,10.0.1.21,18399,7712499,QUERY,shop,\
             'SELECT id FROM customers WHERE name = \\'Zoë\\'',0\n\
             20261119 11:00:02,ip-10-20-1-34,anguyen,10.0.1.21,18399,0,DISCONNECT,shop,,0\n",
        )
        .unwrap();
        ingest_into(&lake, &later).await;
        let t = |s: &str| parse_iso(s).unwrap();
        let day = |d: &str| {
            (
                t(&format!("{d}T00:00:00Z")),
                t(&format!("{d}T00:00:00Z")) + DAY,
            )
        };
        let days = [day("2026-11-19"), day("2026-11-18")];
        let computed = Engine::open(&lake).await.unwrap();
        let mut want = Vec::new();
        for (since, until) in days {
            want.push(pretty(
                &computed.who("shop.customers", since, until).await.unwrap(),
            ));
        }
        assert!(want[0].contains("| anguyen"), "{}", want[0]);
        build_all(&lake).await;
        let stored = Engine::open(&lake).await.unwrap();
        let searched = text(
            &stored,
            "SELECT date, count(*) AS n FROM table_access_index WHERE table_key IS NULL GROUP BY date",
        )
        .await;
        assert!(searched.contains("| 2026-11-19 | 1 |"), "{searched}");
        let mut got = Vec::new();
        let mut from_accesses = Vec::new();
        for (since, until) in days {
            got.push(pretty(
                &stored.who("shop.customers", since, until).await.unwrap(),
            ));
            let (_, params) = crate::engine::who_params("shop.customers", since, until);
            let answered = stored.who_from_accesses("shop.customers", since, until, params);
            from_accesses.push(answered.await.unwrap().is_some());
        }
        assert_eq!(got, want);
        assert_eq!(from_accesses, [false, true]);
    }

    #[test]
    fn whole_days_are_midnights_or_open_ends() {
        let t = |s: &str| parse_iso(s).unwrap();
        let midnight = t("2026-11-17T00:00:00Z");
        assert!(whole_days(i64::MIN / 2, i64::MAX / 2));
        assert!(whole_days(midnight, midnight + DAY));
        assert!(whole_days(i64::MIN / 2, midnight));
        assert!(!whole_days(midnight + 1, midnight + DAY));
        assert!(!whole_days(midnight, t("2026-11-17T09:00:00Z")));
    }
}
