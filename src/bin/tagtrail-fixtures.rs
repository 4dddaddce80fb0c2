//! Writes the deterministic demo week (CloudTrail + RDS audit logs + ground truth).
//!
//! Usage: `cargo run --bin tagtrail-fixtures -- fixtures/demo`

use std::path::PathBuf;

use anyhow::{Context, bail};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let (Some(out), None) = (args.next(), args.next()) else {
        bail!("usage: tagtrail-fixtures OUT_DIR   (e.g. fixtures/demo)");
    };
    let out = PathBuf::from(out);
    let summary = tagtrail::synth::generate(&out)
        .with_context(|| format!("writing the demo week to {}", out.display()))?;
    print!("{}: {summary}", out.display());
    Ok(())
}
