//! The test kit's server: a Keap on 127.0.0.1 that answers what a test expects
//! ([`MockKeap::expect`]) and behaves like Keap where the test asks it to: quotas with Keap's
//! headers and 429s, an OAuth2 token endpoint that rotates refresh tokens, REST Hooks.
//!
//! It speaks plain HTTP/1.1 with keep-alive on tokio's sockets, so it adds no crate, and its
//! waits are tokio's: a test under paused time runs its delays without sleeping.

use super::auth::Auth;
use super::client::{ClientBuilder, Transport};
use super::clock::{Clock, TokioClock};
use super::mock_expect::{Calls, Expect, Operation, Registered, Rule};
use super::mock_hooks::{DeliveryReport, Hooks, MockSubscription};
use super::mock_wire::{reason, secret_query, Answer, Received};
use super::quota::Quota;
use super::tokens::Tokens;
use super::window::Window;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// The largest request body the mock reads (uploads in tests are small).
const MAX_BODY: usize = 64 << 20;

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

/// REST Hooks in the kit (`mock_hooks.rs` keeps them; the server only routes to them).
impl MockKeap {
    /// How long a handshake or delivery attempt waits for the whole answer: Keap's 30 s
    /// (tokio's time: paused time skips it).
    pub const HOOK_TIMEOUT: Duration = super::mock_hooks::HOOK_TIMEOUT;
    /// The waits before the second, third and fourth attempts of a delivery. Keap waits
    /// 30-60 s, 5 min and 30 min; the kit waits milliseconds (tokio sleeps).
    pub const HOOK_RETRY_DELAYS: [Duration; 3] = super::mock_hooks::HOOK_RETRY_DELAYS;

    /// Serves Keap's REST Hooks endpoints from now on (`/rest/v1/hooks...`: list, create,
    /// get, update, delete, `verify`, `delayedVerify`, `event_keys`), which expectations then
    /// no longer see (they still need credentials, and count against
    /// [`enforce_quota`](Self::enforce_quota)). A create or verify POSTs the handshake to the
    /// hook URL before it answers; a `delayedVerify` with another secret than the last
    /// handshake's is a 400.
    pub fn serve_hooks(&self) {
        self.shared().hooks.serve();
    }

    /// The subscriptions, in key order.
    pub fn subscriptions(&self) -> Vec<MockSubscription> {
        self.shared().hooks.subscriptions()
    }

    /// Delivers changes of `ids` as Keap does, to every `Verified` subscription of
    /// `event_key`: POSTs of at most 1,000 ids (each stamped with the mock's clock), one after
    /// another, each retried up to four attempts in all ([`HOOK_RETRY_DELAYS`](Self::HOOK_RETRY_DELAYS)
    /// apart). An attempt fails on no answer within [`HOOK_TIMEOUT`](Self::HOOK_TIMEOUT) or a
    /// status below 200 or from 400; after the fourth failure, or at once on a 410, the
    /// subscription turns `Inactive` and what was left to deliver to it is lost. Unlike Keap,
    /// the first attempt is at once. Returns when every POST is done.
    pub async fn deliver(&self, event_key: &str, ids: impl IntoIterator<Item = i64>) -> DeliveryReport {
        let shared = self.shared();
        let ids: Vec<i64> = ids.into_iter().collect();
        shared.hooks.deliver(shared.clock.now(), event_key, &ids).await
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
            shared.clock.sleep(delay).await;
        }
        if answer.dropped {
            return;
        }
        let body = answer.render(v1);
        let mut head =
            format!("HTTP/1.1 {} {}\r\ncontent-length: {}\r\n", answer.status, reason(answer.status), body.len());
        if answer.is_error_body() {
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
    let mut answer = match shared.hooks.answer(request).await {
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
