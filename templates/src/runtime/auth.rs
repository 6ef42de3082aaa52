//! Credentials: a key (`X-Keap-API-Key` or `Authorization: Bearer`), a fixed OAuth2 access
//! token, or OAuth2 with refresh. Refresh is single-flight, because Keap rotates refresh
//! tokens: a second concurrent refresh would use a token the first one just spent.

use super::clock::Clock;
use super::error::{AuthError, AuthErrorKind, Error};
use super::tokens::{OnRefresh, RefreshLease, Secret, TokenStore, Tokens};
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

/// Keap's header for Personal Access Tokens and Service Account Keys.
pub const API_KEY_HEADER: &str = "x-keap-api-key";

/// Keap's OAuth2 token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://api.infusionsoft.com/token";

/// How requests are authenticated.
#[derive(Clone, Debug)]
pub struct Auth {
    pub(crate) kind: Kind,
}

#[derive(Clone)]
pub(crate) enum Kind {
    None,
    Static(HeaderName, HeaderValue),
    OAuth2(Arc<OAuth2>),
}

impl fmt::Debug for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::None => f.write_str("None"),
            Kind::Static(name, _) => write!(f, "Static({name}: [redacted])"),
            Kind::OAuth2(o) => f
                .debug_struct("OAuth2")
                .field("client_id", &o.client_id)
                .field("token_url", &o.token_url)
                .finish_non_exhaustive(),
        }
    }
}

impl Auth {
    /// No credentials.
    pub fn none() -> Self {
        Auth { kind: Kind::None }
    }

    /// A Personal Access Token or Service Account Key, sent as `X-Keap-API-Key`.
    pub fn api_key(key: impl Into<Secret>) -> Self {
        Auth { kind: Kind::Static(HeaderName::from_static(API_KEY_HEADER), sensitive(key.into().expose())) }
    }

    /// A key sent as `Authorization: Bearer <key>`, as newer Keap documentation shows.
    pub fn api_key_as_bearer(key: impl Into<Secret>) -> Self {
        Auth::bearer(key)
    }

    /// A fixed OAuth2 access token (no refresh).
    pub fn bearer(token: impl Into<Secret>) -> Self {
        Auth { kind: Kind::Static(AUTHORIZATION, bearer(token.into().expose())) }
    }

    /// OAuth2 with refresh: the token is refreshed at the token URL shortly before it
    /// expires, and once when the server answers 401.
    pub fn oauth2(client_id: impl Into<String>, client_secret: impl Into<Secret>, tokens: Tokens) -> OAuth2Builder {
        OAuth2Builder {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            tokens,
            token_url: DEFAULT_TOKEN_URL.to_owned(),
            on_refresh: None,
            store: None,
            margin: Duration::from_secs(300),
        }
    }

    /// OAuth2 with the tokens `store` holds; every new pair is saved back to it (see
    /// [`TokenStore`]). Fails with [`AuthErrorKind::Store`] if the store cannot be read or
    /// holds no tokens (then authorize the app and save the pair in the store first).
    pub async fn oauth2_from_store(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        store: impl TokenStore,
    ) -> Result<OAuth2Builder, Error> {
        let tokens = match store.load().await {
            Ok(Some(tokens)) => tokens,
            Ok(None) => {
                return Err(Error::Auth(AuthError::new(
                    AuthErrorKind::Store,
                    "the token store holds no OAuth2 tokens: have the user authorize the app and save \
                     the tokens you receive in the store",
                )))
            }
            Err(e) => {
                return Err(Error::Auth(AuthError::new(
                    AuthErrorKind::Store,
                    format!("the token store could not load the OAuth2 tokens: {e}; fix the store and start again"),
                )))
            }
        };
        Ok(Auth::oauth2(client_id, client_secret, tokens).token_store(store))
    }
}

impl Auth {
    /// What a quota belongs to, for naming a shared quota store (hashed there, never shown):
    /// the key (or fixed bearer token), or the OAuth2 app's client id.
    #[cfg_attr(not(feature = "redis"), allow(dead_code, reason = "only the shared quota store names itself"))]
    pub(crate) fn quota_identity(&self) -> Vec<u8> {
        match &self.kind {
            Kind::None => b"none".to_vec(),
            // A key is one quota whichever header carries it.
            Kind::Static(_, value) => {
                let v = value.as_bytes();
                [b"key ".as_slice(), v.strip_prefix(b"Bearer ".as_slice()).unwrap_or(v)].concat()
            }
            Kind::OAuth2(o) => [b"oauth2 ".as_slice(), o.client_id.as_bytes()].concat(),
        }
    }
}

