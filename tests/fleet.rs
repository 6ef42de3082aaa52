//! Fleets: several OS processes (`fleet-worker`) sharing one quota and one OAuth2 token pair
//! through a real Redis, against a scripted Keap on 127.0.0.1 whose own record of arrivals
//! is the judge. Everything runs in real time, each test bounded.

#[path = "fake_clock.rs"]
mod fake_clock;
mod redis_server;

use fake_clock::FakeClock;
use keap::runtime::{Observation, QuotaStore, Redis, RedisQuota, RedisTokens, Window};
use keap::{Auth, Quota, TokenStore, Tokens};
use keapgen_tests::mock;
use mock::{serve, Reply};
use redis_server::RedisServer;
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const WORKER: &str = env!("CARGO_BIN_EXE_fleet-worker");

fn epoch_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

/// A name no other run uses, so that runs sharing one Redis never meet.
fn unique(what: &str) -> String {
    format!("{what}-{}-{}", std::process::id(), epoch_ms(SystemTime::now()))
}

/// Starts one worker per argument list; their `key=value` lines, once all have exited
/// (killed after `limit`).
async fn workers(runs: Vec<Vec<String>>, limit: Duration) -> Vec<HashMap<String, String>> {
    let children: Vec<_> = runs
        .into_iter()
        .map(|args| {
            tokio::process::Command::new(WORKER)
                .args(args)
                .stdout(std::process::Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .expect("start fleet-worker")
        })
        .collect();
    let mut lines = Vec::new();
    for child in children {
        let out = tokio::time::timeout(limit, child.wait_with_output())
            .await
            .expect("a worker ran past its time limit")
            .unwrap();
        assert!(out.status.success(), "a worker failed: {:?}", out.status);
        let text = String::from_utf8(out.stdout).unwrap();
        lines.push(
            text.split_whitespace()
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        );
    }
    lines
}

/// One `fleet-worker quota` run: where, which key, what limits, how many tasks, when.
struct QuotaRun<'a> {
    redis: &'a str,
    keap: &'a str,
    key: &'a str,
    per_second: u32,
    per_minute: u32,
    tasks: u32,
    start: SystemTime,
    end: SystemTime,
    /// `v2` or `v1`: which API's `get_contact` the worker calls.
    api: &'a str,
}

impl QuotaRun<'_> {
    /// The worker's command line, waiting at most `store_wait` for an unreachable Redis.
    fn args(&self, store_wait: Duration) -> Vec<String> {
        let numbers = [self.per_second, self.per_minute, self.tasks].map(|n| n.to_string());
        let times = [epoch_ms(self.start), epoch_ms(self.end), store_wait.as_millis() as u64].map(|t| t.to_string());
        let [per_second, per_minute, tasks] = &numbers;
        let [start, end, wait] = &times;
        ["quota", self.redis, self.keap, self.key, per_second, per_minute, tasks, start, end, wait, self.api]
            .map(str::to_owned)
            .to_vec()
    }
}

fn sum(lines: &[HashMap<String, String>], key: &str) -> u64 {
    lines.iter().map(|l| l[key].parse::<u64>().unwrap()).sum()
}

/// Most of `times` (sorted) in any half-open span of `span`.
fn most_in_span(times: &[Instant], span: Duration) -> usize {
    let mut start = 0;
    (0..times.len())
        .map(|end| {
            while times[end] - times[start] >= span {
                start += 1;
            }
            end - start + 1
        })
        .max()
        .unwrap_or(0)
}

/// How many requests the limits allow in `length` to a client that sends the moment it
/// may: the most any schedule can send.
fn allowed(quota: &Quota, length: Duration) -> usize {
    let local = keap::runtime::LocalQuota::new(quota.clone());
    let start = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let mut now = start;
    let mut sent = 0;
    while now < start + length {
        match local.try_acquire(now) {
            Ok(()) => sent += 1,
            Err(wait) => now = wait.until,
        }
    }
    sent
}

