//! Raw calls: any method and path through the client (an operation Keap shipped after the
//! spec this crate was generated from), with everything a typed call gets: credentials,
//! the shared quota, retries by method, the redirect rule, tracing and typed errors.

use super::client::Transport;
use super::download::Download;
use super::error::Error;
use super::options::RequestOptions;
use super::request::{Body, Method, Request};
use super::response::Response;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::borrow::Cow;

/// A request to any path of the API, built by `client.raw(method, path)`: add query
/// parameters and a JSON or form body, then read the answer as a typed value, JSON, text,
/// bytes or a stream.
///
/// The path is relative to the client's base URL (`/rest/v2/contacts/42`), with its segments
/// already encoded as Keap expects; it is refused (before anything is sent) when it does
/// not start with `/`, holds a `?` or `#` (query parameters go through
/// [`query`](Self::query)), or a `..` segment. Retries follow the method, as for typed calls:
/// a POST or PATCH that may have reached Keap is never sent twice.
#[must_use = "a request does nothing until you send it"]
#[derive(Debug)]
pub struct RawRequest {
    transport: Transport,
    req: Request,
}

impl RawRequest {
    pub(crate) fn new(transport: Transport, method: Method, path: &str) -> Self {
        let mut req = Request::new(method, "raw", "", path.to_owned());
        let segments = || path.split('/');
        let why = if !path.starts_with('/') {
            Some("must start with `/` (it is relative to the client's base URL)")
        } else if path.contains(['?', '#']) {
            Some("holds `?` or `#`: add query parameters with `.query(name, value)`")
        } else if segments().any(|s| s == ".." || s == ".") {
            Some("holds a `.` or `..` segment")
        } else if path.chars().any(|c| c.is_control() || c == ' ') {
            Some("holds spaces or control characters: percent-encode them")
        } else {
            None
        };
        if let Some(why) = why {
            req.error = Some(Error::invalid(format!("raw call: path `{path}` {why}; nothing was sent")));
        }
        RawRequest { transport, req }
    }

    /// Adds `name=value` to the query string (encoded here).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.req.query.push((Cow::Owned(name.into()), value.into()));
        self
    }

    /// Sends `body` as JSON.
    pub fn json(mut self, body: &impl Serialize) -> Self {
        self.req.json(body);
        self
    }

    /// Adds a field to an `application/x-www-form-urlencoded` body.
    pub fn form(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if !matches!(self.req.body, Body::Form(_)) {
            self.req.body = Body::Form(Vec::new());
        }
        if let Body::Form(fields) = &mut self.req.body {
            fields.push((Cow::Owned(name.into()), value.into()));
        }
        self
    }

    /// Per-request options: timeout, retries, extra headers
    /// ([`RequestOptions`]; credentials stay the client's).
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.req.options(options, &[]);
        self
    }

    /// Sends and decodes the JSON answer into `T` (an error says where it did not fit).
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<Response<T>, Error> {
        self.transport.send_json(self.req).await
    }

    /// Sends and returns the JSON answer as a value (`null` for an empty body).
    pub async fn send_value(self) -> Result<Response<serde_json::Value>, Error> {
        self.send_json().await
    }

    /// Sends and returns the answer as text (asks for any media type).
    pub async fn send_text(mut self) -> Result<Response<String>, Error> {
        self.req.accept("*/*");
        self.transport.send_text(self.req).await
    }

    /// Sends and returns the answer's bytes as they came (asks for any media type).
    pub async fn send_bytes(mut self) -> Result<Response<Vec<u8>>, Error> {
        self.req.accept("*/*");
        self.transport.send_bytes(self.req).await
    }

    /// Sends and streams the answer's bytes, never held whole (a JSON string of base64 is
    /// decoded, as for file operations).
    pub async fn send_stream(self) -> Result<Download, Error> {
        self.transport.send_stream(self.req).await
    }
}

impl Transport {
    /// A raw call to `path` (relative to the base URL) with `method`: see [`RawRequest`].
    pub fn raw(&self, method: Method, path: &str) -> RawRequest {
        RawRequest::new(self.clone(), method, path)
    }
}
