//! Calendar dates as `sunset = "YYYY-MM-DD"` takes them: parsed and checked at compile time by the
//! macros, turned into the HTTP dates of the `Sunset` (RFC 8594) and `Deprecation` (RFC 9745)
//! headers and compared with today by the audit at run time.
//!
//! Written here rather than taken from `time` or `chrono`: the proc-macro crate links this crate,
//! which has no dependencies, and the whole need is a proleptic Gregorian day count (Howard
//! Hinnant's `days_from_civil` / `civil_from_days`), a few lines each.

use core::fmt;

/// A date of the proleptic Gregorian calendar, years 1970–9999.
///
/// ```
/// use scopegate_core::date::Date;
/// let d = Date::parse("2027-01-31").unwrap();
/// assert_eq!(d.days_since_epoch(), 20_849);
/// assert_eq!(Date::from_days(20_849), d);
/// assert_eq!(d.http_date(), "Sun, 31 Jan 2027 00:00:00 GMT");
/// assert_eq!(d.to_string(), "2027-01-31");
/// assert!(Date::parse("2027-02-29").is_none()); // not a leap year
/// assert!(Date::parse("2027-1-31").is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

impl Date {
    /// The date written as `YYYY-MM-DD` (four, two and two digits), if it is a real date between
    /// 1970-01-01 and 9999-12-31.
    pub const fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let (Some(year), Some(month), Some(day)) = (digits(b, 0, 4), digits(b, 5, 2), digits(b, 8, 2)) else {
            return None;
        };
        if year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year: year as u16, month: month as u8, day: day as u8 })
    }

    /// The year.
    pub const fn year(self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    pub const fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1–31.
    pub const fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01.
    pub const fn days_since_epoch(self) -> i64 {
        let (m, d) = (self.month as i64, self.day as i64);
        let y = self.year as i64 - if m <= 2 { 1 } else { 0 };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01 (clamped to 1970-01-01 … 9999-12-31).
    pub const fn from_days(days: i64) -> Date {
        let days = if days < 0 {
            0
        } else if days > 2_932_896 {
            2_932_896
        } else {
            days
        };
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
        Date { year: year as u16, month: month as u8, day: day as u8 }
    }

    /// Seconds since the Unix epoch at 00:00:00 UTC of this date (RFC 9745's `@` date).
    pub const fn unix_seconds(self) -> i64 {
        self.days_since_epoch() * 86_400
    }

    /// The IMF-fixdate of 00:00:00 UTC on this date (RFC 9110 §5.6.7), as the `Sunset` header
    /// takes it: `Sun, 31 Jan 2027 00:00:00 GMT`.
    pub fn http_date(self) -> String {
        let weekday = WEEKDAYS[self.days_since_epoch().rem_euclid(7) as usize];
        let month = MONTHS[self.month as usize - 1];
        format!("{weekday}, {:02} {month} {:04} 00:00:00 GMT", self.day, self.year)
    }

    /// Today's date (UTC), from the system clock.
    pub fn today() -> Date {
        let seconds =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Date::from_days((seconds / 86_400) as i64)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The decimal number of `len` ASCII digits at `at`.
const fn digits(b: &[u8], at: usize, len: usize) -> Option<u32> {
    let mut value = 0;
    let mut i = at;
    while i < at + len {
        if !b[i].is_ascii_digit() {
            return None;
        }
        value = value * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    Some(value)
}

const fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_day_round_trips_and_weekdays_are_right() {
        assert_eq!(Date::parse("1970-01-01").map(Date::days_since_epoch), Some(0));
        assert_eq!(Date::from_days(0).http_date(), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(Date::parse("2000-02-29").map(Date::days_since_epoch), Some(11_016));
        for days in 0..80_000 {
            let d = Date::from_days(days);
            assert_eq!(d.days_since_epoch(), days);
            assert_eq!(Date::parse(&d.to_string()), Some(d));
        }
        assert_eq!(
            Date::parse("2026-12-06").map(|d| d.http_date()),
            Some("Sun, 06 Dec 2026 00:00:00 GMT".into())
        );
    }

    #[test]
    fn malformed_dates_are_refused() {
        for bad in [
            "",
            "2027-13-01",
            "2027-00-10",
            "2027-04-31",
            "1900-02-29",
            "1969-12-31",
            "27-01-31",
            "2027/01/31",
            "2027-01-3a",
            "２027-01-31",
            "2027-01-31 ",
        ] {
            assert!(Date::parse(bad).is_none(), "{bad}");
        }
        assert!(Date::parse("2024-02-29").is_some());
    }
}
