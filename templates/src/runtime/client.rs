//! The transport: the one place every request is sent and every response read. Around each
//! attempt: wait for quota, add credentials, send, learn from the quota headers, and decide
//! in one place whether to retry.

use super::auth::{Auth, Kind, OAuth2};
use super::clock::{Clock, TokioClock};
use super::custom_fields::CustomFields;
use super::download::Download;
use super::error::{ApiError, ApiErrorBody, Error};
use super::intercept::{run_hook, AfterAttempt, BeforeAttempt, Interceptor};
use super::quota::{observations, Budget, LocalQuota, Observation, OnWait, Quota, QuotaGate, QuotaStore};
use super::request::{multipart_segments, Body, Request};
use super::response::{Response, REQUEST_ID_HEADER};
pub use super::retry::RetryPolicy;
use super::retry::{after_status, idempotent, retry_after, retry_transport_failure, AfterStatus, Attempt};
use super::tokens::Tokens;
use super::upload::{Segment, Segments};
use super::window::Window;
use bytes::Bytes;
use reqwest::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use serde::de::DeserializeOwned;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tracing::Instrument;

/// Something the client did that an application may want to see (metrics, logs).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A request waits for room in a quota window.
    QuotaWait {
        /// The operationId.
        operation: &'static str,
        /// The full window.
        window: Window,
        /// How long it waits.
        wait: Duration,
    },
    /// The server answered 429.
    Throttled {
        /// The operationId.
        operation: &'static str,
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// A failed attempt is retried.
    Retry {
        /// The operationId.
        operation: &'static str,
        /// The attempt that failed (1 is the first).
        attempt: u32,
        /// Why.
        reason: &'static str,
        /// The wait before the next attempt (quota waits come on top).
        delay: Duration,
    },
    /// The OAuth2 tokens were refreshed (once per refresh, however many requests waited
    /// for it).
    TokenRefreshed,
}

/// Each attempt's limit unless the caller sets one.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// `User-Agent` unless the caller sets one.
const DEFAULT_USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// A function that receives [`Event`]s.
pub type EventHook = Arc<dyn Fn(&Event) + Send + Sync>;

/// Builds a client. `C` is the client type handed back: the generated crate's `Client`.
pub struct ClientBuilder<C = Transport> {
    base_url: String,
    http: Option<reqwest::Client>,
    /// Set by the caller (`None`: the default, or the given `http_client`'s own).
    timeout: Option<Duration>,
    user_agent: Option<String>,
    auth: Auth,
    /// `None`: the preset for the credential ([`Quota::api_key`] or [`Quota::oauth2_app`]).
    quota: Option<Quota>,
    store: Option<Arc<dyn QuotaStore>>,
    retry: RetryPolicy,
    clock: Option<Arc<dyn Clock>>,
    on_event: Option<EventHook>,
    own_quota: bool,
    interceptors: Vec<Arc<dyn Interceptor>>,
    client: PhantomData<fn() -> C>,
}

impl<C: From<Transport>> ClientBuilder<C> {
    /// A builder whose base URL defaults to `default_base_url` (the spec's server).
    pub fn new(default_base_url: &str) -> Self {
        ClientBuilder {
            base_url: default_base_url.to_owned(),
            http: None,
            timeout: None,
            user_agent: None,
            auth: Auth::none(),
            quota: None,
            store: None,
            retry: RetryPolicy::default(),
            clock: None,
            on_event: None,
            own_quota: false,
            interceptors: Vec::new(),
            client: PhantomData,
        }
    }

    /// Sends requests to another base URL (a proxy, a mock server). Credentials go to this
    /// host only.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// How requests authenticate: [`Auth::api_key`], [`Auth::bearer`] or [`Auth::oauth2`].
    pub fn auth(mut self, auth: impl Into<Auth>) -> Self {
        self.auth = auth.into();
        self
    }

    /// The quota limits. Default: [`Quota::api_key()`] (5/s, 120/min, 15,000/day) for a
    /// key or bearer token, [`Quota::oauth2_app()`] (1,500/min, 150,000/day) for
    /// [`Auth::oauth2`], whichever [`auth`](Self::auth) is set when the client is built.
    pub fn quota(mut self, quota: Quota) -> Self {
        self.quota = Some(quota);
        self
    }

