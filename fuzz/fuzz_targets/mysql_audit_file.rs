//! A whole MySQL-family audit log: line framing, NUL runs, long lines, rows.
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use tagtrail::sources::mysql_audit::{Context, parse};

fuzz_target!(|data: &[u8]| {
    let ctx = Context {
        instance: "fuzz",
        tz: chrono_tz::UTC,
        source_uri: "fuzz/server_audit.log",
        dialect: None,
    };
    common::check(parse(data, &ctx, &mut |_, _| Ok(())));
});