impl From<OAuth2Builder> for Auth {
    fn from(b: OAuth2Builder) -> Self {
        b.build()
    }
}

/// Settings for [`Auth::oauth2`].
pub struct OAuth2Builder {
    client_id: String,
    client_secret: Secret,
    tokens: Tokens,
    token_url: String,
    on_refresh: Option<OnRefresh>,
    store: Option<Arc<dyn TokenStore>>,
    margin: Duration,
}

impl OAuth2Builder {
    /// Refreshes somewhere else than Keap's token URL.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = url.into();
        self
    }

    /// Hands every new token pair to `f` (store it: the old refresh token is spent). `f`
    /// cannot report a failure; prefer [`token_store`](Self::token_store) for saving.
    pub fn on_refresh(mut self, f: impl Fn(&Tokens) + Send + Sync + 'static) -> Self {
        self.on_refresh = Some(Arc::new(f));
        self
    }

    /// Saves every new token pair to `store`, retrying a failed save (see [`TokenStore`]).
    pub fn token_store(mut self, store: impl TokenStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Refreshes this long before expiry (default 5 minutes).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The finished [`Auth`].
    pub fn build(self) -> Auth {
        let header = bearer(self.tokens.access_token.expose());
        Auth {
            kind: Kind::OAuth2(Arc::new(OAuth2 {
                current: RwLock::new(Current { generation: 0, header, tokens: self.tokens }),
                flight: tokio::sync::Mutex::new(Flight::default()),
                failures: Default::default(),
                client_id: self.client_id,
                client_secret: self.client_secret,
                token_url: self.token_url,
                on_refresh: self.on_refresh,
                store: self.store,
                margin: self.margin,
            })),
        }
    }
}

fn sensitive(value: &str) -> HeaderValue {
    // A value with bytes a header cannot carry becomes empty, and the server says 401.
    let mut v = HeaderValue::from_str(value.trim()).unwrap_or_else(|_| HeaderValue::from_static(""));
    v.set_sensitive(true);
    v
}

fn bearer(token: &str) -> HeaderValue {
    sensitive(&format!("Bearer {}", token.trim()))
}

pub(crate) struct OAuth2 {
    current: RwLock<Current>,
    /// Held while refreshing and saving (single flight, saves in order).
    flight: tokio::sync::Mutex<Flight>,
    /// Counts failed refreshes: callers that waited for one share its error instead of
    /// each retrying in turn.
    failures: std::sync::atomic::AtomicU64,
    client_id: String,
    client_secret: Secret,
    token_url: String,
    on_refresh: Option<OnRefresh>,
    store: Option<Arc<dyn TokenStore>>,
    margin: Duration,
}

struct Current {
    /// Counts refreshes: a caller that saw generation `g` refreshes only if it is still `g`.
    generation: u64,
    header: HeaderValue,
    tokens: Tokens,
}

/// What refreshes leave for the next one.
#[derive(Default)]
struct Flight {
    /// An attempt with the current refresh token may have reached the server and its
    /// answer was lost: the server may have rotated the token already.
    maybe_rotated: bool,
    /// Why the last refresh failed, for the callers that waited for it.
    last_error: Option<AuthError>,
    /// With a store the fleet shares: the version of the stored pair this process last
    /// took or saved. Another version there means another process refreshed.
    synced: Option<u64>,
}

struct TokenResponse {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<u64>,
}

impl<'de> serde::Deserialize<'de> for TokenResponse {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut f = super::object::Fields::read(d)?;
        Ok(TokenResponse {
            access_token: f.require("access_token", super::object::plain)?,
            refresh_token: f.get("refresh_token", super::object::plain)?,
            expires_in: f.get("expires_in", super::object::plain)?,
        })
    }
}

/// What one call to the token endpoint came to, short of a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TokenAnswer {
    /// The connection failed before the request went out.
    Unsent,
    /// The request went out and no usable answer came back (timeout, reset, unreadable
    /// body): the server may have rotated the refresh token.
    Lost,
    /// A status outside 2xx, with the OAuth2 `error` code if the body had one.
    Status(u16, Option<String>),
    /// A 2xx whose body is not a token: the server has probably rotated the refresh token.
    NotAToken,
}

/// What to do after a failed token request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Try again after a backoff.
    Retry,
    /// Give up with this kind of error.
    Fail(AuthErrorKind),
}

