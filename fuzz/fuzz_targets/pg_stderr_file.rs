//! A PostgreSQL stderr log with the RDS prefix: TAB continuations, DETAIL/STATEMENT
//! lines, connection and pgaudit messages, three time dialects.
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use tagtrail::sources::pg::{Context, Format, LinePrefix, parse};

fuzz_target!(|data: &[u8]| {
    let ctx = Context {
        instance: "fuzz",
        tz: chrono_tz::Europe::Berlin,
        source_uri: "fuzz/postgresql.log.2026-11-16-10",
        format: Format::Stderr(LinePrefix::rds()),
    };
    common::check(parse(data, &ctx, &mut |_, _| Ok(())));
});
