//! Storing the attribution of every indexed session ([`crate::lake::attribution_index`])
//! and reading it for the sessions a question is about.
//!
//! The stored rows are those of the view `attributed_sessions` over the session index,
//! computed a few days of sessions at a time: a session's attribution is made of its
//! own row and of what is not a db event (federated sessions, Okta, policies,
//! inventory), so each batch's rows are those of the whole lake, and memory follows a
//! batch's sessions, not the lake's.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use datafusion::common::JoinType;
use datafusion::prelude::{DataFrame, SessionContext, col, lit};

use super::index::{self, WRITER_BYTES, commit_then, store};
use super::{AttributionSettings, Engine, EngineError, LakeReads, default_memory_limit, df, views};
use crate::lake::attribution_index::{self, Marker, stored_marker};
use crate::lake::files::{LiveFiles, data_file};
use crate::lake::writer::LakeWriter;
use crate::lake::{ATTRIBUTION_INDEX, Lake, LakeError, SESSION_FACTS_INDEX};

/// The view whose rows are stored.
pub(super) const VIEW: &str = "attributed_sessions";

/// What [`build_attribution_index`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributionOutcome {
    /// The stored attribution already matched the lake and the settings.
    UpToDate,
    /// The session index is not current, so there are no stored sessions to attribute
    /// (questions compute both).
    NoIndex,
    /// Stored anew: how many sessions, and how long it took.
    Built { sessions: u64, took: Duration },
}

pub(super) fn marker(lake: &Lake, settings: &AttributionSettings) -> Result<Marker, LakeError> {
    Marker::of_lake(
        lake,
        &index::index_sql(),
        &views::text_through(VIEW),
        &settings.text(),
    )
}

/// The stored attribution's marker when it is the attribution questions asked with
/// `settings` would compute now.
pub(super) fn current(
    lake: &Lake,
    settings: &AttributionSettings,
) -> Result<Option<Marker>, LakeError> {
    let Some(stored) = stored_marker(lake)? else {
        return Ok(None);
    };
    Ok((stored == marker(lake, settings)?).then_some(stored))
}

/// Stores the attribution of every session of the lake's session index, with
/// `settings` (those of `tagtrail.toml` and the flags of the ingest): nothing to do
/// when the stored one is current (unless `force`), or when the session index is not
/// (build it first). Replaces the stored rows in one commit; fails, changing nothing,
/// when another ingest or compaction commits meanwhile.
pub async fn build_attribution_index(
    lake: &Lake,
    settings: &AttributionSettings,
    force: bool,
) -> Result<AttributionOutcome, EngineError> {
    build_in_batches(lake, settings, force, BATCH_BYTES).await
}

/// [`build_attribution_index`], attributing about `batch_bytes` of stored sessions at
/// a time.
async fn build_in_batches(
    lake: &Lake,
    settings: &AttributionSettings,
    force: bool,
    batch_bytes: u64,
) -> Result<AttributionOutcome, EngineError> {
    let start = Instant::now();
    let live = lake.live_files()?;
    if !index::is_current(lake)? {
        return Ok(AttributionOutcome::NoIndex);
    }
    let now = marker(lake, settings)?;
    if !force && stored_marker(lake)?.as_ref() == Some(&now) {
        return Ok(AttributionOutcome::UpToDate);
    }
    let engine = Engine::open_indexed(
        lake,
        settings,
        default_memory_limit(),
        true,
        LakeReads::Questions,
    )
    .await?;
    // What every day's sessions are matched against, computed once.
    engine
        .cache_views(&["role_sessions", "idp_aws_sso", "session_mfa"])
        .await?;
    let mut writer = LakeWriter::with_budget(lake, WRITER_BYTES);
    let mut sessions = 0;
    for days in batches_of_days(&live, batch_bytes) {
        engine.sessions_that_began_on(&days).await?;
        sessions += store(&engine, VIEW, &ATTRIBUTION_INDEX, &mut writer).await?;
    }
    let replaced: Vec<String> = live
        .of(ATTRIBUTION_INDEX.name, None)
        .into_iter()
        .map(|(path, _)| path.to_string())
        .collect();
    if sessions == 0 && replaced.is_empty() {
        // No parts to add or remove (a lake without database logs yet): no commit, so
        // the lake's file list does not change. A later ingest changes the inputs, so
        // this marker cannot describe it.
        attribution_index::store_marker(lake, &now)?;
    } else {
        commit_then(lake, live.generation, writer, &replaced, || {
            attribution_index::store_marker(lake, &now)
        })?;
    }
    Ok(AttributionOutcome::Built {
        sessions,
        took: start.elapsed(),
    })
}

