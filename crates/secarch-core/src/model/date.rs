//! Calendar dates (`YYYY-MM-DD`) for review records: a thin wrapper over `time::Date` (already a
//! dependency) that keeps the document's exact format — `YYYY-MM-DD`, ASCII digits, nothing
//! before or after — and serialises as that text.

use std::fmt;

use serde::{Serialize, Serializer};

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(time::Date);

/// `YYYY-MM-DD` with four-digit years (the YAML timestamp date form).
const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year repr:full padding:zero]-[month]-[day]");

impl Date {
    /// A valid date, or `None` (e.g. February 30).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let month = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day)
            .ok()
            .map(Date)
    }

    /// Parse `YYYY-MM-DD` exactly.
    pub fn parse(text: &str) -> Option<Date> {
        // `time` accepts a sign and more digits for the year; the document format does not.
        if text.len() != 10
            || !text.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            })
        {
            return None;
        }
        time::Date::parse(text, FORMAT).ok().map(Date)
    }

    /// Today's date in UTC, from the system clock.
    pub fn today_utc() -> Date {
        Date(time::OffsetDateTime::now_utc().date())
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        (later.0 - self.0).whole_days()
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }

    pub fn month(self) -> u8 {
        u8::from(self.0.month())
    }

    pub fn day(self) -> u8 {
        self.0.day()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month(),
            self.day()
        )
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::Date;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(Date::parse("2026-10-02"), Date::new(2026, 10, 2));
        assert_eq!(Date::parse("2024-02-29").map(Date::day), Some(29));
        assert_eq!(Date::parse("2023-02-29"), None);
        assert_eq!(Date::parse("2026-13-01"), None);
        assert_eq!(Date::parse("2026-1-01"), None);
        assert_eq!(Date::parse("2026-10-02T10:00"), None);
        assert_eq!(Date::parse("+026-10-02"), None);
        assert_eq!(Date::parse("２０２６-10-02"), None);
        assert_eq!(Date::new(2026, 2, 30), None);
        assert_eq!(Date::new(2026, 0, 1), None);
    }

    #[test]
    fn day_arithmetic_and_text_round_trip() {
        let d = Date::new(2026, 10, 2).unwrap();
        let a = Date::new(2025, 10, 2).unwrap();
        assert_eq!(a.days_until(d), 365);
        assert_eq!(d.days_until(a), -365);
        let leap = Date::new(2024, 2, 28).unwrap();
        assert_eq!(leap.days_until(Date::new(2024, 3, 1).unwrap()), 2);
        assert_eq!(d.to_string(), "2026-10-02");
        assert_eq!(Date::new(987, 1, 5).unwrap().to_string(), "0987-01-05");
        assert_eq!(Date::parse(&d.to_string()), Some(d));
        assert!(Date::today_utc() > d);
    }
}
