//! The transport: one place where every request is sent and every response read. Auth,
//! quota and retries slot in around `execute` as layers.

use super::error::{ApiError, ApiErrorBody, Error};
use super::request::{encode_multipart, Body, Request};
use serde::de::DeserializeOwned;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

/// Builds a client. `C` is the client type handed back: the generated crate's `Client`.
pub struct ClientBuilder<C = Transport> {
    base_url: String,
    http: Option<reqwest::Client>,
    timeout: Duration,
    user_agent: String,
    client: PhantomData<fn() -> C>,
}

impl<C: From<Transport>> ClientBuilder<C> {
    /// A builder whose base URL defaults to `default_base_url` (the spec's server).
    pub fn new(default_base_url: &str) -> Self {
        ClientBuilder {
            base_url: default_base_url.to_owned(),
            http: None,
            timeout: Duration::from_secs(60),
            user_agent: concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).to_owned(),
            client: PhantomData,
        }
    }

    /// Sends requests to another base URL (a proxy, a mock server).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Uses a preconfigured `reqwest::Client` (its own timeouts and proxies apply; the
    /// builder's timeout and user agent do not).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Limits each attempt to `timeout` (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<C, Error> {
        let base = self.base_url.trim_end_matches('/').to_owned();
        match reqwest::Url::parse(&base) {
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
            _ => return Err(Error::Config(format!("base URL `{base}` is not an http(s) URL"))),
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .timeout(self.timeout)
                .user_agent(self.user_agent)
                .build()
                .map_err(|e| Error::Config(format!("cannot set up HTTP: {e}")))?,
        };
        Ok(C::from(Transport { inner: Arc::new(Inner { http, base_url: base }) }))
    }
}

/// Sends requests. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport").field("base_url", &self.inner.base_url).finish_non_exhaustive()
    }
}

/// A response with a 2xx status.
struct Success {
    status: u16,
    body: Vec<u8>,
}

/// Largest error body kept in [`ApiError::raw`].
const MAX_ERROR_BODY: usize = 64 * 1024;

impl Transport {
    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Sends and decodes a JSON response.
    pub async fn send_json<T: DeserializeOwned>(&self, req: Request) -> Result<T, Error> {
        let operation = req.operation;
        let ok = self.execute(req).await?;
        // A 2xx with no body decodes like `null`, so `Option`s and `()` still work.
        let body: &[u8] = if ok.body.iter().all(u8::is_ascii_whitespace) { b"null" } else { &ok.body };
        let de = &mut serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let inner = e.inner();
            let offset = line_col_offset(body, inner.line(), inner.column());
            Error::Decode {
                operation,
                status: ok.status,
                path: e.path().to_string(),
                message: inner.to_string(),
                snippet: snippet(body, offset),
            }
        })
    }

    /// Sends and ignores the body.
    pub async fn send_empty(&self, req: Request) -> Result<(), Error> {
        self.execute(req).await.map(drop)
    }

    /// Sends and returns the body as text.
    pub async fn send_text(&self, req: Request) -> Result<String, Error> {
        let ok = self.execute(req).await?;
        Ok(String::from_utf8_lossy(&ok.body).into_owned())
    }

    /// Sends and returns the body as bytes.
    pub async fn send_bytes(&self, req: Request) -> Result<Vec<u8>, Error> {
        Ok(self.execute(req).await?.body)
    }

    async fn execute(&self, req: Request) -> Result<Success, Error> {
        if let Some(e) = req.error {
            return Err(e);
        }
        let operation = req.operation;
        let transport = |source| Error::Transport { operation, source };
        let mut url = format!("{}{}", self.inner.base_url, req.path);
        let query = req.query_string();
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        let mut builder = self.inner.http.request(req.method, url);
        for (name, value) in &req.headers {
            builder = builder.header(*name, value.as_str());
        }
        builder = match req.body {
            Body::None => builder,
            Body::Json(bytes) => builder.header("content-type", "application/json").body(bytes),
            Body::Bytes(content_type, bytes) => builder.header("content-type", content_type).body(bytes),
            Body::Multipart(parts) => {
                let (content_type, bytes) = encode_multipart(&parts);
                builder.header("content-type", content_type).body(bytes)
            }
            Body::Form(fields) => {
                let body = fields
                    .iter()
                    .map(|(k, v)| format!("{}={}", super::request::encode_query(k), super::request::encode_query(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                builder.header("content-type", "application/x-www-form-urlencoded").body(body)
            }
        };
        let response = builder.header("accept", "application/json").send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = if response.status().is_success() {
            Vec::new()
        } else {
            response
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect()
        };
        let body = response.bytes().await.map_err(transport)?.to_vec();
        if (200..300).contains(&status) {
            return Ok(Success { status, body });
        }
        let mut raw = String::from_utf8_lossy(&body[..body.len().min(MAX_ERROR_BODY)]).into_owned();
        raw.shrink_to_fit();
        Err(Error::Api(Box::new(ApiError { operation, status, body: ApiErrorBody::parse(&raw), raw, headers })))
    }
}

/// Byte offset of a 1-based line and column.
fn line_col_offset(body: &[u8], line: usize, column: usize) -> usize {
    let start: usize = body.split(|b| *b == b'\n').take(line.saturating_sub(1)).map(|l| l.len() + 1).sum();
    (start + column.saturating_sub(1)).min(body.len())
}

/// Up to 40 bytes either side of `offset`.
fn snippet(body: &[u8], offset: usize) -> String {
    let from = offset.saturating_sub(40);
    let to = (offset + 40).min(body.len());
    String::from_utf8_lossy(&body[from..to]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_near_the_failure() {
        let body = br#"{"a": 1, "b": "x"}"#;
        assert_eq!(snippet(body, line_col_offset(body, 1, 14)), r#"{"a": 1, "b": "x"}"#);
    }

    #[test]
    fn base_url_must_be_http() {
        let e = ClientBuilder::<Transport>::new("ftp://x").build().err().unwrap();
        assert!(e.to_string().contains("not an http(s) URL"));
    }
}
