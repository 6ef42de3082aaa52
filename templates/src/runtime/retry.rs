//! Retry decisions, as pure functions of what happened: who may resend what ([`resend`], the
//! one table the client's loop and [`Error::is_retryable`](super::Error::is_retryable) both
//! read), what each failure or status calls for, how long to back off, what `Retry-After`
//! says. The transport (`client.rs`) carries them out; they are unit-tested here without a
//! server.

use super::clock::jitter;
use reqwest::Method;
use std::time::{Duration, SystemTime};

/// How often and how fast the client resends a failed attempt on its own. What it resends is
/// fixed, by the table [`Error::is_retryable`](super::Error::is_retryable) reads too: a
/// failed connect and a 429 whatever the method; a 502, 503 or 504 and a connection lost
/// after it was made only for GET, HEAD, PUT, DELETE, OPTIONS and TRACE; never a 500.
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

/// What went wrong, as far as sending the same request again goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The server answered this status (outside 2xx).
    Status(u16),
    /// No connection could be made: nothing reached the server.
    Unsent,
    /// The connection failed after it was made (a timeout, a reset): the server may have
    /// acted on the request.
    Lost,
    /// The client's quota had no room in the second's or the minute's window within `max_wait`.
    QuotaShort,
    /// The client's quota had no room today, until 00:00 UTC.
    QuotaDay,
    /// A store the client depends on (the shared quota, the hook event store) or the OAuth2
    /// token endpoint could not be reached; nothing was sent.
    Unreachable,
    /// Anything else: a request the client refused, a body that did not decode, credentials
    /// refused, a repeated page token.
    Other,
}

/// Whether the client sends a request again on its own, within its `RetryPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ByClient {
    /// Never: the error goes to the application.
    Never,
    /// Only a method whose repetition cannot repeat an effect ([`idempotent`]), for this reason.
    Idempotent(&'static str),
    /// Any method, for this reason: the server did not act on it.
    AnyMethod(&'static str),
    /// Once, after refreshing the OAuth2 token.
    AfterRefresh,
}

/// Who may send a failed request again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Resend {
    /// What the client does on its own.
    pub(crate) client: ByClient,
    /// Whether the same request may succeed soon without any change, so that an application
    /// may send it again after the client gave up ([`Error::is_retryable`](super::Error::is_retryable)).
    pub(crate) application: bool,
}

/// The one table of what is sent again, and by whom. The two columns differ where the
/// client cannot know what the application knows: whether sending the request twice is
/// harmless.
pub(crate) fn resend(failure: Failure) -> Resend {
    use ByClient::*;
    let (client, application) = match failure {
        // Refused before it was processed; a new token is the fix, not time.
        Failure::Status(401) => (AfterRefresh, false),
        // Keap did not process it: any method goes again once the quota has room.
        Failure::Status(429) => (AnyMethod("throttled"), true),
        // A 500 may come after Keap did the work, so the client does not resend it on its
        // own, whatever the method; an application that knows its call is safe to repeat may.
        Failure::Status(500) => (Never, true),
        // A gateway or an overloaded server, transient; the request may still have reached Keap.
        Failure::Status(502..=504) => (Idempotent("server unavailable"), true),
        Failure::Status(_) => (Never, false),
        Failure::Unsent => (AnyMethod("connect failed"), true),
        Failure::Lost => (Idempotent("connection failed"), true),
        // The client has already waited as long as `max_wait` allows.
        Failure::QuotaShort => (Never, true),
        // It lasts until 00:00 UTC: a retry loop would spin until then.
        Failure::QuotaDay => (Never, false),
        Failure::Unreachable => (Never, true),
        Failure::Other => (Never, false),
    };
    Resend { client, application }
}

/// Whether the client sends a request whose transport failed again, and why: a failed
/// connect never reached the server, so any method; after that only what cannot repeat an
/// effect.
pub(crate) fn retry_transport_failure(connect_failed: bool, a: Attempt) -> Option<&'static str> {
    let failure = if connect_failed { Failure::Unsent } else { Failure::Lost };
    match resend(failure).client {
        ByClient::AnyMethod(reason) if a.retries_left => Some(reason),
        ByClient::Idempotent(reason) if a.retries_left && a.idempotent => Some(reason),
        _ => None,
    }
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

/// The decision for a non-2xx `status`, as [`resend`] has it for the client. `pause` is a 429's `Retry-After` with the longest
/// wait its window allows; `exhausted` whether the quota headers showed a window empty.
pub(crate) fn after_status(
    status: u16,
    a: Attempt,
    pause: Option<(Duration, Duration)>,
    exhausted: bool,
) -> AfterStatus {
    match resend(Failure::Status(status)).client {
        ByClient::AfterRefresh if a.can_refresh => AfterStatus::Refresh,
        // 429 is the only status resent whatever the method; how depends on what it says.
        ByClient::AnyMethod(reason) => match pause {
            Some((pause, max_wait)) if a.retries_left && pause <= max_wait => AfterStatus::WhenRoom,
            Some(_) => AfterStatus::Fail,
            None if !a.retries_left => AfterStatus::Fail,
            None if exhausted => AfterStatus::WhenRoom,
            None => AfterStatus::Backoff(reason),
        },
        ByClient::Idempotent(reason) if a.retries_left && a.idempotent => AfterStatus::Backoff(reason),
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
#[path = "tests/retry.rs"]
mod tests;