/// The refresh decision. `maybe_rotated`: an earlier attempt with this refresh token may
/// have been processed; `can_retry`: the retry policy allows another attempt.
pub(crate) fn next_step(answer: &TokenAnswer, maybe_rotated: bool, can_retry: bool) -> Next {
    let refused = if maybe_rotated { AuthErrorKind::ProbablyRotated } else { AuthErrorKind::Refused };
    let transient = if can_retry { Next::Retry } else { Next::Fail(AuthErrorKind::Unavailable) };
    match answer {
        TokenAnswer::Unsent | TokenAnswer::Lost => transient,
        TokenAnswer::NotAToken => Next::Fail(AuthErrorKind::ProbablyRotated),
        TokenAnswer::Status(status, error) => match (status, error.as_deref()) {
            (408 | 429 | 500..=599, _) => transient,
            (400 | 401, Some("invalid_client" | "unauthorized_client" | "unsupported_grant_type")) => {
                Next::Fail(AuthErrorKind::Misconfigured)
            }
            (400 | 401, _) => Next::Fail(refused),
            _ => Next::Fail(AuthErrorKind::Misconfigured),
        },
    }
}

/// Whether the server may have processed a request that came to `answer`: anything but a
/// connect failure or a definite rejection (429, 5xx) may have rotated the token.
fn may_have_rotated(answer: &TokenAnswer) -> bool {
    match answer {
        TokenAnswer::Unsent => false,
        TokenAnswer::Lost | TokenAnswer::NotAToken => true,
        TokenAnswer::Status(..) => false,
    }
}

/// A refresh's outcome: the header to send, and whether this caller rotated the tokens
/// (only that caller reports the refresh, so it is counted once).
pub(crate) struct Refresh {
    pub(crate) result: Result<(u64, HeaderValue), Error>,
    pub(crate) rotated: bool,
}

/// How long to wait before retry `n` (1 is the first), or `None` when no retry is left.
pub(crate) type Backoff<'a> = &'a (dyn Fn(u32) -> Option<Duration> + Sync);

impl OAuth2 {
    /// The app's client id (what Keap counts an OAuth2 app's quota by).
    pub(crate) fn client_id(&self) -> &str {
        &self.client_id
    }
}

impl OAuth2 {
    /// The header to send and its generation; `Err(generation)` if it is about to expire.
    pub(crate) fn current(&self, now: SystemTime) -> Result<(u64, HeaderValue), u64> {
        let c = self.current.read().unwrap_or_else(|e| e.into_inner());
        let fresh = c.tokens.expires_at.is_none_or(|e| now + self.margin < e);
        if fresh {
            Ok((c.generation, c.header.clone()))
        } else {
            Err(c.generation)
        }
    }

    /// The current token pair.
    pub(crate) fn tokens(&self) -> Tokens {
        self.current.read().unwrap_or_else(|e| e.into_inner()).tokens.clone()
    }

    /// Refreshes unless another caller already replaced generation `seen`; every caller
    /// gets the newest header. Failed attempts are retried as `backoff` allows, sleeping on
    /// `clock`. With a store the fleet shares, the refresh runs under the fleet's lock, and
    /// a pair another process saved is taken instead of refreshing again.
    pub(crate) async fn refresh(
        &self,
        http: &reqwest::Client,
        seen: u64,
        clock: &dyn Clock,
        backoff: Backoff<'_>,
    ) -> Refresh {
        use std::sync::atomic::Ordering::SeqCst;
        let failures = self.failures.load(SeqCst);
        let mut flight = self.flight.lock().await;
        {
            let c = self.current.read().unwrap_or_else(|e| e.into_inner());
            if c.generation != seen {
                return Refresh { result: Ok((c.generation, c.header.clone())), rotated: false };
            }
        }
        if let Some(e) = flight.last_error.as_ref().filter(|_| self.failures.load(SeqCst) != failures) {
            return Refresh { result: Err(Error::Auth(e.clone())), rotated: false };
        }
        let lease = match &self.store {
            Some(store) => match store.lock_refresh().await {
                Ok(lease) => lease,
                Err(e) => {
                    let error = AuthError::new(
                        AuthErrorKind::Store,
                        format!(
                            "the token store could not take the fleet's refresh lock: {e}; the tokens are \
                             unchanged, try again later"
                        ),
                    );
                    flight.last_error = Some(error.clone());
                    self.failures.fetch_add(1, SeqCst);
                    return Refresh { result: Err(Error::Auth(error)), rotated: false };
                }
            },
            None => None,
        };
        let outcome = self.refresh_locked(&mut flight, lease.as_deref(), http, clock, backoff).await;
        if let Some(lease) = lease {
            if let Err(e) = lease.release().await {
                // It expires by itself; the others wait at most its time to live.
                tracing::warn!(error = %e, "keap: could not release the fleet's token refresh lock");
            }
        }
        outcome
    }