    /// Keeps quota state in `store` instead of this process (to share it between
    /// processes: the `redis` feature's `RedisQuota`). The store enforces its own limits;
    /// [`quota`](Self::quota) still sets how long requests may wait for room
    /// ([`Quota::max_wait`]) and for an unreachable store ([`Quota::store_wait`]).
    pub fn quota_store(mut self, store: Arc<dyn QuotaStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Keeps a quota of this client's own (and its clones'), instead of sharing one with
    /// every client of the same credential and base URL in this process (the default:
    /// Keap counts requests by key or app, not by client). For tests that mean to count
    /// separately.
    pub fn own_quota(mut self) -> Self {
        self.own_quota = true;
        self
    }

    /// How often and how fast the client resends what it resends on its own (default: 3
    /// retries, backoff from 500 ms; see [`RetryPolicy`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The clock quota and backoff use (default: tokio's).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Runs `interceptor` around each attempt of every request, after those registered
    /// before it: see [`Interceptor`] for when, and what it may do.
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }

    /// Calls `f` on every [`Event`]: quota waits, throttling, retries, token refreshes.
    pub fn on_event(mut self, f: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        self.on_event = Some(Arc::new(f));
        self
    }

    /// Uses a preconfigured `reqwest::Client`: its proxies, redirect policy and timeouts
    /// apply (the builder's redirect policy stops credentials from following a redirect to
    /// another host; keep that in yours). A [`timeout`](Self::timeout) or
    /// [`user_agent`](Self::user_agent) set on this builder as well applies to every request
    /// on top of it.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Limits each attempt to `timeout` (default 60 s, or an [`http_client`](Self::http_client)'s
    /// own).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the `User-Agent` header (default `{crate}/{version}`, or an
    /// [`http_client`](Self::http_client)'s own).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<C, Error> {
        let base = self.base_url.trim_end_matches('/').to_owned();
        let (origin, server) = match reqwest::Url::parse(&base) {
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {
                let server = (u.host_str().unwrap_or_default().to_owned(), u.port_or_known_default().unwrap_or(443));
                (u.origin(), server)
            }
            _ => return Err(Error::Config(format!("base URL `{base}` is not an http(s) URL"))),
        };
        let user_agent = match &self.user_agent {
            Some(ua) => Some(
                HeaderValue::from_str(ua)
                    .map_err(|_| Error::Config(format!("user agent `{ua}` is not a valid header value")))?,
            ),
            None => None,
        };
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
                .user_agent(user_agent.clone().unwrap_or(HeaderValue::from_static(DEFAULT_USER_AGENT)))
                // Credentials stay with the configured host: a redirect elsewhere is not
                // followed, it comes back as an error.
                .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                    if attempt.url().origin() == origin && attempt.previous().len() < 5 {
                        attempt.follow()
                    } else {
                        attempt.stop()
                    }
                }))
                .build()
                .map_err(|e| Error::Config(format!("cannot set up HTTP: {e}")))?,
        };
        let clock = self.clock.unwrap_or_else(|| Arc::new(TokioClock::new()));
        let quota = self.quota.unwrap_or_else(|| match self.auth.kind {
            Kind::OAuth2(_) => Quota::oauth2_app(),
            Kind::None | Kind::Static(..) => Quota::api_key(),
        });
        let store = match self.store {
            Some(store) => store,
            None if self.own_quota => Arc::new(LocalQuota::new(quota.clone())),
            None => shared_quota(&base, &self.auth, &quota)?,
        };
        Ok(C::from(Transport {
            inner: Arc::new(Inner {
                http,
                base_url: base,
                auth: self.auth,
                gate: QuotaGate::new(
                    quota,
                    store,
                    clock.clone(),
                    self.on_event.clone().map(|f| -> OnWait {
                        Arc::new(move |operation, window, wait| f(&Event::QuotaWait { operation, window, wait }))
                    }),
                ),
                retry: self.retry,
                clock,
                on_event: self.on_event,
                custom_fields: Default::default(),
                timeout: self.timeout,
                user_agent,
                server,
                interceptors: self.interceptors.into(),
            }),
        }))
    }
}

