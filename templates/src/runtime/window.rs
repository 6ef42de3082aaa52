//! Keap's quota windows: what a quota counts in, and what a used-up quota names
//! ([`Error::QuotaExhausted`](super::Error::QuotaExhausted)). A leaf, below both the quota and
//! the error type.

use std::fmt;
use std::time::Duration;

/// A quota window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Window {
    /// Any one-second span.
    Second,
    /// Any one-minute span.
    Minute,
    /// The calendar day, 00:00 to 24:00 UTC.
    Day,
}

impl Window {
    pub(crate) const ALL: [Window; 3] = [Window::Second, Window::Minute, Window::Day];

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    pub(crate) fn span_ns(self) -> u64 {
        const SECOND: u64 = 1_000_000_000;
        match self {
            Window::Second => SECOND,
            Window::Minute => 60 * SECOND,
            Window::Day => 86_400 * SECOND,
        }
    }

    /// The window a server-imposed pause (`Retry-After`) counts as, so that its `max_wait`
    /// applies: up to a second, the second; up to a minute, the minute; longer, the day
    /// (by default failing fast rather than stalling every request of the client).
    pub fn of_pause(pause: Duration) -> Window {
        if pause <= Duration::from_secs(1) {
            Window::Second
        } else if pause <= Duration::from_secs(60) {
            Window::Minute
        } else {
            Window::Day
        }
    }

    /// Reads Keap's `time-unit` header values (`second`, `Minute`, `days`, ...).
    pub(crate) fn parse(unit: &str) -> Option<Window> {
        let u = unit.trim().trim_end_matches(['s', 'S']);
        [("second", Window::Second), ("minute", Window::Minute), ("day", Window::Day)]
            .into_iter()
            .find(|(name, _)| u.eq_ignore_ascii_case(name))
            .map(|(_, w)| w)
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Window::Second => "second",
            Window::Minute => "minute",
            Window::Day => "day",
        })
    }
}