    /// The refresh itself, under the fleet's lock if there is one.
    async fn refresh_locked(
        &self,
        flight: &mut Flight,
        lease: Option<&dyn RefreshLease>,
        http: &reqwest::Client,
        clock: &dyn Clock,
        backoff: Backoff<'_>,
    ) -> Refresh {
        use std::sync::atomic::Ordering::SeqCst;
        let stored = lease.and_then(|l| l.stored());
        if let Some((tokens, version)) = stored {
            let ours = self.tokens().refresh_token;
            if flight.synced != Some(version) && tokens.refresh_token != ours {
                // Another process refreshed: its pair is the newest, and ours is spent.
                flight.synced = Some(version);
                flight.maybe_rotated = false;
                flight.last_error = None;
                let (generation, header) = self.install(tokens.clone());
                tracing::info!(generation, "keap: oauth2 tokens taken from the shared store");
                if tokens.expires_at.is_none_or(|e| clock.now() + self.margin < e) {
                    return Refresh { result: Ok((generation, header)), rotated: false };
                }
            }
        }
        let refresh_token = self.tokens().refresh_token;
        // Under a lease, each attempt must end before the lock does.
        let timeout = lease.map(|l| l.time_to_live() / 2);
        let mut retry = 0;
        let t = loop {
            if let Some(lease) = lease {
                if let Err(e) = lease.extend().await {
                    tracing::warn!(error = %e, "keap: could not extend the fleet's token refresh lock");
                }
            }
            let answer = match self.request(http, &refresh_token, timeout).await {
                Ok(t) => break t,
                Err(answer) => answer,
            };
            flight.maybe_rotated |= may_have_rotated(&answer);
            retry += 1;
            let delay = backoff(retry);
            match next_step(&answer, flight.maybe_rotated, delay.is_some()) {
                Next::Retry => {
                    tracing::warn!(retry, answer = ?answer, "keap: oauth2 token refresh failed; retrying");
                    clock.sleep(delay.unwrap_or_default()).await;
                }
                Next::Fail(kind) => {
                    let error = AuthError::new(kind, self.explain(kind, &answer, flight.maybe_rotated));
                    flight.last_error = Some(error.clone());
                    self.failures.fetch_add(1, SeqCst);
                    return Refresh { result: Err(Error::Auth(error)), rotated: false };
                }
            }
        };
        flight.maybe_rotated = false;
        flight.last_error = None;
        let tokens = Tokens {
            access_token: Secret(t.access_token),
            refresh_token: t.refresh_token.map(Secret).unwrap_or(refresh_token),
            expires_at: t.expires_in.map(|s| clock.now() + Duration::from_secs(s)),
        };
        // In use at once, saved or not: the old refresh token is spent either way.
        let (generation, header) = self.install(tokens.clone());
        tracing::info!(generation, "keap: oauth2 access token refreshed");
        if let Some(f) = &self.on_refresh {
            f(&tokens);
        }
        let saved = match lease {
            Some(lease) => self.save_leased(lease, flight, &tokens, clock, backoff).await,
            None => self.save(&tokens, clock, backoff).await,
        };
        let result = match saved {
            Ok(()) => Ok((generation, header)),
            Err(e) => Err(Error::Auth(e)),
        };
        Refresh { result, rotated: true }
    }

    /// Makes `tokens` the pair in use; returns its generation and header.
    fn install(&self, tokens: Tokens) -> (u64, HeaderValue) {
        let header = bearer(tokens.access_token.expose());
        let mut c = self.current.write().unwrap_or_else(|e| e.into_inner());
        c.generation += 1;
        c.header = header.clone();
        c.tokens = tokens;
        (c.generation, header)
    }

