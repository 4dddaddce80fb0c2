//! `tagtrail lint saml|policy FILE…`: reads each file, prints its diagnostics, fails
//! (exit status 1) when any is an error. The lake is only asked which session tag keys
//! it has seen, and only when `--lake` holds one.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::CliError;
use crate::checks::CheckConfig;
use crate::engine::Engine;
use crate::fetch::AwsOptions;
use crate::lake::{Lake, LakeLocation};
use crate::lint::{self, Diagnostic, observed, policy, saml};
use crate::sources::saml::MAX_INPUT_BYTES;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LintKind {
    Saml,
    Policy,
}

pub async fn run(
    out: &mut dyn Write,
    kind: LintKind,
    files: &[PathBuf],
    lake: (&LakeLocation, &AwsOptions),
    tag_key: &str,
    checks: &CheckConfig,
) -> Result<(), CliError> {
    let mut results: Vec<(&Path, Vec<Diagnostic>)> = Vec::new();
    match kind {
        LintKind::Saml => {
            let rules = saml::Rules::new(tag_key, &checks.convention)?;
            for f in files {
                let d = read(f, MAX_INPUT_BYTES as u64 + 1).map(|b| saml::lint(&b, &rules));
                results.push((f, d.unwrap_or_else(|e| vec![lint::unreadable(&e)])));
            }
        }
        LintKind::Policy => {
            let rules = policy::Rules {
                tag_key: tag_key.to_string(),
                observed_keys: observed_keys(lake).await?,
            };
            for f in files {
                let name = f.to_string_lossy();
                let d = read(f, u64::MAX).map(|b| policy::lint(&b, &name, &rules));
                results.push((f, d.unwrap_or_else(|e| vec![lint::unreadable(&e)])));
            }
        }
    }
    let counts = lint::write(out, &results)?;
    if counts.errors > 0 {
        return Err(CliError::LintFailed {
            errors: counts.errors,
        });
    }
    Ok(())
}

fn read(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The session tag keys of the lake at `location`, when there is one.
async fn observed_keys(
    (location, aws): (&LakeLocation, &AwsOptions),
) -> Result<Option<Vec<String>>, CliError> {
    let Some(lake) = Lake::connect(location, aws, false).await? else {
        return Ok(None);
    };
    let engine = Engine::open(&lake).await?;
    Ok(Some(observed::session_tag_keys(&engine).await?))
}
