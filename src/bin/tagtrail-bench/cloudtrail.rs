//! CloudTrail: `tagtrail ingest` of an organization trail beside DuckDB extracting the
//! same `AssumeRoleWithSAML` rows (`read_json` → unnest `Records` → filter → `COPY …
//! (FORMAT parquet)`).

use std::process::Command;

use anyhow::bail;

use super::measure::measure;
use super::{Args, cached, lake_value, ratio, row, table_header};

const DUCKDB: &str = r#"
import duckdb, sys
glob, out, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
con.execute("SET enable_progress_bar = false")
con.execute(f"""
COPY (
  SELECT r->>'eventID' AS event_id, r->>'eventTime' AS event_time,
         r->>'recipientAccountId' AS account_id, r->>'awsRegion' AS region,
         r->'requestParameters'->>'roleArn' AS role_arn,
         coalesce(r->'responseElements'->>'subject', r->'userIdentity'->>'userName') AS subject,
         r->'requestParameters'->'principalTags' AS principal_tags,
         r->'requestParameters'->>'durationSeconds' AS duration_seconds,
         r->'responseElements'->'credentials'->>'expiration' AS expiration,
         r->'responseElements'->'assumedRoleUser'->>'assumedRoleId' AS assumed_role_id,
         r->>'sourceIPAddress' AS source_ip, r->>'errorCode' AS error_code
  FROM (SELECT unnest(Records) AS r
        FROM read_json('{glob}', columns = {{'Records': 'JSON[]'}},
                       maximum_object_size = 536870912, compression = 'gzip'))
  WHERE r->>'eventName' = 'AssumeRoleWithSAML'
) TO '{out}' (FORMAT parquet)
""")
print(con.execute(f"SELECT count(*) FROM '{out}'").fetchone()[0])
"#;

pub fn run(args: &Args) -> anyhow::Result<()> {
    let dir = args.dir.join("tagtrail-bench-trail");
    let trail = cached(&dir, args.size_mb, |dir| {
        let s = tagtrail::synth::trail::generate(dir, args.size_mb << 20)?;
        Ok(serde_json::json!({
            "files": s.files, "records": s.records, "kept_records": s.kept_records,
            "json_bytes": s.json_bytes, "gzip_bytes": s.gzip_bytes,
        }))
    })?;
    let num = |k: &str| trail[k].as_u64().unwrap_or_default() as f64;
    let (mb, records) = (num("json_bytes") / 1e6, num("records"));
    println!("## CloudTrail\n");
    println!(
        "trail: {} files, {records} records, {mb:.0} MB JSON ({:.0} MB gzip), {:.0}% from the federation templates\n",
        num("files"),
        num("gzip_bytes") / 1e6,
        num("kept_records") * 100.0 / records
    );
    table_header("events");
    for &t in &args.threads {
        let work = tempfile::tempdir()?;
        let lake = work.path().join("lake");
        let ours = measure(
            Command::new(&args.tagtrail)
                .arg("ingest")
                .arg("--no-index")
                .arg("--lake")
                .arg(&lake)
                .arg("--threads")
                .arg(t.to_string())
                .arg(dir.join("AWSLogs")),
        )?;
        let theirs = if args.duckdb {
            Some(measure(
                Command::new("python3")
                    .arg("-c")
                    .arg(DUCKDB)
                    .arg(format!("{}/AWSLogs/**/*.json.gz", dir.display()))
                    .arg(work.path().join("duck.parquet"))
                    .arg(t.to_string()),
            )?)
        } else {
            None
        };
        if let Some(d) = &theirs {
            // A speed comparison means nothing unless both tools extracted the same rows.
            let n = lake_value(args, &lake, "SELECT count(*) AS n FROM federated_sessions")?;
            let duck = d.stdout.lines().last().unwrap_or_default().trim();
            if n != duck {
                bail!("row counts differ: tagtrail {n:?}, DuckDB {duck:?}");
            }
            eprintln!("both extracted {n} AssumeRoleWithSAML rows");
        }
        row(
            "tagtrail",
            t,
            &ours,
            mb,
            records,
            &ratio(&ours, theirs.as_ref()),
        );
        if let Some(d) = &theirs {
            row("DuckDB", t, d, mb, records, "1.00×");
        }
    }
    Ok(())
}