/// The stored sessions' bytes (`session_facts_index`) attributed at once: at 100 M db
/// events, about four days of sessions (200 K).
const BATCH_BYTES: u64 = 4 << 20;

/// The `date=` partitions of the session index, in order, in runs of about `bytes` of
/// stored sessions (a day's sessions are never split).
fn batches_of_days(live: &LiveFiles, bytes: u64) -> Vec<Vec<String>> {
    let mut days: BTreeMap<&str, u64> = BTreeMap::new();
    for (path, file) in live.of(SESSION_FACTS_INDEX.name, None) {
        if let Some((_, date)) = data_file(path) {
            *days.entry(date).or_default() += file.size;
        }
    }
    let mut batches: Vec<Vec<String>> = Vec::new();
    let mut size = 0;
    for (day, day_size) in days {
        match batches.last_mut() {
            Some(batch) if size + day_size <= bytes => {
                batch.push(day.to_string());
                size += day_size;
            }
            _ => {
                batches.push(vec![day.to_string()]);
                size = day_size;
            }
        }
    }
    batches
}

impl Engine {
    /// Narrows `db_session_facts` (read from the index) to the sessions that began on
    /// `dates` (the index's `date=` partitions) and plans again the views that
    /// `attributed_sessions` reads over them.
    async fn sessions_that_began_on(&self, dates: &[String]) -> Result<(), EngineError> {
        const FACTS: &str = "db_session_facts";
        let dates: Vec<_> = dates.iter().map(|d| lit(d.as_str())).collect();
        index::create_views(&self.ctx, |view, rows| {
            if view == FACTS {
                rows.filter(col("date").in_list(dates.clone(), false))
            } else {
                Ok(rows)
            }
        })
        .await?;
        // Only what the attribution reads: `who_accessed` and the like are not asked.
        let mut wanted = views::read_by(VIEW);
        wanted.insert(VIEW);
        let readers = views::readers_of(FACTS);
        self.plan_again(&wanted.intersection(&readers).copied().collect())
            .await
    }
}

