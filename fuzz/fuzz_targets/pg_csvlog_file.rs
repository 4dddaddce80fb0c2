//! A PostgreSQL csvlog: quoted multi-line CSV records of 23, 24 or 26 columns.
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use tagtrail::sources::pg::{Context, Format, parse};

fuzz_target!(|data: &[u8]| {
    let ctx = Context {
        instance: "fuzz",
        tz: chrono_tz::UTC,
        source_uri: "fuzz/postgresql.log.2026-11-16-10.csv",
        format: Format::Csvlog,
    };
    common::check(parse(data, &ctx, &mut |_, _| Ok(())));
});