fn arrivals(mock: &mock::Mock, path: &str) -> Vec<Instant> {
    let mut times: Vec<_> = mock.seen().iter().filter(|s| s.target.contains(path)).map(|s| s.at).collect();
    times.sort();
    times
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_of_25_tasks_keep_to_one_quota_across_minute_windows() {
    let (redis, _server) = redis_server::shared();
    let keap = serve(|_, _| Reply::json(200, "{}")).await;
    let (per_second, per_minute) = (10, 300);
    let run = Duration::from_secs(95);
    let start = SystemTime::now() + Duration::from_secs(2);
    let end = start + run;
    let key = unique("key");
    let args = QuotaRun {
        redis: &redis,
        keap: &keap.url,
        key: &key,
        per_second,
        per_minute,
        tasks: 25,
        start,
        end,
        api: "v2",
    };
    let (instant, wall) = (Instant::now(), SystemTime::now());
    let lines =
        workers((0..4).map(|_| args.args(Duration::from_secs(10))).collect(), run + Duration::from_secs(30)).await;
    let times = arrivals(&keap, "/contacts/");
    let (second, minute) =
        (most_in_span(&times, Duration::from_secs(1)), most_in_span(&times, Duration::from_secs(60)));
    // From the first arrival to the workers' end: the span the limits are measured over.
    let first = wall + times.first().expect("no request arrived").duration_since(instant);
    let length = end.duration_since(first).unwrap_or_default();
    let limit = allowed(&Quota::custom(Some(per_second), Some(per_minute), None), length);
    let ratio = times.len() as f64 / limit as f64;
    eprintln!(
        "fleet quota: {} arrivals in {:.1} s; most in a second {second}, in a minute {minute}; \
         the limits allow {limit}: {:.1} %",
        times.len(),
        length.as_secs_f64(),
        ratio * 100.0
    );
    assert!(second <= per_second as usize, "{second} requests arrived within one second");
    assert!(minute <= per_minute as usize, "{minute} requests arrived within one minute");
    let (ok, cut) = (sum(&lines, "ok"), sum(&lines, "cut"));
    assert!(
        ok <= times.len() as u64 && times.len() as u64 <= ok + cut,
        "{ok} answered, {cut} cut off, {} arrived",
        times.len()
    );
    assert_eq!(sum(&lines, "other") + sum(&lines, "store_errors"), 0, "{lines:?}");
    assert!(ratio >= 0.9, "throughput {:.1} % of what the limits allow", ratio * 100.0);
}

/// A Keap whose token endpoint hands out the pair `at-2`/`rt-2`, and whose API takes only
/// `at-2` (401 for anything else).
async fn rotating_keap() -> mock::Mock {
    serve(|seen, _| {
        if seen.target.starts_with("/token") {
            return Reply::json(200, r#"{"access_token": "at-2", "refresh_token": "rt-2", "expires_in": 86400}"#);
        }
        match seen.header("authorization") {
            Some("Bearer at-2") => Reply::json(200, "{}"),
            _ => Reply::json(401, "{}"),
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_of_25_calls_that_find_the_token_expired_refresh_it_once() {
    let (redis_url, _server) = redis_server::shared();
    let keap = rotating_keap().await;
    let account = unique("account");
    let redis = Redis::open(&redis_url).unwrap().prefix("fleet-test:");
    let store = RedisTokens::new(&redis, &account);
    let expired = SystemTime::now() - Duration::from_secs(60);
    store.save(&Tokens::new("at-1", "rt-1", Some(expired))).await.unwrap();
    let start = epoch_ms(SystemTime::now() + Duration::from_millis(1500)).to_string();
    let token_url = format!("{}/token", keap.url);
    let args =
        |_| ["tokens", &redis_url, &keap.url, &token_url, &account, "25", &start, "30000"].map(str::to_owned).to_vec();
    let lines = workers((0..4).map(args).collect(), Duration::from_secs(60)).await;
    let seen = keap.seen();
    let refreshes: Vec<_> = seen.iter().filter(|s| s.target.starts_with("/token")).collect();
    assert_eq!(refreshes.len(), 1, "exactly one refresh reaches the token endpoint");
    assert!(String::from_utf8_lossy(&refreshes[0].body).contains("refresh_token=rt-1"));
    let calls: Vec<_> = seen.iter().filter(|s| s.target.contains("/contacts/")).collect();
    assert_eq!(calls.len(), 100, "one request per call: none was sent with the expired token");
    assert!(calls.iter().all(|s| s.header("authorization") == Some("Bearer at-2")));
    assert_eq!(sum(&lines, "ok"), 100, "{lines:?}");
    assert!(lines.iter().all(|l| l["access_token"] == "at-2"), "{lines:?}");
    let stored = store.load().await.unwrap().unwrap();
    assert_eq!(stored.refresh_token.expose(), "rt-2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_while_refreshing_holds_up_the_fleet_only_until_its_lock_expires() {
    let (redis_url, _server) = redis_server::shared();
    let keap = serve(|seen, index| {
        if seen.target.starts_with("/token") {
            // The first refresher's request is never answered: it is killed waiting.
            return if index == 0 {
                Reply::hanging()
            } else {
                Reply::json(200, r#"{"access_token": "at-2", "refresh_token": "rt-2", "expires_in": 86400}"#)
            };
        }
        Reply::json(200, "{}")
    })
    .await;
    let account = unique("account");
    let redis = Redis::open(&redis_url).unwrap().prefix("fleet-test:");
    let store = RedisTokens::new(&redis, &account);
    store.save(&Tokens::new("at-1", "rt-1", Some(SystemTime::now() - Duration::from_secs(60)))).await.unwrap();
    let ttl = Duration::from_secs(3);
    let token_url = format!("{}/token", keap.url);
    let args = || {
        ["tokens", &redis_url, &keap.url, &token_url, &account, "1", "0", &ttl.as_millis().to_string()]
            .map(str::to_owned)
            .to_vec()
    };
    let mut holder = tokio::process::Command::new(WORKER).args(args()).kill_on_drop(true).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while keap.seen().is_empty() {
        assert!(Instant::now() < deadline, "the first worker never asked for a token");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    holder.kill().await.unwrap();
    let lines = workers(vec![args()], Duration::from_secs(30)).await;
    let tokens: Vec<_> = keap.seen().into_iter().filter(|s| s.target.starts_with("/token")).collect();
    assert_eq!(tokens.len(), 2, "the second worker refreshed once");
    let held_up = tokens[1].at - tokens[0].at;
    eprintln!("a dead holder held the fleet up for {} ms (lock: {} ms)", held_up.as_millis(), ttl.as_millis());
    assert!(held_up >= ttl - Duration::from_millis(500), "the lock was taken before it expired: {held_up:?}");
    assert!(held_up <= ttl + Duration::from_secs(2), "held up past the lock's time to live: {held_up:?}");
    assert_eq!(lines[0]["ok"], "1");
    assert_eq!(lines[0]["access_token"], "at-2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_lock_held_elsewhere_is_waited_for_on_the_stores_clock() {
    let (redis_url, _server) = redis_server::shared();
    let redis = Redis::open(&redis_url).unwrap().prefix("fleet-test:");
    let account = unique("account");
    let held = RedisTokens::new(&redis, &account).lock_refresh().await.unwrap().expect("the lock is free");
    // Two lives of the lock (60 s) pass on the clock given, not in real time.
    let clock = FakeClock::new();
    let waiting = RedisTokens::new(&redis, &account).clock(clock.clone());
    let started = Instant::now();
    let gave_up = tokio::time::timeout(Duration::from_secs(20), waiting.lock_refresh()).await.expect("not real time");
    let e = gave_up.err().expect("the lock stays held");
    assert!(e.to_string().contains("for over 60 s"), "{e}");
    assert!(clock.slept() >= Duration::from_secs(60), "{:?}", clock.slept());
    eprintln!("gave up after {:?} of real time", started.elapsed());
    held.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_frozen_then_lost_then_back_no_window_overflows_and_the_run_recovers() {
    let mut redis = RedisServer::start();
    let keap = serve(|_, _| Reply::json(200, "{}")).await;
    let (per_second, per_minute) = (5, 60);
    let t0 = SystemTime::now() + Duration::from_millis(1500);
    let end = t0 + Duration::from_secs(84);
    let key = unique("key");
    let url = redis.url();
    let args = QuotaRun {
        redis: &url,
        keap: &keap.url,
        key: &key,
        per_second,
        per_minute,
        tasks: 10,
        start: t0,
        end,
        api: "v2",
    };
    let run = tokio::spawn(workers(
        (0..2).map(|_| args.args(Duration::from_millis(500))).collect(),
        Duration::from_secs(120),
    ));
    let at =
        |secs: u64| tokio::time::sleep((t0 + Duration::from_secs(secs)).duration_since(SystemTime::now()).unwrap());
    at(5).await;
    redis.signal("-STOP");
    at(9).await;
    redis.signal("-CONT");
    let thawed = Instant::now();
    at(14).await;
    redis.kill();
    let killed = Instant::now();
    at(18).await;
    redis.restart();
    let restarted = Instant::now();
    let lines = run.await.unwrap();
    let times = arrivals(&keap, "/contacts/");
    let (second, minute) =
        (most_in_span(&times, Duration::from_secs(1)), most_in_span(&times, Duration::from_secs(60)));
    let after_thaw = times.iter().filter(|t| **t > thawed && **t < killed).count();
    let after_restart = times.iter().filter(|t| **t > restarted).count();
    eprintln!(
        "outage: {} arrivals, most in a second {second}, in a minute {minute}; {after_thaw} between thaw and kill, \
         {after_restart} after the restart; workers: {lines:?}",
        times.len()
    );
    assert!(second <= per_second as usize, "{second} requests arrived within one second");
    assert!(minute <= per_minute as usize, "{minute} requests arrived within one minute");
    assert!(sum(&lines, "store_errors") > 0, "callers got no error while Redis was down");
    let message = &lines.iter().find(|l| !l["first_store_error"].is_empty()).unwrap()["first_store_error"];
    assert!(message.contains(&format!("Redis_at_127.0.0.1:{}", redis.port)), "{message}");
    assert_eq!(sum(&lines, "other"), 0, "{lines:?}");
    assert!(after_thaw > 0, "nothing was sent once Redis answered again");
    assert!(after_restart > 0, "nothing was sent after Redis came back empty");
    let (ok, cut) = (sum(&lines, "ok"), sum(&lines, "cut"));
    assert!(
        ok <= times.len() as u64 && times.len() as u64 <= ok + cut,
        "{ok} answered, {cut} cut off, {} arrived",
        times.len()
    );
}

/// A second process's view, in one process: two stores for one key share everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caps_pauses_and_sends_are_seen_by_every_process() {
    let (redis_url, _server) = redis_server::shared();
    let redis = Redis::open(&redis_url).unwrap().prefix("fleet-test:");
    let auth = Auth::api_key(unique("key"));
    let quota = Quota::custom(Some(100), Some(1000), Some(10_000));
    let (a, b) = (RedisQuota::new(&redis, &auth, quota.clone()), RedisQuota::new(&redis, &auth, quota));
    let now = SystemTime::now();
    for _ in 0..3 {
        assert!(matches!(a.try_acquire(now).await.unwrap(), keap::runtime::Decision::Send));
    }
    let budget = b.budget(now).await.unwrap();
    assert_eq!(budget.iter().map(|b| b.remaining).collect::<Vec<_>>(), [Some(97), Some(997), Some(9997)]);
    // Keap says 2 left this minute: both stores stop after two more.
    let observation = Observation { window: Window::Minute, available: 2, expires: None };
    a.observe(now, observation).await.unwrap();
    assert!(matches!(b.try_acquire(now).await.unwrap(), keap::runtime::Decision::Send));
    assert!(matches!(a.try_acquire(now).await.unwrap(), keap::runtime::Decision::Send));
    match b.try_acquire(now).await.unwrap() {
        keap::runtime::Decision::Wait(w) => assert_eq!(w.window, Window::Minute),
        other => panic!("a cap learned by one process holds for the other: {other:?}"),
    }
    // A Retry-After seen by one holds the other.
    let auth = Auth::api_key(unique("key"));
    let (a, b) =
        (RedisQuota::new(&redis, &auth, Quota::unlimited()), RedisQuota::new(&redis, &auth, Quota::unlimited()));
    a.pause_until(now, now + Duration::from_secs(30)).await.unwrap();
    match b.try_acquire(now).await.unwrap() {
        keap::runtime::Decision::Wait(w) => {
            assert_eq!(w.window, Window::Minute);
            let left = w.until.duration_since(now).unwrap();
            assert!(left > Duration::from_secs(29) && left <= Duration::from_secs(30), "{left:?}");
        }
        other => panic!("a pause holds every process: {other:?}"),
    }
}

/// A rolling deploy: the old processes allow 3/s, the new 10/s. Together they keep to 3/s,
/// not 13 or 10.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_configured_with_different_limits_all_keep_to_the_strictest() {
    let (redis_url, _server) = redis_server::shared();
    let redis = Redis::open(&redis_url).unwrap().prefix("fleet-test:");
    let auth = Auth::api_key(unique("key"));
    let old = RedisQuota::new(&redis, &auth, Quota::custom(Some(3), None, None));
    let new = RedisQuota::new(&redis, &auth, Quota::custom(Some(10), Some(1000), None));
    let now = SystemTime::now();
    assert!(matches!(old.try_acquire(now).await.unwrap(), keap::runtime::Decision::Send));
    for _ in 0..2 {
        assert!(matches!(new.try_acquire(now).await.unwrap(), keap::runtime::Decision::Send));
    }
    match new.try_acquire(now).await.unwrap() {
        keap::runtime::Decision::Wait(w) => assert_eq!(w.window, Window::Second),
        other => panic!("the old processes' 3/s holds the new ones too: {other:?}"),
    }
    let limits: Vec<_> = new.budget(now).await.unwrap().iter().map(|b| b.limit).collect();
    assert_eq!(limits, [Some(3), Some(1000), None], "the limits in force are the fleet's strictest");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_lost_its_data_counts_the_short_windows_full_for_a_minute() {
    let mut redis = RedisServer::start();
    let link = Redis::open(&redis.url()).unwrap();
    let auth = Auth::api_key("k");
    let store = RedisQuota::new(&link, &auth, Quota::custom(Some(5), Some(100), Some(1000)));
    let now = SystemTime::now();
    assert!(matches!(store.try_acquire(now).await.unwrap(), keap::runtime::Decision::Send));
    redis.kill();
    assert!(store.try_acquire(now).await.is_err(), "a dead Redis is an error, not a decision");
    redis.restart();
    // The connection comes back by itself, within a few tries.
    let mut decision = None;
    for _ in 0..50 {
        if let Ok(d) = store.try_acquire(SystemTime::now()).await {
            decision = Some(d);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let decision = decision.expect("Redis answered again within 5 s");
    match decision {
        keap::runtime::Decision::Wait(w) => {
            assert_eq!(w.window, Window::Minute);
            let left = w.until.duration_since(SystemTime::now()).unwrap_or_default();
            assert!(left > Duration::from_secs(55), "{left:?}");
        }
        other => panic!("after a loss the minute counts as full: {other:?}"),
    }
    // This process's own send of the day was added back.
    let day = store.budget(SystemTime::now()).await.unwrap()[2];
    assert_eq!(day.remaining, Some(999));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_fallback_keeps_to_its_share_and_reports_its_sends_when_redis_answers_again() {
    let redis = RedisServer::start();
    let link = Redis::open(&redis.url()).unwrap().command_timeout(Duration::from_millis(200));
    let auth = Auth::api_key("k");
    let store = RedisQuota::new(&link, &auth, Quota::custom(Some(100), Some(1000), None))
        .local_fallback(Quota::custom(None, Some(1000), None).share(500));
    let now = SystemTime::now();
    assert!(matches!(store.try_acquire(now).await.unwrap(), keap::runtime::Decision::Send));
    redis.signal("-STOP");
    // The share is 2 per minute: two sends, then a wait, without Redis.
    assert!(matches!(store.try_acquire(now).await.unwrap(), keap::runtime::Decision::Send));
    assert!(matches!(store.try_acquire(now).await.unwrap(), keap::runtime::Decision::Send));
    assert!(matches!(store.try_acquire(now).await.unwrap(), keap::runtime::Decision::Wait(_)));
    redis.signal("-CONT");
    // Redis is tried again a second after it failed; the fallback's share stays full, so
    // only Redis can say send.
    let mut later = now;
    let mut sent = false;
    for _ in 0..20 {
        later += Duration::from_millis(1100);
        if matches!(store.try_acquire(later).await.unwrap(), keap::runtime::Decision::Send) {
            sent = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(sent, "Redis was not used again after it answered");
    let minute = store.budget(later).await.unwrap()[1];
    // One before, two offline, one after; the command that timed out when Redis froze ran
    // when it thawed, and counts too (a timed-out decision is never a send: over-counted,
    // never under).
    let used = 1000 - minute.remaining.unwrap();
    assert!(used == 4 || used == 5, "the two offline sends were written to Redis: {used} used");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_a_redis_key_a_message_or_debug_output() {
    let (redis_url, _server) = redis_server::shared();
    let secret = unique("pat-secret");
    let prefix = unique("secrets:");
    let redis = Redis::open(&redis_url).unwrap().prefix(prefix.as_str());
    let auth = Auth::api_key(secret.as_str());
    let store = RedisQuota::new(&redis, &auth, Quota::default());
    store.try_acquire(SystemTime::now()).await.unwrap();
    let tokens = RedisTokens::new(&redis, "acct");
    tokens.save(&Tokens::new(format!("{secret}-at"), format!("{secret}-rt"), None)).await.unwrap();
    let mut connection = redis::Client::open(redis_url.as_str()).unwrap().get_connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}*")).query(&mut connection).unwrap();
    assert!(keys.len() >= 3, "{keys:?}");
    assert!(keys.iter().all(|k| !k.contains(&secret) && !k.contains("pat-secret")), "{keys:?}");
    let shown = format!("{store:?} {tokens:?} {redis:?}");
    assert!(!shown.contains(&secret), "{shown}");
    // A password in the URL never shows, not even when the URL is wrong.
    let with_password =
        Redis::open("redis://:hunter2@127.0.0.1:1/").unwrap().command_timeout(Duration::from_millis(300));
    assert!(!format!("{with_password:?}").contains("hunter2"));
    let e = RedisQuota::new(&with_password, &auth, Quota::default()).try_acquire(SystemTime::now()).await.unwrap_err();
    assert!(e.to_string().contains("Redis at 127.0.0.1:1") && !e.to_string().contains("hunter2"), "{e}");
    let bad = Redis::open("redis://:hunter2@[bad").unwrap_err().to_string();
    assert!(!bad.contains("hunter2"), "{bad}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_whose_token_was_rotated_elsewhere_takes_the_new_pair_on_its_401() {
    let (redis_url, _server) = redis_server::shared();
    let keap = rotating_keap().await;
    let redis = Redis::open(&redis_url).unwrap().prefix("fleet-test:");
    let account = unique("account");
    let in_a_day = SystemTime::now() + Duration::from_secs(86_400);
    RedisTokens::new(&redis, &account).save(&Tokens::new("at-1", "rt-1", Some(in_a_day))).await.unwrap();
    let client = || async {
        let auth = Auth::oauth2_from_store("id", "secret", RedisTokens::new(&redis, &account))
            .await
            .unwrap()
            .token_url(format!("{}/token", keap.url));
        keap::Client::builder().base_url(&keap.url).auth(auth).quota(Quota::unlimited()).build().unwrap()
    };
    let (a, b) = (client().await, client().await);
    // A refreshes on its 401; B, whose pair still looks fresh, gets a 401 next and must take
    // A's pair rather than spend rt-1 again.
    a.contact().get_contact(keap::ids::Id::new("1")).send().await.unwrap();
    b.contact().get_contact(keap::ids::Id::new("1")).send().await.unwrap();
    let refreshes = keap.seen().iter().filter(|s| s.target.starts_with("/token")).count();
    assert_eq!(refreshes, 1, "rt-1 was spent once");
    assert_eq!(b.tokens().unwrap().access_token.expose(), "at-2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v1_process_and_a_v2_process_keep_to_one_quota() {
    let (redis, _server) = redis_server::shared();
    let keap = serve(|_, _| Reply::json(200, "{}")).await;
    let (per_second, per_minute) = (5, 300);
    let run = Duration::from_secs(6);
    let start = SystemTime::now() + Duration::from_secs(2);
    let end = start + run;
    let key = unique("key");
    let v2 =
        QuotaRun { redis: &redis, keap: &keap.url, key: &key, per_second, per_minute, tasks: 5, start, end, api: "v2" };
    let v1 = QuotaRun { api: "v1", ..v2 };
    let wait = Duration::from_secs(10);
    let lines = workers(vec![v2.args(wait), v1.args(wait)], run + Duration::from_secs(30)).await;
    let (v2_times, v1_times) = (arrivals(&keap, "/rest/v2/contacts/"), arrivals(&keap, "/rest/v1/contacts/"));
    let mut times: Vec<Instant> = v2_times.iter().chain(&v1_times).copied().collect();
    times.sort();
    let second = most_in_span(&times, Duration::from_secs(1));
    eprintln!(
        "v1 + v2 quota: {} v2 and {} v1 arrivals in {:.0} s; most in a second {second}",
        v2_times.len(),
        v1_times.len(),
        run.as_secs_f64()
    );
    assert!(!v2_times.is_empty() && !v1_times.is_empty(), "both APIs were called: {lines:?}");
    assert!(second <= per_second as usize, "{second} requests of v1 and v2 arrived within one second");
    assert_eq!(sum(&lines, "other") + sum(&lines, "store_errors"), 0, "{lines:?}");
}

/// Managed Redis: TLS only, an ACL user, a certificate from a private CA.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_redis_with_an_acl_user_and_a_private_ca_serves_the_quota_and_the_tokens() {
    use redis_server::{TLS_PASSWORD, TLS_USER};
    let server = RedisServer::start_tls();
    let (ca, url) = (server.ca_pem(), server.tls_url(TLS_USER, TLS_PASSWORD));
    let redis = Redis::open_tls(&url, &ca).unwrap().prefix("fleet-test:");
    let auth = Auth::api_key(unique("key"));
    let store = RedisQuota::new(&redis, &auth, Quota::custom(Some(2), Some(100), None));
    let now = SystemTime::now();
    for _ in 0..2 {
        assert!(matches!(store.try_acquire(now).await.unwrap(), keap::runtime::Decision::Send));
    }
    match store.try_acquire(now).await.unwrap() {
        keap::runtime::Decision::Wait(w) => assert_eq!(w.window, Window::Second),
        other => panic!("the quota is kept over TLS: {other:?}"),
    }
    assert_eq!(store.budget(now).await.unwrap()[1].remaining, Some(98));
    let tokens = RedisTokens::new(&redis, &unique("account"));
    tokens.save(&Tokens::new("at-1", "rt-1", None)).await.unwrap();
    assert_eq!(tokens.load().await.unwrap().unwrap().refresh_token.expose(), "rt-1");
    let shown = format!("{redis:?} {store:?} {tokens:?}");
    assert!(!shown.contains(TLS_PASSWORD) && !shown.contains("s3cret"), "{shown}");

    // Each failure names the Redis and its cause, never the password.
    let wrong = tls_failure(Redis::open_tls(&server.tls_url(TLS_USER, "wrong-pw"), &ca).unwrap(), server.port).await;
    assert!(wrong.contains("authentication failed"), "{wrong}");
    // The public roots do not know the private CA.
    let untrusted = tls_failure(Redis::open(&url).unwrap(), server.port).await;
    assert!(untrusted.contains("certificate") && untrusted.contains("open_tls"), "{untrusted}");
    // Plain TCP to the TLS port.
    let plain = format!("redis://{TLS_USER}:{TLS_PASSWORD}@127.0.0.1:{}/", server.port).replace('%', "%25");
    let plain = tls_failure(Redis::open(&plain).unwrap(), server.port).await;
    assert!(plain.contains("rediss://"), "{plain}");
    eprintln!("TLS failures:\n  {wrong}\n  {untrusted}\n  {plain}");

    // A CA is for TLS only, and must be a certificate.
    let e = Redis::open_tls(&format!("redis://:{TLS_PASSWORD}@127.0.0.1:1/"), &ca).unwrap_err().to_string();
    assert!(e.contains("rediss://") && !e.contains("s3cret"), "{e}");
    let e = Redis::open_tls(&url, b"not a certificate").unwrap_err().to_string();
    assert!(e.contains("no PEM certificate") && !e.contains("s3cret"), "{e}");
    let e = Redis::open(&format!("{url}#insecure")).unwrap_err().to_string();
    assert!(e.contains("open_tls") && !e.contains("s3cret"), "{e}");
}

/// The message of a quota decision that fails on `redis`, checked to name the Redis at `port`
/// and to hold no password.
async fn tls_failure(redis: Redis, port: u16) -> String {
    let redis = redis.command_timeout(Duration::from_millis(500));
    let e = RedisQuota::new(&redis, &Auth::api_key("k"), Quota::default()).try_acquire(SystemTime::now()).await;
    let message = e.unwrap_err().to_string();
    assert!(message.contains(&format!("Redis at 127.0.0.1:{port}")), "{message}");
    assert!(!message.contains("s3cret") && !message.contains("wrong-pw"), "{message}");
    message
}
