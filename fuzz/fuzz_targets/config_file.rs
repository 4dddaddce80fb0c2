//! A `tagtrail.toml` check configuration. Its folder does not exist, so a
//! `vocabulary_from` path is an error, never a read of a real file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tagtrail::checks::config::CheckConfig;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = CheckConfig::parse(text, std::path::Path::new("/nonexistent-tagtrail-fuzz/tagtrail.toml"));
    }
});
