//! Questions about some rows, answered over the session index from those rows alone.
//!
//! The index stores every session's span and facts, computed over the whole lake. A
//! row's session is the stored span of its connection that holds the row, and the
//! session's attribution is computed from its stored facts; so a question about some
//! rows (`who` a table) needs neither the other rows of their connections nor their
//! sessions computed again. [`Engine::focused`] reads every row of the connections and
//! computes their sessions: at 100 M db events `who` over the rows alone took 6.2 s
//! where that took 7.0 (BENCHMARKS.md, thirteenth run).

use arrow::datatypes::Schema;
use datafusion::common::JoinType;
use datafusion::error::DataFusionError;
use datafusion::prelude::{DataFrame, Expr, SessionContext, col, ident, lit};
use datafusion::scalar::ScalarValue;

use super::focus::hold;
use super::index::create_views;
use super::{Engine, EngineError, bind, df, texts};

/// The indexed views read for the rows' connections only (the semi join is on the
/// session key's connection part, so every session a row can belong to is kept), and
/// only those that began before the period's last day ended.
const RESTRICTED: [&str; 2] = ["db_session_spans", "db_session_facts"];

impl Engine {
    /// A new engine over the same lake and runtime whose `db_events` is the rows that
    /// `rows_sql` with `params` returns (a query over `db_events`, in the `date=`
    /// partitions `dates`), and whose stored sessions are those of the rows'
    /// connections. Every view over the rows then gives what the whole lake gives for
    /// them: their sessions, attributions and statements. The rows are held in memory
    /// when they take less than `budget` bytes, and read again at each use otherwise.
    /// With `attributed`, `attributed_sessions` is the stored attribution of their
    /// sessions ([`super::attribution`]), not computed.
    ///
    /// Only for an engine that reads the session index.
    pub(super) async fn rows_focused(
        &self,
        rows_sql: &str,
        params: Vec<ScalarValue>,
        dates: (String, String),
        budget: usize,
        attributed: bool,
    ) -> Result<Engine, EngineError> {
        debug_assert!(
            self.indexed,
            "the rows' sessions come from the session index"
        );
        let ctx = self.narrowed_context().await?;
        let context = "reading the rows asked about";
        let (lo, hi) = dates;
        let in_dates = col("date")
            .gt_eq(lit(lo.as_str()))
            .and(col("date").lt_eq(lit(hi.as_str())));
        let period = ctx
            .table("db_events_lake")
            .await
            .and_then(|t| t.filter(in_dates.clone()))
            .map_err(df(context))?;
        let columns = period.schema().as_arrow().clone();
        ctx.register_table("db_events", period.into_view())
            .map_err(df(context))?;
        let rows = bind(ctx.sql(rows_sql).await, params)?;
        let rows = with_every_column(rows, columns).map_err(df(context))?;
        ctx.deregister_table("db_events").map_err(df(context))?;
        let pool = ctx.runtime_env().memory_pool.clone();
        let partitions = ctx.copied_config().target_partitions();
        let held = hold(rows.clone(), &pool, budget, partitions)
            .await
            .map_err(df(context))?;
        let held = match held {
            Some((table, reservation)) => {
                ctx.register_table("db_events", std::sync::Arc::new(table))
                    .map_err(df(context))?;
                Some(reservation)
            }
            None => {
                // The plan has the parameters bound: a view that reads the lake again.
                ctx.register_table("db_events", rows.into_view())
                    .map_err(df(context))?;
                None
            }
        };
        register_csvlog_hours(&ctx, in_dates).await?;
        let ids = ctx
            .sql("SELECT DISTINCT instance, connection_id FROM db_events")
            .await
            .map_err(df("finding the connections of the rows asked about"))?
            .cache()
            .await
            .map_err(df("finding the connections of the rows asked about"))?;
        const KEY: [&str; 2] = ["instance", "connection_id"];
        create_views(&ctx, |view, rows| {
            if !RESTRICTED.contains(&view) {
                return Ok(rows);
            }
            // A session that holds a row of the period began before it ended: the
            // index's later `date=` partitions (of session starts) are not read.
            rows.filter(col("date").lt_eq(lit(hi.as_str())))?.join(
                ids.clone(),
                JoinType::LeftSemi,
                &KEY,
                &KEY,
                None,
            )
        })
        .await?;
        if attributed {
            super::attribution::register_stored(&ctx, ids, &hi).await?;
            return self
                .narrowed_with(ctx, held, true, &[super::attribution::VIEW])
                .await;
        }
        self.narrowed(ctx, held, true).await
    }
}

