//! Per-request cost of the generated client's middleware (quota gate, credentials, retry
//! classification, header learning, tracing span) against a bare reqwest call that sends the
//! same request and decodes the same body, both to one keep-alive server on 127.0.0.1.
//! Prints time and heap allocations per request, then the per-request cost of a quota shared
//! through Redis (`RedisQuota`: `$KEAPGEN_REDIS_URL`, or a private `redis-server`) next to the
//! in-process `LocalQuota`, median and 99th percentile.
//! Run: `cargo bench -p keapgen-tests --bench overhead`.

#![allow(unsafe_code, reason = "a counting global allocator is unsafe by definition")]

#[path = "../redis_server.rs"]
mod redis_server;

use keap::{Auth, Client, Quota};
use keapgen_tests::mock;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Counts heap allocations made by this process.
struct Counting;
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const BODY: &str = r#"{"contacts":[{"id":"1","given_name":"Ada","family_name":"Lovelace","email_addresses":[{"email":"ada@example.com","field":"EMAIL1"}]}],"next_page_token":""}"#;
const ROUNDS: usize = 7;
const REQUESTS: usize = 500;

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let server = mock::serve(|_, _| {
            mock::Reply::json(200, BODY)
                .header("x-keap-product-throttle-available", "1000000")
                .header("x-keap-product-throttle-time-unit", "minute")
        })
        .await;
        let bare = reqwest::Client::new();
        let client = Client::builder()
            .base_url(&server.url)
            .auth(Auth::api_key("pat-benchmark"))
            // Windows large enough never to wait: this measures the bookkeeping, not the waiting.
            .quota(Quota::custom(Some(1_000_000), Some(10_000_000), Some(100_000_000)))
            .build()
            .unwrap();

        let bare_once = || async {
            // What an application calling reqwest by hand writes for this request.
            let url = format!("{}/rest/v2/contacts?page_size={}", server.url, 50);
            let r = bare
                .get(url)
                .header("x-keap-api-key", "pat-benchmark")
                .header("accept", "application/json")
                .send()
                .await
                .unwrap();
            let bytes = r.bytes().await.unwrap();
            let page: keap::types::ListContactsResponse = serde_json::from_slice(&bytes).unwrap();
            assert!(page.contacts.is_some());
        };
        let keap_once = || async {
            let page = client.contact().list_contacts().page_size(50).send().await.unwrap();
            assert!(page.contacts.is_some());
        };
        // Warm up both connection pools.
        for _ in 0..200 {
            bare_once().await;
            keap_once().await;
        }
        let (mut bare_t, mut keap_t) = (Vec::new(), Vec::new());
        let (mut bare_a, mut keap_a) = (0, 0);
        // Interleaved rounds, so drift on the machine hits both alike.
        for _ in 0..ROUNDS {
            let (t, a) = measure(&bare_once).await;
            bare_t.push(t);
            bare_a = a;
            let (t, a) = measure(&keap_once).await;
            keap_t.push(t);
            keap_a = a;
        }
        bare_t.sort();
        keap_t.sort();
        let (b, k) = (bare_t[ROUNDS / 2], keap_t[ROUNDS / 2]);
        println!("per request, median of {ROUNDS} rounds of {REQUESTS} sequential GETs to 127.0.0.1:");
        println!(
            "  bare reqwest + serde_json   {:>8.1} µs   {:>6.1} allocations",
            us(b),
            bare_a as f64 / REQUESTS as f64
        );
        println!(
            "  keap client (all layers)    {:>8.1} µs   {:>6.1} allocations",
            us(k),
            keap_a as f64 / REQUESTS as f64
        );
        println!(
            "  overhead                    {:>+8.1} %   {:>+6.1} allocations",
            (us(k) / us(b) - 1.0) * 100.0,
            (keap_a as f64 - bare_a as f64) / REQUESTS as f64
        );

        // The same client with its quota in Redis, request by request.
        let (redis_url, _server) = redis_server::shared();
        let auth = Auth::api_key(format!("pat-benchmark-{}", std::process::id()));
        let quota = Quota::custom(Some(1_000_000), Some(10_000_000), Some(100_000_000));
        let redis = keap::runtime::Redis::open(&redis_url).unwrap().prefix("bench:");
        let shared = Client::builder()
            .base_url(&server.url)
            .auth(auth.clone())
            .quota(quota.clone())
            .quota_store(std::sync::Arc::new(keap::runtime::RedisQuota::new(&redis, &auth, quota)))
            .build()
            .unwrap();
        let shared_once = || async {
            let page = shared.contact().list_contacts().page_size(50).send().await.unwrap();
            assert!(page.contacts.is_some());
        };
        for _ in 0..200 {
            shared_once().await;
        }
        let (mut local, mut remote) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            for _ in 0..REQUESTS {
                let t0 = Instant::now();
                keap_once().await;
                local.push(t0.elapsed());
                let t0 = Instant::now();
                shared_once().await;
                remote.push(t0.elapsed());
            }
        }
        local.sort();
        remote.sort();
        let pick = |v: &[Duration], q: f64| us(v[((v.len() - 1) as f64 * q) as usize]);
        println!(
            "per request, {} sequential GETs each, quota in this process vs in Redis on 127.0.0.1 \
             (one acquire script, one observe script per response):",
            local.len()
        );
        println!("                              median      p99");
        println!("  LocalQuota                {:>8.1} µs {:>8.1} µs", pick(&local, 0.5), pick(&local, 0.99));
        println!("  RedisQuota                {:>8.1} µs {:>8.1} µs", pick(&remote, 0.5), pick(&remote, 0.99));
        println!(
            "  RedisQuota overhead       {:>+8.1} µs {:>+8.1} µs",
            pick(&remote, 0.5) - pick(&local, 0.5),
            pick(&remote, 0.99) - pick(&local, 0.99)
        );
    });
}

async fn measure<F, Fut>(f: F) -> (Duration, u64)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let a0 = ALLOCATIONS.load(Ordering::Relaxed);
    let t0 = Instant::now();
    for _ in 0..REQUESTS {
        f().await;
    }
    (t0.elapsed() / REQUESTS as u32, ALLOCATIONS.load(Ordering::Relaxed) - a0)
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
