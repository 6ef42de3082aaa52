//! `RedisTokens` (the `redis` feature): the OAuth2 token pair in Redis, shared by every
//! process of a fleet, with a fleet-wide refresh lock and a versioned save, so that a
//! rotated refresh token is spent once and every process takes the newest pair.

use super::clock::{Clock, TokioClock};
use super::redis_link::{hashed, random_id, Redis};
use super::tokens::{RefreshLease, Secret, StoreFuture, TokenStore, Tokens};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Saves `ARGV[2]` as version `ARGV[1] + 1` if the stored version is still `ARGV[1]`.
const SAVE_IF: &str = r#"
if tonumber(redis.call('HGET', KEYS[1], 'v') or '0') ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 't', ARGV[2], 'v', tonumber(ARGV[1]) + 1)
return 1
"#;

/// Saves `ARGV[1]` as the next version, whatever is there.
const SAVE: &str = r#"
local v = redis.call('HINCRBY', KEYS[1], 'v', 1)
redis.call('HSET', KEYS[1], 't', ARGV[1])
return v
"#;

/// Extends (`ARGV[2]` ms) or, with `ARGV[2]` 0, releases the lock if `ARGV[1]` holds it.
const LOCK: &str = r#"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
else
  redis.call('DEL', KEYS[1])
end
return 1
"#;

/// The OAuth2 token pair of one Keap account, kept in Redis for every process of a fleet
/// (a [`TokenStore`]).
///
/// Refreshes are single-flight across the fleet: a process refreshes under a lock in Redis
/// ([`lock_ttl`](Self::lock_ttl), 30 s by default, extended before each attempt); the
/// others wait for it and then take the pair it saved, so a rotated refresh token is never
/// used twice. A process killed while holding the lock holds up the others at most until
/// the lock expires. Saves are versioned: a process that stalled past its lock cannot
/// overwrite a newer pair.
///
/// Keys: `{prefix}keap:{t:<hash of the account name>}:pair` (a hash: version and the pair
/// as JSON, which holds both secrets: keep the Redis private) and `...:lock`.
///
/// Put the first pair in with [`TokenStore::save`] after the user authorizes the app, then
/// start every process with [`Auth::oauth2_from_store`](super::Auth::oauth2_from_store).
///
/// Waiting for another process's lock runs on tokio's clock ([`TokioClock`]), or on the one
/// given to [`clock`](Self::clock): a [`TokenStore`] is not handed the client's.
#[derive(Clone)]
pub struct RedisTokens {
    redis: Redis,
    pair: String,
    lock: String,
    ttl: Duration,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for RedisTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokens")
            .field("redis", &self.redis)
            .field("pair", &self.pair)
            .field("lock", &self.lock)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl RedisTokens {
    /// The pair named `account` (your name for the Keap account the app is authorized
    /// for; only its hash appears in Redis).
    pub fn new(redis: &Redis, account: &str) -> Self {
        let id = hashed(account.as_bytes());
        RedisTokens {
            redis: redis.clone(),
            pair: redis.key("t", &id, "pair"),
            lock: redis.key("t", &id, "lock"),
            ttl: Duration::from_secs(30),
            clock: Arc::new(TokioClock::new()),
        }
    }

    /// Waits for another process's refresh lock on `clock` (default tokio's, which a test
    /// under tokio's paused time simulates): give it the client's
    /// ([`ClientBuilder::clock`](super::ClientBuilder::clock)) when that is not tokio's.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How long the refresh lock lasts without being extended (default 30 s): how long a
    /// killed holder can hold up the fleet. Each token request under it gets half of it.
    pub fn lock_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.max(Duration::from_millis(100));
        self
    }

    async fn read(&self) -> Result<Option<(Tokens, u64)>, Box<dyn std::error::Error + Send + Sync>> {
        let (version, text): (Option<u64>, Option<String>) =
            self.redis.command(redis::cmd("HMGET").arg(&self.pair).arg("v").arg("t")).await?;
        let (Some(version), Some(text)) = (version, text) else { return Ok(None) };
        match decode(&text) {
            Some(tokens) => Ok(Some((tokens, version))),
            None => Err(format!("the token pair at `{}` is not what RedisTokens writes", self.pair).into()),
        }
    }