/// Sends requests. Cheap to clone: clones share one connection pool, one quota and one
/// token.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    auth: Auth,
    gate: QuotaGate,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
    on_event: Option<EventHook>,
    /// Custom-field definitions by record type, loaded once per client (and its clones).
    /// One cell per record type: concurrent callers wait for the one load of theirs, and
    /// another type's load does not hold them up.
    custom_fields: std::sync::Mutex<std::collections::HashMap<&'static str, Arc<FieldsCell>>>,
    /// What the caller set on the builder, applied to each request too, so that a given
    /// `http_client` cannot drop them.
    timeout: Option<Duration>,
    user_agent: Option<HeaderValue>,
    /// The base URL's host and port, for tracing (`server.address`, `server.port`).
    server: (String, u16),
    /// The application's interceptors, in the order registered.
    interceptors: Box<[Arc<dyn Interceptor>]>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.inner.base_url)
            .field("auth", &self.inner.auth)
            .field("quota", &self.inner.gate.quota)
            .finish_non_exhaustive()
    }
}

/// Where one record type's custom-field definitions are loaded, once.
type FieldsCell = tokio::sync::OnceCell<Arc<CustomFields>>;

/// The process's quotas by credential and base URL: one per key (or OAuth2 app), as Keap
/// counts, however many clients use it. Weak, so a quota goes with its last client.
static SHARED_QUOTAS: std::sync::OnceLock<
    std::sync::Mutex<std::collections::HashMap<u64, std::sync::Weak<LocalQuota>>>,
> = std::sync::OnceLock::new();

/// The quota every client of `auth`'s credential at `base` in this process shares. A
/// fingerprint of the credential is the key (in memory only, never logged). Two clients of
/// one credential with different limits are a mistake that would send more than either
/// allows: refused.
fn shared_quota(base: &str, auth: &Auth, quota: &Quota) -> Result<Arc<dyn QuotaStore>, Error> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    base.hash(&mut h);
    match &auth.kind {
        // No credential: nothing Keap counts by; each client keeps its own.
        Kind::None => return Ok(Arc::new(LocalQuota::new(quota.clone()))),
        Kind::Static(name, value) => (name.as_str(), value.as_bytes()).hash(&mut h),
        Kind::OAuth2(o) => ("oauth2", o.client_id()).hash(&mut h),
    }
    let key = h.finish();
    let mut quotas = SHARED_QUOTAS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    quotas.retain(|_, q| q.strong_count() > 0);
    if let Some(existing) = quotas.get(&key).and_then(std::sync::Weak::upgrade) {
        if existing.limits() != quota.limits() {
            return Err(Error::Config(format!(
                "another client of this credential in this process uses other quota limits (per second, \
                 minute, day: {:?}, not {:?}); together they would send more than either allows: give them \
                 the same `Quota`, or `.own_quota()` to count separately",
                existing.limits(),
                quota.limits()
            )));
        }
        return Ok(existing);
    }
    let fresh = Arc::new(LocalQuota::new(quota.clone()));
    quotas.insert(key, Arc::downgrade(&fresh));
    Ok(fresh)
}

/// A response with a 2xx status.
struct Success {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Bytes,
}

/// Largest error body kept in [`ApiError::raw`].
const MAX_ERROR_BODY: usize = 64 * 1024;

impl Transport {
    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// What each quota window has left: the store's view, so with a shared store (Redis)
    /// the whole fleet's. Fails only when a shared store cannot be reached.
    pub async fn quota(&self) -> Result<Vec<Budget>, Error> {
        self.inner.gate.budget().await
    }

    /// The OAuth2 token pair in use (the newest, saved or not); `None` for other credentials.
    pub fn tokens(&self) -> Option<Tokens> {
        match &self.inner.auth.kind {
            Kind::OAuth2(o) => Some(o.tokens()),
            _ => None,
        }
    }

