//! Reading [`DateTime`] and [`Date`] text as points in time, without a date library: the
//! text stays what the server sent, and these accessors give a typed view when it parses.
//! [`Timestamp`] converts to [`SystemTime`], which `chrono` and `time` both accept.

use super::values::{Date, DateTime};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point in time read from a [`DateTime`], with the UTC offset its text carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Timestamp {
    seconds: i64,
    nanos: u32,
    offset_minutes: i16,
}

impl Timestamp {
    /// The instant `seconds` (and `nanos`) after 1970-01-01T00:00:00Z, shown in UTC.
    pub fn from_unix(seconds: i64, nanos: u32) -> Self {
        let nanos = nanos.min(999_999_999);
        Timestamp { seconds, nanos, offset_minutes: 0 }
    }

    /// Seconds since 1970-01-01T00:00:00Z (negative before).
    pub fn unix_seconds(&self) -> i64 {
        self.seconds
    }

    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub fn unix_millis(&self) -> i64 {
        self.seconds.saturating_mul(1000).saturating_add(i64::from(self.nanos / 1_000_000))
    }

    /// The sub-second part, in nanoseconds.
    pub fn nanos(&self) -> u32 {
        self.nanos
    }

    /// The UTC offset the text was written in, in minutes (`+01:00` is 60).
    pub fn offset_minutes(&self) -> i16 {
        self.offset_minutes
    }

    /// The same instant as a [`SystemTime`].
    pub fn to_system_time(&self) -> SystemTime {
        let sub = Duration::from_nanos(u64::from(self.nanos));
        if self.seconds >= 0 {
            UNIX_EPOCH + Duration::from_secs(self.seconds as u64) + sub
        } else {
            UNIX_EPOCH - Duration::from_secs(self.seconds.unsigned_abs()) + sub
        }
    }

    /// The instant the way Keap's filters require dates and requests should carry them: RFC 3339
    /// in UTC with exactly three fraction digits, `2026-01-01T00:00:00.000Z`. Sub-millisecond
    /// precision is dropped (rounded down), whatever offset the text was in.
    pub fn to_rfc3339_millis(&self) -> String {
        let (days, secs) = (self.seconds.div_euclid(86_400), self.seconds.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            self.nanos / 1_000_000
        )
    }

