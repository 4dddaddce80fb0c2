//! The period a report covers: an ISO week (what compliance reviews are scheduled by)
//! or any `[since, until)`, and the period of the same length just before it, which
//! the week-over-week figures and the new/resolved findings compare against.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc, Weekday};

use crate::sources::timefmt::format_micros;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PeriodError {
    #[error("`{0}` is not an ISO week: write YYYY-Www, for example 2026-W47")]
    NotAWeek(String),
    #[error("`{0}`: that year has no such ISO week")]
    NoSuchWeek(String),
    #[error("the period must end after it starts")]
    Empty,
}

/// `[since, until)` in microseconds since the epoch, UTC, with the name files are
/// written under (`2026-W47`, or `2026-11-16_2026-11-23` for a custom range).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub name: String,
    pub since: i64,
    pub until: i64,
    /// The Monday of an ISO week; `None` for a custom range.
    week_monday: Option<NaiveDate>,
}

const DAY: i64 = 86_400_000_000;

impl Period {
    /// `2026-W47` (case-insensitive `w`): Monday 00:00 UTC to the next Monday.
    pub fn iso_week(text: &str) -> Result<Period, PeriodError> {
        let not_a_week = || PeriodError::NotAWeek(text.to_string());
        let (year, week) = text
            .split_once(['W', 'w'])
            .and_then(|(y, w)| Some((y.strip_suffix('-')?, w)))
            .ok_or_else(not_a_week)?;
        if year.len() != 4 || week.len() != 2 {
            return Err(not_a_week());
        }
        let year: i32 = year.parse().map_err(|_| not_a_week())?;
        let week: u32 = week.parse().map_err(|_| not_a_week())?;
        let monday = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
            .ok_or_else(|| PeriodError::NoSuchWeek(text.to_string()))?;
        Ok(Period::week_of(monday))
    }

    /// The last ISO week that ended at or before `now` (µs): on any day of week 48,
    /// week 47.
    pub fn last_complete_week(now: i64) -> Period {
        let today = DateTime::<Utc>::from_timestamp_micros(now)
            .unwrap_or_default()
            .date_naive();
        let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
        Period::week_of(monday - Duration::days(7))
    }

    /// Any `[since, until)`.
    pub fn range(since: i64, until: i64) -> Result<Period, PeriodError> {
        if since >= until {
            return Err(PeriodError::Empty);
        }
        Ok(Period {
            name: format!("{}_{}", file_time(since), file_time(until)),
            since,
            until,
            week_monday: None,
        })
    }

    /// The week before a week; otherwise the period of the same length just before.
    pub fn previous(&self) -> Period {
        match self.week_monday {
            Some(monday) => Period::week_of(monday - Duration::days(7)),
            None => {
                let length = self.until - self.since;
                Period::range(self.since - length, self.since).expect("length is positive")
            }
        }
    }

    fn week_of(monday: NaiveDate) -> Period {
        let week = monday.iso_week();
        let since = monday
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc()
            .timestamp_micros();
        Period {
            name: format!("{}-W{:02}", week.year(), week.week()),
            since,
            until: since + 7 * DAY,
            week_monday: Some(monday),
        }
    }

    /// RFC 3339 UTC of both ends, for people.
    pub fn bounds_text(&self) -> (String, String) {
        (format_micros(self.since), format_micros(self.until))
    }
}

/// A date when the time is midnight, else a colon-free timestamp: safe in file names.
fn file_time(t: i64) -> String {
    let dt = DateTime::<Utc>::from_timestamp_micros(t).unwrap_or_default();
    if dt.num_seconds_from_midnight() == 0 && dt.nanosecond() == 0 {
        dt.format("%Y-%m-%d").to_string()
    } else {
        dt.format("%Y-%m-%dT%H%M%SZ").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::timefmt::parse_user_time;

    fn at(s: &str) -> i64 {
        parse_user_time(s).unwrap()
    }

    #[test]
    fn iso_weeks() {
        let w = Period::iso_week("2026-W47").unwrap();
        assert_eq!(w.name, "2026-W47");
        assert_eq!(
            w.bounds_text(),
            ("2026-11-16T00:00:00Z".into(), "2026-11-23T00:00:00Z".into())
        );
        assert_eq!(w.previous().name, "2026-W46");
        assert_eq!(w.previous().until, w.since);
        // ISO week 1 of 2027 starts in 2027-01-04; week 53 of 2026 exists.
        assert_eq!(
            Period::iso_week("2027-w01").unwrap().previous().name,
            "2026-W53"
        );
        assert_eq!(
            Period::iso_week("2025-W53").unwrap_err(),
            PeriodError::NoSuchWeek("2025-W53".into())
        );
        for bad in ["2026-47", "2026W47", "26-W47", "2026-W4", "2026-Wxx"] {
            assert_eq!(
                Period::iso_week(bad).unwrap_err(),
                PeriodError::NotAWeek(bad.into()),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_default_is_the_last_complete_week() {
        // Sunday of W47 late evening: W47 is not complete yet.
        assert_eq!(
            Period::last_complete_week(at("2026-11-22T23:59:59Z")).name,
            "2026-W46"
        );
        assert_eq!(
            Period::last_complete_week(at("2026-11-23T00:00:00Z")).name,
            "2026-W47"
        );
        assert_eq!(
            Period::last_complete_week(at("2026-11-29T09:16:00Z")).name,
            "2026-W47"
        );
    }

    #[test]
    fn custom_ranges_and_their_previous_period() {
        let p = Period::range(at("2026-11-17"), at("2026-11-19")).unwrap();
        assert_eq!(p.name, "2026-11-17_2026-11-19");
        let prev = p.previous();
        assert_eq!(prev.name, "2026-11-15_2026-11-17");
        let odd = Period::range(at("2026-11-17T10:30:00Z"), at("2026-11-18")).unwrap();
        assert_eq!(odd.name, "2026-11-17T103000Z_2026-11-18");
        assert_eq!(
            Period::range(at("2026-11-18"), at("2026-11-18")).unwrap_err(),
            PeriodError::Empty
        );
    }
}
