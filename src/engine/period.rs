//! Questions about one period, answered over the stored sessions that can be in it.
//!
//! A report (and `findings`) holds the attribution views in memory for the many
//! queries it runs: over the whole lake that is every stored session, so its memory
//! grew with the lake (3.7 GiB for a week's report on a three-week, 100 M-event lake).
//! Every session figure and check asks about sessions that connected in the period,
//! and such a session starts before the period ends and has a row after it begins;
//! so an engine whose stored sessions are those holds what the period needs.

use datafusion::prelude::{col, lit};
use datafusion::scalar::ScalarValue;

use super::focus::last_partition;
use super::index::create_views;
use super::{Engine, EngineError, df};

impl Engine {
    /// An engine over the same lake whose stored sessions are those that overlap
    /// `[since, until)`: every session that connected in the period, with its span
    /// (so statements in the period find their session). Questions about sessions that
    /// connected in the period (the checks, the report's figures) get the whole lake's
    /// answers at the period's cost. The minutes with db events (`audit-gap` looks for
    /// silences that began before the period) and every other table are the lake's.
    ///
    /// `None` without a current session index: the sessions are then computed from
    /// every db event, and a period of the events would cut the sessions at its edges.
    pub async fn within(&self, since: i64, until: i64) -> Result<Option<Engine>, EngineError> {
        if !self.indexed {
            return Ok(None);
        }
        let ctx = self.narrowed_context().await?;
        let context = "reading the db events";
        let events = ctx
            .table_provider("db_events_lake")
            .await
            .map_err(df(context))?;
        ctx.register_table("db_events", events)
            .map_err(df(context))?;
        let last = lit(last_partition(until));
        let t = |v: i64| {
            lit(ScalarValue::TimestampMicrosecond(
                Some(v),
                Some("UTC".into()),
            ))
        };
        let starts_before_the_end = col("date")
            .lt_eq(last)
            .and(col("session_start").lt(t(until)));
        create_views(&ctx, |view, rows| match view {
            "db_session_spans" => rows.filter(
                starts_before_the_end.clone().and(
                    col("next_time")
                        .is_null()
                        .or(col("next_time").gt_eq(t(since))),
                ),
            ),
            "db_session_facts" => rows.filter(
                starts_before_the_end
                    .clone()
                    .and(col("last_event_time").gt_eq(t(since))),
            ),
            _ => Ok(rows),
        })
        .await?;
        let engine = Engine {
            ctx,
            cached: Default::default(),
            memory_limit: self.memory_limit,
            indexed: true,
            attributed: false,
            accesses: None,
            _held: None,
            _lake: self._lake.clone(),
        };
        engine.plan_views().await?;
        Ok(Some(engine))
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::tests::demo_lake;
    use crate::engine::{Engine, build_session_index};

    async fn count(engine: &Engine, sql: &str) -> i64 {
        let batches = engine.sql(sql).await.unwrap();
        let column = batches[0].column(0);
        arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(column).value(0)
    }

    /// A period's engine holds exactly the stored sessions that overlap it, and each
    /// that connected in it; without an index there is none.
    #[tokio::test]
    async fn a_period_holds_the_stored_sessions_that_overlap_it() {
        let (_dir, lake) = demo_lake().await;
        let computed = Engine::open(&lake).await.unwrap();
        assert!(computed.within(0, 1).await.unwrap().is_none());
        build_session_index(&lake, false).await.unwrap();
        let whole = Engine::open(&lake).await.unwrap();
        let at = |s: &str| crate::sources::timefmt::parse_iso(s).unwrap();
        let (since, until) = (at("2026-11-18T00:00:00Z"), at("2026-11-19T00:00:00Z"));
        let day = whole.within(since, until).await.unwrap().expect("indexed");
        const ALL: &str = "SELECT count(*) FROM db_sessions";
        const OVERLAP: &str = "SELECT count(*) FROM db_sessions \
             WHERE session_start < TIMESTAMP '2026-11-19T00:00:00Z' \
             AND last_event_time >= TIMESTAMP '2026-11-18T00:00:00Z'";
        const CONNECTED: &str = "SELECT count(*) FROM attributed_sessions \
             WHERE connect_time >= TIMESTAMP '2026-11-18T00:00:00Z' \
             AND connect_time < TIMESTAMP '2026-11-19T00:00:00Z' AND attribution = 'exact'";
        let (held, overlapping) = (count(&day, ALL).await, count(&whole, OVERLAP).await);
        assert_eq!(held, overlapping);
        assert!(held > 0 && held < count(&whole, ALL).await, "{held}");
        assert_eq!(count(&day, CONNECTED).await, count(&whole, CONNECTED).await);
        assert!(count(&day, CONNECTED).await > 0);
        const SPANS: &str = "SELECT count(*) FROM db_session_spans";
        assert!(count(&day, SPANS).await < count(&whole, SPANS).await);
    }
}
