//! Peak heap of a 200 MB file download: streamed (`send_stream()`, chunk by chunk) against
//! read whole (`send()`), raw bytes and base64 in a JSON string (as Keap's spec declares
//! file data). A server on 127.0.0.1 writes the body from one 64 KiB buffer, so the peak
//! measured is the client's. Prints bytes; a benchmark, not a test.
//! Run: `cargo bench -p keapgen-tests --bench download_memory`.

#![allow(unsafe_code, reason = "a counting global allocator is unsafe by definition")]

use keap::{Auth, Client};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Tracks the live heap bytes of this process and their peak.
struct Peak;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Peak {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Peak = Peak;

const FILE: usize = 200 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// Serves every request with a `FILE`-byte body: raw bytes, or (`base64`) the base64 of
/// them in a JSON string, written from one reused buffer.
async fn serve(base64: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut head = [0u8; 4096];
                let _ = stream.read(&mut head).await;
                // 48 KiB of file per chunk: whole base64 groups (64 KiB of text).
                let raw_chunk = CHUNK / 4 * 3;
                let (len, kind) = if base64 {
                    (FILE.div_ceil(raw_chunk) * CHUNK + 2, "application/json")
                } else {
                    (FILE, "application/octet-stream")
                };
                let reply = format!("HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\ncontent-length: {len}\r\n\r\n");
                stream.write_all(reply.as_bytes()).await.unwrap();
                let buf = if base64 { vec![b'A'; CHUNK] } else { vec![7u8; CHUNK] };
                if base64 {
                    stream.write_all(b"\"").await.unwrap();
                }
                let mut left = if base64 { FILE.div_ceil(raw_chunk) * CHUNK } else { FILE };
                while left > 0 {
                    let n = left.min(CHUNK);
                    if stream.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                    left -= n;
                }
                if base64 {
                    stream.write_all(b"\"").await.unwrap();
                }
            });
        }
    });
    url
}

/// Peak heap above what was live before `f` ran, and what `f` returned.
async fn peak_of<T>(f: impl std::future::Future<Output = T>) -> (usize, T) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out = f.await;
    (PEAK.load(Ordering::Relaxed) - before, out)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        println!("peak heap of one {} MiB file download (client side):", FILE >> 20);
        for base64 in [false, true] {
            let url = serve(base64).await;
            let client = Client::builder().base_url(&url).auth(Auth::api_key("k")).own_quota().build().unwrap();
            let file = || client.files().get_file_data_1(keap::ids::Id::new("1"));
            let (streamed, total) = peak_of(async {
                let mut download = file().send_stream().await.unwrap();
                let mut total = 0usize;
                while let Some(chunk) = download.next_chunk().await {
                    total += chunk.unwrap().len();
                }
                total
            })
            .await;
            let (whole, bytes) = peak_of(async { file().send().await.unwrap().len() }).await;
            let how = if base64 { "base64 in JSON" } else { "raw bytes     " };
            println!(
                "  {how}  send_stream(): {:>7.2} MiB   send(): {:>7.1} MiB   ({} and {} bytes of file)",
                mib(streamed),
                mib(whole),
                total,
                bytes
            );
        }
    });
}