    /// The custom-field definitions of `record` (`contact`), loaded by `load` the first
    /// time and cached in this client and its clones: later calls send nothing. Generated
    /// code calls it (`client.contact().custom_fields()`).
    pub async fn custom_fields<M: serde::Serialize>(
        &self,
        record: &'static str,
        load: impl std::future::Future<Output = Result<M, Error>>,
    ) -> Result<Arc<CustomFields>, Error> {
        let cell = {
            let mut cells = self.inner.custom_fields.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(cells.entry(record).or_default())
        };
        // A failed load leaves the cell empty, so the next call tries again.
        let fields = cell
            .get_or_try_init(|| async {
                let model = load.await?;
                CustomFields::from_model(record, &model).map(Arc::new).map_err(Error::CustomField)
            })
            .await?;
        Ok(Arc::clone(fields))
    }

    /// Forgets the cached custom-field definitions of `record`, so the next use loads
    /// them again (after fields were added or renamed in Keap).
    pub async fn forget_custom_fields(&self, record: &str) {
        self.inner.custom_fields.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(record);
    }

    /// Sends and decodes a JSON response.
    pub async fn send_json<T: DeserializeOwned>(&self, req: Request) -> Result<Response<T>, Error> {
        let operation = req.operation;
        let ok = self.execute(req).await?;
        decode_json(operation, ok)
    }

    /// Sends and returns a file's bytes: a JSON string's base64 decoded, other bodies as
    /// they are (see [`Download`]).
    pub async fn send_file(&self, req: Request) -> Result<Response<Vec<u8>>, Error> {
        let download = self.send_stream(req).await?;
        let (status, headers) = (download.status(), download.headers().clone());
        Ok(Response::new(status, headers, download.bytes().await?))
    }

    /// Sends and returns the body as a stream of chunks, never held whole: a JSON string's
    /// base64 decoded as it arrives, other bodies as they are.
    pub async fn send_stream(&self, req: Request) -> Result<Download, Error> {
        let operation = req.operation;
        let response = self.execute_unread(req).await?;
        Ok(Download::new(operation, response))
    }

    fn emit(&self, event: Event) {
        if let Some(f) = &self.inner.on_event {
            f(&event);
        }
    }
}

/// Decodes a 2xx body as JSON, saying where it failed.
fn decode_json<T: DeserializeOwned>(operation: &'static str, ok: Success) -> Result<Response<T>, Error> {
    // A 2xx with no body decodes like `null`, so `Option`s and `()` still work.
    let body: &[u8] = if ok.body.iter().all(u8::is_ascii_whitespace) { b"null" } else { &ok.body };
    // The fast path tracks nothing; only a failure is decoded again to find where.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(Response::new(ok.status, ok.headers, value));
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    let e = match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(value) => return Ok(Response::new(ok.status, ok.headers, value)),
        Err(e) => e,
    };
    let inner = e.inner();
    let text = inner.to_string();
    // Generated structs decode through a JSON object and say themselves where inside
    // it a field failed (`at `items[3].id`: ...`); serde_path_to_error knows the way to it.
    let outer = e.path().to_string();
    let (path, message, snippet) = match super::object::split_path(&text) {
        Some((within, message)) => {
            let path = super::object::join(&outer, within);
            // serde_json's position is the end of the object: show the value itself.
            let at = serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v.pointer(&super::object::pointer(&path)).map(|v| v.to_string()));
            let near = at.map_or_else(
                || snippet(body, line_col_offset(body, inner.line(), inner.column())),
                |t| t.chars().take(80).collect(),
            );
            // serde_json appends the position; it is the object's end, not the failure.
            let message = message.split(" at line ").next().unwrap_or(message).to_string();
            (path, message, near)
        }
        None => (outer, text.clone(), snippet(body, line_col_offset(body, inner.line(), inner.column()))),
    };
    // Loud in the logs too: a value that did not fit is the server's data, not noise.
    tracing::warn!(operation, field = %path, %message, "a response did not decode");
    Err(Error::Decode { operation, status: ok.status, path, message, snippet })
}

impl Transport {
    /// The clock the client reads and waits on (`ClientBuilder::clock`), for hook fetches.
    #[cfg(feature = "hooks")]
    pub(crate) fn clock(&self) -> Arc<dyn Clock> {
        self.inner.clock.clone()
    }

