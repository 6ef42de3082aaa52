//! File content in answers: read whole or as a stream of chunks, whichever way Keap sends
//! it. Keap's specs declare file data as a JSON string in base64 (`format: byte`); a server
//! may also send the raw bytes. A JSON answer (by its `Content-Type`) that is a string is
//! decoded from base64, chunk by chunk; anything else is the file's bytes as they come.

use super::error::Error;
use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

type Chunks = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// A file being downloaded: a [`Stream`] of chunks of its bytes that never holds the whole
/// file (`send_stream()` on a file operation). Read it with [`next_chunk`](Self::next_chunk)
/// or as a `Stream`; [`bytes`](Self::bytes) collects it.
///
/// A connection that breaks mid-body ends the stream with [`Error::Transport`]; a body that
/// claims to be base64 and is not ends it with [`Error::Decode`]. Neither is retried: the
/// chunks already read were handed out.
pub struct Download {
    operation: &'static str,
    status: u16,
    headers: reqwest::header::HeaderMap,
    chunks: Chunks,
    /// `Some` when the body is a JSON string of base64.
    base64: Option<Base64Json>,
    done: bool,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("base64", &self.base64.is_some())
            .finish_non_exhaustive()
    }
}

/// Whether a `Content-Type` is JSON (`application/json`, `application/problem+json`).
pub(crate) fn is_json(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .is_some_and(|m| m == "application/json" || m.ends_with("+json"))
}

impl Download {
    pub(crate) fn new(operation: &'static str, response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let base64 = is_json(&headers).then(Base64Json::default);
        Download { operation, status, headers, chunks: Box::pin(response.bytes_stream()), base64, done: false }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers (Keap's `x-request-id` among them).
    pub fn headers(&self) -> &reqwest::header::HeaderMap {
        &self.headers
    }

    /// The file's size in bytes when the server says it and sends the bytes raw (a base64
    /// body's length is not the file's).
    pub fn content_length(&self) -> Option<u64> {
        if self.base64.is_some() {
            return None;
        }
        self.headers.get(reqwest::header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
    }

    /// The next chunk of the file, `None` at its end.
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The whole file in memory.
    pub async fn bytes(mut self) -> Result<Vec<u8>, Error> {
        // The size the server announces (three quarters of it for base64), so the file is
        // not copied while its buffer doubles; capped, in case the header lies.
        let announced: Option<u64> =
            self.headers.get(reqwest::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse().ok());
        let expected = announced.map_or(0, |n| if self.base64.is_some() { n / 4 * 3 } else { n });
        let mut out = Vec::with_capacity(expected.min(1 << 30) as usize);
        while let Some(chunk) = self.next_chunk().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }

    fn decode_error(&self, message: String) -> Error {
        Error::Decode {
            operation: self.operation,
            status: self.status,
            path: String::new(),
            message,
            snippet: String::new(),
        }
    }
}

impl Stream for Download {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            match ready!(this.chunks.as_mut().poll_next(cx)) {
                Some(Ok(chunk)) => {
                    let Some(decoder) = &mut this.base64 else { return Poll::Ready(Some(Ok(chunk))) };
                    match decoder.feed(&chunk) {
                        Ok(out) if out.is_empty() => continue,
                        Ok(out) => return Poll::Ready(Some(Ok(out.freeze()))),
                        Err(why) => {
                            this.done = true;
                            return Poll::Ready(Some(Err(this.decode_error(why))));
                        }
                    }
                }
                Some(Err(source)) => {
                    this.done = true;
                    let operation = this.operation;
                    return Poll::Ready(Some(Err(Error::Transport { operation, source, maybe_sent: true })));
                }
                None => {
                    this.done = true;
                    if let Some(decoder) = &mut this.base64 {
                        match decoder.finish() {
                            Ok(out) if out.is_empty() => return Poll::Ready(None),
                            Ok(out) => return Poll::Ready(Some(Ok(out.freeze()))),
                            Err(why) => return Poll::Ready(Some(Err(this.decode_error(why)))),
                        }
                    }
                    return Poll::Ready(None);
                }
            }
        }
    }
}

/// Decodes a JSON string of base64 as it arrives: `"aGVsbG8="` → `hello`. Accepts the
/// standard and URL-safe alphabets, missing padding, line breaks (raw or as `\n`, `\r`
/// escapes) and `\/`; refuses anything else with where it was.
#[derive(Debug, Default)]
pub(crate) struct Base64Json {
    state: State,
    /// Sextets of the group being read (up to 4).
    group: [u8; 4],
    len: usize,
    /// Padding seen: only more padding and the closing quote may follow.
    padded: bool,
    /// Bytes of the body read so far, for error positions.
    at: usize,
}

#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
enum State {
    /// Before the opening quote.
    #[default]
    Start,
    /// Inside the string.
    In,
    /// After a backslash.
    Escape,
    /// After the closing quote.
    End,
}

impl Base64Json {
    /// Decodes the next piece of the body.
    pub(crate) fn feed(&mut self, input: &[u8]) -> Result<BytesMut, String> {
        let mut out = BytesMut::with_capacity(input.len() / 4 * 3 + 3);
        for &b in input {
            self.at += 1;
            match self.state {
                State::Start if b.is_ascii_whitespace() => {}
                State::Start if b == b'"' => self.state = State::In,
                State::Start => return Err(self.refuse("the body is JSON but not a string of base64")),
                State::In if b == b'"' => self.state = State::End,
                State::In if b == b'\\' => self.state = State::Escape,
                State::In if matches!(b, b'\n' | b'\r' | b' ' | b'\t') => {}
                State::In => self.sextet(b, &mut out)?,
                State::Escape => {
                    self.state = State::In;
                    match b {
                        b'n' | b'r' | b't' => {}
                        b'/' => self.sextet(b'/', &mut out)?,
                        _ => return Err(self.refuse("an escape that base64 does not hold")),
                    }
                }
                State::End if b.is_ascii_whitespace() => {}
                State::End => return Err(self.refuse("more after the closing quote")),
            }
        }
        Ok(out)
    }

