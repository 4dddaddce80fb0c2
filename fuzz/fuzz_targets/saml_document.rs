//! A SAML response or assertion: raw XML, base64, or a captured form post.
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use tagtrail::sources::saml::parse;

fuzz_target!(|data: &[u8]| {
    common::check(parse(data, "fuzz/response.xml", &mut |_, _| Ok(())));
});