    /// Sends and ignores the body.
    pub async fn send_empty(&self, req: Request) -> Result<Response<()>, Error> {
        let ok = self.execute(req).await?;
        Ok(Response::new(ok.status, ok.headers, ()))
    }

    /// Sends and returns the body as text.
    pub async fn send_text(&self, req: Request) -> Result<Response<String>, Error> {
        let ok = self.execute(req).await?;
        let text = String::from_utf8_lossy(&ok.body).into_owned();
        Ok(Response::new(ok.status, ok.headers, text))
    }

    /// Sends and returns the body as bytes.
    pub async fn send_bytes(&self, req: Request) -> Result<Response<Vec<u8>>, Error> {
        let ok = self.execute(req).await?;
        Ok(Response::new(ok.status, ok.headers, ok.body.to_vec()))
    }

    /// The credentials header for the next attempt, refreshing an expiring OAuth2 token.
    async fn credentials(&self) -> Result<Option<(u64, HeaderName, HeaderValue)>, Error> {
        match &self.inner.auth.kind {
            Kind::None => Ok(None),
            Kind::Static(name, value) => Ok(Some((0, name.clone(), value.clone()))),
            Kind::OAuth2(o) => {
                let (generation, value) = match o.current(self.inner.clock.now()) {
                    Ok(current) => current,
                    Err(stale) => self.refresh(o, stale).await?,
                };
                Ok(Some((generation, reqwest::header::AUTHORIZATION, value)))
            }
        }
    }

    /// Refreshes the OAuth2 token unless another caller already replaced generation `seen`.
    async fn refresh(&self, o: &OAuth2, seen: u64) -> Result<(u64, HeaderValue), Error> {
        let retry = &self.inner.retry;
        let backoff = |n: u32| (n <= retry.max_retries).then(|| retry.backoff(n));
        let outcome = o.refresh(&self.inner.http, seen, &*self.inner.clock, &backoff).await;
        // Only the caller that rotated the tokens reports it: one event per refresh.
        if outcome.rotated {
            self.emit(Event::TokenRefreshed);
        }
        outcome.result
    }

    /// Runs every `before_attempt` hook; returns the headers they set, refusing those no
    /// interceptor may set.
    #[allow(clippy::too_many_arguments, reason = "one call site, each argument a different fact")]
    async fn before_hooks(
        &self,
        operation: &'static str,
        method: &reqwest::Method,
        url: &str,
        attempt: u32,
        limit: Duration,
        auth_header: Option<&HeaderName>,
        maybe_sent: bool,
    ) -> Result<reqwest::header::HeaderMap, Error> {
        let fail = |message: String| Error::Interceptor { operation, hook: "before_attempt", message, maybe_sent };
        let mut before = BeforeAttempt {
            operation,
            method: method.clone(),
            url: url.to_owned(),
            attempt,
            headers: Default::default(),
        };
        for interceptor in self.inner.interceptors.iter() {
            run_hook(|| interceptor.before_attempt(&mut before), limit).await.map_err(fail)?;
        }
        if let Some(name) = before.headers.keys().find(|name| super::intercept::refused(name, auth_header)) {
            return Err(fail(format!(
                "set header `{name}`, which carries credentials or frames the message: only the client sets it"
            )));
        }
        Ok(before.headers)
    }

    /// Runs every `after_attempt` hook.
    async fn after_hooks(&self, after: &AfterAttempt, limit: Duration, maybe_sent: bool) -> Result<(), Error> {
        let operation = after.operation;
        for interceptor in self.inner.interceptors.iter() {
            run_hook(|| interceptor.after_attempt(after), limit).await.map_err(|message| Error::Interceptor {
                operation,
                hook: "after_attempt",
                message,
                maybe_sent,
            })?;
        }
        Ok(())
    }

    /// Sends and reads the whole body.
    async fn execute(&self, req: Request) -> Result<Success, Error> {
        let operation = req.operation;
        let response = self.execute_unread(req).await?;
        let (status, headers) = (response.status().as_u16(), response.headers().clone());
        let body = response.bytes().await.map_err(|source| Error::Transport { operation, source, maybe_sent: true })?;
        Ok(Success { status, headers, body })
    }

