//! The test kit's server: a Keap on 127.0.0.1 that answers what a test expects
//! ([`MockKeap::expect`]) and behaves like Keap where the test asks it to: quotas with Keap's
//! headers and 429s, an OAuth2 token endpoint that rotates refresh tokens, REST Hooks.
//!
//! It speaks plain HTTP/1.1 with keep-alive on tokio's sockets, so it adds no crate, and its
//! waits are tokio's: a test under paused time runs its delays without sleeping.

use super::auth::Auth;
use super::client::{ClientBuilder, Transport};
use super::clock::{Clock, TokioClock};
use super::mock_expect::{Calls, Expect, Media, Operation, Registered, Rule};
use super::mock_hooks::Hooks;
use super::quota::{Quota, Window};
use super::tokens::Tokens;
use serde::Serialize;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// The largest request body the mock reads (uploads in tests are small).
const MAX_BODY: usize = 64 << 20;

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

    fn is_v1(&self) -> bool {
        self.path.starts_with("/rest/v1/") || self.path.starts_with("/v1/")
    }
}

/// Credentials are never shown: a test's log may end up in CI output.
fn secret_header(name: &str) -> bool {
    ["authorization", "x-keap-api-key", "x-hook-secret", "cookie"].iter().any(|s| name.eq_ignore_ascii_case(s))
}

