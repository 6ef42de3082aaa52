//! The one error type every operation returns, and the errors its variants carry. It sits
//! below the modules that fail (auth, quota, custom fields, batches): they name it, it names
//! none of them.

use super::window::Window;
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
        /// What went wrong underneath (shown in this error's `Display`, so it is not
        /// repeated as its `source()`).
        source: reqwest::Error,
        /// Whether an attempt may have reached the server: `false` only when every attempt
        /// failed to connect. See [`Error::maybe_sent`].
        maybe_sent: bool,
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
        window: Window,
        /// When it has room again.
        resets_at: std::time::SystemTime,
    },
    /// The shared quota store (Redis, with the `redis` feature) has not answered for
    /// [`Quota::store_wait`](super::Quota::store_wait); nothing was sent, so no window can
    /// overflow. It is retryable: the store may be back later.
    QuotaStore {
        /// What the store said, naming it (`Redis at 127.0.0.1:6379: ...`).
        message: String,
        /// How long the store had been unreachable.
        waited: std::time::Duration,
    },
    /// A list's server handed out a page token this listing had already fetched: following
    /// it would loop. The pages before it were yielded; the stream ends here.
    Pagination {
        /// The operationId.
        operation: &'static str,
        /// The repeated token.
        token: String,
    },
    /// Authentication failed: the OAuth2 token could not be refreshed, or the new tokens
    /// could not be stored. [`AuthError::kind`](super::AuthError::kind) says which; the
    /// message says what to do.
    Auth(AuthError),
    /// The request built by the caller cannot be sent as it is.
    InvalidRequest(String),
    /// The client is misconfigured (bad base URL, TLS setup).
    Config(String),
    /// A custom field named by label or field name is unknown or ambiguous, was given a
    /// value its type does not take (nothing was sent), or holds one that does not fit its
    /// type; [`CustomFieldError::kind`](super::CustomFieldError::kind) says which.
    CustomField(CustomFieldError),
    /// A batch call (applying a tag to contacts, adding contacts to a sequence, deleting
    /// emails) answered 2xx, but Keap's per-record answer says some records failed: the
    /// [`PartialFailure`](super::PartialFailure) lists each record that failed and each
    /// that took effect.
    PartlyFailed(Box<PartialFailure>),
    /// An [`Interceptor`](super::Interceptor) hook returned an error, panicked, or did not
    /// finish within the attempt's timeout; the request stops there.
    Interceptor {
        /// The operationId.
        operation: &'static str,
        /// `before_attempt` or `after_attempt`.
        hook: &'static str,
        /// What went wrong (the hook's error, its panic message, or the time limit).
        message: String,
        /// Whether an attempt may have reached the server (after a `before_attempt` failure,
        /// only an earlier attempt can have).
        maybe_sent: bool,
    },
    /// The shared store of fetched REST Hook events (Redis, with the `redis` and `hooks`
    /// features) failed; the message names it. Retryable: nothing of the delivery counted
    /// as fetched.
    HookStore(String),
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
            Error::PartlyFailed(e) => Some(e.status),
            _ => None,
        }
    }

    /// The server answered 404: the record does not exist (or the key cannot see it).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Keap's quota stopped the request: the server answered 429 (after the client's own
    /// retries), or the client's quota had no room within `max_wait` ([`Error::QuotaExhausted`],
    /// nothing sent). Either way the server did not act on it.
    pub fn is_throttled(&self) -> bool {
        matches!(self, Error::QuotaExhausted { .. }) || self.status() == Some(429)
    }

    /// An authentication problem: the OAuth2 token could not be refreshed or stored
    /// ([`Error::Auth`], whose [`kind`](super::AuthError::kind) says which), or the server
    /// answered 401 or 403.
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Auth(..)) || matches!(self.status(), Some(401 | 403))
    }

    /// The same request may succeed soon without any change, so an application may send it
    /// again: a transport failure, a 429, a 500, 502, 503 or 504, a second's or minute's quota
    /// used up (after its `resets_at`), an unreachable shared quota store
    /// ([`Error::QuotaStore`]) or hook event store ([`Error::HookStore`]), a token endpoint
    /// that could not be reached ([`AuthErrorKind::Unavailable`]). Not the day's quota used
    /// up: that lasts until 00:00 UTC, and a retry loop would spin until then
    /// ([`retry_at`](Error::retry_at) says when).
    ///
    /// The client has already resent, within its [`RetryPolicy`](super::RetryPolicy), what
    /// it could: a failed connect and a 429 whatever the method, a 502, 503 or 504 and a
    /// connection lost after it was made only for GET, HEAD, PUT, DELETE, OPTIONS and TRACE.
    /// It never resends a 500 on its own: Keap may have done the work before failing. So
    /// before sending again a request that may repeat an effect (a POST, a PATCH), check
    /// [`Error::maybe_sent`], and wait until [`retry_at`](Error::retry_at) where it says.
    pub fn is_retryable(&self) -> bool {
        use super::retry::{resend, Failure};
        let failure = match self {
            Error::Api(e) => Failure::Status(e.status),
            Error::Transport { maybe_sent: false, .. } => Failure::Unsent,
            Error::Transport { .. } => Failure::Lost,
            Error::QuotaExhausted { window: Window::Day, .. } => Failure::QuotaDay,
            Error::QuotaExhausted { .. } => Failure::QuotaShort,
            Error::QuotaStore { .. } | Error::HookStore(_) => Failure::Unreachable,
            Error::Auth(e) if e.kind() == AuthErrorKind::Unavailable => Failure::Unreachable,
            _ => Failure::Other,
        };
        resend(failure).application
    }

    /// When the same request may succeed, where that is known: the end of an exhausted
    /// quota window ([`Error::QuotaExhausted`]'s `resets_at`, the day's included), or a
    /// 429's `Retry-After`. `None` otherwise (retry after a backoff of your own).
    pub fn retry_at(&self) -> Option<std::time::SystemTime> {
        match self {
            Error::QuotaExhausted { resets_at, .. } => Some(*resets_at),
            Error::Api(e) if e.status == 429 => {
                let value = e.header("retry-after")?.trim();
                match value.parse::<u64>() {
                    Ok(secs) => Some(e.received + std::time::Duration::from_secs(secs)),
                    Err(_) => super::retry::parse_http_date(value),
                }
            }
            _ => None,
        }
    }

    /// Whether the request may have reached the server, so that it may have taken effect:
    /// `true` for every answer the server gave (even an error: a 429 or 401 means Keap did
    /// not act on it), for a decode failure, and for a transport failure after the
    /// connection was made (a timeout, a dropped connection: the server may have done the
    /// work). `false` when nothing was sent: no attempt could connect, the quota had no
    /// room, the request was invalid, the token could not be refreshed, or the listing
    /// stopped on a repeated page token.
    pub fn maybe_sent(&self) -> bool {
        match self {
            Error::Api(_) | Error::Decode { .. } | Error::PartlyFailed(_) => true,
            Error::Transport { maybe_sent, .. } | Error::Interceptor { maybe_sent, .. } => *maybe_sent,
            _ => false,
        }
    }

    /// A short name of what failed, for metrics and OpenTelemetry's `error.type`: the HTTP
    /// status (`"429"`), `"timeout"`, or the variant (`"transport"`, `"decode"`, ...).
    pub fn kind_name(&self) -> std::borrow::Cow<'static, str> {
        use std::borrow::Cow::Borrowed;
        match self {
            Error::Api(e) => e.status.to_string().into(),
            Error::Transport { source, .. } if source.is_timeout() => Borrowed("timeout"),
            Error::Transport { .. } => Borrowed("transport"),
            Error::Decode { .. } => Borrowed("decode"),
            Error::QuotaExhausted { .. } => Borrowed("quota_exhausted"),
            Error::QuotaStore { .. } => Borrowed("quota_store"),
            Error::Pagination { .. } => Borrowed("pagination"),
            Error::Auth(_) => Borrowed("auth"),
            Error::InvalidRequest(_) => Borrowed("invalid_request"),
            Error::Config(_) => Borrowed("config"),
            Error::CustomField(_) => Borrowed("custom_field"),
            Error::PartlyFailed(_) => Borrowed("partly_failed"),
            Error::Interceptor { .. } => Borrowed("interceptor"),
            Error::HookStore(_) => Borrowed("hook_store"),
        }
    }

    /// Keap's `x-request-id` of the response, for support tickets.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            Error::PartlyFailed(e) => e.request_id.as_deref(),
            _ => None,
        }
    }
}

