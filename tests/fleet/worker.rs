//! One worker of a fleet, for `tests/fleet.rs`: a process that calls a scripted Keap through
//! the generated crate with a Redis-backed quota or token store, then prints what it saw as
//! one line of `key=value` pairs.
//!
//! `fleet-worker quota REDIS BASE KEY PER_SECOND PER_MINUTE TASKS START_MS END_MS STORE_WAIT_MS API`
//! (`API` is `v2` or `v1`: which REST API's `get_contact` the tasks call)
//! `fleet-worker tokens REDIS BASE TOKEN_URL ACCOUNT TASKS START_MS LOCK_TTL_MS`

use keap::runtime::{Redis, RedisQuota, RedisTokens};
use keap::{Auth, Client, Error, Quota};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let line = match args.first().map(String::as_str) {
        Some("quota") => runtime.block_on(quota(&args[1..])),
        Some("tokens") => runtime.block_on(tokens(&args[1..])),
        _ => panic!("usage: fleet-worker quota|tokens ..."),
    };
    println!("{line}");
}

fn ms(arg: &str) -> u64 {
    arg.parse().unwrap_or_else(|_| panic!("not a number: {arg}"))
}

/// Sleeps until `epoch_ms`, so that every worker starts at once.
async fn until(epoch_ms: u64) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    tokio::time::sleep(Duration::from_millis(epoch_ms.saturating_sub(now))).await;
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

/// Tasks that each call `get_contact` (of REST v2, or of v1 with `API` = `v1`) in a loop
/// until `end_ms`, through a shared quota.
async fn quota(args: &[String]) -> String {
    let [redis, base, key, per_second, per_minute, tasks, start, end, store_wait, api] = args else {
        panic!("quota REDIS BASE KEY PER_SECOND PER_MINUTE TASKS START_MS END_MS STORE_WAIT_MS API")
    };
    let v1 = api == "v1";
    let redis = Redis::open(redis).unwrap().prefix("fleet-test:").command_timeout(Duration::from_millis(300));
    let auth = Auth::api_key(key.as_str());
    let limits = Quota::custom(Some(ms(per_second) as u32), Some(ms(per_minute) as u32), None)
        .store_wait(Duration::from_millis(ms(store_wait)));
    let store = RedisQuota::new(&redis, &auth, limits.clone());
    let client =
        Client::builder().base_url(base).auth(auth).quota(limits).quota_store(Arc::new(store)).build().unwrap();
    let counts = Arc::new(Counts::default());
    let end = ms(end);
    until(ms(start)).await;
    let mut tasks: tokio::task::JoinSet<()> = (0..ms(tasks))
        .map(|_| {
            let (client, counts) = (client.clone(), counts.clone());
            async move {
                while now_ms() < end {
                    // A call still waiting for quota at the end is given up (and counted).
                    let left = Duration::from_millis(end.saturating_sub(now_ms()));
                    let call = async {
                        match v1 {
                            true => client.v1().contact().get_contact(keap::ids::NumId::new(1)).send().await.map(drop),
                            false => client.contact().get_contact(keap::ids::Id::new("1")).send().await.map(drop),
                        }
                    };
                    let Ok(result) = tokio::time::timeout(left, call).await else {
                        counts.cut.fetch_add(1, Ordering::Relaxed);
                        break;
                    };
                    match result {
                        Ok(_) => counts.ok.fetch_add(1, Ordering::Relaxed),
                        Err(e @ Error::QuotaStore { .. }) => {
                            let mut first = counts.first_store_error.lock().unwrap();
                            if first.is_empty() {
                                *first = e.to_string();
                            }
                            counts.store_errors.fetch_add(1, Ordering::Relaxed)
                        }
                        Err(e) => {
                            eprintln!("worker: {e}");
                            counts.other.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                }
            }
        })
        .collect();
    while tasks.join_next().await.is_some() {}
    let first_store_error = counts.first_store_error.lock().unwrap().replace(' ', "_");
    format!(
        "ok={} cut={} store_errors={} other={} first_store_error={first_store_error}",
        counts.ok.load(Ordering::Relaxed),
        counts.cut.load(Ordering::Relaxed),
        counts.store_errors.load(Ordering::Relaxed),
        counts.other.load(Ordering::Relaxed),
    )
}

#[derive(Default)]
struct Counts {
    ok: AtomicU64,
    cut: AtomicU64,
    store_errors: AtomicU64,
    other: AtomicU64,
    first_store_error: std::sync::Mutex<String>,
}

/// Tasks that each make one call at once, all with an expired access token in the store.
async fn tokens(args: &[String]) -> String {
    let [redis, base, token_url, account, tasks, start, lock_ttl] = args else {
        panic!("tokens REDIS BASE TOKEN_URL ACCOUNT TASKS START_MS LOCK_TTL_MS")
    };
    let redis = Redis::open(redis).unwrap().prefix("fleet-test:");
    let store = RedisTokens::new(&redis, account).lock_ttl(Duration::from_millis(ms(lock_ttl)));
    let auth =
        Auth::oauth2_from_store("client-id", "client-secret", store).await.unwrap().token_url(token_url.as_str());
    let client = Client::builder().base_url(base).auth(auth).quota(Quota::unlimited()).build().unwrap();
    until(ms(start)).await;
    let tasks: tokio::task::JoinSet<_> = (0..ms(tasks))
        .map(|_| {
            let client = client.clone();
            async move { client.contact().get_contact(keap::ids::Id::new("1")).send().await.map(drop) }
        })
        .collect();
    let results = tasks.join_all().await;
    for e in results.iter().filter_map(|r| r.as_ref().err()) {
        eprintln!("worker: {e}");
    }
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let tokens = client.tokens().unwrap();
    format!("ok={ok} access_token={}", tokens.access_token.expose())
}
