//! Bringing the session index up to date after an ingest of database logs, at the cost
//! of the connections the new logs touch rather than of the lake.
//!
//! A session is made of its connection's rows alone, and the lake only ever gains rows,
//! so the stored sessions an ingest can change are those of the connections with a row
//! in the new files (such a row may extend a stored session, or open new ones), and,
//! since a PostgreSQL stderr row is left out in an hour with a csvlog
//! (`pg_csvlog_hours`), those of the connections with a stderr row in an hour for which
//! the new files bring csvlog rows. Their sessions are computed again from every row
//! they have (the partitions from their first stored session to the new rows), the
//! index partitions that held them are written again without them, and the minutes of
//! the days with new rows are computed again. Every other stored row is kept as it is.
//! Building the whole index took 288–568 s at 100 M db events, and every ingest of
//! database logs paid it; a new day of 2.7 M events now takes 9 s (BENCHMARKS.md,
//! twentieth run).

use datafusion::prelude::{col, lit};
use futures::StreamExt;

use super::index::{
    MINUTES, PER_SESSION, WRITER_BYTES, commit, conform, store_minutes, store_sessions,
};
use super::shuffle::Layout;
use super::{Engine, EngineError, df, texts};
use crate::lake::session_index::Marker;
use crate::lake::writer::LakeWriter;
use crate::lake::{Lake, TableDef};

/// An update of the index of `lake`, whose files were at `generation` when it began,
/// computed with `engine` (over the whole lake) a bucket of about `bucket_rows` events
/// at a time, written as `layout` says.
pub(super) struct Update<'a> {
    pub(super) lake: &'a Lake,
    pub(super) engine: &'a Engine,
    pub(super) generation: Option<u64>,
    pub(super) bucket_rows: u64,
    pub(super) layout: Layout,
}

/// The connections whose sessions change: the new rows' (in `index_new_rows`), and
/// those with a PostgreSQL stderr row in an hour of a new csvlog row. `{days}` is the
/// new rows' partitions (an hour's rows are in its day's).
const AFFECTED: &str = "\
SELECT DISTINCT instance, connection_id FROM index_new_rows WHERE connection_id IS NOT NULL
UNION
SELECT DISTINCT e.instance, e.connection_id
FROM db_events e
JOIN (SELECT DISTINCT instance, date_trunc('hour', event_time) AS hour
      FROM index_new_rows WHERE dialect = 'pg-csvlog') h
  ON e.instance = h.instance AND date_trunc('hour', e.event_time) = h.hour
WHERE e.dialect = 'pg-stderr' AND e.connection_id IS NOT NULL AND e.date IN ({days})";