    /// One call to the token endpoint.
    async fn request(
        &self,
        http: &reqwest::Client,
        refresh_token: &Secret,
        timeout: Option<Duration>,
    ) -> Result<TokenResponse, TokenAnswer> {
        let lost = |e: &reqwest::Error| if e.is_connect() { TokenAnswer::Unsent } else { TokenAnswer::Lost };
        let mut request = http
            .post(&self.token_url)
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token.expose())]);
        if let Some(timeout) = timeout {
            request = request.timeout(timeout);
        }
        let response = request.send().await.map_err(|e| lost(&e))?;
        let status = response.status();
        let body = match response.bytes().await {
            Ok(body) => body,
            // A rejection whose body broke off is still a rejection.
            Err(_) if !status.is_success() => Default::default(),
            Err(_) => return Err(TokenAnswer::Lost),
        };
        if !status.is_success() {
            let error = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
            return Err(TokenAnswer::Status(status.as_u16(), error));
        }
        serde_json::from_slice(&body).map_err(|_| TokenAnswer::NotAToken)
    }

    /// What went wrong and what to do, without any secret.
    fn explain(&self, kind: AuthErrorKind, answer: &TokenAnswer, maybe_rotated: bool) -> String {
        let url = &self.token_url;
        let what = match answer {
            TokenAnswer::Unsent => format!("could not connect to {url}"),
            TokenAnswer::Lost => format!("the request to {url} got no answer (timeout or dropped connection)"),
            TokenAnswer::Status(s, Some(e)) => format!("{url} answered HTTP {s}, {e}"),
            TokenAnswer::Status(s, None) => format!("{url} answered HTTP {s}"),
            TokenAnswer::NotAToken => format!("{url} answered 2xx with something that is not a token"),
        };
        match kind {
            AuthErrorKind::Refused => format!(
                "token refresh was refused ({what}): the refresh token is spent, revoked or expired; \
                 have the user authorize the app again and pass the new tokens to Auth::oauth2"
            ),
            AuthErrorKind::ProbablyRotated => format!(
                "token refresh failed ({what}) after an earlier refresh attempt whose answer was lost: \
                 that attempt probably rotated the refresh token, and the new one never arrived; \
                 have the user authorize the app again and pass the new tokens to Auth::oauth2"
            ),
            AuthErrorKind::Unavailable => format!(
                "token refresh failed ({what}), retries exhausted; the tokens are unchanged, try again later{}",
                if maybe_rotated {
                    " (an attempt may have reached the server: if the next refresh is refused, \
                     the user must authorize the app again)"
                } else {
                    ""
                }
            ),
            _ => {
                format!("token refresh was rejected ({what}): check the OAuth2 client id and secret and the token URL")
            }
        }
    }

    /// Saves `tokens` to the store, retrying as `backoff` allows.
    async fn save(&self, tokens: &Tokens, clock: &dyn Clock, backoff: Backoff<'_>) -> Result<(), AuthError> {
        let Some(store) = &self.store else { return Ok(()) };
        saving(clock, backoff, || store.save(tokens)).await
    }

    /// Saves `tokens` under the fleet's lock, retrying as `backoff` allows. A newer pair in
    /// the store (this process stalled past its lock) is left as it is.
    async fn save_leased(
        &self,
        lease: &dyn RefreshLease,
        flight: &mut Flight,
        tokens: &Tokens,
        clock: &dyn Clock,
        backoff: Backoff<'_>,
    ) -> Result<(), AuthError> {
        if saving(clock, backoff, || lease.save(tokens)).await? {
            flight.synced = Some(lease.stored().map_or(0, |(_, v)| v) + 1);
        } else {
            tracing::warn!(
                "keap: another process saved newer oauth2 tokens while this one refreshed; \
                 keeping them in the store, this process takes them at its next refresh"
            );
        }
        Ok(())
    }
}

/// Runs `save` until it succeeds, retrying as `backoff` allows.
async fn saving<'a, T>(
    clock: &dyn Clock,
    backoff: Backoff<'_>,
    mut save: impl FnMut() -> super::tokens::StoreFuture<'a, T>,
) -> Result<T, AuthError> {
    let mut retry = 0;
    loop {
        let e = match save().await {
            Ok(saved) => return Ok(saved),
            Err(e) => e,
        };
        retry += 1;
        match backoff(retry) {
            Some(delay) => {
                tracing::warn!(retry, "keap: saving the refreshed oauth2 tokens failed; retrying");
                clock.sleep(delay).await;
            }
            None => return Err(unsaved(&*e)),
        }
    }
}

/// The error for new tokens the store could not take.
fn unsaved(e: &(dyn std::error::Error + Send + Sync)) -> AuthError {
    AuthError::new(
        AuthErrorKind::Store,
        format!(
            "the token store could not save the refreshed OAuth2 tokens: {e}; they are in memory and in \
             use, but the stored refresh token is spent: save Client::tokens() before this process ends, \
             or the user must authorize the app again"
        ),
    )
}

#[cfg(test)]
#[path = "tests/auth.rs"]
mod tests;