/// Query parameters that carry credentials (Keap takes `access_token` in the query too);
/// page tokens and the like are shown, since a test reads them.
fn secret_query(name: &str) -> bool {
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
/// connection. Typed answers come from [`Expect::respond`]; these are the rest.
#[derive(Clone, Debug)]
pub struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
    delay: Option<Duration>,
    dropped: bool,
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
    /// [`MockKeap::enforce_quota`] send real ones).
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

    /// The bytes on the wire for a request of this API version.
    fn render(&self, v1: bool) -> Vec<u8> {
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

fn reason(status: u16) -> &'static str {
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

/// What the mock keeps between requests.
pub(crate) struct Shared {
    pub(crate) base_url: String,
    rules: Mutex<Vec<Arc<dyn Rule>>>,
    received: Mutex<Vec<Received>>,
    unexpected: Mutex<Vec<String>>,
    quota: Mutex<Option<QuotaState>>,
    oauth: Mutex<Option<OAuthState>>,
    pub(crate) hooks: Hooks,
    pub(crate) clock: TokioClock,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test that panicked while holding a lock must not hide its own failure behind ours.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A Keap on 127.0.0.1 for tests (the `testing` feature). Start one per test; it stops when
/// dropped, and then fails the test if a request was unexpected or an expectation was not
/// met.
///
/// ```ignore
/// let keap = MockKeap::start().await;
/// keap.expect(testing::contact::get_contact().respond(contact));
/// let client = keap.client();
/// ```
pub struct MockKeap {
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for MockKeap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockKeap").field("base_url", &self.shared.base_url).finish_non_exhaustive()
    }
}

impl MockKeap {
    /// The API key [`builder`](MockKeap::builder) sends; any key is accepted unless
    /// OAuth2 is on ([`oauth2`](MockKeap::oauth2)).
    pub const API_KEY: &'static str = "mock-keap-api-key";
    /// The OAuth2 client id the token endpoint accepts.
    pub const CLIENT_ID: &'static str = "mock-client-id";
    /// The OAuth2 client secret the token endpoint accepts.
    pub const CLIENT_SECRET: &'static str = "mock-client-secret";

    /// Starts a mock on a free port of 127.0.0.1, served by a task of the current tokio
    /// runtime.
    ///
    /// # Panics
    /// Outside a tokio runtime, or if no port can be bound.
    pub async fn start() -> MockKeap {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("the mock binds a port of 127.0.0.1");
        let port = listener.local_addr().expect("a bound listener has an address").port();
        let base_url = format!("http://127.0.0.1:{port}");
        let shared = Arc::new(Shared {
            hooks: Hooks::new(),
            base_url,
            rules: Mutex::default(),
            received: Mutex::default(),
            unexpected: Mutex::default(),
            quota: Mutex::default(),
            oauth: Mutex::default(),
            clock: TokioClock::new(),
        });
        let server = tokio::spawn(accept(listener, shared.clone()));
        MockKeap { shared, server }
    }

    /// The URL to give a client (`http://127.0.0.1:<port>`): requests arrive with their
    /// `/rest/v2/...` and `/rest/v1/...` paths.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// A client builder pointed at the mock, with its API key, Keap's default quota and
    /// retries: change anything before `build()`. Once [`oauth2`](MockKeap::oauth2) is on,
    /// the key is refused: give it `.auth(Auth::oauth2(MockKeap::CLIENT_ID,
    /// MockKeap::CLIENT_SECRET, tokens).token_url(mock.token_url()))`. Clients built for the
    /// same mock with the same credentials share one quota, as they would for Keap; each
    /// mock has its own.
    pub fn builder<C: From<Transport>>(&self) -> ClientBuilder<C> {
        ClientBuilder::new(&self.shared.base_url).auth(Auth::api_key(Self::API_KEY))
    }

    /// Expects requests of one operation. Expectations are tried in the order they were
    /// given; one that has taken all the requests it may (`times`, `at_most`) lets later
    /// ones take the rest. Returns the requests it matches, typed, as they arrive.
    pub fn expect<O: Operation>(&self, expect: Expect<O>) -> Calls<O> {
        let rule = Arc::new(Registered::new(expect));
        let calls = Calls { calls: rule.calls.clone() };
        lock(&self.shared.rules).push(rule);
        calls
    }

    /// Every request received so far, in order, whether expected or not.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared.received).clone()
    }

    /// The requests no expectation took, each with the reasons.
    pub fn unexpected(&self) -> Vec<String> {
        lock(&self.shared.unexpected).clone()
    }

    /// Checks now what dropping the mock checks: no unexpected request, every expectation's
    /// count met. `Err` holds the message the drop would panic with.
    pub fn check(&self) -> Result<(), String> {
        let unexpected = lock(&self.shared.unexpected).clone();
        let unmet: Vec<String> = lock(&self.shared.rules).iter().filter_map(|r| r.unmet()).collect();
        if unexpected.is_empty() && unmet.is_empty() {
            return Ok(());
        }
        let mut message = String::from("MockKeap:");
        for u in &unexpected {
            message.push_str(&format!("\n- unexpected request: {u}"));
        }
        for u in &unmet {
            message.push_str(&format!("\n- expectation not met: {u}"));
        }
        Err(message)
    }

    /// [`check`](MockKeap::check), panicking with its message.
    ///
    /// # Panics
    /// If a request was unexpected or an expectation is not met.
    pub fn verify(&self) {
        if let Err(message) = self.check() {
            panic!("{message}");
        }
    }

    /// Enforces a quota as Keap does, from now on: every answer carries Keap's quota headers
    /// (`x-keap-product-quota-*` for the day, `x-keap-product-throttle-*` for the minute,
    /// `x-keap-tenant-throttle-*` for the second), and a request over any window is answered
    /// 429 with Keap's body, and `Retry-After` only if `retry_after` is `true`. Windows are
    /// whole UTC seconds, minutes and days of tokio's clock. A refused request never reaches
    /// the expectations (it is not in their calls; [`throttled`](Self::throttled) counts
    /// it); the token endpoint and requests refused for their credentials are not counted.
    pub fn enforce_quota(&self, quota: Quota, retry_after: bool) {
        *lock(&self.shared.quota) = Some(QuotaState { quota, retry_after, counts: Vec::new(), refused: 0 });
    }

    /// How many requests the enforced quota refused with a 429.
    pub fn throttled(&self) -> usize {
        lock(&self.shared.quota).as_ref().map_or(0, |q| q.refused)
    }

    /// Turns on OAuth2: from now on a request needs a current access token (else 401), and
    /// `POST /token` refreshes with [`CLIENT_ID`](MockKeap::CLIENT_ID) and
    /// [`CLIENT_SECRET`](MockKeap::CLIENT_SECRET), rotating the refresh token: a spent one is
    /// refused with 400 `invalid_grant`, as Keap does. Returns the first pair, as the
    /// authorization would; access tokens last `lifetime`.
    pub fn oauth2(&self, lifetime: Duration) -> Tokens {
        let mut oauth = lock(&self.shared.oauth);
        let state = oauth.get_or_insert_with(|| OAuthState { lifetime, ..OAuthState::default() });
        state.lifetime = lifetime;
        state.issue(self.shared.clock.now())
    }

    /// The token endpoint (`<base_url>/token`), for `Auth::oauth2(..).token_url(..)`.
    pub fn token_url(&self) -> String {
        format!("{}/token", self.shared.base_url)
    }

    /// Refuses every access token issued so far with 401 (as when Keap revokes them or they
    /// expire early): the client must refresh.
    pub fn expire_access_tokens(&self) {
        if let Some(o) = lock(&self.shared.oauth).as_mut() {
            o.access.clear();
        }
    }

    /// How many refreshes the token endpoint granted.
    pub fn refreshes(&self) -> usize {
        lock(&self.shared.oauth).as_ref().map_or(0, |o| o.refreshes)
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

impl Drop for MockKeap {
    fn drop(&mut self) {
        self.server.abort();
        if std::thread::panicking() {
            return;
        }
        if let Err(message) = self.check() {
            panic!("{message}");
        }
    }
}

/// Accepts connections until the mock is dropped.
async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, shared.clone()));
    }
}

