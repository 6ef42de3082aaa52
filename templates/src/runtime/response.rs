//! A successful response with its metadata, for callers who need more than the body.

use reqwest::header::HeaderMap;

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
