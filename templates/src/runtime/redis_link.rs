//! The Redis a fleet of processes shares (the `redis` feature): one multiplexed connection
//! that reconnects by itself, every command bounded by a timeout, and the keys' namespace.
//! [`RedisQuota`](super::RedisQuota) and [`RedisTokens`](super::RedisTokens) are built on it.

use super::clock::{random_u64, timeout, TokioClock};
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
///
/// Plain TCP, a Unix socket or TLS (`redis://`, `redis+unix://`, `rediss://`). Managed
/// Redis services mostly want TLS and an ACL user: `rediss://user:password@host:port/`
/// (percent-encode reserved characters of the user and password). TLS verifies the server
/// against the public roots (Mozilla's, as for Keap itself); for a private CA, give its
/// certificate to [`open_tls`](Self::open_tls). The password never shows in `Debug` output or
/// messages. Over the internet, allow the TLS handshake time in `command_timeout`.
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
    /// `rediss://`.
    tls: bool,
}

impl fmt::Debug for Redis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redis")
            .field("at", &self.link.name)
            .field("prefix", &self.link.prefix)
            .field("command_timeout", &self.link.timeout)
            .field("tls", &self.link.tls)
            .finish()
    }
}

impl Redis {
    /// The Redis at `url` (`redis://[[user]:password@]host[:port][/db]`, or `rediss://` for
    /// TLS). Fails with [`Error::Config`] when the URL does not parse; nothing is connected
    /// yet.
    pub fn open(url: &str) -> Result<Redis, Error> {
        Ok(Redis::on(parse(url)?))
    }

    /// The Redis at a `rediss://` `url` whose certificate a private CA signed:
    /// `root_ca_pem` holds that CA's certificate (PEM; several may follow one another), trusted
    /// instead of the public roots. Fails with [`Error::Config`] when the URL is not
    /// `rediss://` or no certificate parses; nothing is connected yet.
    pub fn open_tls(url: &str, root_ca_pem: &[u8]) -> Result<Redis, Error> {
        let info = parse(url)?.get_connection_info().clone();
        if !matches!(info.addr(), redis::ConnectionAddr::TcpTls { .. }) {
            return Err(Error::Config("a CA certificate is for TLS: write rediss://host:port/".to_owned()));
        }
        // Without a certificate the trust store would be empty and every handshake fail later.
        if !root_ca_pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
            return Err(Error::Config("the Redis CA certificate holds no PEM certificate".to_owned()));
        }
        let certificates = redis::TlsCertificates { client_tls: None, root_cert: Some(root_ca_pem.to_vec()) };
        // Its errors are about the PEM only: the URL parsed above.
        let client = redis::Client::build_with_tls(info, certificates)
            .map_err(|e| Error::Config(format!("the Redis CA certificate does not parse: {e}")))?;
        Ok(Redis::on(client))
    }

    fn on(client: redis::Client) -> Redis {
        let addr = client.get_connection_info().addr();
        let name = format!("Redis at {addr}");
        Redis {
            link: Arc::new(Link {
                tls: matches!(addr, redis::ConnectionAddr::TcpTls { .. }),
                client,
                connection: tokio::sync::OnceCell::new(),
                prefix: String::new(),
                timeout: Duration::from_secs(1),
                name,
            }),
        }
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
            tls: l.tls,
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

    /// `work` within the command timeout (in tokio's time, as the connection's own timeouts
    /// are: it bounds real I/O), its error naming this Redis.
    async fn bounded<T>(
        &self,
        work: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StoreError> {
        let link = &self.link;
        match timeout(&TokioClock::new(), link.timeout, work).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(format!("{}: {}", link.name, describe(&e, link.tls)).into()),
            Err(_) => Err(format!("{}: no answer within {} ms", link.name, link.timeout.as_millis()).into()),
        }
    }
}

/// The URL as a client. The URL may hold a password: it is never repeated in a message.
fn parse(url: &str) -> Result<redis::Client, Error> {
    let client = redis::Client::open(url).map_err(|e| {
        Error::Config(format!(
            "the Redis URL does not parse ({:?}): write redis://host:port/ or rediss://user:password@host:port/",
            e.kind()
        ))
    })?;
    // Unverified TLS is not built in: it would fail at every connection instead.
    if matches!(client.get_connection_info().addr(), redis::ConnectionAddr::TcpTls { insecure: true, .. }) {
        return Err(Error::Config(
            "#insecure (no certificate check) is not supported: give the server's CA to Redis::open_tls".to_owned(),
        ));
    }
    Ok(client)
}

/// What went wrong, without anything of the request (a script's arguments may be secret).
fn describe(e: &redis::RedisError, tls: bool) -> String {
    if e.is_connection_refusal() {
        "connection refused".to_owned()
    } else if e.is_timeout() {
        "timed out".to_owned()
    } else if e.kind() == redis::ErrorKind::AuthenticationFailed {
        // The server's words are not kept: the password is the suspect, never shown.
        "authentication failed: check the user and password in the URL".to_owned()
    } else if e.is_io_error() || e.is_connection_dropped() {
        // An I/O error's own text (a certificate rejected, a reset) holds nothing of the URL
        // or of a command.
        let cause = std::error::Error::source(e).map_or_else(|| format!("{:?}", e.kind()), |c| c.to_string());
        let hint = match (tls, e.is_connection_dropped()) {
            // A TLS port drops a plain client at its first bytes.
            (false, true) => "; if the server wants TLS, write rediss://",
            (true, _) if cause.contains("certificate") => "; for a private CA, open with Redis::open_tls",
            _ => "",
        };
        format!("connection failed ({cause}){hint}")
    } else {
        format!("{:?}: {}", e.kind(), e.detail().unwrap_or(""))
    }
}

/// The first 16 hex digits of the SHA-1 of `secret`: a store's name that never reveals the
/// credential it belongs to, the same in every process and every build.
pub(crate) fn hashed(secret: &[u8]) -> String {
    sha1_smol::Sha1::from(secret).digest().to_string()[..16].to_owned()
}

/// A random id for this process's entries.
pub(crate) fn random_id() -> String {
    format!("{:016x}", random_u64())
}