/// Serves one connection: requests one after another, as HTTP/1.1 keep-alive does.
async fn connection(stream: tokio::net::TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    // A connection that closes or sends what is not HTTP is closed.
    while let Some(request) = read_request(&mut reader).await {
        let v1 = request.is_v1();
        lock(&shared.received).push(request.clone());
        let answer = answer(&shared, &request).await;
        if let Some(delay) = answer.delay {
            tokio::time::sleep(delay).await;
        }
        if answer.dropped {
            return;
        }
        let body = answer.render(v1);
        let mut head =
            format!("HTTP/1.1 {} {}\r\ncontent-length: {}\r\n", answer.status, reason(answer.status), body.len());
        if matches!(answer.body, Body::Error(_)) {
            head.push_str("content-type: application/json\r\n");
        }
        for (k, v) in &answer.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        // One write: a head and a body in two packets meet delayed ACKs.
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&body);
        if write.write_all(&bytes).await.is_err() {
            return;
        }
    }
}

/// Decides the answer: Keap's own behaviours first (the token endpoint, credentials, the
/// quota, REST Hooks when on), then the expectations in order.
async fn answer(shared: &Arc<Shared>, request: &Received) -> Answer {
    let now = shared.clock.now();
    if request.method == "POST" && request.path == "/token" {
        if let Some(o) = lock(&shared.oauth).as_mut() {
            return o.refresh(request, now);
        }
    }
    if let Some(refusal) = refuse_credentials(shared, request) {
        return refusal;
    }
    let mut quota_headers = Vec::new();
    if let Some(q) = lock(&shared.quota).as_mut() {
        match q.count(now) {
            Ok(headers) => quota_headers = headers,
            Err(refusal) => return refusal,
        }
    }
    let mut answer = match shared.hooks.answer(shared, request).await {
        Some(answer) => answer,
        None => expected(shared, request),
    };
    answer.headers.extend(quota_headers);
    answer
}

