//! An Okta System Log export: a JSON array or ndjson of events.
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use tagtrail::sources::okta::parse;

fuzz_target!(|data: &[u8]| {
    common::check(parse(data, "fuzz/system-log.json", &mut |_, _| Ok(())));
});
