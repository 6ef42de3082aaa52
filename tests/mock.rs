//! A small scripted HTTP/1.1 server on 127.0.0.1 for the tests: keep-alive, concurrent
//! connections, every request recorded, every answer chosen by a handler. [`serve`] takes a
//! plain closure; [`serve_async`] one that returns a future, for a server that has work to
//! do before it answers (the scripted Keap calls the hook receiver back during a request).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// What an async handler returns: a boxed future, so that no futures crate is needed.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When the request had arrived whole.
    pub at: Instant,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// An answer; `drop` closes the connection without answering, `hang` never answers.
#[derive(Clone, Debug, Default)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub drop: bool,
    pub hang: bool,
    /// Answers only after this long (real time).
    pub delay: Option<Duration>,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Reply {
        Reply { status, body: body.as_bytes().to_vec(), ..Default::default() }
            .header("content-type", "application/json")
    }

    pub fn header(mut self, name: &str, value: impl ToString) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn dropped() -> Reply {
        Reply { drop: true, ..Default::default() }
    }

    /// Answers after `delay` of real time.
    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = Some(delay);
        self
    }

    /// Holds the connection open without an answer (until the client gives up or dies).
    pub fn hanging() -> Reply {
        Reply { hang: true, ..Default::default() }
    }
}

/// A running server; it serves until the runtime it was started on shuts down.
pub struct Mock {
    pub url: String,
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Mock {
    /// Every request so far, in the order they arrived whole.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Starts a server answering with `handler` (given the request and how many came before it).
pub async fn serve(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Mock {
    serve_async(move |seen, index| {
        let reply = handler(&seen, index);
        Box::pin(std::future::ready(reply))
    })
    .await
}

/// Starts a server on a port of its own whose answers are futures: a connection waits for
/// its answer (other connections are served meanwhile).
pub async fn serve_async(handler: impl Fn(Seen, usize) -> BoxFuture<Reply> + Send + Sync + 'static) -> Mock {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    serve_async_on(listener, handler)
}

/// [`serve_async`] on a listener the caller bound (a port chosen on a command line, say).
/// Must be called within a Tokio runtime.
pub fn serve_async_on(
    listener: TcpListener,
    handler: impl Fn(Seen, usize) -> BoxFuture<Reply> + Send + Sync + 'static,
) -> Mock {
    let port = listener.local_addr().expect("a bound listener has an address").port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handler = Arc::new(handler);
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let _ = stream.set_nodelay(true);
            let (handler, log) = (handler.clone(), log.clone());
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut reader = BufReader::new(read);
                loop {
                    // A connection that closes or sends what is not HTTP is closed.
                    let Some(seen) = read_request(&mut reader).await else { return };
                    let index = {
                        let mut log = log.lock().unwrap();
                        log.push(seen.clone());
                        log.len() - 1
                    };
                    let reply = handler(seen, index).await;
                    if reply.drop {
                        return;
                    }
                    if reply.hang {
                        std::future::pending::<()>().await;
                    }
                    if let Some(delay) = reply.delay {
                        tokio::time::sleep(delay).await;
                    }
                    let mut head = format!("HTTP/1.1 {} X\r\ncontent-length: {}\r\n", reply.status, reply.body.len());
                    for (k, v) in &reply.headers {
                        head.push_str(&format!("{k}: {v}\r\n"));
                    }
                    head.push_str("\r\n");
                    // One write: a head and a body in two packets meet delayed ACKs.
                    let mut bytes = head.into_bytes();
                    bytes.extend_from_slice(&reply.body);
                    if write.write_all(&bytes).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Mock { url: format!("http://127.0.0.1:{port}"), port, seen }
}

/// Reads one request (bodies by `content-length` only); `None` at the end of the connection
/// or on what does not parse.
async fn read_request(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Option<Seen> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("").to_string());
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
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let len: usize = match headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")) {
        Some((_, v)) => v.parse().ok()?,
        None => 0,
    };
    let mut body = vec![0; len];
    reader.read_exact(&mut body).await.ok()?;
    Some(Seen { method, target, headers, body, at: Instant::now() })
}
