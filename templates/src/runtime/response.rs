//! A successful response with its metadata, for callers who need more than the body, and
//! the futures that resolve to it (`send_with_response()`) or to its body (`send()`).

use super::error::Error;
use reqwest::header::HeaderMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A 2xx response: its status and headers beside the decoded body. Returned by every
/// request builder's `send_with_response()`; `send()` returns the body alone.
#[derive(Debug, Clone)]
pub struct Response<T> {
    status: u16,
    headers: HeaderMap,
    body: T,
}

impl<T> Response<T> {
    pub(crate) fn new(status: u16, headers: HeaderMap, body: T) -> Self {
        Response { status, headers, body }
    }

    /// The HTTP status (200, 201, 204, ...).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Every response header.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The first value of a header, matched case-insensitively; `None` when missing or
    /// not text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Keap's `x-request-id`, for support tickets.
    pub fn request_id(&self) -> Option<&str> {
        self.header(REQUEST_ID_HEADER)
    }

    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// The decoded body, owned.
    pub fn into_inner(self) -> T {
        self.body
    }

    /// The body converted, the metadata kept.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response { status: self.status, headers: self.headers, body: f(self.body) }
    }
}

/// The header Keap identifies each request by.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// A request on its way: resolves to the [`Response`]. What every builder's
/// `send_with_response()` returns; nothing is sent until it is awaited (or polled).
#[must_use = "nothing is sent until the future is awaited"]
pub struct ResponseFuture<T>(Pin<Box<dyn Future<Output = Result<Response<T>, Error>> + Send>>);

impl<T> ResponseFuture<T> {
    /// Wraps the future that sends the request.
    #[doc(hidden)]
    pub fn new(f: impl Future<Output = Result<Response<T>, Error>> + Send + 'static) -> Self {
        ResponseFuture(Box::pin(f))
    }

    /// Resolves to the body alone (what `send()` returns).
    pub fn body(self) -> BodyFuture<T> {
        BodyFuture(self)
    }
}

impl<T> Future for ResponseFuture<T> {
    type Output = Result<Response<T>, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

impl<T> std::fmt::Debug for ResponseFuture<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResponseFuture")
    }
}

/// A request on its way: resolves to the response's body. What every builder's `send()`
/// returns; nothing is sent until it is awaited (or polled).
#[must_use = "nothing is sent until the future is awaited"]
pub struct BodyFuture<T>(ResponseFuture<T>);

impl<T> Future for BodyFuture<T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map(|r| r.map(Response::into_inner))
    }
}

impl<T> std::fmt::Debug for BodyFuture<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BodyFuture")
    }
}
