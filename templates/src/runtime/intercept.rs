//! Interceptors: the application's code around each attempt of every request, called by the
//! transport at fixed points. They may add headers and observe answers; they cannot touch
//! the credentials or go around the quota, and a failing, panicking or stuck one is an
//! error of its own, never a hang.

use super::clock::{timeout, TokioClock};
use reqwest::header::{HeaderMap, HeaderName};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// What an interceptor's hook returns: done, or an error that fails the request.
pub type InterceptorFuture<'a> =
    Pin<Box<dyn Future<Output = Result<(), Box<dyn std::error::Error + Send + Sync>>> + Send + 'a>>;

/// Code of the application run around each attempt of every request, registered with
/// `ClientBuilder::interceptor` (several run in the order registered).
///
/// For each attempt, in this order: the quota lets it through and the credentials are
/// chosen; [`before_attempt`](Self::before_attempt) may add or change headers; the attempt
/// is sent with the credentials set last; [`after_attempt`](Self::after_attempt) sees the
/// status and headers, or the failure, the attempt's number and how long it took; then the
/// client decides whether to retry (each retry is a new attempt, seen by both hooks again).
///
/// Both hooks default to doing nothing. A hook that returns an error, panics, or takes longer
/// than the attempt's timeout fails the request with
/// [`Error::Interceptor`](super::Error::Interceptor), saying which hook; a `before_attempt`
/// failure means nothing was sent. Headers an interceptor may not set (credentials, framing)
/// fail the request the same way.
///
/// Why not `tower` layers: a layer wraps the whole call and could send without the quota, or
/// with other credentials, and `tower` would be a dependency of every user; these two hooks
/// are what the quota and credential rules can keep.
pub trait Interceptor: Send + Sync + 'static {
    /// Before an attempt is sent: may add or change headers in `attempt.headers`.
    fn before_attempt<'a>(&'a self, attempt: &'a mut BeforeAttempt) -> InterceptorFuture<'a> {
        let _ = attempt;
        Box::pin(std::future::ready(Ok(())))
    }

    /// After an attempt was answered, or failed without an answer.
    fn after_attempt<'a>(&'a self, attempt: &'a AfterAttempt) -> InterceptorFuture<'a> {
        let _ = attempt;
        Box::pin(std::future::ready(Ok(())))
    }
}

/// An attempt about to be sent.
#[derive(Debug)]
#[non_exhaustive]
pub struct BeforeAttempt {
    /// The operationId (`"raw"` for raw calls).
    pub operation: &'static str,
    /// The HTTP method.
    pub method: reqwest::Method,
    /// The URL, with its query (credentials never travel in it).
    pub url: String,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
    /// Headers to add to this attempt (empty at first; the request's own headers and the
    /// credentials are not in it and cannot be changed through it).
    pub headers: HeaderMap,
}

/// An attempt that was answered or failed.
#[derive(Debug)]
#[non_exhaustive]
pub struct AfterAttempt {
    /// The operationId (`"raw"` for raw calls).
    pub operation: &'static str,
    /// The HTTP method.
    pub method: reqwest::Method,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
    /// The status, when the server answered.
    pub status: Option<u16>,
    /// The response headers (empty without an answer).
    pub headers: HeaderMap,
    /// Why there was no answer (connect failed, timed out, ...), when there was none.
    pub failure: Option<String>,
    /// From sending to the answer's head (or the failure), on the client's clock
    /// (`ClientBuilder::clock`).
    pub elapsed: Duration,
}

/// Runs one hook with a time limit, turning an error, a panic or a timeout into a message.
/// The limit is in tokio's time, as the attempt's own timeout is (reqwest's), not on the
/// client's clock: a test's clock whose sleeps end at once would fail every hook that awaits.
pub(crate) async fn run_hook<'a>(hook: impl FnOnce() -> InterceptorFuture<'a>, limit: Duration) -> Result<(), String> {
    let future = match std::panic::catch_unwind(AssertUnwindSafe(hook)) {
        Ok(f) => f,
        Err(panic) => return Err(format!("panicked: {}", panic_text(&*panic))),
    };
    match timeout(&TokioClock::new(), limit, CatchUnwind(future)).await {
        Err(_) => Err(format!("did not finish within {} ms", limit.as_millis())),
        Ok(Err(panic)) => Err(format!("panicked: {panic}")),
        Ok(Ok(Err(e))) => Err(format!("failed: {e}")),
        Ok(Ok(Ok(()))) => Ok(()),
    }
}

/// Headers no interceptor may set (credentials, and what frames the message).
pub(crate) fn refused(name: &HeaderName, auth_header: Option<&HeaderName>) -> bool {
    matches!(
        name.as_str(),
        "authorization" | super::auth::API_KEY_HEADER | "host" | "content-length" | "transfer-encoding" | "connection"
    ) || auth_header == Some(name)
}

/// A future whose panic is caught and returned as text.
struct CatchUnwind<F>(F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(panic) => Poll::Ready(Err(panic_text(&*panic))),
        }
    }
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}
