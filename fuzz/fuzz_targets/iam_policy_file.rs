//! An IAM policy file (authorization details, get-role-policy, permission set, bare
//! document), and the ABAC analysis of its text as a document.
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use tagtrail::sources::iam_policy::{Context, parse};

fuzz_target!(|data: &[u8]| {
    let ctx = Context {
        source_uri: "fuzz/role-Fuzz.json",
        observed_at: 1_763_283_600_000_000,
    };
    common::check(parse(data, &ctx, &mut |_, _| Ok(())));
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = tagtrail::policy::rds_connect_grants(text);
    }
});