/// Registers `attributed_sessions` in `ctx` as the stored rows of the connections `ids`
/// (instance, connection_id) whose sessions began by the partition `last_date`: every
/// session a question's rows in that period can belong to. (Also bounding their start
/// from below, by the first of those connections' stored spans, gained nothing at
/// 100 M db events: 2.32–2.42 s against 2.33–2.47 s.)
pub(super) async fn register_stored(
    ctx: &SessionContext,
    ids: DataFrame,
    last_date: &str,
) -> Result<(), EngineError> {
    const KEY: [&str; 2] = ["instance", "connection_id"];
    let context = "reading the stored attribution of the rows asked about";
    let schema = attribution_index::schema();
    let columns: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let rows = ctx
        .table(ATTRIBUTION_INDEX.name)
        .await
        .and_then(|t| t.filter(col("date").lt_eq(lit(last_date))))
        .and_then(|t| t.join(ids, JoinType::LeftSemi, &KEY, &KEY, None))
        .and_then(|t| t.select_columns(&columns))
        .map_err(df(context))?;
    ctx.register_table(VIEW, rows.into_view())
        .map_err(df(context))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::index::tests::{ingest_into, text};
    use crate::engine::tests::{demo_lake, demo_lake_without, explain};
    use crate::engine::{build_session_index, who_params};

    const ORDER: &str = "ORDER BY instance, connection_id, session_seq";

    /// Every session's stored attribution is the row the view computes from the events,
    /// whether the days are attributed one at a time or all at once.
    #[tokio::test]
    async fn the_stored_attribution_is_the_one_the_events_give() {
        let (_dir, lake) = demo_lake().await;
        let settings = AttributionSettings::default();
        let computed = Engine::open(&lake).await.unwrap();
        let want = text(
            &computed,
            &format!("SELECT * FROM attributed_sessions {ORDER}"),
        )
        .await;
        for person in ["alice.nguyen@example.com", "| ambiguous", "| unattributed"] {
            assert!(want.contains(person), "{person} in\n{want}");
        }
        assert_eq!(
            build_attribution_index(&lake, &settings, false)
                .await
                .unwrap(),
            AttributionOutcome::NoIndex
        );
        build_session_index(&lake, false).await.unwrap();
        let stored = format!(
            "SELECT * EXCLUDE (date) FROM {} {ORDER}",
            ATTRIBUTION_INDEX.name
        );
        let live = lake.live_files().unwrap();
        // The demo's sessions began on 7 days: one batch, and one a day.
        assert_eq!(batches_of_days(&live, BATCH_BYTES).len(), 1);
        assert_eq!(batches_of_days(&live, 1).len(), 7);
        for bytes in [BATCH_BYTES, 1] {
            let built = build_in_batches(&lake, &settings, true, bytes)
                .await
                .unwrap();
            assert!(
                matches!(built, AttributionOutcome::Built { sessions: 90, .. }),
                "{built:?}"
            );
            let engine = Engine::open(&lake).await.unwrap();
            assert!(engine.attributed);
            assert_eq!(
                text(&engine, &stored).await,
                want,
                "batches of {bytes} bytes"
            );
        }
        assert_eq!(
            build_attribution_index(&lake, &settings, false)
                .await
                .unwrap(),
            AttributionOutcome::UpToDate
        );
    }

    /// `who` reads the stored attribution of its rows' sessions, none of the federated
    /// sessions, Okta events or policies, and answers as the events do.
    #[tokio::test]
    async fn who_over_the_stored_attribution_answers_as_the_events_do() {
        let (_dir, lake) = demo_lake().await;
        let computed = Engine::open(&lake).await.unwrap();
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
        let answers = |engine: Engine| async move {
            let mut all = Vec::new();
            for object in objects {
                for (since, until) in periods {
                    let rows = engine.who(object, since, until).await.unwrap();
                    all.push(crate::engine::tests::pretty(&rows));
                }
            }
            all
        };
        let want = answers(computed).await;
        assert!(want[0].contains("carol.diaz@example.com"), "{}", want[0]);
        build_session_index(&lake, false).await.unwrap();
        build_attribution_index(&lake, &AttributionSettings::default(), false)
            .await
            .unwrap();
        let stored = Engine::open(&lake).await.unwrap();
        assert!(stored.attributed);
        let (asked, _) = who_params("shop.customers", periods[0].0, periods[0].1);
        let dates = ("0000-01-01".to_string(), "9999-12-31".to_string());
        let focused = stored
            .rows_focused(
                crate::engine::views::WHO_ROWS,
                asked,
                dates,
                usize::MAX,
                true,
            )
            .await
            .unwrap();
        let plan = explain(&focused, "SELECT * FROM who_accessed").await;
        assert!(plan.contains(ATTRIBUTION_INDEX.name), "{plan}");
        for computed in ["federated_sessions", "idp_events", "iam_policies"] {
            assert!(!plan.contains(computed), "{computed} in\n{plan}");
        }
        assert_eq!(answers(stored).await, want);
    }

    /// An ingest of anything (here Okta's sign-ons, which decide MFA) leaves the stored
    /// attribution behind: questions compute it, with the new evidence, until it is
    /// stored again. So do settings other than those it was stored with.
    #[tokio::test]
    async fn attribution_stored_before_an_ingest_or_with_other_settings_is_not_read() {
        let okta = "okta/system-log-2026-11-16.json";
        let (dir, lake) = demo_lake_without(&[okta]).await;
        let settings = AttributionSettings::default();
        build_session_index(&lake, false).await.unwrap();
        build_attribution_index(&lake, &settings, false)
            .await
            .unwrap();
        let (since, until) = (i64::MIN / 2, i64::MAX / 2);
        let who = |engine: Engine| async move {
            let rows = engine.who("shop.customers", since, until).await.unwrap();
            crate::engine::tests::pretty(&rows)
        };
        let before = Engine::open(&lake).await.unwrap();
        assert!(before.attributed);
        let before = who(before).await;
        assert!(
            !before.contains("verified"),
            "no Okta, no MFA evidence:\n{before}"
        );

        ingest_into(&lake, &dir.path().join("later").join(okta)).await;
        assert!(index::is_current(&lake).unwrap(), "no db events came");
        let stale = Engine::open(&lake).await.unwrap();
        assert!(!stale.attributed);
        let after = who(stale).await;
        assert!(after.contains("| verified"), "{after}");
        assert!(matches!(
            build_attribution_index(&lake, &settings, false)
                .await
                .unwrap(),
            AttributionOutcome::Built { sessions: 90, .. }
        ));
        let stored = Engine::open(&lake).await.unwrap();
        assert!(stored.attributed);
        assert_eq!(who(stored).await, after);

        let other = AttributionSettings {
            skew_seconds: 0,
            ..settings
        };
        let with_other = Engine::open_with(&lake, &other).await.unwrap();
        assert!(with_other.reads_session_index());
        assert!(!with_other.attributed);
        let explain_sql = "SELECT * FROM attributed_sessions";
        assert!(
            explain(&with_other, explain_sql)
                .await
                .contains("federated_sessions")
        );
    }
}