    /// Sends, and hands back a 2xx response with its body not yet read.
    async fn execute_unread(&self, req: Request) -> Result<reqwest::Response, Error> {
        if let Some(e) = req.error {
            return Err(e);
        }
        // OpenTelemetry's HTTP client names (`tracing-opentelemetry` reads the `otel.*`
        // fields), so an exporter shows Keap calls without glue. Built only when enabled.
        let route = if req.template.is_empty() { "(raw)" } else { req.template };
        let span = tracing::info_span!(
            "keap.request",
            otel.name = %format_args!("{} {route}", req.method),
            otel.kind = "client",
            otel.status_code = tracing::field::Empty,
            http.request.method = %req.method,
            url.template = route,
            server.address = %self.inner.server.0,
            server.port = self.inner.server.1,
            http.response.status_code = tracing::field::Empty,
            http.request.resend_count = tracing::field::Empty,
            error.type = tracing::field::Empty,
            keap.operation = req.operation,
            keap.quota.remaining = tracing::field::Empty,
            keap.quota.window = tracing::field::Empty,
        );
        let result = self.attempts(req, &span).instrument(span.clone()).await;
        if let Err(e) = &result {
            if !span.is_disabled() {
                span.record("otel.status_code", "ERROR");
                span.record("error.type", e.kind_name().as_ref());
            }
        }
        result
    }

