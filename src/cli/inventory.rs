//! `tagtrail inventory`: what each server said, then which servers could not be read.

use std::io::Write;

use crate::inventory::{self, Target};
use crate::lake::Lake;
use crate::report::new_table;

use super::CliError;

pub async fn run(out: &mut dyn Write, lake: &Lake, targets: &[Target]) -> Result<(), CliError> {
    let outcomes = inventory::run(lake, targets).await?;
    let mut failures = Vec::new();
    for o in &outcomes {
        match &o.result {
            Ok(users) => {
                writeln!(
                    out,
                    "{}: {} account(s) of instance {} written to db_users",
                    o.target,
                    users.len(),
                    o.instance
                )?;
                let mut table = new_table(["user", "host", "auth_plugin", "iam"]);
                for u in users {
                    table.add_row(vec![
                        u.user_name.clone(),
                        u.host.clone().unwrap_or_default(),
                        u.auth_plugin.clone().unwrap_or_default(),
                        u.iam.map_or(String::new(), |b| b.to_string()),
                    ]);
                }
                writeln!(out, "{table}\n")?;
            }
            Err(reason) => failures.push(reason.clone()),
        }
    }
    if failures.is_empty() {
        return Ok(());
    }
    Err(CliError::Inventory(format!(
        "cannot read database users (recorded as rejected in ingest_manifest): {}",
        failures.join("; ")
    )))
}
