//! The `tagtrail` binary: parse, validate, run; everything else lives in the library.

use clap::Parser;
use tagtrail::cli::{self, Config, args::RawArgs};

fn main() -> std::process::ExitCode {
    let raw = RawArgs::parse();
    let result = Config::from_args(raw)
        .map_err(cli::CliError::from)
        .and_then(|config| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            let mut out = std::io::stdout().lock();
            runtime.block_on(cli::run(config, &mut out))
        });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tagtrail: error: {}", describe(&e));
            std::process::ExitCode::from(e.exit_code())
        }
    }
}

/// The error and its causes on one line, skipping causes that the message already quotes
/// (our errors say *where* and embed the underlying reason).
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let part = c.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = c.source();
    }
    text
}
