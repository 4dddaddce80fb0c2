//! The `tagtrail` binary: parse, validate, run; everything else lives in the library.

use clap::Parser;
use tagtrail::cli::{self, Config, args::RawArgs};

fn main() -> std::process::ExitCode {
    let raw = RawArgs::parse();
    let result = Config::from_args(raw)
        .map_err(cli::CliError::from)
        .and_then(|config| {
            cli::alloc::tune_for(&config.command);
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
            eprintln!("tagtrail: error: {}", tagtrail::errors::describe(&e));
            std::process::ExitCode::from(e.exit_code())
        }
    }
}
