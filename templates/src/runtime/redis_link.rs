//! The Redis a fleet of processes shares (the `redis` feature): one multiplexed connection
//! that reconnects by itself, every command bounded by a timeout, and the keys' namespace.
//! [`RedisQuota`](super::RedisQuota) and [`RedisTokens`](super::RedisTokens) are built on it.

use super::error::Error;
use super::quota::StoreError;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A Redis server the processes of a fleet share. Cheap to clone: clones share one
/// connection.
///
/// It connects on first use, not here, and reconnects after a failure by itself, so a
/// process may start while Redis is down, and a Redis that comes back is used again without
/// a restart. Every command waits at most [`command_timeout`](Self::command_timeout).
/// Plain TCP or a Unix socket (`redis://`, `redis+unix://`); TLS is not built in.
#[derive(Clone)]
pub struct Redis {
    link: Arc<Link>,
}

struct Link {
    client: redis::Client,
    connection: tokio::sync::OnceCell<ConnectionManager>,
    prefix: String,
    timeout: Duration,
    /// `Redis at host:port`, for messages: never the password.
    name: String,
}

impl fmt::Debug for Redis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redis")
            .field("at", &self.link.name)
            .field("prefix", &self.link.prefix)
            .field("command_timeout", &self.link.timeout)
            .finish()
    }
}

impl Redis {
    /// The Redis at `url` (`redis://[:password@]host[:port][/db]`). Fails with
    /// [`Error::Config`] when the URL does not parse; nothing is connected yet.
    pub fn open(url: &str) -> Result<Redis, Error> {
        // The URL may hold a password: it is never repeated in a message.
        let client = redis::Client::open(url).map_err(|e| {
            Error::Config(format!("the Redis URL does not parse ({:?}): write redis://host:port/", e.kind()))
        })?;
        let name = format!("Redis at {}", client.get_connection_info().addr());
        Ok(Redis {
            link: Arc::new(Link {
                client,
                connection: tokio::sync::OnceCell::new(),
                prefix: String::new(),
                timeout: Duration::from_secs(1),
                name,
            }),
        })
    }

    /// Puts `prefix` before every key (to share one Redis between applications). Call
    /// before first use.
    pub fn prefix(self, prefix: impl Into<String>) -> Self {
        self.with(|link| link.prefix = prefix.into())
    }

    /// The longest one command may take, connecting included (default 1 s). Past it the
    /// command counts as failed, and the quota store treats Redis as unreachable. Call
    /// before first use.
    pub fn command_timeout(self, timeout: Duration) -> Self {
        self.with(|link| link.timeout = timeout)
    }

    fn with(self, change: impl FnOnce(&mut Link)) -> Self {
        let l = &self.link;
        let mut link = Link {
            client: l.client.clone(),
            connection: tokio::sync::OnceCell::new(),
            prefix: l.prefix.clone(),
            timeout: l.timeout,
            name: l.name.clone(),
        };
        change(&mut link);
        Redis { link: Arc::new(link) }
    }

    /// `{prefix}keap:{<kind>:<id>}:<name>`: the braces keep one store's keys in one slot
    /// of a Redis Cluster, so that a script may touch them all.
    pub(crate) fn key(&self, kind: &str, id: &str, name: &str) -> String {
        format!("{}keap:{{{kind}:{id}}}:{name}", self.link.prefix)
    }

    /// Runs a script, within the command timeout. Errors name this Redis.
    pub(crate) async fn run<T: redis::FromRedisValue>(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Result<T, StoreError> {
        self.bounded(async { invocation.invoke_async::<T>(&mut self.connection().await?).await }).await
    }

    /// Runs one command, within the command timeout.
    pub(crate) async fn command<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, StoreError> {
        self.bounded(async { cmd.query_async::<T>(&mut self.connection().await?).await }).await
    }

    /// The shared connection, set up on first use (lazily: nothing is sent until a command).
    async fn connection(&self) -> redis::RedisResult<ConnectionManager> {
        let link = &self.link;
        let connection = link
            .connection
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(link.timeout))
                    .set_response_timeout(Some(link.timeout))
                    // One quick retry; the caller decides how long to keep trying.
                    .set_number_of_retries(1)
                    .set_max_delay(link.timeout);
                ConnectionManager::new_lazy_with_config(link.client.clone(), config)
            })
            .await?;
        Ok(connection.clone())
    }

    /// `work` within the command timeout, its error naming this Redis.
    async fn bounded<T>(
        &self,
        work: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StoreError> {
        let link = &self.link;
        match tokio::time::timeout(link.timeout, work).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(format!("{}: {}", link.name, describe(&e)).into()),
            Err(_) => Err(format!("{}: no answer within {} ms", link.name, link.timeout.as_millis()).into()),
        }
    }
}

/// What went wrong, without anything of the request (a script's arguments may be secret).
fn describe(e: &redis::RedisError) -> String {
    if e.is_connection_refusal() {
        "connection refused".to_owned()
    } else if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_io_error() || e.is_connection_dropped() {
        format!("connection failed ({:?})", e.kind())
    } else {
        format!("{:?}: {}", e.kind(), e.detail().unwrap_or(""))
    }
}

/// The first 16 hex digits of the SHA-1 of `secret`: a store's name that never reveals the
/// credential it belongs to, the same in every process and every build.
pub(crate) fn hashed(secret: &[u8]) -> String {
    sha1_smol::Sha1::from(secret).digest().to_string()[..16].to_owned()
}

/// A random id for this process's entries (no random-number crate: std's hasher keys are
/// random per process).
pub(crate) fn random_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    format!("{:016x}", h.finish())
}
