//! Secrets and the OAuth2 token pair: `Secret` (never shown), `Tokens`, and `TokenStore`,
//! where an application keeps the pair between runs (Keap rotates refresh tokens, so every
//! new pair must be kept).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

/// A secret string: never shown by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub(super) String);

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
///
/// With the crate feature `serde-tokens` it is `Serialize` and `Deserialize`, as
/// `{"access_token": "...", "refresh_token": "...", "expires_at": 1767225600}` (`expires_at`
/// in Unix seconds, or `null`). That text holds both secrets: keep it where only the
/// application can read it.
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

#[cfg(feature = "serde-tokens")]
impl serde::Serialize for Tokens {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let expires_at = self.expires_at.map(|t| t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()));
        let mut o = s.serialize_struct("Tokens", 3)?;
        o.serialize_field("access_token", self.access_token.expose())?;
        o.serialize_field("refresh_token", self.refresh_token.expose())?;
        o.serialize_field("expires_at", &expires_at)?;
        o.end()
    }
}

#[cfg(feature = "serde-tokens")]
impl<'de> serde::Deserialize<'de> for Tokens {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use super::object::{plain, Fields};
        let mut f = Fields::read(d)?;
        let access_token: String = f.require("access_token", plain)?;
        let refresh_token: String = f.require("refresh_token", plain)?;
        let expires_at: Option<u64> = f.get("expires_at", plain)?;
        let expires_at = expires_at.map(|s| SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(s));
        Ok(Tokens::new(access_token, refresh_token, expires_at))
    }
}

/// Called with every new token pair, so the application can store it: the old refresh
/// token no longer works. It cannot fail; a [`TokenStore`] can.
pub type OnRefresh = Arc<dyn Fn(&Tokens) + Send + Sync>;

/// What a [`TokenStore`] returns: a boxed future with an error of the store's own.
pub type StoreFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, Box<dyn std::error::Error + Send + Sync>>> + Send + 'a>>;

/// Where OAuth2 tokens are kept between runs (a file, a database row, a secrets manager).
///
/// [`Auth::oauth2_from_store`](super::Auth::oauth2_from_store) loads the pair at start;
/// every rotation is saved before the request that caused it goes on. A failed save is
/// retried as the client's [`RetryPolicy`](super::RetryPolicy) says, then that request fails
/// with [`AuthErrorKind::Store`](super::AuthErrorKind::Store); the new pair stays in memory
/// and keeps being used (read it with `Client::tokens` to save it elsewhere). Saves never
/// overlap and come in rotation order. Errors are shown to the application: keep secrets
/// out of them.
///
/// A store that several processes share (the `redis` feature's `RedisTokens`) also
/// implements [`lock_refresh`](Self::lock_refresh), so that one refresh at a time runs in
/// the whole fleet and the others take the pair it saved.
pub trait TokenStore: Send + Sync + 'static {
    /// The pair saved last; `None` if there is none yet.
    fn load(&self) -> StoreFuture<'_, Option<Tokens>>;
    /// Replaces the stored pair with `tokens` (the refresh token in the old pair is spent).
    fn save<'a>(&'a self, tokens: &'a Tokens) -> StoreFuture<'a, ()>;
    /// Takes the lock every process of the fleet refreshes under, waiting for another
    /// holder, and reads the stored pair under it. `None` (the default): the store is this
    /// process's own, and the client's in-process single flight is enough.
    fn lock_refresh(&self) -> StoreFuture<'_, Option<Box<dyn RefreshLease>>> {
        Box::pin(async { Ok(None) })
    }
}

/// A fleet-wide refresh lock, held from [`TokenStore::lock_refresh`] until
/// [`release`](Self::release); it expires by itself after its time to live, so a process
/// killed while holding it blocks the others no longer than that.
pub trait RefreshLease: Send + Sync {
    /// The pair stored when the lock was taken, and its version (each save adds one).
    fn stored(&self) -> Option<(&Tokens, u64)>;
    /// How long the lock lasts unless extended; a token request under it must finish sooner.
    fn time_to_live(&self) -> std::time::Duration;
    /// Extends the lock to a full time to live (before each attempt of a slow refresh).
    fn extend(&self) -> StoreFuture<'_, ()>;
    /// Saves `tokens` as the next version, but only if the store still holds the version
    /// read under the lock: a process that stalled past its lock cannot overwrite a newer
    /// pair. `Ok(false)`: a newer pair is there, nothing was written.
    fn save<'a>(&'a self, tokens: &'a Tokens) -> StoreFuture<'a, bool>;
    /// Gives the lock up (if still held).
    fn release(self: Box<Self>) -> StoreFuture<'static, ()>;
}

impl<T: TokenStore + ?Sized> TokenStore for Arc<T> {
    fn load(&self) -> StoreFuture<'_, Option<Tokens>> {
        (**self).load()
    }
    fn save<'a>(&'a self, tokens: &'a Tokens) -> StoreFuture<'a, ()> {
        (**self).save(tokens)
    }
    fn lock_refresh(&self) -> StoreFuture<'_, Option<Box<dyn RefreshLease>>> {
        (**self).lock_refresh()
    }
}
