//! Multipart bodies whose files are not in memory: a file on disk (read for each attempt)
//! or a stream of the application's (read once). The body is sent in chunks with its
//! length announced, and a source that gives more or fewer bytes than it announced fails
//! the request instead of sending a truncated file.

use bytes::Bytes;
use futures_core::Stream;
use std::collections::VecDeque;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};

/// An application's stream of file bytes.
pub(crate) type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// Where a file part's bytes come from when they are not in memory.
#[derive(Clone)]
pub(crate) enum FileSource {
    /// A file on disk and its length, opened again for each attempt.
    Path(Arc<PathBuf>, u64),
    /// A stream and its length: taken by the first attempt, so it is sent once.
    Stream(Arc<Mutex<Option<ByteStream>>>, u64),
}

impl FileSource {
    pub(crate) fn len(&self) -> u64 {
        match self {
            FileSource::Path(_, n) | FileSource::Stream(_, n) => *n,
        }
    }
}

/// One piece of a streamed multipart body.
pub(crate) enum Segment {
    Bytes(Bytes),
    File(FileSource),
}

/// A body made of segments, its length known: what the transport sends for a multipart
/// body with a file on disk or a stream.
pub(crate) struct Segments {
    pub(crate) parts: Vec<Segment>,
}

impl Segments {
    pub(crate) fn len(&self) -> u64 {
        self.parts
            .iter()
            .map(|s| match s {
                Segment::Bytes(b) => b.len() as u64,
                Segment::File(f) => f.len(),
            })
            .sum()
    }

    /// Whether every attempt can send it again (no application stream in it).
    pub(crate) fn replayable(&self) -> bool {
        !self.parts.iter().any(|s| matches!(s, Segment::File(FileSource::Stream(..))))
    }

    /// The body of one attempt; `None` when a stream in it was already sent.
    pub(crate) fn body(&self) -> Option<reqwest::Body> {
        let mut queue = VecDeque::new();
        for s in &self.parts {
            queue.push_back(match s {
                Segment::Bytes(b) => Piece::Bytes(b.clone()),
                Segment::File(FileSource::Path(p, n)) => Piece::Path(Arc::clone(p), *n),
                Segment::File(FileSource::Stream(cell, n)) => {
                    let stream = cell.lock().unwrap_or_else(|e| e.into_inner()).take()?;
                    Piece::Stream(stream, *n)
                }
            });
        }
        Some(reqwest::Body::wrap_stream(Chain { queue, current: None }))
    }
}

enum Piece {
    Bytes(Bytes),
    Path(Arc<PathBuf>, u64),
    Stream(ByteStream, u64),
}

/// What is being read: a file (opening or open) or a stream, with the bytes it still owes.
enum Reading {
    Opening(Pin<Box<dyn std::future::Future<Output = io::Result<tokio::fs::File>> + Send>>, Arc<PathBuf>, u64),
    File(tokio::fs::File, Arc<PathBuf>, u64),
    Stream(ByteStream, u64),
}

struct Chain {
    queue: VecDeque<Piece>,
    current: Option<Reading>,
}

/// A source that did not give the length it announced (the body's `Content-Length`).
fn mismatch(what: &str, missing: u64) -> io::Error {
    let why = if missing == 0 { "more bytes than".to_string() } else { format!("{missing} bytes fewer than") };
    io::Error::new(io::ErrorKind::InvalidData, format!("{what} gave {why} its announced length; the upload stopped"))
}

impl Stream for Chain {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            match &mut this.current {
                None => match this.queue.pop_front() {
                    None => return Poll::Ready(None),
                    Some(Piece::Bytes(b)) => return Poll::Ready(Some(Ok(b))),
                    Some(Piece::Path(path, n)) => {
                        let open = Box::pin(tokio::fs::File::open(PathBuf::clone(&path)));
                        this.current = Some(Reading::Opening(open, path, n));
                    }
                    Some(Piece::Stream(s, n)) => this.current = Some(Reading::Stream(s, n)),
                },
                Some(Reading::Opening(open, path, n)) => {
                    let file = match ready!(open.as_mut().poll(cx)) {
                        Ok(f) => f,
                        Err(e) => {
                            let e = io::Error::new(e.kind(), format!("cannot open `{}`: {e}", path.display()));
                            return Poll::Ready(Some(Err(e)));
                        }
                    };
                    this.current = Some(Reading::File(file, Arc::clone(path), *n));
                }
                Some(Reading::File(file, path, left)) => {
                    let mut buf = vec![0u8; 64 * 1024];
                    let mut read = tokio::io::ReadBuf::new(&mut buf);
                    ready!(tokio::io::AsyncRead::poll_read(Pin::new(file), cx, &mut read))?;
                    let got = read.filled().len();
                    if got == 0 {
                        if *left > 0 {
                            let what = format!("file `{}`", path.display());
                            return Poll::Ready(Some(Err(mismatch(&what, *left))));
                        }
                        this.current = None;
                        continue;
                    }
                    if got as u64 > *left {
                        return Poll::Ready(Some(Err(mismatch(&format!("file `{}`", path.display()), 0))));
                    }
                    *left -= got as u64;
                    buf.truncate(got);
                    return Poll::Ready(Some(Ok(Bytes::from(buf))));
                }
                Some(Reading::Stream(stream, left)) => match ready!(stream.as_mut().poll_next(cx)) {
                    Some(Ok(chunk)) if chunk.len() as u64 > *left => {
                        return Poll::Ready(Some(Err(mismatch("the upload stream", 0))));
                    }
                    Some(Ok(chunk)) => {
                        *left -= chunk.len() as u64;
                        return Poll::Ready(Some(Ok(chunk)));
                    }
                    Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                    None if *left > 0 => {
                        return Poll::Ready(Some(Err(mismatch("the upload stream", *left))));
                    }
                    None => this.current = None,
                },
            }
        }
    }
}