/// The first expectation that takes the request, else a 501 listing what was expected.
fn expected(shared: &Shared, request: &Received) -> Answer {
    let rules = lock(&shared.rules).clone();
    let mut reasons = Vec::new();
    for rule in rules.iter().filter(|r| !r.exhausted()) {
        match rule.take(request, &shared.base_url) {
            Ok(answer) => return answer,
            Err(Some(why)) => reasons.push(why),
            Err(None) => {}
        }
    }
    // An exhausted rule of the operation says why it did not take the request.
    for rule in rules.iter().filter(|r| r.exhausted()) {
        if let Err(Some(why)) = rule.take(request, &shared.base_url) {
            reasons.push(why);
        }
    }
    let mut message = format!("{} {}", request.method, request.path);
    if !request.query.is_empty() {
        let q: Vec<String> = request
            .query
            .iter()
            .map(|(k, v)| format!("{k}={}", if secret_query(k) { "<hidden>" } else { v.as_str() }))
            .collect();
        message.push_str(&format!("?{}", q.join("&")));
    }
    for why in &reasons {
        message.push_str(&format!("\n    - {why}"));
    }
    message.push_str(if rules.is_empty() { "\n    (no expectations)" } else { "\n    expected:" });
    for rule in &rules {
        message.push_str(&format!("\n    * {}", rule.describe()));
    }
    lock(&shared.unexpected).push(message.clone());
    Answer::error(501, &format!("keap mock: unexpected request: {message}"))
}

/// Keap refuses a request without credentials, and (with OAuth2 on) one whose access token
/// is not current.
fn refuse_credentials(shared: &Shared, request: &Received) -> Option<Answer> {
    let bearer = request.header("authorization").and_then(|v| v.strip_prefix("Bearer "));
    if let Some(o) = lock(&shared.oauth).as_ref() {
        let now = shared.clock.now();
        let current = bearer.is_some_and(|b| o.access.iter().any(|(t, until)| t == b && *until > now));
        return (!current).then(|| Answer::error(401, "Invalid Access Token"));
    }
    let key = request.header("x-keap-api-key").filter(|k| !k.is_empty());
    (key.is_none() && bearer.is_none()).then(|| Answer::error(401, "Invalid Access Token"))
}

/// Counts per window, as Keap's gateway does.
struct QuotaState {
    quota: Quota,
    retry_after: bool,
    /// Per window: which window (its number since the epoch) and how many requests in it.
    counts: Vec<(Window, u64, u32)>,
    refused: usize,
}

impl QuotaState {
    /// Counts a request, or refuses it when a window is full; either way with the headers.
    fn count(&mut self, now: SystemTime) -> Result<Vec<(String, String)>, Answer> {
        let secs = now.duration_since(UNIX_EPOCH).unwrap_or_default();
        let windows = [(Window::Second, 1u64), (Window::Minute, 60), (Window::Day, 86_400)];
        let mut full = None;
        let mut state = Vec::new();
        for (window, len) in windows {
            let Some(limit) = self.quota.limit(window) else { continue };
            let number = secs.as_secs() / len;
            let used = match self.counts.iter().find(|(w, n, _)| *w == window && *n == number) {
                Some((_, _, used)) => *used,
                None => 0,
            };
            let ends = Duration::from_secs((number + 1) * len);
            if used >= limit && full.is_none() {
                full = Some(ends.saturating_sub(secs));
            }
            state.push((window, number, used, limit, ends));
        }
        if full.is_none() {
            for s in &mut state {
                s.2 += 1;
            }
            self.counts = state.iter().map(|(w, n, u, _, _)| (*w, *n, *u)).collect();
        }
        let mut headers = Vec::new();
        for (window, _, used, limit, ends) in &state {
            let (prefix, unit) = match window {
                Window::Day => ("x-keap-product-quota-", "Day"),
                Window::Minute => ("x-keap-product-throttle-", "Minute"),
                Window::Second => ("x-keap-tenant-throttle-", "Second"),
            };
            headers.push((format!("{prefix}limit"), limit.to_string()));
            headers.push((format!("{prefix}available"), limit.saturating_sub(*used).to_string()));
            headers.push((format!("{prefix}used"), used.to_string()));
            headers.push((format!("{prefix}time-unit"), unit.to_owned()));
            headers.push((format!("{prefix}interval"), "1".to_owned()));
            headers.push((format!("{prefix}expiry-time"), ends.as_millis().to_string()));
        }
        match full {
            None => Ok(headers),
            Some(wait) => {
                self.refused += 1;
                let mut answer = Answer::too_many_requests();
                answer.headers.extend(headers);
                if self.retry_after {
                    // Whole seconds, rounded up: the window is over when they have passed.
                    answer =
                        answer.retry_after(Duration::from_secs(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)));
                }
                Err(answer)
            }
        }
    }
}

