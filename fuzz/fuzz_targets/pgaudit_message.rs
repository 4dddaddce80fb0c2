//! A pgaudit message (`AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.t,"…",<params>`)
//! inside a real RDS-prefixed log line, so the CSV-like payload parser gets any bytes.
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use tagtrail::sources::pg::{Context, Format, LinePrefix, parse};

const PREFIX: &[u8] = b"2026-11-16 10:00:02 UTC:10.0.1.21(50123):anguyen@ledger:[4242]:LOG:  AUDIT: ";

fuzz_target!(|data: &[u8]| {
    let mut log = PREFIX.to_vec();
    log.extend_from_slice(data);
    log.push(b'\n');
    let ctx = Context {
        instance: "fuzz",
        tz: chrono_tz::UTC,
        source_uri: "fuzz/postgresql.log.2026-11-16-10",
        format: Format::Stderr(LinePrefix::rds()),
    };
    common::check(parse(&log[..], &ctx, &mut |_, _| Ok(())));
});