/// Writes `e` and every error under it, once each, skipping a cause that only repeats the
/// text before it.
pub(crate) fn write_chain(f: &mut fmt::Formatter<'_>, e: &dyn std::error::Error) -> fmt::Result {
    let mut last = e.to_string();
    f.write_str(&last)?;
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !last.contains(&text) {
            write!(f, ": {text}")?;
        }
        last = text;
        next = cause.source();
    }
    Ok(())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => e.fmt(f),
            Error::Transport { operation, source, .. } => {
                write!(f, "{operation}: request failed: ")?;
                write_chain(f, source)
            }
            Error::Decode { operation, status, path, message, snippet } => write!(
                f,
                "{operation}: HTTP {status} response did not decode at `{path}`: {message} (near `{snippet}`)"
            ),
            Error::QuotaExhausted { window, resets_at } => {
                let secs = resets_at.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
                write!(f, "the {window} quota is used up until {secs} (Unix time); nothing was sent")
            }
            Error::QuotaStore { message, waited } => write!(
                f,
                "the shared quota store could not be reached for {} ms ({message}); nothing was sent",
                waited.as_millis()
            ),
            Error::Pagination { operation, token } => write!(
                f,
                "{operation}: the server sent page token `{token}` again, after that page was fetched; \
                 following it would loop, so the listing stops here"
            ),
            Error::Auth(e) => write!(f, "authentication: {e}"),
            Error::InvalidRequest(m) => write!(f, "invalid request: {m}"),
            Error::Config(m) => write!(f, "client configuration: {m}"),
            Error::CustomField(e) => e.fmt(f),
            Error::PartlyFailed(e) => e.fmt(f),
            Error::Interceptor { operation, hook, message, .. } => {
                write!(f, "{operation}: interceptor `{hook}` {message}; the request stopped there")
            }
            Error::HookStore(m) => write!(f, "the store of fetched hook events failed ({m}); nothing was fetched"),
        }
    }
}

