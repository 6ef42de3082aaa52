//! Per-request options: what one call may change of the client's defaults (timeout,
//! retries, extra headers and query parameters), and the rules that keep it from changing
//! what it must not (credentials, what the operation itself sets).

use super::error::Error;
use super::retry::RetryPolicy;
use reqwest::header::{HeaderName, HeaderValue};
use std::time::Duration;

/// Options for one request, set on any request builder with `.options(...)`; what is not
/// set keeps the client's default.
///
/// `client.contact().list_contacts().options(RequestOptions::new().timeout(secs(5)).retry(RetryPolicy::none())
/// .header("x-correlation-id", "job-42"))`: the crate's README has the whole example.
///
/// Refused when sent, with [`Error::InvalidRequest`] and nothing sent: a header that carries
/// credentials (`Authorization`, `X-Keap-API-Key`, or the one the client's auth uses), one
/// that frames the message (`Host`, `Content-Length`, `Transfer-Encoding`, `Connection`),
/// one the operation sets itself (`Content-Type` of a body, `Accept`, a header parameter),
/// a query parameter the operation declares (use its setter), and names or values that are
/// not valid HTTP.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) query: Vec<(String, String)>,
}

impl std::fmt::Debug for RequestOptions {
    // Header values may be private (a proxy's token): names only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("headers", &self.headers.iter().map(|(name, _)| name).collect::<Vec<_>>())
            .field("query", &self.query.iter().map(|(name, _)| name).collect::<Vec<_>>())
            .finish()
    }
}

/// Headers no request option may set: credentials, and what frames the message.
const REFUSED_HEADERS: [&str; 6] =
    ["authorization", super::auth::API_KEY_HEADER, "host", "content-length", "transfer-encoding", "connection"];

impl RequestOptions {
    /// No options: the client's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Limits each attempt of this request to `timeout` (instead of the client's).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Retries this request by `policy` (instead of the client's);
    /// [`RetryPolicy::none()`] sends it once. Which failures may be retried at all does not
    /// change: a write that may have reached Keap is never sent twice.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Adds a header to every attempt (a correlation id, say). Added again under the same
    /// name, both are sent.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds a query parameter the operation does not declare (one Keap added after the spec
    /// this crate was generated from).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// The extra headers, checked: refused are credentials, framing, and `taken` (headers
    /// the request sets itself, lowercase).
    pub(crate) fn checked_headers(
        &self,
        operation: &str,
        auth_header: Option<&HeaderName>,
        taken: &[&str],
    ) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
        let refuse = |name: &str, why: &str| {
            Error::invalid(format!("{operation}: request option header `{name}` is refused: {why}; nothing was sent"))
        };
        self.headers
            .iter()
            .map(|(name, value)| {
                let parsed = HeaderName::from_bytes(name.trim().as_bytes())
                    .map_err(|_| refuse(name, "it is not a valid header name"))?;
                let lower = parsed.as_str();
                if REFUSED_HEADERS.contains(&lower) || auth_header.is_some_and(|h| h.as_str() == lower) {
                    let why = if matches!(lower, "host" | "content-length" | "transfer-encoding" | "connection") {
                        "the client frames the message itself"
                    } else {
                        "credentials come only from the client's `Auth`"
                    };
                    return Err(refuse(name, why));
                }
                if taken.contains(&lower) {
                    return Err(refuse(name, "the operation sets it; use the operation's own setter"));
                }
                let value = HeaderValue::from_str(value)
                    .map_err(|_| refuse(name, "its value is not a valid header value (line breaks, control bytes)"))?;
                Ok((parsed, value))
            })
            .collect()
    }

    /// The extra query pairs, checked against the names the operation `declares`.
    pub(crate) fn checked_query(&self, operation: &str, declared: &[&str]) -> Result<(), Error> {
        for (name, _) in &self.query {
            if name.is_empty() {
                return Err(Error::invalid(format!(
                    "{operation}: request option query parameter with an empty name; nothing was sent"
                )));
            }
            if declared.contains(&name.as_str()) {
                return Err(Error::invalid(format!(
                    "{operation}: request option query parameter `{name}` is refused: the operation declares it; \
                     use its setter; nothing was sent"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "tests/options.rs"]
mod tests;
