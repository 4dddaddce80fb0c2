//! The time dialects tagtrail meets: CloudTrail's ISO `eventTime`, the locale-formatted
//! `credentials.expiration` (`Aug 28, 2023, 7:00:58 PM`), audit-log local times that
//! need a zone, and the `--since/--until` values users type. Everything is stored as
//! microseconds since the epoch in UTC.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Microseconds since the Unix epoch, UTC: the unit of every lake timestamp.
pub type Micros = i64;

/// CloudTrail `eventTime`, always `YYYY-MM-DDTHH:MM:SSZ`; RFC 3339 offsets are accepted too.
pub fn parse_iso(s: &str) -> Option<Micros> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc).timestamp_micros())
}

/// `responseElements.credentials.expiration`. STS writes it through a Java locale
/// formatter, so it looks like `Aug 28, 2023, 7:00:58 PM` (UTC, no zone), and newer JDKs
/// put a narrow no-break space before `PM`. ISO strings are accepted as well.
pub fn parse_expiration(s: &str) -> Option<Micros> {
    if let Some(t) = parse_iso(s) {
        return Some(t);
    }
    let normalized: String = s
        .trim()
        .chars()
        .map(|c| {
            if c == '\u{202f}' || c == '\u{a0}' {
                ' '
            } else {
                c
            }
        })
        .collect();
    [
        "%b %e, %Y, %l:%M:%S %p",
        "%b %d, %Y, %I:%M:%S %p",
        "%b %e, %Y %l:%M:%S %p",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(&normalized, f).ok())
    .map(|t| t.and_utc().timestamp_micros())
}

/// Interprets a zone-less local time in `tz`. At a DST fall-back the earlier instant
/// is chosen; a time inside a spring-forward gap does not exist and yields `None`.
pub fn local_to_utc(t: NaiveDateTime, tz: Tz) -> Option<Micros> {
    match tz.from_local_datetime(&t) {
        LocalResult::Single(x) => Some(x.timestamp_micros()),
        LocalResult::Ambiguous(a, _) => Some(a.timestamp_micros()),
        LocalResult::None => None,
    }
}

/// A `--since`/`--until` value: RFC 3339 (`2026-11-17T09:00:00Z`) or a date
/// (`2026-11-17`, meaning its midnight UTC).
pub fn parse_user_time(s: &str) -> Result<Micros, String> {
    if let Some(t) = parse_iso(s) {
        return Ok(t);
    }
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(|d| {
            d.and_hms_opt(0, 0, 0)
                .expect("midnight exists")
                .and_utc()
                .timestamp_micros()
        })
        .map_err(|_| {
            format!(
                "`{s}` is not a time: use RFC 3339 (2026-11-17T09:00:00Z) or a date (2026-11-17)"
            )
        })
}

/// Parses an IANA zone name for `--tz`.
pub fn parse_zone(s: &str) -> Result<Tz, String> {
    s.parse::<Tz>()
        .map_err(|_| format!("`{s}` is not a time zone name (try UTC or Europe/Berlin)"))
}

/// 2000-01-01T00:00:00Z: no evidence tagtrail reads (RDS IAM authentication, IAM
/// Identity Center, Okta's System Log) is older.
pub const EARLIEST: Micros = 946_684_800_000_000;
/// 2100-01-01T00:00:00Z (exclusive).
pub const LATEST: Micros = 4_102_444_800_000_000;

/// An event time a record carries, refused outside 2000 .. 2100. Such a time is a damaged
/// file or a wrong clock (an epoch-0 default, a year 9999 sentinel), never evidence; kept,
/// it would open a partition decades away and widen every time-bounded question.
pub fn in_range(t: Micros) -> Result<Micros, String> {
    if (EARLIEST..LATEST).contains(&t) {
        Ok(t)
    } else {
        Err(format!(
            "time {} is outside the accepted range 2000-01-01 .. 2100-01-01 (damaged file or wrong clock?)",
            describe(t)
        ))
    }
}