/// `rows` with every column of `schema`, in its order, those it lacks as typed nulls.
/// The session and attribution views are planned over every column of `db_events`,
/// while a question's rows need only the columns it reads: each column left out of
/// `who`'s rows is one less decompression of every page of the period, since those
/// rows lie on all of them.
fn with_every_column(rows: DataFrame, schema: Schema) -> Result<DataFrame, DataFusionError> {
    let columns = schema
        .fields()
        .iter()
        .map(|f| {
            if rows.schema().has_column_with_unqualified_name(f.name()) {
                Ok(ident(f.name()))
            } else {
                Ok(lit(ScalarValue::try_from(f.data_type())?).alias(f.name()))
            }
        })
        .collect::<Result<Vec<_>, DataFusionError>>()?;
    rows.select(columns)
}

/// Registers `pg_csvlog_hours` for the rows in `db_events`: the hours with csvlog rows
/// (in the partitions `in_dates`) of the instances with a stderr row among them, the
/// only rows the view judges. A row is judged against every csvlog row of its hour, not
/// only those asked about; reading only those instances' csvlog rows spares the scan
/// of the period's other rows.
async fn register_csvlog_hours(ctx: &SessionContext, in_dates: Expr) -> Result<(), EngineError> {
    let context = "computing view pg_csvlog_hours for the rows asked about";
    let instances = texts(
        ctx,
        "SELECT DISTINCT instance FROM db_events WHERE dialect = 'pg-stderr'",
        context,
    )
    .await?
    .into_iter()
    .map(lit)
    .collect();
    let stderr_instances = ctx
        .table("db_events_lake")
        .await
        .and_then(|t| t.filter(in_dates.and(col("instance").in_list(instances, false))))
        .map_err(df(context))?;
    let hours_ctx = SessionContext::new_with_config_rt(ctx.copied_config(), ctx.runtime_env());
    hours_ctx
        .register_table("db_events", stderr_instances.into_view())
        .map_err(df(context))?;
    let hours = hours_ctx
        .sql(super::views::PG_CSVLOG_HOURS)
        .await
        .map_err(df(context))?
        .cache()
        .await
        .map_err(df(context))?;
    ctx.register_table("pg_csvlog_hours", hours.into_view())
        .map_err(df(context))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::engine::tests::demo_lake;
    use crate::engine::{Engine, build_session_index, who_params};

    fn pretty(batches: &[arrow::record_batch::RecordBatch]) -> String {
        arrow::util::pretty::pretty_format_batches(batches)
            .unwrap()
            .to_string()
    }

    /// Over the index, `who` reads the rows naming the table and the stored sessions
    /// of their connections, never the connections' other rows, and answers as the
    /// events do: for every object of the demo, over all time and over one day.
    #[tokio::test]
    async fn who_from_the_rows_asked_about_answers_as_the_whole_lake_does() {
        let (_dir, lake) = demo_lake().await;
        let computed = Engine::open(&lake).await.unwrap();
        assert!(!computed.reads_session_index());
        let day = (
            crate::sources::timefmt::parse_iso("2026-11-17T00:00:00Z").unwrap(),
            crate::sources::timefmt::parse_iso("2026-11-18T00:00:00Z").unwrap(),
        );
        let periods = [(i64::MIN / 2, i64::MAX / 2), day];
        let objects = [
            "shop.customers",
            "billing.invoices",
            "ledger.public.entries",
        ];
        let mut want = Vec::new();
        for object in objects {
            for (since, until) in periods {
                want.push(pretty(&computed.who(object, since, until).await.unwrap()));
            }
        }
        assert!(want[0].contains("alice.nguyen@example.com"), "{}", want[0]);
        // Every object has accesses over all time (a table's header and rule lines are 4).
        for (object, answer) in objects.iter().zip(want.iter().step_by(2)) {
            assert!(answer.lines().count() > 4, "{object}:\n{answer}");
        }
        build_session_index(&lake, false).await.unwrap();
        let indexed = Engine::open(&lake).await.unwrap();
        assert!(indexed.reads_session_index());
        let mut got = Vec::new();
        for object in objects {
            for (since, until) in periods {
                got.push(pretty(&indexed.who(object, since, until).await.unwrap()));
            }
        }
        assert_eq!(got, want);

        // The day's period ends at the next midnight: its rows are in its own partition.
        let (asked, _) = who_params("shop.customers", day.0, day.1);
        let day_partition = datafusion::common::ScalarValue::Utf8(Some("2026-11-17".into()));
        assert_eq!(asked[3..5], [day_partition.clone(), day_partition]);

        let (asked, _) = who_params("shop.customers", periods[0].0, periods[0].1);
        let dates = ("0000-01-01".to_string(), "9999-12-31".to_string());
        let focused = indexed
            .rows_focused(
                crate::engine::views::WHO_ROWS,
                asked,
                dates,
                usize::MAX,
                false,
            )
            .await
            .unwrap();
        let answer = |sql: &'static str| {
            let e = &focused;
            async move { pretty(&e.sql(sql).await.unwrap()) }
        };
        // Only the rows that name the table, their sessions read from the index.
        let events = answer("SELECT count(*) AS n FROM db_events").await;
        assert!(!events.contains("| 0 "), "{events}");
        let named = answer(
            "SELECT count(*) AS n FROM db_events WHERE names_table(statement, database, 'shop.customers') \
             OR lower(concat(database, '.', object)) = 'shop.customers'",
        )
        .await;
        assert_eq!(events, named);
        // Of their columns, those `who` reads alone: the others are typed nulls, where
        // the lake holds a db user for every one of those rows.
        let left_out = answer(
            "SELECT count(db_user) + count(client_host) + count(server_host) AS n FROM db_events",
        )
        .await;
        assert!(left_out.contains("| 0 "), "{left_out}");
        let lake_users = answer(
            "SELECT count(db_user) AS n FROM db_events_lake \
             WHERE (names_table(statement, database, 'shop.customers') \
             OR lower(concat(database, '.', object)) = 'shop.customers') \
             AND connection_id IS NOT NULL",
        )
        .await;
        assert_eq!(lake_users, events);
        let plan = answer("EXPLAIN SELECT count(*) FROM db_sessions").await;
        assert!(plan.contains("session_facts_index"), "{plan}");
    }

    /// The word signature only spares `who` rows: its rows are those a comparison and
    /// search of every row finds, in a lake that stores signatures and in one written
    /// before it did (the column null), and the signature rules out most rows: TABLE
    /// rows on other tables as well as statements.
    #[tokio::test]
    async fn who_rows_read_through_the_word_signature_are_those_of_a_full_search() {
        let (_dir, lake) = demo_lake().await;
        let engine = Engine::open(&lake).await.unwrap();
        let ordered = |sql: &str| {
            format!(
                "SELECT instance, source_uri, source_offset, operation FROM ({sql}) r ORDER BY 1, 2, 3, 4"
            )
        };
        // `mask`: in place of the one who_params computes (0 rules nothing out).
        let rows = |sql: String, mask: Option<i64>| {
            let e = &engine;
            async move {
                let (mut asked, _) = who_params("shop.customers", i64::MIN / 2, i64::MAX / 2);
                asked[3] = datafusion::common::ScalarValue::Utf8(Some("0000-01-01".into()));
                asked[4] = datafusion::common::ScalarValue::Utf8(Some("9999-12-31".into()));
                if let Some(mask) = mask {
                    asked[5] = datafusion::common::ScalarValue::Int64(Some(mask));
                }
                pretty(&e.sql_with(&sql, asked).await.unwrap())
            }
        };
        let who_rows = crate::engine::views::WHO_ROWS;
        let signed = rows(ordered(who_rows), None).await;
        let searched = rows(ordered(who_rows), Some(0)).await;
        assert_eq!(signed, searched);
        assert!(signed.lines().count() > 20, "{signed}");

        let unsigned = who_rows.replace(
            "FROM db_events\n",
            "FROM (SELECT * EXCLUDE (words), CAST(NULL AS BIGINT) AS words FROM db_events) e\n",
        );
        assert_ne!(unsigned, who_rows);
        assert_eq!(rows(ordered(&unsigned), None).await, searched);

        let counts = engine
            .sql_with(
                "SELECT count(*) FILTER (WHERE (words & $1) = $1 AND object IS NULL), \
                        count(*) FILTER (WHERE object IS NULL AND statement IS NOT NULL), \
                        count(*) FILTER (WHERE (words & $1) = $1 AND object IS NOT NULL), \
                        count(*) FILTER (WHERE object IS NOT NULL), \
                        count(*) FILTER (WHERE words = 0 AND object IS NULL AND statement IS NULL), \
                        count(*) FILTER (WHERE object IS NULL AND statement IS NULL), \
                        count(*) FILTER (WHERE words IS NULL) \
                 FROM db_events",
                vec![datafusion::common::ScalarValue::Int64(
                    crate::sources::words::table_mask("customers"),
                )],
            )
            .await
            .unwrap();
        use arrow::array::AsArray;
        let at = |i: usize| {
            counts[0]
                .column(i)
                .as_primitive::<arrow::datatypes::Int64Type>()
                .value(0)
        };
        let got: Vec<i64> = (0..7).map(at).collect();
        // The demo's statements (TABLE rows aside): 19 of 119 could name `customers`. Of
        // its 36 rows with an object, 19 are kept: 18 on shop.customers and 1 on
        // staging.customers (the same word; the comparison then rules it out), none of
        // the 17 on orders, customers_archive or ledger's tables. Its 192 rows with
        // neither a statement nor an object (connections) have no word, and every row
        // has a signature.
        assert_eq!(got, [19, 119, 19, 36, 192, 192, 0]);
    }
}