impl Update<'_> {
    /// Computes again the sessions of the connections with rows in the inputs `uris`
    /// (and those a new csvlog judges again), and the minutes of the new rows' days;
    /// commits them in place of the stored ones, recording `marker`. Returns how many
    /// connections and sessions were computed.
    pub(super) async fn run(
        &self,
        uris: &[String],
        marker: &Marker,
    ) -> Result<(u64, u64), EngineError> {
        let ctx = &self.engine.ctx;
        let context = "finding the rows of the new database logs";
        let listed = uris.iter().map(|u| lit(u.as_str())).collect();
        let new_rows = ctx
            .table("db_events")
            .await
            .and_then(|t| t.filter(col("source_uri").in_list(listed, false)))
            .map_err(df(context))?;
        ctx.register_table("index_new_rows", new_rows.into_view())
            .map_err(df(context))?;
        let days = texts(
            ctx,
            "SELECT DISTINCT CAST(date AS VARCHAR) FROM index_new_rows ORDER BY 1",
            context,
        )
        .await?;
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            // Inputs without a row: no session changes.
            commit(
                self.lake,
                self.generation,
                LakeWriter::new(self.lake),
                &[],
                marker,
            )?;
            return Ok((0, 0));
        };
        // Partition values the engine read (YYYY-MM-DD), never user text.
        let listed_days = days.iter().map(|d| format!("'{d}'")).collect::<Vec<_>>();
        let affected = ctx
            .sql(&AFFECTED.replace("{days}", &listed_days.join(", ")))
            .await
            .map_err(df("finding the connections of the new database logs"))?
            .cache()
            .await
            .map_err(df("finding the connections of the new database logs"))?;
        let connections = affected
            .clone()
            .count()
            .await
            .map_err(df("counting the connections of the new database logs"))?
            as u64;
        let (lo, hi) = self.engine.connection_dates(&affected).await?;
        let dates = (lo.min(first.clone()), hi.max(last.clone()));
        // Their rows are read from the lake at each use (a budget of 0): the buckets
        // bound the memory, as for the whole lake.
        let rows = self
            .engine
            .focused_on(affected.clone(), Some(dates), 0)
            .await?;
        let mut writer = LakeWriter::with_budget(self.lake, WRITER_BYTES);
        let sessions = store_sessions(
            self.engine,
            &rows,
            self.bucket_rows,
            self.layout,
            &mut writer,
        )
        .await?;
        ctx.register_table("index_connections", affected.into_view())
            .map_err(df("registering the connections of the new database logs"))?;
        let live = self.lake.live_files()?;
        let mut replaced = Vec::new();
        for (_, table) in PER_SESSION {
            for date in self.keep_others(table, &mut writer).await? {
                let parts = live.of(table.name, Some(&date));
                replaced.extend(parts.into_iter().map(|(path, _)| path.to_string()));
            }
        }
        store_minutes(
            self.engine,
            &rows,
            days.iter().map(String::as_str),
            &mut writer,
        )
        .await?;
        for date in &days {
            let parts = live.of(MINUTES.1.name, Some(date));
            replaced.extend(parts.into_iter().map(|(path, _)| path.to_string()));
        }
        drop(rows);
        commit(self.lake, self.generation, writer, &replaced, marker)?;
        Ok((connections, sessions))
    }

    /// Writes again the stored rows of `table` of every other connection in the
    /// partitions that hold rows of `index_connections`; returns those partitions. The
    /// connections are the joins' build side (the left one, in an engine without
    /// statistics): with the stored sessions there, an update at 100 M db events
    /// peaked at 769 MiB.
    async fn keep_others(
        &self,
        table: &'static TableDef,
        writer: &mut LakeWriter<'_>,
    ) -> Result<Vec<String>, EngineError> {
        let ctx = &self.engine.ctx;
        let name = table.name;
        let context = format!("keeping the other connections' rows of {name}");
        let dates = texts(
            ctx,
            &format!(
                "SELECT DISTINCT CAST(t.date AS VARCHAR) FROM index_connections c \
                 RIGHT SEMI JOIN {name} t \
                 ON t.instance = c.instance AND t.connection_id = c.connection_id ORDER BY 1"
            ),
            &context,
        )
        .await?;
        for date in &dates {
            let mut stream = ctx
                .sql(&format!(
                    "SELECT t.* FROM index_connections c RIGHT ANTI JOIN {name} t \
                     ON t.instance = c.instance AND t.connection_id = c.connection_id \
                     WHERE t.date = '{date}'"
                ))
                .await
                .map_err(df(context.clone()))?
                .execute_stream()
                .await
                .map_err(df(context.clone()))?;
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(df(context.clone()))?;
                writer.add(table, conform(&batch, table)?)?;
            }
        }
        Ok(dates)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::super::index::tests::{
        EVENTS, MINUTES, SESSIONS, ingest_into, sessions_built, text,
    };
    use crate::engine::tests::demo_lake_without;
    use crate::engine::{Engine, IndexOutcome, build_session_index};
    use crate::lake::Lake;

    /// What the views compute over the lake now (the index is stale, so not read).
    async fn computed(lake: &Lake) -> Vec<String> {
        let engine = Engine::open(lake).await.unwrap();
        assert!(!engine.reads_session_index(), "the index is stale");
        let mut out = Vec::new();
        for sql in [SESSIONS, EVENTS, MINUTES] {
            out.push(text(&engine, sql).await);
        }
        out
    }

    /// Updates the index and checks that questions read it and get `want` from it;
    /// returns how many connections and sessions were computed again.
    async fn updated(lake: &Lake, want: &[String]) -> (u64, u64) {
        let outcome = build_session_index(lake, false).await.unwrap();
        let IndexOutcome::Updated {
            connections,
            sessions,
            ..
        } = outcome
        else {
            panic!("not updated: {outcome:?}");
        };
        let indexed = Engine::open(lake).await.unwrap();
        assert!(indexed.reads_session_index());
        for (sql, want) in [SESSIONS, EVENTS, MINUTES].iter().zip(want) {
            assert_eq!(&text(&indexed, sql).await, want, "{sql}");
        }
        (connections, sessions)
    }

    fn index_parts(lake: &Lake) -> BTreeSet<String> {
        let live = lake.live_files().unwrap();
        super::super::index::INDEXED
            .iter()
            .flat_map(|(_, t)| live.of(t.name, None))
            .map(|(path, _)| path.to_string())
            .collect()
    }

    /// After an ingest of database logs the index computes again only the sessions of
    /// the connections the new files hold rows of, and stores what the views compute
    /// over the whole lake. shop-prod's rotated audit file arrives in two parts cut
    /// inside connection 18254 (its rows up to 09:15:07, then the rest and its
    /// DISCONNECT at 09:20:14), so the second update replaces a stored session;
    /// ledger-prod gains an hour, then shop-prod its newer file. The parts of the days
    /// no new row or changed session touches are kept as they were.
    #[tokio::test]
    async fn an_index_updated_after_new_database_logs_stores_what_the_views_compute() {
        let rotated = "rds/shop-prod/audit/server_audit.log.1";
        let hour = "rds/ledger-prod/error/postgresql.log.2026-11-20-21";
        let newer = "rds/shop-prod/audit/server_audit.log";
        let (dir, lake) = demo_lake_without(&[rotated, hour, newer]).await;
        let built = sessions_built(build_session_index(&lake, false).await.unwrap());
        let before = index_parts(&lake);

        let lines: Vec<String> = std::fs::read_to_string(dir.path().join("later").join(rotated))
            .unwrap()
            .split_inclusive('\n')
            .map(str::to_string)
            .collect();
        let (head, tail) = lines.split_at(25);
        assert!(head[24].starts_with("20261116 09:15:07,") && head[24].contains(",18254,"));
        assert!(tail[0].contains(",18254,") && tail[3].contains(",18254,"));
        assert!(tail[3].starts_with("20261116 09:20:14,") && tail[3].contains(",DISCONNECT,"));
        let part = |name: &str, lines: &[String]| {
            let path = dir.path().join(name).join(rotated);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, lines.concat()).unwrap();
            path
        };
        let mut updates = Vec::new();
        ingest_into(&lake, &part("head", head)).await;
        updates.push(updated(&lake, &computed(&lake).await).await);
        ingest_into(&lake, &part("tail", tail)).await;
        ingest_into(&lake, &dir.path().join("later").join(hour)).await;
        updates.push(updated(&lake, &computed(&lake).await).await);
        ingest_into(&lake, &dir.path().join("later").join(newer)).await;
        updates.push(updated(&lake, &computed(&lake).await).await);
        // billing-prod's 36 sessions and ledger-prod's other hours' 7; shop-prod's first
        // 25 lines hold 6 connections of one session each, the rest of the file 15
        // (18254 among them) and the hour 1, the newer file 26: 43 + 6 + 16 + 26
        // sessions computed, one of them twice, are the lake's 90.
        assert_eq!(built, 43);
        assert_eq!(updates, [(6, 6), (16, 16), (26, 26)]);
        let after = index_parts(&lake);
        assert!(
            before.intersection(&after).count() > 0,
            "{before:?} {after:?}"
        );
        assert_ne!(before, after);
        // Built again in full, the index holds the same sessions.
        let full = build_session_index(&lake, true).await.unwrap();
        assert_eq!(sessions_built(full), 90);
    }

    /// A PostgreSQL stderr row is left out in an hour with a csvlog: a csvlog that
    /// arrives after its stderr twin changes the sessions of every connection of that
    /// hour, also those the csvlog has no row of (here seven of the eight: the csvlog
    /// was copied before the hour ended), whose stderr rows now count for nothing.
    #[tokio::test]
    async fn a_csvlog_after_its_stderr_twin_updates_every_session_of_its_hours() {
        let dir = tempfile::tempdir().unwrap();
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pg/rds");
        let stderr = "postgresql.log.2026-11-29-03";
        let error = dir.path().join("first/rds/pg-fixture/error");
        std::fs::create_dir_all(&error).unwrap();
        std::fs::copy(fixtures.join(stderr), error.join(stderr)).unwrap();
        let csv = std::fs::read_to_string(fixtures.join(format!("{stderr}.csv"))).unwrap();
        // Copied before the hour ended: up to connection 27915's first line.
        let first_line = csv.find(",27915,").unwrap();
        let kept = &csv[..=csv[..first_line].rfind('\n').unwrap()];
        assert!(kept.contains(",27913,") && !kept.contains(",27915,"));
        let twin = dir.path().join("later/rds/pg-fixture/error");
        std::fs::create_dir_all(&twin).unwrap();
        std::fs::write(twin.join(format!("{stderr}.csv")), kept).unwrap();

        let lake = Lake::open(dir.path().join("lake")).unwrap();
        ingest_into(&lake, &dir.path().join("first")).await;
        let first = sessions_built(build_session_index(&lake, false).await.unwrap());
        let stderr_only = computed_after_index(&lake).await;
        ingest_into(&lake, &dir.path().join("later")).await;
        let want = computed(&lake).await;
        assert_ne!(want[0], stderr_only, "the csvlog changes the sessions");
        let (connections, sessions) = updated(&lake, &want).await;
        assert_eq!((first, connections, sessions), (8, 8, 1));
    }

    async fn computed_after_index(lake: &Lake) -> String {
        let engine = Engine::open(lake).await.unwrap();
        text(&engine, SESSIONS).await
    }
}
