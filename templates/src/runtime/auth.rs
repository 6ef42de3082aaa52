//! Credentials: a key (`X-Keap-API-Key` or `Authorization: Bearer`), a fixed OAuth2 access
//! token, or OAuth2 with refresh. Refresh is single-flight, because Keap rotates refresh
//! tokens: a second concurrent refresh would use a token the first one just spent.

use super::error::Error;
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

/// Keap's header for Personal Access Tokens and Service Account Keys.
pub const API_KEY_HEADER: &str = "x-keap-api-key";

/// Keap's OAuth2 token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://api.infusionsoft.com/token";

/// A secret string: never shown by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for storing it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// An OAuth2 token pair, as Keap issues it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tokens {
    /// Sent as `Authorization: Bearer` (valid 24 hours at Keap).
    pub access_token: Secret,
    /// Spent on refresh; Keap hands out a new one each time.
    pub refresh_token: Secret,
    /// When the access token expires, if known.
    pub expires_at: Option<SystemTime>,
}

impl Tokens {
    /// A pair whose access token expires at `expires_at` (`None`: refresh on the first 401).
    pub fn new(
        access_token: impl Into<Secret>,
        refresh_token: impl Into<Secret>,
        expires_at: Option<SystemTime>,
    ) -> Self {
        Tokens { access_token: access_token.into(), refresh_token: refresh_token.into(), expires_at }
    }
}

/// Called with every new token pair, so the application can store it: the old refresh
/// token no longer works.
pub type OnRefresh = Arc<dyn Fn(&Tokens) + Send + Sync>;

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
            margin: Duration::from_secs(300),
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
    margin: Duration,
}

impl OAuth2Builder {
    /// Refreshes somewhere else than Keap's token URL.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = url.into();
        self
    }

    /// Hands every new token pair to `f` (store it: the old refresh token is spent).
    pub fn on_refresh(mut self, f: impl Fn(&Tokens) + Send + Sync + 'static) -> Self {
        self.on_refresh = Some(Arc::new(f));
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
                current: RwLock::new(Current { generation: 0, header, expires_at: self.tokens.expires_at }),
                refresh_lock: tokio::sync::Mutex::new(self.tokens.refresh_token),
                client_id: self.client_id,
                client_secret: self.client_secret,
                token_url: self.token_url,
                on_refresh: self.on_refresh,
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
    /// Held while refreshing; guards the refresh token (single flight).
    refresh_lock: tokio::sync::Mutex<Secret>,
    client_id: String,
    client_secret: Secret,
    token_url: String,
    on_refresh: Option<OnRefresh>,
    margin: Duration,
}

struct Current {
    generation: u64,
    header: HeaderValue,
    expires_at: Option<SystemTime>,
}

#[derive(serde::Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<u64>,
}

impl OAuth2 {
    /// The header to send and its generation; `None` if it is about to expire.
    pub(crate) fn current(&self, now: SystemTime) -> Option<(u64, HeaderValue)> {
        let c = self.current.read().unwrap_or_else(|e| e.into_inner());
        let fresh = c.expires_at.is_none_or(|e| now + self.margin < e);
        fresh.then(|| (c.generation, c.header.clone()))
    }

    /// Refreshes unless another caller already replaced generation `seen`; every caller
    /// gets the newest header.
    pub(crate) async fn refresh(
        &self,
        http: &reqwest::Client,
        seen: Option<u64>,
        now: SystemTime,
    ) -> Result<(u64, HeaderValue), Error> {
        let mut refresh_token = self.refresh_lock.lock().await;
        {
            let c = self.current.read().unwrap_or_else(|e| e.into_inner());
            let replaced = seen.is_some_and(|g| g != c.generation);
            let fresh = seen.is_none() && c.expires_at.is_some_and(|e| now + self.margin < e);
            if replaced || fresh {
                return Ok((c.generation, c.header.clone()));
            }
        }
        let fail = |what: String| Error::Auth(what);
        let response = http
            .post(&self.token_url)
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token.expose())])
            .send()
            .await
            .map_err(|e| fail(format!("token refresh request to {} failed: {}", self.token_url, e.without_url())))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| fail(format!("token refresh response unreadable: {}", e.without_url())))?;
        if !status.is_success() {
            let reason = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
                .unwrap_or_default();
            return Err(fail(format!(
                "token refresh was refused (HTTP {}{}{}): the refresh token is spent, revoked or expired; \
                 have the user authorize the app again and pass the new tokens to Auth::oauth2",
                status.as_u16(),
                if reason.is_empty() { "" } else { ", " },
                reason
            )));
        }
        let t: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| fail(format!("token refresh answered something that is not a token: {e}")))?;
        let tokens = Tokens {
            access_token: Secret(t.access_token),
            refresh_token: t.refresh_token.map(Secret).unwrap_or_else(|| refresh_token.clone()),
            expires_at: t.expires_in.map(|s| now + Duration::from_secs(s)),
        };
        let header = bearer(tokens.access_token.expose());
        let generation = {
            let mut c = self.current.write().unwrap_or_else(|e| e.into_inner());
            c.generation += 1;
            c.header = header.clone();
            c.expires_at = tokens.expires_at;
            c.generation
        };
        *refresh_token = tokens.refresh_token.clone();
        tracing::info!(generation, "keap: oauth2 access token refreshed");
        if let Some(f) = &self.on_refresh {
            f(&tokens);
        }
        Ok((generation, header))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show() {
        let auth = Auth::api_key("pat-123");
        assert!(!format!("{auth:?}").contains("pat-123"));
        let oauth: Auth = Auth::oauth2("id", "shh", Tokens::new("at-1", "rt-1", None)).build();
        let shown = format!("{oauth:?} {:?}", Tokens::new("at-1", "rt-1", None));
        assert!(!shown.contains("shh") && !shown.contains("at-1") && !shown.contains("rt-1"), "{shown}");
    }
}
