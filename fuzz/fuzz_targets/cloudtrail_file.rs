//! A CloudTrail log file (decompressed): records split, decoded, sessions built.
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use tagtrail::sources::cloudtrail::{EventFilter, parse};

fuzz_target!(|data: &[u8]| {
    common::check(parse(data, "fuzz.json", &EventFilter::default(), &mut |_, _| Ok(())));
});
