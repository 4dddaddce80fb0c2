//! One MariaDB / RDS for MySQL / Aurora audit line: quote-aware fields, two time dialects.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tagtrail::sources::mysql_line::parse_line;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = parse_line(data) {
        // The statement is text cut from the line (or unescaped from it): never longer.
        assert!(r.object.len() <= data.len() * 3, "{r:?}");
    }
});