    async fn attempts(&self, mut req: Request, span: &tracing::Span) -> Result<reqwest::Response, Error> {
        let inner = &*self.inner;
        let operation = req.operation;
        let query_len: usize = req.query.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
        let mut url = String::with_capacity(inner.base_url.len() + req.path.len() + query_len + 16);
        url.push_str(&inner.base_url);
        url.push_str(&req.path);
        req.write_query(&mut url);
        // The caller's options: checked before anything is sent or counted.
        let options = std::mem::take(&mut req.options);
        let retry = options.retry.as_ref().unwrap_or(&inner.retry);
        let timeout = options.timeout.or(inner.timeout);
        let extra_headers = if options.headers.is_empty() {
            Vec::new()
        } else {
            let mut taken: Vec<&str> = req.headers.iter().map(|(name, _)| *name).collect();
            taken.push("accept");
            if !matches!(req.body, Body::None) || req.content_type.is_some() {
                taken.push("content-type");
            }
            let taken: Vec<String> = taken.iter().map(|t| t.to_ascii_lowercase()).collect();
            let taken: Vec<&str> = taken.iter().map(String::as_str).collect();
            let auth_header = match &inner.auth.kind {
                Kind::Static(name, _) => Some(name),
                _ => None,
            };
            options.checked_headers(operation, auth_header, &taken)?
        };
        if !options.query.is_empty() {
            options.checked_query(operation, req.declared)?;
            for (i, (k, v)) in options.query.iter().enumerate() {
                url.push(if i == 0 && req.query.is_empty() { '?' } else { '&' });
                url.push_str(&super::request::encode_query(k));
                url.push('=');
                url.push_str(&super::request::encode_query(v));
            }
        }
        // Encoded once; each attempt shares the bytes.
        // A multipart body with a file on disk or a stream is sent in chunks for each attempt.
        let mut streamed: Option<Segments> = None;
        let (mut content_type, body): (Option<HeaderValue>, Option<Bytes>) = match req.body {
            Body::None => (None, None),
            Body::Json(bytes) => (Some(HeaderValue::from_static("application/json")), Some(bytes.into())),
            Body::Bytes(ct, bytes) => (HeaderValue::from_str(&ct).ok(), Some(bytes.into())),
            Body::Multipart(parts) => {
                let (ct, mut segments) = multipart_segments(&parts);
                let ct = HeaderValue::from_str(&ct).ok();
                match segments.as_mut_slice() {
                    [Segment::Bytes(bytes)] => (ct, Some(std::mem::take(bytes))),
                    _ => {
                        streamed = Some(Segments { parts: segments });
                        (ct, None)
                    }
                }
            }
            Body::Form(fields) => {
                let text = fields
                    .iter()
                    .map(|(k, v)| format!("{}={}", super::request::encode_query(k), super::request::encode_query(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                (Some(HeaderValue::from_static("application/x-www-form-urlencoded")), Some(text.into()))
            }
        };
        if let Some(ct) = req.content_type.and_then(|ct| HeaderValue::from_str(ct).ok()) {
            content_type = Some(ct);
        }
        let accept = req
            .accept
            .and_then(|m| HeaderValue::from_str(m).ok())
            .unwrap_or(HeaderValue::from_static("application/json"));
        let safe_to_repeat = idempotent(&req.method);
        // An application's stream is read once: such a request is sent once.
        let replayable = streamed.as_ref().is_none_or(Segments::replayable);
        // Whether any attempt may have reached the server (for `Error::maybe_sent`).
        let mut maybe_sent = false;
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        // The 429 the last attempt got, kept so that a retry the quota then refuses fails
        // with it (sent, Keap's body and request id) rather than as never sent.
        let mut throttled: Option<Error> = None;
        loop {
            attempt += 1;
            if attempt > 1 {
                span.record("http.request.resend_count", attempt - 1);
            }
            if let Err(e) = inner.gate.acquire(operation).await {
                return Err(match (e, throttled.take()) {
                    (Error::QuotaExhausted { .. }, Some(answer)) => answer,
                    (e, _) => e,
                });
            }
            let credentials = self.credentials().await?;
            let hook_limit = timeout.unwrap_or(DEFAULT_TIMEOUT);
            let intercepted = if inner.interceptors.is_empty() {
                None
            } else {
                let auth_header = credentials.as_ref().map(|(_, name, _)| name);
                Some(
                    self.before_hooks(operation, &req.method, &url, attempt, hook_limit, auth_header, maybe_sent)
                        .await?,
                )
            };
            let mut builder = inner.http.request(req.method.clone(), &url).header(ACCEPT, accept.clone());
            if let Some(timeout) = timeout {
                builder = builder.timeout(timeout);
            }
            if let Some(ua) = &inner.user_agent {
                builder = builder.header(reqwest::header::USER_AGENT, ua.clone());
            }
            for (name, value) in &req.headers {
                builder = builder.header(*name, value.as_str());
            }
            for (name, value) in &extra_headers {
                builder = builder.header(name.clone(), value.clone());
            }
            if let Some(headers) = intercepted {
                builder = builder.headers(headers);
            }
            // Last, so nothing before can stand in for the credentials.
            if let Some((_, name, value)) = &credentials {
                builder = builder.header(name.clone(), value.clone());
            }
            if let Some(ct) = &content_type {
                builder = builder.header(CONTENT_TYPE, ct.clone());
            }
            if let Some(b) = &body {
                builder = builder.body(b.clone());
            }
            if let Some(segments) = &streamed {
                let Some(chunks) = segments.body() else {
                    return Err(Error::invalid(format!(
                        "{operation}: the upload stream was already sent once and cannot be sent again"
                    )));
                };
                builder = builder.header(reqwest::header::CONTENT_LENGTH, segments.len()).body(chunks);
            }
            let state = Attempt {
                idempotent: safe_to_repeat,
                retries_left: replayable && attempt <= retry.max_retries,
                can_refresh: replayable
                    && !refreshed
                    && matches!(inner.auth.kind, Kind::OAuth2(_))
                    && credentials.is_some(),
            };
            let started = inner.clock.now();
            let sent = builder.send().await;
            if !inner.interceptors.is_empty() {
                let mut after = AfterAttempt {
                    operation,
                    method: req.method.clone(),
                    attempt,
                    status: None,
                    headers: Default::default(),
                    failure: None,
                    elapsed: inner.clock.now().duration_since(started).unwrap_or_default(),
                };
                match &sent {
                    Ok(r) => (after.status, after.headers) = (Some(r.status().as_u16()), r.headers().clone()),
                    Err(e) => after.failure = Some(e.to_string()),
                }
                let may_have_sent = maybe_sent || sent.as_ref().map_or_else(|e| !e.is_connect(), |_| true);
                self.after_hooks(&after, hook_limit, may_have_sent).await?;
            }
            let response = match sent {
                Ok(r) => r,
                Err(source) => {
                    // A failed connect never reached the server; anything later might have.
                    let unsent = source.is_connect();
                    maybe_sent |= !unsent;
                    if let Some(reason) = retry_transport_failure(unsent, state) {
                        let delay = retry.backoff(attempt);
                        tracing::debug!(operation, attempt, reason, "keap: retrying");
                        self.emit(Event::Retry { operation, attempt, reason, delay });
                        inner.clock.sleep(delay).await;
                        continue;
                    }
                    return Err(Error::Transport { operation, source, maybe_sent });
                }
            };
            maybe_sent = true;
            let status = response.status().as_u16();
            span.record("http.response.status_code", status);
            let now = inner.clock.now();
            let mut exhausted = false;
            // On the stack: this runs on every response (Keap sends 3 families, at most 2 each).
            let (mut seen, mut more, mut n) = ([None; 8], Vec::new(), 0);
            observations(response.headers(), |o| {
                exhausted |= o.available == 0;
                match seen.get_mut(n) {
                    Some(slot) => *slot = Some(o),
                    None => more.push(o),
                }
                n += 1;
            });
            let mut tightest: Option<Observation> = None;
            for o in seen.into_iter().flatten().chain(more) {
                if tightest.is_none_or(|t| o.available < t.available) {
                    tightest = Some(o);
                }
                inner.gate.observe(o).await;
            }
            if let Some(o) = tightest.filter(|_| !span.is_disabled()) {
                span.record("keap.quota.remaining", o.available);
                span.record("keap.quota.window", tracing::field::display(o.window));
            }
            if (200..300).contains(&status) {
                return Ok(response);
            }
            let mut pause = None;
            if status == 429 {
                let after = retry_after(response.headers(), now);
                let wait = after.map(|t| t.duration_since(now).unwrap_or_default());
                self.emit(Event::Throttled { operation, retry_after: wait });
                tracing::warn!(operation, attempt, "keap: throttled (429)");
                if let (Some(until), Some(wait)) = (after, wait) {
                    // The quota is the key's: the pause holds for every request of this
                    // client, retried or not; the gate waits for it, or fails fast when it
                    // is longer than its window's `max_wait`.
                    inner.gate.pause_until(until).await;
                    pause = Some((wait, inner.gate.quota.max_wait_for(Window::of_pause(wait))));
                }
            }
            match after_status(status, state, pause, exhausted) {
                AfterStatus::Refresh => {
                    if let (Kind::OAuth2(o), Some((generation, ..))) = (&inner.auth.kind, &credentials) {
                        // Rejected before it was processed: refresh once (single flight), resend.
                        refreshed = true;
                        self.refresh(o, *generation).await?;
                        attempt -= 1;
                        continue;
                    }
                }
                AfterStatus::WhenRoom => {
                    if let Some((delay, _)) = pause {
                        self.emit(Event::Retry { operation, attempt, reason: "throttled", delay });
                    }
                    throttled = Some(api_error(operation, status, response, now).await);
                    continue;
                }
                AfterStatus::Backoff(reason) => {
                    let delay = retry.backoff(attempt);
                    self.emit(Event::Retry { operation, attempt, reason, delay });
                    inner.clock.sleep(delay).await;
                    continue;
                }
                AfterStatus::Fail => {}
            }
            return Err(api_error(operation, status, response, now).await);
        }
    }
}

async fn api_error(operation: &'static str, status: u16, response: reqwest::Response, received: SystemTime) -> Error {
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let request_id = response.headers().get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = response.bytes().await.unwrap_or_default();
    let raw = String::from_utf8_lossy(&body[..body.len().min(MAX_ERROR_BODY)]).into_owned();
    let body = ApiErrorBody::parse(&raw);
    Error::Api(Box::new(ApiError { operation, status, body, raw, headers, request_id, received }))
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
#[path = "tests/client.rs"]
mod tests;
