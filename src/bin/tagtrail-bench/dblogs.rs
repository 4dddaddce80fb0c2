//! Database audit logs: `tagtrail ingest` of RDS for MariaDB `server_audit` files beside
//! DuckDB's `read_csv` with quote `'` and escape `\` (the peer the issue names), and of
//! RDS for PostgreSQL stderr logs with pgaudit (no peer reads that format).

use std::process::Command;

use anyhow::bail;

use super::measure::{Run, measure};
use super::{Args, cached, lake_value, ratio, row, table_header};

/// DuckDB reads the audit files as CSV and writes Parquet, then prints its row count.
const DUCKDB_MYSQL: &str = r#"
import duckdb, sys
glob, out, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
con.execute("SET enable_progress_bar = false")
cols = "{'ts': 'VARCHAR', 'serverhost': 'VARCHAR', 'username': 'VARCHAR', 'host': 'VARCHAR', 'connectionid': 'BIGINT', 'queryid': 'BIGINT', 'operation': 'VARCHAR', 'database': 'VARCHAR', 'object': 'VARCHAR', 'retcode': 'INTEGER'}"
con.execute(f"""
COPY (
  SELECT strptime(ts, '%Y%m%d %H:%M:%S') AS event_time, * EXCLUDE (ts)
  FROM read_csv('{glob}', delim = ',', quote = '''', escape = '\\', header = false,
                auto_detect = false, columns = {cols}, max_line_size = 1048576)
) TO '{out}' (FORMAT parquet)
""")
print(con.execute(f"SELECT count(*) FROM '{out}'").fetchone()[0])
"#;

/// Run after the timing: how many of DuckDB's QUERY statements differ from the SQL that
/// ran (tagtrail's unescaped statement for the same connection and query id). DuckDB's
/// `escape` only drops the backslash, so the plugin's `\n` becomes `n`.
const DUCKDB_DIFF: &str = r#"
import duckdb, sys
out, lake = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
print(con.execute(f"""
SELECT count(*) FROM '{out}' d
JOIN read_parquet('{lake}/db_events/**/*.parquet', hive_partitioning = false) t
  ON d.connectionid = t.connection_id AND d.queryid = t.query_id
WHERE d.operation = 'QUERY' AND t.operation = 'QUERY' AND d.object <> t.statement
""").fetchone()[0])
"#;

/// Lines of the input: what both tools must have turned into rows.
fn check_rows(args: &Args, lake: &std::path::Path, want: u64) -> anyhow::Result<()> {
    let n = lake_value(args, lake, "SELECT count(*) AS n FROM db_events")?;
    let rejects = lake_value(args, lake, "SELECT count(*) AS n FROM ingest_rejects")?;
    if n != want.to_string() || rejects != "0" {
        bail!(
            "tagtrail kept {n} db_events rows and {rejects} rejects; the generator wrote {want} entries"
        );
    }
    Ok(())
}

fn ingest(
    args: &Args,
    lake: &std::path::Path,
    threads: usize,
    input: &std::path::Path,
) -> anyhow::Result<Run> {
    measure(
        Command::new(&args.tagtrail)
            .arg("ingest")
            .arg("--no-index")
            .arg("--lake")
            .arg(lake)
            .arg("--threads")
            .arg(threads.to_string())
            .arg(input),
    )
}

fn generated(
    args: &Args,
    name: &str,
    generate: fn(&std::path::Path, u64) -> std::io::Result<tagtrail::synth::dblogs::LogSummary>,
) -> anyhow::Result<(std::path::PathBuf, f64, u64)> {
    let dir = args.dir.join(name);
    let v = cached(&dir, args.size_mb, |dir| {
        let s = generate(dir, args.size_mb << 20)?;
        Ok(
            serde_json::json!({"files": s.files, "lines": s.lines, "entries": s.entries, "bytes": s.bytes}),
        )
    })?;
    let num = |k: &str| v[k].as_u64().unwrap_or_default();
    println!(
        "input: {} files, {} lines, {} entries, {:.0} MB\n",
        num("files"),
        num("lines"),
        num("entries"),
        num("bytes") as f64 / 1e6
    );
    Ok((dir, num("bytes") as f64 / 1e6, num("entries")))
}

pub fn mysql(args: &Args) -> anyhow::Result<()> {
    println!("## MySQL-family audit log (RDS for MariaDB `server_audit`)\n");
    let (dir, mb, entries) = generated(
        args,
        "tagtrail-bench-mysql",
        tagtrail::synth::dblogs::mysql_audit,
    )?;
    table_header("lines");
    let mut notes = Vec::new();
    for &t in &args.threads {
        let work = tempfile::tempdir()?;
        let lake = work.path().join("lake");
        let ours = ingest(args, &lake, t, &dir.join("rds"))?;
        check_rows(args, &lake, entries)?;
        let theirs = if args.duckdb {
            let d = measure(
                Command::new("python3")
                    .arg("-c")
                    .arg(DUCKDB_MYSQL)
                    .arg(format!("{}/rds/*/audit/server_audit.log*", dir.display()))
                    .arg(work.path().join("duck.parquet"))
                    .arg(t.to_string()),
            )?;
            let rows = d
                .stdout
                .lines()
                .last()
                .unwrap_or_default()
                .trim()
                .to_string();
            let diff = Command::new("python3")
                .arg("-c")
                .arg(DUCKDB_DIFF)
                .arg(work.path().join("duck.parquet"))
                .arg(&lake)
                .output()?;
            if !diff.status.success() {
                bail!(
                    "comparing DuckDB's statements failed: {}",
                    String::from_utf8_lossy(&diff.stderr)
                );
            }
            let wrong = String::from_utf8_lossy(&diff.stdout).trim().to_string();
            notes.push(format!(
                "threads {t}: DuckDB rows {rows} (tagtrail {entries}); DuckDB QUERY statements that differ from the SQL that ran: {wrong}"
            ));
            Some(d)
        } else {
            None
        };
        row(
            "tagtrail",
            t,
            &ours,
            mb,
            entries as f64,
            &ratio(&ours, theirs.as_ref()),
        );
        if let Some(d) = &theirs {
            row("DuckDB", t, d, mb, entries as f64, "1.00×");
        }
    }
    for n in notes {
        println!("\n{n}");
    }
    Ok(())
}

pub fn pg(args: &Args) -> anyhow::Result<()> {
    println!("## PostgreSQL stderr log with pgaudit (RDS for PostgreSQL)\n");
    let (dir, mb, entries) =
        generated(args, "tagtrail-bench-pg", tagtrail::synth::dblogs::pgaudit)?;
    table_header("entries");
    for &t in &args.threads {
        let work = tempfile::tempdir()?;
        let lake = work.path().join("lake");
        let ours = ingest(args, &lake, t, &dir.join("rds"))?;
        let kept = lake_value(args, &lake, "SELECT count(*) AS n FROM db_events")?;
        eprintln!("tagtrail kept {kept} of {entries} entries (DETAIL lines fold into their FATAL)");
        row("tagtrail", t, &ours, mb, entries as f64, "");
    }
    Ok(())
}