    /// The instant of a [`SystemTime`], in UTC.
    pub fn from_system_time(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp::from_unix(d.as_secs() as i64, d.subsec_nanos()),
            Err(e) => {
                let d = e.duration();
                let (mut s, mut n) = (-(d.as_secs() as i64), d.subsec_nanos());
                if n > 0 {
                    s -= 1;
                    n = 1_000_000_000 - n;
                }
                Timestamp::from_unix(s, n)
            }
        }
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    // By instant; the offset only says how the text showed it (and breaks ties, so that the
    // order agrees with `Eq`).
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.seconds, self.nanos, self.offset_minutes).cmp(&(other.seconds, other.nanos, other.offset_minutes))
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in the offset the text carried: `2024-03-18T17:00:00Z`, `2024-03-18T18:00:00.5+01:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.seconds + i64::from(self.offset_minutes) * 60;
        let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        write!(f, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)?;
        if self.nanos > 0 {
            let frac = format!("{:09}", self.nanos);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        match self.offset_minutes {
            0 => f.write_str("Z"),
            o => {
                write!(f, "{}{:02}:{:02}", if o < 0 { '-' } else { '+' }, o.unsigned_abs() / 60, o.unsigned_abs() % 60)
            }
        }
    }
}

impl DateTime {
    /// The instant the text names, or `None` when it is in no format this knows (the text
    /// is still [`as_str`](DateTime::as_str)). Reads RFC 3339 (`2024-03-18T17:00:00Z`,
    /// `2024-03-18T17:00:00.123-07:00`), offsets without a colon (`+0000`), a space for `T`,
    /// no seconds, no zone (taken as UTC), a bare date (midnight UTC), and Unix time in
    /// seconds or milliseconds.
    pub fn parse(&self) -> Option<Timestamp> {
        parse_date_time(self.0.trim())
    }

    /// The instant as a [`SystemTime`], when the text parses.
    pub fn to_system_time(&self) -> Option<SystemTime> {
        self.parse().map(|t| t.to_system_time())
    }
}

impl From<Timestamp> for DateTime {
    /// The shape Keap's filter docs demand, `2026-01-01T00:00:00.000Z`: UTC, exactly three
    /// fraction digits; sub-millisecond precision is dropped.
    fn from(t: Timestamp) -> Self {
        DateTime(t.to_rfc3339_millis())
    }
}

impl From<SystemTime> for DateTime {
    /// The shape Keap's filter docs demand, `2026-01-01T00:00:00.000Z`: UTC, exactly three
    /// fraction digits; sub-millisecond precision is dropped.
    fn from(t: SystemTime) -> Self {
        Timestamp::from_system_time(t).into()
    }
}

impl Date {
    /// A date from its parts (month and day from 1); `None` when there is no such day.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        let valid =
            (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month) && (0..=9999).contains(&year);
        valid.then(|| Date(format!("{year:04}-{month:02}-{day:02}")))
    }

    /// Year, month and day, when the text is `YYYY-MM-DD` (a time after it is ignored).
    pub fn ymd(&self) -> Option<(i32, u32, u32)> {
        let t = self.0.trim();
        let (ymd, _) = date_prefix(t)?;
        Some(ymd)
    }
}

/// 00:00 UTC of a date (valid parts assumed, as [`Date::ymd`] gives them).
pub(crate) fn midnight_utc(y: i32, m: u32, d: u32) -> Timestamp {
    Timestamp::from_unix(days_from_civil(y, m, d) * 86_400, 0)
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(super) fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn digits(t: &str) -> Option<u32> {
    (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok()).flatten()
}

/// `YYYY-MM-DD` at the start of `t`, and the rest.
fn date_prefix(t: &str) -> Option<((i32, u32, u32), &str)> {
    let (date, rest) = t.split_at_checked(10)?;
    let b = date.as_bytes();
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&date[..4])? as i32, digits(&date[5..7])?, digits(&date[8..10])?);
    ((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)).then_some(((y, m, d), rest))
}

fn parse_date_time(t: &str) -> Option<Timestamp> {
    // Unix time: seconds, or milliseconds when it is too large to be seconds of this era.
    if let Ok(n) = t.parse::<i64>() {
        return Some(if n.unsigned_abs() >= 100_000_000_000 {
            Timestamp::from_unix(n.div_euclid(1000), (n.rem_euclid(1000) * 1_000_000) as u32)
        } else {
            Timestamp::from_unix(n, 0)
        });
    }
    let ((y, mo, d), rest) = date_prefix(t)?;
    let days = days_from_civil(y, mo, d);
    if rest.is_empty() {
        return Some(Timestamp::from_unix(days * 86_400, 0));
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    // The clock runs to the first zone character.
    let zone_at = rest.find(['Z', 'z', '+', '-', ' ']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zone_at);
    let (hms, frac) = match clock.split_once(['.', ',']) {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (clock, None),
    };
    let mut parts = hms.split(':');
    let h = digits(parts.next()?)?;
    let mi = digits(parts.next()?)?;
    let s = parts.next().map_or(Some(0), digits)?;
    if parts.next().is_some() || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let nanos = match frac {
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            let f = &f[..f.len().min(9)];
            f.parse::<u32>().ok()? * 10u32.pow(9 - f.len() as u32)
        }
        Some(_) => return None,
        None => 0,
    };
    let offset: i64 = match zone.trim_start() {
        "" | "Z" | "z" | "UTC" | "GMT" => 0,
        z => {
            let sign = match z.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let z = z[1..].replace(':', "");
            let (zh, zm) = match z.len() {
                2 => (digits(&z)?, 0),
                4 => (digits(&z[..2])?, digits(&z[2..])?),
                _ => return None,
            };
            if zh > 23 || zm > 59 {
                return None;
            }
            sign * i64::from(zh * 60 + zm)
        }
    };
    let local = days * 86_400 + i64::from(h * 3600 + mi * 60 + s.min(59));
    Some(Timestamp { seconds: local - offset * 60, nanos, offset_minutes: offset as i16 })
}

#[cfg(test)]
#[path = "tests/time.rs"]
mod tests;
