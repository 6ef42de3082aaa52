//! Retry decisions, as pure functions of what happened: which methods may be repeated,
//! what each failure or status calls for, how long to back off, what `Retry-After` says.
//! The transport (`client.rs`) carries them out; they are unit-tested here without a server.

use super::clock::jitter;
use reqwest::Method;
use std::time::{Duration, SystemTime};

/// How failed attempts are retried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 3).
    pub max_retries: u32,
    /// First backoff delay, doubled each retry, with jitter (default 500 ms).
    pub base_delay: Duration,
    /// Longest backoff delay (default 30 s).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: 3, base_delay: Duration::from_millis(500), max_delay: Duration::from_secs(30) }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy { max_retries: 0, ..Self::default() }
    }

    /// Exponential backoff with "equal jitter": half fixed, half random.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << retry.saturating_sub(1).min(16)).min(self.max_delay);
        let half = exp / 2;
        half + Duration::from_millis(jitter(half.as_millis() as u64 + 1))
    }
}

/// Methods a retry cannot repeat the effect of.
pub(crate) fn idempotent(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE)
}

/// What an attempt may still do.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Attempt {
    /// Repeating the method cannot repeat its effect.
    pub(crate) idempotent: bool,
    /// The retry policy allows another attempt.
    pub(crate) retries_left: bool,
    /// An OAuth2 token that has not yet been refreshed for this request.
    pub(crate) can_refresh: bool,
}

/// Whether a request whose transport failed is sent again: a failed connect never reached
/// the server, so any method; after that only what cannot repeat an effect.
pub(crate) fn retry_transport_failure(connect_failed: bool, a: Attempt) -> bool {
    a.retries_left && (a.idempotent || connect_failed)
}

/// What a non-2xx answer calls for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AfterStatus {
    /// Refresh the OAuth2 token and resend (a 401 was refused before it was processed).
    Refresh,
    /// Resend when the quota gate lets it through: after the server's pause, or when the
    /// window its headers named empty has room.
    WhenRoom,
    /// Resend after a backoff, for this reason.
    Backoff(&'static str),
    /// Give up: the answer is the error.
    Fail,
}

/// The decision for a non-2xx `status`. `pause` is a 429's `Retry-After` with the longest
/// wait its window allows; `exhausted` whether the quota headers showed a window empty.
pub(crate) fn after_status(
    status: u16,
    a: Attempt,
    pause: Option<(Duration, Duration)>,
    exhausted: bool,
) -> AfterStatus {
    match status {
        401 if a.can_refresh => AfterStatus::Refresh,
        // A rejection before processing: any method may be resent.
        429 => match pause {
            Some((pause, max_wait)) if a.retries_left && pause <= max_wait => AfterStatus::WhenRoom,
            Some(_) => AfterStatus::Fail,
            None if !a.retries_left => AfterStatus::Fail,
            None if exhausted => AfterStatus::WhenRoom,
            None => AfterStatus::Backoff("throttled"),
        },
        502..=504 if a.retries_left && a.idempotent => AfterStatus::Backoff("server unavailable"),
        _ => AfterStatus::Fail,
    }
}

/// Parses `Retry-After`: seconds or an HTTP date.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap, now: SystemTime) -> Option<SystemTime> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(now + Duration::from_secs(secs));
    }
    parse_http_date(value)
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` (the only form servers must send).
pub(crate) fn parse_http_date(s: &str) -> Option<SystemTime> {
    let mut parts = s.split_whitespace().skip(1);
    let day: u32 = parts.next()?.parse().ok().filter(|d| (1..=31).contains(d))?;
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .iter()
        .position(|m| Some(*m) == parts.clone().next())? as u32
        + 1;
    parts.next();
    let year: i32 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|x| x.parse::<u64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    let days = super::time::days_from_civil(year, month, day);
    let secs = u64::try_from(days).ok()? * 86_400 + h * 3600 + m * 60 + sec;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;
    use std::time::UNIX_EPOCH;

    fn at(ms: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(ms)
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        for retry in 1..10 {
            let d = p.backoff(retry);
            let exp = (p.base_delay * (1 << (retry - 1))).min(p.max_delay);
            assert!(d >= exp / 2 && d <= exp, "retry {retry}: {d:?}");
        }
    }

    #[test]
    fn only_idempotent_methods_repeat() {
        assert!(idempotent(&Method::GET) && idempotent(&Method::PUT) && idempotent(&Method::DELETE));
        assert!(!idempotent(&Method::POST) && !idempotent(&Method::PATCH));
    }
    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h, at(1000)), Some(at(8000)));
        h.insert("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap());
        assert_eq!(retry_after(&h, at(0)), Some(SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777)));
    }

    #[test]
    fn each_status_gets_its_decision() {
        let get = Attempt { idempotent: true, retries_left: true, can_refresh: false };
        let post = Attempt { idempotent: false, ..get };
        let last = Attempt { retries_left: false, ..get };
        let minute = Duration::from_secs(60);
        assert_eq!(after_status(401, Attempt { can_refresh: true, ..post }, None, false), AfterStatus::Refresh);
        assert_eq!(after_status(401, get, None, false), AfterStatus::Fail);
        assert_eq!(after_status(429, post, None, false), AfterStatus::Backoff("throttled"));
        assert_eq!(after_status(429, post, None, true), AfterStatus::WhenRoom);
        assert_eq!(after_status(429, post, Some((Duration::from_secs(7), minute)), false), AfterStatus::WhenRoom);
        assert_eq!(
            after_status(429, post, Some((Duration::from_secs(3600), Duration::ZERO)), false),
            AfterStatus::Fail
        );
        assert_eq!(after_status(429, last, None, false), AfterStatus::Fail);
        assert_eq!(after_status(503, get, None, false), AfterStatus::Backoff("server unavailable"));
        assert_eq!(after_status(503, post, None, false), AfterStatus::Fail);
        assert_eq!(after_status(500, get, None, false), AfterStatus::Fail);
        assert_eq!(after_status(404, get, None, false), AfterStatus::Fail);
        assert!(retry_transport_failure(true, post) && !retry_transport_failure(false, post));
        assert!(retry_transport_failure(false, get) && !retry_transport_failure(true, last));
    }
}