// No `source()`: `Display` already shows the whole cause, and a reporter that walks
// sources would print it twice.
impl std::error::Error for Error {}

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
    /// Keap's `x-request-id` response header, when present: quote it to Keap's support.
    pub request_id: Option<String>,
    /// When the answer arrived, by the client's clock (what a `Retry-After` in seconds
    /// counts from).
    pub received: std::time::SystemTime,
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
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
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

/// Why authentication failed: [`Error::Auth`]. `Display` says what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthError {
    kind: AuthErrorKind,
    message: String,
}

/// What kind of [`AuthError`] it is, to decide what to do without reading the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// The token endpoint refused the refresh token (400 `invalid_grant` or
    /// `invalid_request`, 401): it is spent, revoked or expired. Have the user authorize
    /// the app again.
    Refused,
    /// A refresh attempt whose answer was lost probably rotated the refresh token, and it
    /// is gone (a retry was refused, or the endpoint answered 2xx with no token). Have the
    /// user authorize the app again.
    ProbablyRotated,
    /// The token endpoint could not be reached or failed (connection, timeout, 5xx, 429)
    /// after the retries the client's `RetryPolicy` allows. The tokens are unchanged: try
    /// again later.
    Unavailable,
    /// The token endpoint rejected the request itself (`invalid_client`, 403, 404, ...):
    /// check the client id and secret and the token URL.
    Misconfigured,
    /// The [`TokenStore`](super::TokenStore) failed to load, or to save a new pair after retries (that pair is
    /// in memory and in use), or holds no tokens.
    Store,
}

