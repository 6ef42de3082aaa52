//! The one error type every operation returns.

use std::fmt;

/// Why an operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a status outside 2xx.
    Api(Box<ApiError>),
    /// The request could not be sent or the response could not be read (connection,
    /// TLS, timeout).
    Transport {
        /// The operationId.
        operation: &'static str,
        /// What went wrong underneath.
        source: reqwest::Error,
    },
    /// A 2xx response body did not match the type the spec promises.
    Decode {
        /// The operationId.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// Where in the JSON it failed (`items[3].id`).
        path: String,
        /// What serde said.
        message: String,
        /// The body around the failure.
        snippet: String,
    },
    /// A quota window has no room, and waiting for it would take longer than allowed
    /// ([`Quota::max_wait`](super::Quota::max_wait)); nothing was sent.
    QuotaExhausted {
        /// The full window.
        window: super::Window,
        /// When it has room again.
        resets_at: std::time::SystemTime,
    },
    /// Authentication failed: the OAuth2 token could not be refreshed, or the new tokens
    /// could not be stored. [`AuthError::kind`](super::AuthError::kind) says which; the
    /// message says what to do.
    Auth(super::AuthError),
    /// The request built by the caller cannot be sent as it is.
    InvalidRequest(String),
    /// The client is misconfigured (bad base URL, TLS setup).
    Config(String),
}

impl Error {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidRequest(message.into())
    }

    /// The HTTP status, for API errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => e.fmt(f),
            Error::Transport { operation, source } => write!(f, "{operation}: request failed: {source}"),
            Error::Decode { operation, status, path, message, snippet } => write!(
                f,
                "{operation}: HTTP {status} response did not decode at `{path}`: {message} (near `{snippet}`)"
            ),
            Error::QuotaExhausted { window, resets_at } => {
                let secs = resets_at.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
                write!(f, "the {window} quota is used up until {secs} (Unix time); nothing was sent")
            }
            Error::Auth(e) => write!(f, "authentication: {e}"),
            Error::InvalidRequest(m) => write!(f, "invalid request: {m}"),
            Error::Config(m) => write!(f, "client configuration: {m}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A non-2xx response.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The operationId.
    pub operation: &'static str,
    /// HTTP status.
    pub status: u16,
    /// The body, read as Keap's error shape where it fits.
    pub body: ApiErrorBody,
    /// The body as received (truncated to 64 KiB).
    pub raw: String,
    /// Response headers.
    pub headers: Vec<(String, String)>,
}

impl ApiError {
    /// Decodes the raw body into a type of the caller's choosing (the spec's `Error`
    /// schema, say).
    pub fn decode_body<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(&self.raw).ok()
    }

    /// The first value of a response header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: HTTP {}", self.operation, self.status)?;
        if let Some(m) = &self.body.message {
            write!(f, ": {m}")?;
        }
        if let Some(c) = &self.body.code {
            write!(f, " (code {c})")?;
        }
        Ok(())
    }
}

/// What Keap's error bodies carry. Every field is optional: bodies come in several shapes
/// (`{"code": 400, "message": ...}`, `{"code": "429", ...}`, a gateway's `{"fault": ...}`,
/// HTML from a proxy).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiErrorBody {
    /// `code`, as text whether it came as a number or a string.
    pub code: Option<String>,
    /// `message`, or a gateway fault's `faultstring`.
    pub message: Option<String>,
    /// `status`, when present.
    pub status: Option<String>,
    /// `details`, when present and not null.
    pub details: Option<serde_json::Value>,
    /// A gateway `fault` object, when present.
    pub fault: Option<serde_json::Value>,
}

impl ApiErrorBody {
    /// Reads what it can from a body; never fails.
    pub fn parse(raw: &str) -> Self {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(raw) else {
            return ApiErrorBody::default();
        };
        let text = |v: Option<&serde_json::Value>| match v {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        let fault = map.get("fault").filter(|v| !v.is_null()).cloned();
        ApiErrorBody {
            code: text(map.get("code")).or_else(|| text(fault.as_ref().and_then(|f| f.pointer("/detail/errorcode")))),
            message: text(map.get("message")).or_else(|| text(fault.as_ref().and_then(|f| f.get("faultstring")))),
            status: text(map.get("status")),
            details: map.get("details").filter(|v| !v.is_null()).cloned(),
            fault,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_error_shape() {
        let b = ApiErrorBody::parse(r#"{"code":"429","message":"Quota Exceeded","details":null}"#);
        assert_eq!((b.code.as_deref(), b.message.as_deref(), b.details), (Some("429"), Some("Quota Exceeded"), None));
        let b = ApiErrorBody::parse(r#"{"code":400,"message":"bad","details":[{"field":"x"}]}"#);
        assert_eq!(b.code.as_deref(), Some("400"));
        assert!(b.details.is_some());
        let b = ApiErrorBody::parse(
            r#"{"fault":{"faultstring":"Rate limit quota violation","detail":{"errorcode":"policies.ratelimit.QuotaViolation"}}}"#,
        );
        assert_eq!(b.message.as_deref(), Some("Rate limit quota violation"));
        assert_eq!(b.code.as_deref(), Some("policies.ratelimit.QuotaViolation"));
        assert_eq!(ApiErrorBody::parse("<html>502</html>"), ApiErrorBody::default());
    }
}
