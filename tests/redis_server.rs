//! A real Redis for the fleet tests: `$KEAPGEN_REDIS_URL` (CI starts one), or a private
//! `redis-server` on a free port of 127.0.0.1, without persistence, killed when dropped.
//! Or one that speaks only TLS, with an ACL user, as managed Redis services do.
#![allow(dead_code, reason = "each test binary uses its own part of it")]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
    /// The certificates' directory of a TLS server (removed when dropped).
    tls: Option<PathBuf>,
}

/// The ACL user of a TLS server (its `default` user is off).
pub const TLS_USER: &str = "fleet";
/// The password of [`TLS_USER`]: `%` is percent-encoded in URLs (`%25`), as users must.
pub const TLS_PASSWORD: &str = "tls-s3cret%pw";

impl RedisServer {
    /// Starts `redis-server` on a free port and waits (at most 10 s) until it answers.
    pub fn start() -> RedisServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut server = RedisServer { port, child: None, tls: None };
        server.restart();
        server
    }

    /// Starts `redis-server` with TLS only (`--port 0`) on a free port, its certificate signed
    /// by a throwaway CA ([`ca_pem`](Self::ca_pem)) for 127.0.0.1 and localhost, and the ACL
    /// user [`TLS_USER`] the only one allowed in. Needs the `openssl` CLI and a redis-server
    /// built with TLS (Debian's is).
    pub fn start_tls() -> RedisServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("keapgen-redis-tls-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Made first, so that its drop removes the directory whatever fails next.
        let mut server = RedisServer { port, child: None, tls: Some(dir.clone()) };
        make_certificates(&dir);
        server.restart();
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// `rediss://user:password@127.0.0.1:port/`, the password percent-encoded.
    pub fn tls_url(&self, user: &str, password: &str) -> String {
        format!("rediss://{user}:{}@127.0.0.1:{}/", password.replace('%', "%25"), self.port)
    }

    /// The PEM certificate of the CA that signed a TLS server's certificate.
    pub fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(self.tls.as_ref().expect("a TLS server").join("ca.crt")).unwrap()
    }

    /// Starts it again on the same port, empty (no persistence).
    pub fn restart(&mut self) {
        let binary = std::env::var("KEAPGEN_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let port = self.port.to_string();
        let mut command = Command::new(&binary);
        command.args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        if let Some(dir) = &self.tls {
            let file = |name: &str| dir.join(name).into_os_string();
            let password = format!(">{TLS_PASSWORD}");
            command
                .args(["--port", "0", "--tls-port", &port, "--tls-auth-clients", "no"])
                .arg("--tls-cert-file")
                .arg(file("server.crt"))
                .arg("--tls-key-file")
                .arg(file("server.key"))
                .arg("--tls-ca-cert-file")
                .arg(file("ca.crt"))
                // Each word of an ACL rule is its own argument.
                .args(["--user", TLS_USER, "on", &password, "~*", "&*", "+@all", "--user", "default", "off"])
                // Its log says why it stopped (a build without TLS refuses `--tls-port`).
                .stdout(std::fs::File::create(dir.join("redis.log")).unwrap());
        } else {
            command.args(["--port", &port]).stdout(Stdio::null());
        }
        let child = command.stderr(Stdio::null()).spawn().unwrap_or_else(|e| {
            panic!("cannot start `{binary}` ({e}): install Debian's redis-server, or set KEAPGEN_REDIS_URL")
        });
        // Kept before waiting, so that a failed wait kills it too.
        let child = self.child.insert(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                let log = self.tls.as_ref().and_then(|d| std::fs::read_to_string(d.join("redis.log")).ok());
                panic!(
                    "`{binary}` exited ({status}) before listening on port {}{}",
                    self.port,
                    log.map(|log| format!(
                        ": with TLS it needs a build with TLS support (Debian's redis-server 6 or later; \
                         or set KEAPGEN_REDIS_SERVER to one). Its log:\n{log}"
                    ))
                    .unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "redis-server did not listen on port {} within 10 s", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills it: its data is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes (`SIGSTOP`) or thaws (`SIGCONT`) it: a Redis that does not answer.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(status.success(), "kill {signal} {pid}");
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        if let Some(dir) = &self.tls {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A CA (`ca.crt`) and a server certificate it signed (`server.crt`, `server.key`) for
/// 127.0.0.1 and localhost, in `dir`, with the `openssl` CLI. EC P-256: fast to make.
fn make_certificates(dir: &Path) {
    let openssl = |args: &str| {
        let args: Vec<_> = args.split_whitespace().collect();
        let out = Command::new("openssl").args(&args).current_dir(dir).output().unwrap_or_else(|e| {
            panic!("cannot run `openssl` ({e}): the TLS fleet test makes its certificates with it; install Debian's openssl")
        });
        assert!(out.status.success(), "openssl {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    };
    let key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    // The CA's extensions spelled out: webpki refuses a CA without them, and defaults vary.
    openssl(&format!(
        "req -x509 -new {key} -keyout ca.key -out ca.crt -days 2 -subj /CN=keapgen-test-CA \
         -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign"
    ));
    openssl(&format!("req -new {key} -keyout server.key -out server.csr -subj /CN=localhost"));
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        "x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 \
         -extfile server.ext",
    );
}

/// The Redis CI started, or a private one (kept alive by the returned guard).
pub fn shared() -> (String, Option<RedisServer>) {
    match std::env::var("KEAPGEN_REDIS_URL") {
        Ok(url) if !url.is_empty() => (url, None),
        _ => {
            let server = RedisServer::start();
            (server.url(), Some(server))
        }
    }
}