impl AuthError {
    pub(crate) fn new(kind: AuthErrorKind, message: impl Into<String>) -> Self {
        AuthError { kind, message: message.into() }
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> AuthErrorKind {
        self.kind
    }

    /// Whether only the user can fix it, by authorizing the app again
    /// ([`Refused`](AuthErrorKind::Refused), [`ProbablyRotated`](AuthErrorKind::ProbablyRotated)).
    pub fn needs_reauthorization(&self) -> bool {
        matches!(self.kind, AuthErrorKind::Refused | AuthErrorKind::ProbablyRotated)
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AuthError {}

/// Why a custom field could not be read or written. Nothing was sent when writing.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomFieldError {
    record: String,
    field: String,
    kind: CustomFieldErrorKind,
    message: String,
}

/// What went wrong with a custom field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CustomFieldErrorKind {
    /// No field has that label or field name (the message lists the known ones; a field
    /// created since the definitions were loaded needs `reload_custom_fields()`).
    Unknown,
    /// Several fields have that label: name it by its field name.
    Ambiguous,
    /// The value is not one the field's type takes.
    WrongType,
    /// A choice field has no option with that label.
    NoSuchOption,
    /// What Keap sent for the field does not fit its type (the message shows it).
    Unreadable,
    /// The record was read without its `custom_fields`, so no value can be told apart from
    /// an empty one.
    NotSent,
    /// The model itself could not be read.
    Model,
}

impl CustomFieldError {
    pub(crate) fn new(record: &str, field: &str, kind: CustomFieldErrorKind, message: String) -> Self {
        CustomFieldError { record: record.to_owned(), field: field.to_owned(), kind, message }
    }
    /// The record type (`contact`).
    pub fn record(&self) -> &str {
        &self.record
    }
    /// The label or field name as given (or the field's label when reading).
    pub fn field(&self) -> &str {
        &self.field
    }
    /// What went wrong.
    pub fn kind(&self) -> CustomFieldErrorKind {
        self.kind
    }
}

impl fmt::Display for CustomFieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} custom field `{}`: {}", self.record, self.field, self.message)
    }
}

impl std::error::Error for CustomFieldError {}

/// A batch call Keap answered 2xx while some records failed: each record's id with Keap's
/// status for it (`CONTACT_NOT_FOUND`, `NO_PERMISSION`, `FAILED`, ...). The records in
/// [`succeeded`](Self::succeeded) took effect (or were already so: `DUPLICATE`,
/// `ALREADY_IN_SEQUENCE`); resend only [`failed`](Self::failed) ones, after fixing why.
#[derive(Debug, Clone)]
pub struct PartialFailure {
    /// The operationId.
    pub operation: &'static str,
    /// The HTTP status (2xx).
    pub status: u16,
    /// Keap's `x-request-id`.
    pub request_id: Option<String>,
    /// Records that failed: (id, Keap's status), in the answer's order.
    pub failed: Vec<(String, String)>,
    /// Records that succeeded or already were as asked: (id, Keap's status).
    pub succeeded: Vec<(String, String)>,
}

impl fmt::Display for PartialFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} of {} records failed",
            self.operation,
            self.failed.len(),
            self.failed.len() + self.succeeded.len()
        )?;
        for (i, (id, status)) in self.failed.iter().take(10).enumerate() {
            f.write_str(if i == 0 { ": " } else { ", " })?;
            write!(f, "{id} {status}")?;
        }
        if self.failed.len() > 10 {
            write!(f, ", and {} more", self.failed.len() - 10)?;
        }
        f.write_str(" (the others took effect; `PartialFailure::failed` lists them all)")
    }
}

#[cfg(test)]
#[path = "tests/error.rs"]
mod tests;