/// The token endpoint's memory.
#[derive(Default)]
struct OAuthState {
    lifetime: Duration,
    /// Access tokens still accepted, with when they expire.
    access: Vec<(String, SystemTime)>,
    /// The one refresh token that works.
    refresh: Option<String>,
    /// Refresh tokens spent (a second use is refused as Keap does).
    spent: Vec<String>,
    issued: usize,
    refreshes: usize,
}

impl OAuthState {
    fn issue(&mut self, now: SystemTime) -> Tokens {
        self.issued += 1;
        let access = format!("mock-access-{}", self.issued);
        let refresh = format!("mock-refresh-{}", self.issued);
        let until = now + self.lifetime;
        self.access.push((access.clone(), until));
        if let Some(old) = self.refresh.replace(refresh.clone()) {
            self.spent.push(old);
        }
        Tokens::new(access, refresh, Some(until))
    }

    /// `POST /token` with `grant_type=refresh_token`, client credentials by Basic auth or in
    /// the form.
    fn refresh(&mut self, request: &Received, now: SystemTime) -> Answer {
        let refuse = |status: u16, error: &str, description: &str| {
            Answer::json(status, &serde_json::json!({ "error": error, "error_description": description }))
        };
        let form = parse_pairs(&String::from_utf8_lossy(&request.body));
        let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let basic = request.header("authorization").and_then(|v| v.strip_prefix("Basic ")).and_then(decode_basic);
        let (id, secret) = match basic {
            Some((id, secret)) => (Some(id), Some(secret)),
            None => (field("client_id").map(str::to_owned), field("client_secret").map(str::to_owned)),
        };
        if id.as_deref() != Some(MockKeap::CLIENT_ID) || secret.as_deref() != Some(MockKeap::CLIENT_SECRET) {
            return refuse(401, "invalid_client", "Invalid client or client credentials");
        }
        if field("grant_type") != Some("refresh_token") {
            return refuse(400, "unsupported_grant_type", "only refresh_token is served by the mock");
        }
        match field("refresh_token") {
            Some(t) if self.refresh.as_deref() == Some(t) => {
                self.refreshes += 1;
                let tokens = self.issue(now);
                Answer::json(
                    200,
                    &serde_json::json!({
                        "access_token": tokens.access_token.expose(),
                        "refresh_token": tokens.refresh_token.expose(),
                        "expires_in": self.lifetime.as_secs(),
                        "token_type": "bearer",
                        "scope": "full",
                    }),
                )
            }
            Some(t) if self.spent.iter().any(|s| s == t) => refuse(400, "invalid_grant", "Invalid refresh token"),
            _ => refuse(400, "invalid_grant", "Invalid refresh token"),
        }
    }
}

/// `user:password` out of a Basic credential.
fn decode_basic(b64: &str) -> Option<(String, String)> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in b64.trim().bytes().take_while(|c| *c != b'=') {
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    let text = String::from_utf8(out).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((percent_decode(id), percent_decode(secret)))
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// `a=1&b=2`, percent-decoded (`+` is a space, as forms write it).
pub(crate) fn parse_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Reads one request; `None` at the end of the connection or on what does not parse.
async fn read_request(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Option<Received> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).await.ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let body = if header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        read_chunked(reader).await?
    } else {
        let len: usize = header("content-length").map_or(Some(0), |v| v.parse().ok())?;
        if len > MAX_BODY {
            return None;
        }
        let mut body = vec![0; len];
        reader.read_exact(&mut body).await.ok()?;
        body
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    Some(Received { method, path: path.to_owned(), query: parse_pairs(query), headers, body })
}

async fn read_chunked(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).await.ok()?;
        let size = usize::from_str_radix(size.trim().split(';').next()?.trim(), 16).ok()?;
        if body.len() + size > MAX_BODY {
            return None;
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..]).await.ok()?;
        let mut crlf = String::new();
        reader.read_line(&mut crlf).await.ok()?;
        if size == 0 {
            return Some(body);
        }
    }
}