    async fn lock(&self) -> Result<Option<Box<dyn RefreshLease>>, Box<dyn std::error::Error + Send + Sync>> {
        let holder = random_id();
        let ttl_ms = self.ttl.as_millis() as u64;
        // A live holder extends the lock; one that died lets it expire: wait out two lives.
        let give_up = self.clock.now() + self.ttl * 2;
        let mut pause = Duration::from_millis(10);
        loop {
            let taken: Option<String> = self
                .redis
                .command(redis::cmd("SET").arg(&self.lock).arg(&holder).arg("NX").arg("PX").arg(ttl_ms))
                .await?;
            if taken.is_some() {
                let stored = match self.read().await {
                    Ok(stored) => stored,
                    Err(e) => {
                        let _ = self.unlock(&holder, 0).await;
                        return Err(e);
                    }
                };
                return Ok(Some(Box::new(Lease { store: self.clone(), holder, stored })));
            }
            if self.clock.now() >= give_up {
                return Err(format!(
                    "another process has held the token refresh lock `{}` for over {} s",
                    self.lock,
                    (self.ttl * 2).as_secs()
                )
                .into());
            }
            self.clock.sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }

    /// Extends (`ms` > 0) or releases the lock if `holder` still holds it.
    async fn unlock(&self, holder: &str, ms: u64) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let script = redis::Script::new(LOCK);
        let mut invocation = script.prepare_invoke();
        invocation.key(&self.lock).arg(holder).arg(ms);
        self.redis.run::<i64>(&invocation).await.map(drop)
    }
}

impl TokenStore for RedisTokens {
    fn load(&self) -> StoreFuture<'_, Option<Tokens>> {
        Box::pin(async { Ok(self.read().await?.map(|(tokens, _)| tokens)) })
    }

    fn save<'a>(&'a self, tokens: &'a Tokens) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let script = redis::Script::new(SAVE);
            let mut invocation = script.prepare_invoke();
            invocation.key(&self.pair).arg(encode(tokens));
            self.redis.run::<i64>(&invocation).await.map(drop)
        })
    }

    fn lock_refresh(&self) -> StoreFuture<'_, Option<Box<dyn RefreshLease>>> {
        Box::pin(self.lock())
    }
}

/// The lock, held by `holder`, and the pair read under it.
struct Lease {
    store: RedisTokens,
    holder: String,
    stored: Option<(Tokens, u64)>,
}

impl RefreshLease for Lease {
    fn stored(&self) -> Option<(&Tokens, u64)> {
        self.stored.as_ref().map(|(tokens, version)| (tokens, *version))
    }

    fn time_to_live(&self) -> Duration {
        self.store.ttl
    }

    fn extend(&self) -> StoreFuture<'_, ()> {
        Box::pin(self.store.unlock(&self.holder, self.store.ttl.as_millis() as u64))
    }

    fn save<'a>(&'a self, tokens: &'a Tokens) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let script = redis::Script::new(SAVE_IF);
            let mut invocation = script.prepare_invoke();
            let version = self.stored.as_ref().map_or(0, |(_, v)| *v);
            invocation.key(&self.store.pair).arg(version).arg(encode(tokens));
            Ok(self.store.redis.run::<i64>(&invocation).await? == 1)
        })
    }

    fn release(self: Box<Self>) -> StoreFuture<'static, ()> {
        Box::pin(async move { self.store.unlock(&self.holder, 0).await })
    }
}

/// `{"access_token": ..., "refresh_token": ..., "expires_at": <Unix seconds or null>}`, as
/// the `serde-tokens` feature writes it.
fn encode(tokens: &Tokens) -> String {
    let expires_at = tokens.expires_at.map(|t| t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()));
    serde_json::json!({
        "access_token": tokens.access_token.expose(),
        "refresh_token": tokens.refresh_token.expose(),
        "expires_at": expires_at,
    })
    .to_string()
}

fn decode(text: &str) -> Option<Tokens> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let access = v.get("access_token")?.as_str()?;
    let refresh = v.get("refresh_token")?.as_str()?;
    let expires_at =
        v.get("expires_at").and_then(|e| e.as_u64()).map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s));
    Some(Tokens::new(Secret::new(access), Secret::new(refresh), expires_at))
}

#[cfg(test)]
#[path = "tests/redis_tokens.rs"]
mod tests;
