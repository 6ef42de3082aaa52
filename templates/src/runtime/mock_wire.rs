//! The test kit's HTTP vocabulary, below the server and the expectations that both speak it:
//! a request as the mock received it ([`Received`]), what the mock answers ([`Answer`]), and
//! what an operation's success answer is on the wire ([`Media`]).

use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// What an operation's success answer is on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    /// JSON (the response type serialised).
    Json,
    /// No body (204).
    Empty,
    /// Text of this media type (the response type is a `String`).
    Text(&'static str),
    /// Bytes of this media type (the response type is a `Vec<u8>`).
    Bytes(&'static str),
}

/// A request as the mock received it.
#[derive(Clone)]
pub struct Received {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, as sent (percent-encoded).
    pub path: String,
    /// The query's pairs, percent-decoded, in order.
    pub query: Vec<(String, String)>,
    /// The headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The body's bytes (de-chunked).
    pub body: Vec<u8>,
}

impl Received {
    /// A header's value (the first, if repeated).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// A query parameter's value (the last, if repeated).
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The body as JSON, if it is.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    pub(crate) fn is_v1(&self) -> bool {
        self.path.starts_with("/rest/v1/") || self.path.starts_with("/v1/")
    }
}

/// Credentials are never shown: a test's log may end up in CI output.
fn secret_header(name: &str) -> bool {
    ["authorization", "x-keap-api-key", "x-hook-secret", "cookie"].iter().any(|s| name.eq_ignore_ascii_case(s))
}

/// Query parameters that carry credentials (Keap takes `access_token` in the query too);
/// page tokens and the like are shown, since a test reads them.
pub(crate) fn secret_query(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["access_token", "refresh_token", "api_key", "client_secret"].contains(&name.as_str()) || name.ends_with("_secret")
}

impl fmt::Debug for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), if secret_header(k) { "<hidden>" } else { v.as_str() }))
            .collect();
        let mut query: Vec<(&str, &str)> = self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        for (k, v) in &mut query {
            if secret_query(k) {
                *v = "<hidden>";
            }
        }
        f.debug_struct("Received")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &query)
            .field("headers", &headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// What the mock answers: a status with headers and a body, possibly late, or a dropped
/// connection. Typed answers come from [`Expect::respond`](super::testing::Expect::respond); these are the rest.
#[derive(Clone, Debug)]
pub struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    body: Body,
    pub(crate) delay: Option<Duration>,
    pub(crate) dropped: bool,
}

#[derive(Clone, Debug)]
enum Body {
    Bytes(Vec<u8>),
    /// Keap's error body for the request's API version: v2's `{code, message, status,
    /// details}`, v1's `{message}`.
    Error(String),
}

impl Answer {
    pub(crate) fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Answer {
        let headers =
            if content_type.is_empty() { Vec::new() } else { vec![("content-type".into(), content_type.into())] };
        Answer { status, headers, body: Body::Bytes(body), delay: None, dropped: false }
    }

    pub(crate) fn value(status: u16, media: Media, value: &impl Serialize) -> Answer {
        let json = match serde_json::to_value(value) {
            Ok(json) => json,
            Err(e) => return Answer::error(500, &format!("the mock could not serialise the answer: {e}")),
        };
        match (media, json) {
            (Media::Empty, _) => Answer::bytes(status, "", Vec::new()),
            (Media::Text(ct), serde_json::Value::String(s)) => Answer::bytes(status, ct, s.into_bytes()),
            (Media::Bytes(ct), serde_json::Value::Array(items)) => Answer::bytes(
                status,
                ct,
                items.iter().filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok())).collect(),
            ),
            (_, json) => Answer::json(status, &json),
        }
    }

    /// A JSON answer of any shape: to answer with what the spec does not declare (an
    /// unknown field, an id of another type, a date without a format).
    pub fn json(status: u16, body: &impl Serialize) -> Answer {
        match serde_json::to_vec(body) {
            Ok(body) => Answer::bytes(status, "application/json", body),
            Err(e) => Answer::error(500, &format!("the mock could not serialise the answer: {e}")),
        }
    }

    /// An answer with a raw body and content type (HTML from a proxy, say).
    pub fn raw(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Answer {
        Answer::bytes(status, content_type, body.into())
    }

    /// An error with Keap's body: v2's `{"code": 404, "message": ..., "status": "NOT_FOUND",
    /// "details": []}`, v1's `{"message": ...}`.
    pub fn error(status: u16, message: &str) -> Answer {
        Answer { status, headers: Vec::new(), body: Body::Error(message.to_owned()), delay: None, dropped: false }
    }

    /// An error with Keap's body and the status's own reason as its message (`Not Found`).
    pub fn status(status: u16) -> Answer {
        Answer::error(status, reason(status))
    }

    /// Keap's 429 from its gateway: `{"fault": {"faultstring": "Rate limit quota violation. Quota limit exceeded.",
    /// ...}}`, without `Retry-After` (add one with [`retry_after`](Answer::retry_after)) and
    /// without quota headers (add them with [`header`](Answer::header), or let
    /// [`MockKeap::enforce_quota`](super::testing::MockKeap::enforce_quota) send real ones).
    pub fn too_many_requests() -> Answer {
        let body = serde_json::json!({
            "fault": {
                "faultstring": "Rate limit quota violation. Quota limit exceeded.",
                "detail": { "errorcode": "policies.ratelimit.QuotaViolation" }
            }
        });
        Answer::json(429, &body)
    }

    /// Adds `Retry-After: <whole seconds>` (rounded down: 1.5 s sends `1`).
    pub fn retry_after(self, after: Duration) -> Answer {
        self.header("retry-after", &after.as_secs().to_string())
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Answer {
        self.headers.push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// Sends the answer only after `delay` (tokio's time: paused time skips it).
    pub fn after(mut self, delay: Duration) -> Answer {
        self.delay = Some(delay);
        self
    }

    /// Closes the connection without answering.
    pub fn dropped() -> Answer {
        Answer { dropped: true, ..Answer::bytes(0, "", Vec::new()) }
    }

    /// Its status (0 for a dropped connection).
    pub fn status_code(&self) -> u16 {
        self.status
    }

    /// Whether the body is Keap's error body (JSON, written by [`render`](Self::render)).
    pub(crate) fn is_error_body(&self) -> bool {
        matches!(self.body, Body::Error(_))
    }

    /// The bytes on the wire for a request of this API version.
    pub(crate) fn render(&self, v1: bool) -> Vec<u8> {
        match &self.body {
            Body::Bytes(b) => b.clone(),
            Body::Error(message) if v1 => serde_json::json!({ "message": message }).to_string().into_bytes(),
            Body::Error(message) => serde_json::json!({
                "code": self.status,
                "message": message,
                "status": status_name(self.status),
                "details": [],
            })
            .to_string()
            .into_bytes(),
        }
    }
}

/// The reason phrase of a status line.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    }
}

/// The `status` word of Keap's v2 error bodies (gRPC's names).
fn status_name(status: u16) -> &'static str {
    match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ALREADY_EXISTS",
        429 => "RESOURCE_EXHAUSTED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "INTERNAL",
    }
}