    /// Ends the body: the last group decoded, a cut-off string refused.
    pub(crate) fn finish(&mut self) -> Result<BytesMut, String> {
        if self.state != State::End {
            return Err(self.refuse("the body ended inside the string (cut off?)"));
        }
        let mut out = BytesMut::new();
        self.flush(&mut out)?;
        Ok(out)
    }

    fn sextet(&mut self, b: u8, out: &mut BytesMut) -> Result<(), String> {
        if b == b'=' {
            if self.len < 2 {
                return Err(self.refuse("padding in the wrong place"));
            }
            self.padded = true;
            return Ok(());
        }
        if self.padded {
            return Err(self.refuse("base64 after its padding"));
        }
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return Err(self.refuse(&format!("`{}` is not base64", b.escape_ascii()))),
        };
        self.group[self.len] = v;
        self.len += 1;
        if self.len == 4 {
            let g = self.group;
            out.extend_from_slice(&[g[0] << 2 | g[1] >> 4, g[1] << 4 | g[2] >> 2, g[2] << 6 | g[3]]);
            self.len = 0;
        }
        Ok(())
    }

    /// Writes a last group of 2 or 3 sextets (unpadded, or before its `=`).
    fn flush(&mut self, out: &mut BytesMut) -> Result<(), String> {
        let g = self.group;
        match self.len {
            0 => {}
            1 => return Err(self.refuse("a lone base64 character at the end")),
            2 => out.extend_from_slice(&[g[0] << 2 | g[1] >> 4]),
            _ => out.extend_from_slice(&[g[0] << 2 | g[1] >> 4, g[1] << 4 | g[2] >> 2]),
        }
        self.len = 0;
        Ok(())
    }

    fn refuse(&self, why: &str) -> String {
        format!("file data: {why}, at byte {} of the body", self.at)
    }
}

#[cfg(test)]
#[path = "tests/download.rs"]
mod tests;