/// A time for a message: RFC 3339 when chrono can show it, else its micros.
fn describe(t: Micros) -> String {
    match DateTime::<Utc>::from_timestamp_micros(t) {
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => format!("{t} µs after the epoch"),
    }
}

/// Renders lake micros as RFC 3339 UTC with a `Z`, at second precision when exact.
pub fn format_micros(t: Micros) -> String {
    let dt = DateTime::<Utc>::from_timestamp_micros(t).expect("lake timestamps are in range");
    if t % 1_000_000 == 0 {
        dt.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        dt.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}

/// The `date=YYYY-MM-DD` partition a UTC timestamp falls in.
pub fn partition_date(t: Micros) -> String {
    DateTime::<Utc>::from_timestamp_micros(t)
        .expect("lake timestamps are in range")
        .format("%Y-%m-%d")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Micros {
        parse_iso(s).unwrap()
    }

    #[test]
    fn event_times_outside_2000_to_2100_are_refused() {
        assert_eq!(in_range(utc("2000-01-01T00:00:00Z")), Ok(EARLIEST));
        assert_eq!(
            in_range(utc("2099-12-31T23:59:59Z")),
            Ok(LATEST - 1_000_000)
        );
        assert_eq!(
            in_range(0),
            Err(
                "time 1970-01-01T00:00:00Z is outside the accepted range 2000-01-01 .. \
                 2100-01-01 (damaged file or wrong clock?)"
                    .into()
            )
        );
        assert!(
            in_range(LATEST)
                .unwrap_err()
                .starts_with("time 2100-01-01T00:00:00Z ")
        );
        assert!(
            in_range(i64::MIN)
                .unwrap_err()
                .starts_with("time -9223372036854775808 µs")
        );
    }

    #[test]
    fn expiration_locale_dialects() {
        let cases = [
            ("Aug 28, 2023, 7:00:58 PM", "2023-08-28T19:00:58Z"),
            ("Jul 1, 2026, 12:08:19 PM", "2026-07-01T12:08:19Z"),
            ("Nov 16, 2026, 12:05:00 AM", "2026-11-16T00:05:00Z"),
            ("Aug 28, 2023, 7:00:58\u{202f}PM", "2023-08-28T19:00:58Z"),
            ("Dec 31, 2026, 11:59:59 PM", "2026-12-31T23:59:59Z"),
            ("2023-08-28T19:00:58Z", "2023-08-28T19:00:58Z"),
        ];
        for (input, want) in cases {
            assert_eq!(parse_expiration(input), Some(utc(want)), "{input}");
        }
        assert_eq!(parse_expiration("tomorrow"), None);
    }

    #[test]
    fn local_times_follow_the_zone() {
        let t = NaiveDateTime::parse_from_str("20261128 10:06:58", "%Y%m%d %H:%M:%S").unwrap();
        let ny: Tz = parse_zone("America/New_York").unwrap();
        assert_eq!(local_to_utc(t, ny), Some(utc("2026-11-28T15:06:58Z")));
        assert_eq!(local_to_utc(t, Tz::UTC), Some(utc("2026-11-28T10:06:58Z")));
        // 2026-03-08 02:30 does not exist in New York.
        let gap = NaiveDateTime::parse_from_str("20260308 02:30:00", "%Y%m%d %H:%M:%S").unwrap();
        assert_eq!(local_to_utc(gap, ny), None);
        assert!(parse_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn user_times() {
        assert_eq!(
            parse_user_time("2026-11-17"),
            Ok(utc("2026-11-17T00:00:00Z"))
        );
        assert_eq!(
            parse_user_time("2026-11-17T09:00:00+01:00"),
            Ok(utc("2026-11-17T08:00:00Z"))
        );
        assert!(parse_user_time("last tuesday").is_err());
    }

    #[test]
    fn formatting() {
        assert_eq!(
            format_micros(utc("2026-11-17T09:14:02Z")),
            "2026-11-17T09:14:02Z"
        );
        assert_eq!(format_micros(1_500_000), "1970-01-01T00:00:01.500000Z");
        assert_eq!(partition_date(utc("2026-11-17T23:59:59Z")), "2026-11-17");
    }
}
