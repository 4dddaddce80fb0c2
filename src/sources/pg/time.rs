//! PostgreSQL log times: `%t` (seconds) and `%m`/csvlog (milliseconds), each followed by
//! the zone abbreviation of `log_timezone`, and `%n` (epoch seconds).
//!
//! Abbreviations are ambiguous world-wide (`IST`, `CST`), so only `UTC`/`GMT` and numeric
//! offsets are read directly; any other abbreviation must be the one `--tz` uses at that
//! moment, which also settles the repeated hour at the end of daylight saving time.

use chrono::{LocalResult, NaiveDateTime, TimeZone};
use chrono_tz::{OffsetName, Tz};

use crate::sources::timefmt::Micros;

/// `YYYY-MM-DD HH:MM:SS[.fff] ZONE` → UTC microseconds.
pub(super) fn parse_time(text: &str, tz: Tz) -> Result<Micros, String> {
    let (clock, zone) = text
        .rsplit_once(' ')
        .ok_or_else(|| format!("time `{text}` has no zone"))?;
    let format = if clock.contains('.') {
        "%Y-%m-%d %H:%M:%S%.f"
    } else {
        "%Y-%m-%d %H:%M:%S"
    };
    let local = NaiveDateTime::parse_from_str(clock, format)
        .map_err(|e| format!("`{text}` is not a valid time: {e}"))?;
    if let Some(offset) = fixed_offset(zone) {
        return Ok(local.and_utc().timestamp_micros() - offset * 1_000_000);
    }
    let candidates = match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => vec![t],
        LocalResult::Ambiguous(a, b) => vec![a, b],
        LocalResult::None => vec![],
    };
    candidates
        .iter()
        .find(|t| t.offset().abbreviation() == Some(zone))
        .map(|t| t.timestamp_micros())
        .ok_or_else(|| {
            let used: Vec<&str> = candidates
                .iter()
                .filter_map(|t| t.offset().abbreviation())
                .collect();
            format!(
                "time zone `{zone}` of `{text}` is not what --tz {tz} uses then ({}); pass the server's log_timezone as --tz (e.g. --tz Europe/Berlin)",
                if used.is_empty() {
                    "that local time does not exist there".to_string()
                } else {
                    used.join(" or ")
                }
            )
        })
}

/// `%n`: `1732806371.123`.
pub(super) fn parse_epoch(text: &str) -> Result<Micros, String> {
    let (secs, millis) = text.split_once('.').unwrap_or((text, "0"));
    match (secs.parse::<i64>(), millis.parse::<i64>()) {
        (Ok(s), Ok(ms)) if millis.len() <= 3 => Ok(s * 1_000_000 + ms * 1_000),
        _ => Err(format!("`{text}` is not an epoch time")),
    }
}

/// Seconds east of UTC for `UTC`, `GMT` and numeric abbreviations (`+01`, `-0330`, `+05:30`).
fn fixed_offset(zone: &str) -> Option<i64> {
    if matches!(zone, "UTC" | "GMT" | "UCT" | "Z") {
        return Some(0);
    }
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        1 | 2 => (decimal(&digits), 0),
        4 => (decimal(&digits[..2]), decimal(&digits[2..])),
        _ => return None,
    };
    (h <= 15 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

/// The value of a short run of ASCII digits (at most 18, so it cannot overflow).
pub(super) fn decimal(digits: &str) -> i64 {
    digits.bytes().fold(0, |n, d| n * 10 + i64::from(d - b'0'))
}
