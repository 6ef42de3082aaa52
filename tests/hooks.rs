//! The crate's REST Hooks support (`keap::hooks`) end to end, against the scripted Keap
//! (`keapgen_tests::scripted_keap`): the upkeep subscribing and keeping subscriptions alive,
//! the receiver served as an axum route over real HTTP answering handshakes and deliveries,
//! and `Changes` fetching the records each once, within the quota, in one process or a fleet
//! sharing Redis. Every test is bounded.

mod redis_server;

use keap::hooks::{
    list_subscriptions, sources, verify_delayed, Action, Changes, Dedupe, Delivery, EventKey, HookFuture, HookRequest,
    HookStatus, HookUrls, LocalDedupe, PendingSecrets, Received, Receiver, RedisDedupe, Upkeep, UpkeepReport,
    Verification, MAX_BODY, SECRET_HEADER,
};
use keap::runtime::{axum, reqwest, Redis};
use keapgen_tests::scripted_keap::{self as scripted, Config, ScriptedKeap, Timing};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

/// The bound on every test, and on every wait within one.
const BOUND: Duration = Duration::from_secs(30);

/// Keap's own limit on an answer to a delivery: slower counts as a failure.
const KEAP_ANSWER_LIMIT: Duration = Duration::from_secs(30);

const API_KEY: &str = "hooks-test-api-key-5f2a9c7e";

/// Runs a test's body within [`BOUND`].
async fn bounded<F: Future>(body: F) -> F::Output {
    tokio::time::timeout(BOUND, body).await.expect("the test ran past its bound")
}

fn client(keap: &ScriptedKeap) -> keap::Client {
    keap::Client::builder().auth(keap::Auth::api_key(API_KEY)).base_url(keap.url()).build().unwrap()
}

/// A receiver served over HTTP on 127.0.0.1 by the crate's axum route, as an application
/// would mount it.
struct Served {
    urls: HookUrls,
    url_key: keap::Secret,
    /// What the route handed on.
    inbox: mpsc::Receiver<Delivery>,
    /// A sender of the test's own into the inbox (to fill it).
    sender: mpsc::Sender<Delivery>,
    /// The receiver's delayed handshakes' secrets.
    pending: PendingSecrets,
    /// A clone of the receiver given to the route.
    receiver: Receiver,
}

/// Listens first (Keap sends the handshake while the subscription is being created), then
/// serves `Receiver` at `/keap/hooks` with an inbox of `capacity` deliveries.
async fn serve_receiver(verification: Verification, capacity: usize) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let public_url = format!("http://{}/keap/hooks", listener.local_addr().unwrap());
    let url_key = HookUrls::generate_key().unwrap();
    let urls = HookUrls::new(public_url, &url_key).unwrap();
    let pending = PendingSecrets::default();
    let receiver = Receiver::new(urls.clone()).verification(verification).pending_secrets(pending.clone());
    let (sender, inbox) = mpsc::channel(capacity);
    let app = axum::Router::new().route("/keap/hooks", keap::hooks::axum::route(receiver.clone(), sender.clone()));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Served { urls, url_key, inbox, sender, pending, receiver }
}

/// The next delivery the route handed on.
async fn next_delivery(inbox: &mut mpsc::Receiver<Delivery>) -> Delivery {
    tokio::time::timeout(BOUND, inbox.recv()).await.expect("a delivery within the bound").expect("the inbox is open")
}

/// The `keap_token` value of a hook URL.
fn token_of(url: &str) -> String {
    let at = url.find("keap_token=").expect("a hook URL has a token") + "keap_token=".len();
    url[at..].split('&').next().unwrap().to_owned()
}

fn the_only(report: &UpkeepReport) -> &keap::hooks::Kept {
    assert_eq!(report.subscriptions.len(), 1, "{report:?}");
    &report.subscriptions[0]
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(BOUND).build().unwrap()
}

/// What the receiver answered to a POST.
#[derive(Debug)]
struct Answered {
    status: u16,
    content_type: Option<String>,
    secret: Option<String>,
    body: String,
}

impl Answered {
    /// The `message` of a JSON answer (every refusal has one).
    fn message(&self) -> String {
        assert_eq!(self.content_type.as_deref(), Some("application/json"), "{self:?}");
        let value: Value = serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"));
        value["message"].as_str().unwrap_or_else(|| panic!("no message: {self:?}")).to_owned()
    }
}

async fn post(url: &str, secret: Option<&str>, body: Vec<u8>) -> Answered {
    let mut request = http().post(url).header("content-type", "application/json").body(body);
    if let Some(s) = secret {
        request = request.header(SECRET_HEADER, s);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("POST to the receiver failed: {e}"));
    let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
    let (status, content_type, secret) = (response.status().as_u16(), header("content-type"), header(SECRET_HEADER));
    let body = String::from_utf8_lossy(&response.bytes().await.unwrap()).into_owned();
    Answered { status, content_type, secret, body }
}

fn contact_ids(range: std::ops::RangeInclusive<u64>) -> BTreeSet<String> {
    range.map(|id| id.to_string()).collect()
}

/// The list calls `Changes` made (`GET /rest/v2/contacts?filter=...`).
fn contact_lists(keap: &ScriptedKeap) -> usize {
    keap.seen().iter().filter(|s| s.method == "GET" && s.target.starts_with("/rest/v2/contacts?")).count()
}

#[tokio::test]
async fn the_upkeep_creates_subscriptions_that_the_receivers_handshake_makes_verified_and_a_second_run_leaves() {
    bounded(async {
        let served = serve_receiver(Verification::Immediate, 16).await;
        let keap = ScriptedKeap::start(Config::fast()).await;
        let client = client(&keap);
        let events = [EventKey::CONTACT_ADD, EventKey::CONTACT_EDIT, EventKey::CONTACT_DELETE];
        let upkeep = Upkeep::new(client.transport(), &served.urls, events.clone());

        let report = upkeep.run().await.unwrap();
        assert!(report.all_verified(), "{report:?}");
        assert_eq!(report.subscriptions.len(), 3);
        for kept in &report.subscriptions {
            assert_eq!((kept.action, &kept.was, &kept.status), (Action::Created, &None, &HookStatus::Verified));
        }
        assert!(report.removed.is_empty() && report.unrecognised.is_empty() && report.reactivated().next().is_none());

        // Keap's side: one subscription per event at its hook URL, each verified by an echoed handshake.
        let subs = keap.subscriptions();
        assert_eq!(subs.len(), 3);
        for event in &events {
            let url = served.urls.url_for(event);
            let sub = subs.iter().find(|s| s.event_key == event.as_str()).unwrap();
            assert_eq!((sub.hook_url.as_str(), sub.status), (url.as_str(), scripted::HookStatus::Verified));
            let kept = report.subscriptions.iter().find(|k| &k.event == event).unwrap();
            assert_eq!(kept.key, sub.key);
        }
        let add = served.urls.url_for(&EventKey::CONTACT_ADD);
        let prefix = format!("{}?keap_event=contact.add&keap_token=", served.urls.public_url());
        assert!(add.starts_with(&prefix), "{add}");
        let token = token_of(&add);
        assert!(token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
        let handshakes = keap.handshakes();
        assert_eq!(handshakes.len(), 3);
        assert!(handshakes.iter().all(|h| h.echoed && h.verified && h.status == Some(200)), "{handshakes:?}");

        // Converged: a second run changes nothing and makes no handshake.
        let again = upkeep.run().await.unwrap();
        assert!(again.all_verified());
        assert!(again.subscriptions.iter().all(|k| k.action == Action::Nothing && k.was == Some(HookStatus::Verified)));
        assert_eq!((keap.subscriptions().len(), keap.handshakes().len()), (3, 3));

        // Verified means delivered: a change reaches the inbox.
        let mut inbox = served.inbox;
        keap.change("contact.add", "contact", [42]);
        let delivery = next_delivery(&mut inbox).await;
        assert_eq!((delivery.event_key, delivery.object_type.as_str()), (EventKey::CONTACT_ADD, "contact"));
        assert_eq!(delivery.objects.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["42"]);
    })
    .await;
}

#[tokio::test]
async fn the_upkeep_keeps_the_oldest_of_duplicates_knows_a_re_encoded_url_and_leaves_foreign_tokens_alone() {
    bounded(async {
        let served = serve_receiver(Verification::Immediate, 16).await;
        let keap = ScriptedKeap::start(Config::fast()).await;
        let client = client(&keap);
        let add = served.urls.url_for(&EventKey::CONTACT_ADD);
        let subscribe = |event: EventKey, url: String| {
            let transport = client.transport().clone();
            async move { keap::hooks::create_subscription(&transport, &event, &url).await.unwrap() }
        };
        // The same URL with its event key percent-encoded, as a server may re-encode it.
        let encoded = subscribe(EventKey::CONTACT_ADD, add.replace("contact.add", "contact%2Eadd")).await;
        assert_eq!(encoded.status, HookStatus::Verified, "the receiver reads the re-encoded URL too");
        let duplicate = subscribe(EventKey::CONTACT_ADD, add.clone()).await;
        assert_eq!(duplicate.status, HookStatus::Verified);
        // Another deployment's token at this public URL: its handshake is refused.
        let edit = served.urls.url_for(&EventKey::CONTACT_EDIT);
        let foreign = subscribe(EventKey::CONTACT_EDIT, edit.replace(&token_of(&edit), &"0".repeat(32))).await;
        assert_eq!(foreign.status, HookStatus::Unverified);
        assert_eq!(keap.handshakes().iter().map(|h| h.status).collect::<Vec<_>>(), [Some(200), Some(200), Some(403)]);

        let report = Upkeep::new(client.transport(), &served.urls, [EventKey::CONTACT_ADD]).run().await.unwrap();
        let kept = the_only(&report);
        assert_eq!((kept.action, kept.key.as_str()), (Action::Nothing, encoded.key.as_str()), "the oldest stays");
        assert_eq!(report.removed.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(), [duplicate.key.as_str()]);
        assert_eq!(report.unrecognised.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(), [foreign.key.as_str()]);
        let left: Vec<String> = keap.subscriptions().into_iter().map(|s| s.key).collect();
        assert_eq!(left, [encoded.key.clone(), foreign.key.clone()]);
        assert!(!format!("{report:?}").contains(&token_of(&add)), "the report shows no token");
    })
    .await;
}

#[tokio::test]
async fn a_receiver_that_does_not_echo_the_handshake_leaves_the_created_subscription_unverified() {
    bounded(async {
        // Delayed, but nobody sends the secret back: the upkeep is not given the pending secrets.
        let served = serve_receiver(Verification::Delayed, 16).await;
        let keap = ScriptedKeap::start(Config::fast()).await;
        let client = client(&keap);
        let upkeep = Upkeep::new(client.transport(), &served.urls, [EventKey::CONTACT_ADD]);

        let report = upkeep.run().await.unwrap();
        let kept = the_only(&report);
        assert_eq!((kept.action, &kept.was, &kept.status), (Action::Created, &None, &HookStatus::Unverified));
        assert!(!report.all_verified());
        let handshakes = keap.handshakes();
        assert_eq!(handshakes.len(), 1);
        assert!(!handshakes[0].echoed && !handshakes[0].verified && handshakes[0].status == Some(200));
        assert_eq!(keap.subscription(&kept.key).unwrap().status, scripted::HookStatus::Unverified);
        // The receiver kept it, for a delayed verification that never comes.
        assert!(format!("{:?}", served.pending).contains("contact.add"));

        // Another run asks Keap to verify again; still not echoed, still Unverified.
        let again = upkeep.run().await.unwrap();
        let kept = the_only(&again);
        assert_eq!(kept.action, Action::Reverified);
        assert_eq!((&kept.was, &kept.status), (&Some(HookStatus::Unverified), &HookStatus::Unverified));
        assert_eq!(keap.handshakes().len(), 2);

        // Unverified: Keap delivers nothing.
        keap.change("contact.add", "contact", [1, 2]);
        assert!(keap.settled(BOUND).await);
        assert!(keap.deliveries().is_empty());
    })
    .await;
}

#[tokio::test]
async fn delayed_verification_sends_the_kept_secret_back_so_the_created_subscription_ends_verified() {
    bounded(async {
        let served = serve_receiver(Verification::Delayed, 16).await;
        let keap = ScriptedKeap::start(Config::fast()).await;
        let client = client(&keap);
        let upkeep = Upkeep::new(client.transport(), &served.urls, [EventKey::CONTACT_ADD])
            .pending_secrets(served.pending.clone());

        let report = upkeep.run().await.unwrap();
        let kept = the_only(&report);
        assert_eq!((kept.action, &kept.was, &kept.status), (Action::Created, &None, &HookStatus::Verified));
        assert!(report.all_verified());
        assert_eq!(keap.subscription(&kept.key).unwrap().status, scripted::HookStatus::Verified);

        // The handshake was answered without the secret; the secret went back by delayedVerify.
        let handshakes = keap.handshakes();
        assert_eq!(handshakes.len(), 1);
        assert!(!handshakes[0].echoed && handshakes[0].status == Some(200));
        let path = format!("/rest/v1/hooks/{}/delayedVerify", kept.key);
        let sent: Vec<_> = keap.seen().into_iter().filter(|s| s.method == "POST" && s.target == path).collect();
        assert_eq!(sent.len(), 1, "one delayedVerify call");
        assert_eq!(sent[0].header("x-hook-secret"), Some(handshakes[0].secret.as_str()));
        assert!(served.pending.take(&EventKey::CONTACT_ADD).is_none(), "the secret is used up");
    })
    .await;
}

#[tokio::test]
async fn a_secret_kept_by_an_earlier_handshake_verifies_an_unverified_subscription_later() {
    bounded(async {
        let served = serve_receiver(Verification::Delayed, 16).await;
        let keap = ScriptedKeap::start(Config::fast()).await;
        let client = client(&keap);
        // A first run without the pending secrets: created, Unverified, its secret kept.
        let first = Upkeep::new(client.transport(), &served.urls, [EventKey::CONTACT_EDIT]).run().await.unwrap();
        assert_eq!(the_only(&first).status, HookStatus::Unverified);

        let report = Upkeep::new(client.transport(), &served.urls, [EventKey::CONTACT_EDIT])
            .pending_secrets(served.pending.clone())
            .run()
            .await
            .unwrap();
        let kept = the_only(&report);
        assert_eq!(kept.action, Action::VerifiedDelayed);
        assert_eq!((&kept.was, &kept.status), (&Some(HookStatus::Unverified), &HookStatus::Verified));
        assert_eq!(keap.handshakes().len(), 1, "no second handshake: the kept secret sufficed");
        assert_eq!(keap.subscription(&kept.key).unwrap().status, scripted::HookStatus::Verified);
    })
    .await;
}

#[tokio::test]
async fn a_batch_of_1000_ids_is_acknowledged_at_once_and_its_contacts_fetched_afterwards_within_the_quota() {
    bounded(async {
        let served = serve_receiver(Verification::Immediate, 16).await;
        // Keap's real 30 s answer limit and the API key's 5 requests per second.
        let timing = Timing { response_timeout: KEAP_ANSWER_LIMIT, ..Timing::fast() };
        let keap = ScriptedKeap::start(Config { timing, per_second: Some(5), ..Config::fast() }).await;
        let client = client(&keap);
        let report = Upkeep::new(client.transport(), &served.urls, [EventKey::CONTACT_EDIT]).run().await.unwrap();
        assert!(report.all_verified());

        // The background work, as an application runs it: off the inbox, after the answer.
        let changes = Changes::new(client.transport());
        let mut inbox = served.inbox;
        let worker = tokio::spawn(async move {
            let delivery = next_delivery(&mut inbox).await;
            let started = Instant::now();
            let fetched = changes.fetch(&delivery, &sources::contact()).await;
            (delivery, fetched, started, Instant::now())
        });

        let lists_before = contact_lists(&keap);
        assert_eq!(keap.change("contact.edit", "contact", 1..=1000), 1000);
        assert!(keap.settled(BOUND).await);
        let (delivery, fetched, started, finished) = worker.await.unwrap();
        let fetched = fetched.unwrap();

        let records = keap.deliveries();
        assert_eq!(records.len(), 1, "{records:?}");
        let record = &records[0];
        assert_eq!((record.ids, record.attempt, record.status, record.timed_out), (1000, 1, Some(200), false));
        assert!(record.latency < KEAP_ANSWER_LIMIT, "{:?}", record.latency);
        // Acknowledged before the fetch was done: the answer never waits for the API.
        let acknowledged = record.at + record.latency;
        assert!(acknowledged < finished, "the answer came after the fetch ended");

        assert_eq!(delivery.objects.len(), 1000);
        assert!(delivery.objects.iter().all(|o| o.timestamp.is_some()));
        assert_eq!(fetched.records.len(), 1000);
        let ids: BTreeSet<String> = fetched.records.iter().map(|(id, _)| id.clone()).collect();
        assert_eq!(ids, contact_ids(1..=1000));
        for (id, contact) in &fetched.records {
            assert_eq!(contact.given_name.as_deref(), Some(format!("Name{id}").as_str()));
        }
        assert!(fetched.deleted.is_empty() && fetched.missing.is_empty() && fetched.repeated.is_empty());

        // Within the quota: no 429, each contact once, 100 per call.
        assert_eq!(keap.throttled(), 0);
        let counts = keap.fetch_counts();
        assert_eq!(counts.len(), 1000);
        assert!(counts.values().all(|&n| n == 1), "{counts:?}");
        let lists = contact_lists(&keap) - lists_before;
        assert_eq!(lists, 10);
        assert_eq!(keap.lost(), 0);
        eprintln!(
            "1000-id delivery acknowledged in {} ms; 1000 contacts fetched in {} ms ({lists} requests at 5 per second)",
            record.latency.as_millis(),
            (finished - started).as_millis()
        );
    })
    .await;
}

#[tokio::test]
async fn a_delivery_keap_sends_again_is_recognised_and_nothing_is_fetched_twice() {
    bounded(async {
        let served = serve_receiver(Verification::Immediate, 16).await;
        let keap = ScriptedKeap::start(Config::fast()).await;
        let client = client(&keap);
        assert!(Upkeep::new(client.transport(), &served.urls, [EventKey::CONTACT_EDIT])
            .run()
            .await
            .unwrap()
            .all_verified());
        let changes = Changes::new(client.transport());
        let mut inbox = served.inbox;

        keap.change("contact.edit", "contact", 1..=1000);
        let first = next_delivery(&mut inbox).await;
        let fetched = changes.fetch(&first, &sources::contact()).await.unwrap();
        assert_eq!((fetched.records.len(), fetched.repeated.len()), (1000, 0));
        assert!(keap.settled(BOUND).await);

        // Keap missed the acknowledgement and sends it again, byte for byte.
        let resent = keap.resend_last_delivery().await.expect("a delivery was acknowledged");
        assert_eq!((resent.status, resent.resent, resent.ids), (Some(200), true, 1000));
        let second = next_delivery(&mut inbox).await;
        assert_eq!(second, first);
        let again = changes.fetch(&second, &sources::contact()).await.unwrap();
        assert_eq!(again.repeated.len(), 1000);
        assert!(again.records.is_empty() && again.missing.is_empty() && again.deleted.is_empty());
        assert_eq!(again.repeated.iter().cloned().collect::<BTreeSet<_>>(), contact_ids(1..=1000));

        let counts = keap.fetch_counts();
        assert_eq!(counts.len(), 1000);
        assert!(counts.values().all(|&n| n == 1), "{counts:?}");
        assert_eq!(keap.throttled(), 0);
    })
    .await;
}

/// A [`Dedupe`] whose first `complete` fails, as a Redis command that timed out does.
#[derive(Debug, Default)]
struct CompleteFailsOnce {
    inner: LocalDedupe,
    failed: AtomicBool,
}

impl Dedupe for CompleteFailsOnce {
    fn claim<'a>(
        &'a self,
        holder: &'a str,
        events: &'a [String],
        lease: Duration,
    ) -> HookFuture<'a, Result<Vec<keap::hooks::Claim>, keap::Error>> {
        self.inner.claim(holder, events, lease)
    }
    fn complete<'a>(
        &'a self,
        holder: &'a str,
        events: &'a [String],
        keep: Duration,
    ) -> HookFuture<'a, Result<(), keap::Error>> {
        if self.failed.swap(true, Ordering::SeqCst) {
            self.inner.complete(holder, events, keep)
        } else {
            Box::pin(async { Err(keap::Error::HookStore("the command timed out".into())) })
        }
    }
    fn release<'a>(&'a self, holder: &'a str, events: &'a [String]) -> HookFuture<'a, Result<(), keap::Error>> {
        self.inner.release(holder, events)
    }
}

#[tokio::test]
async fn records_fetched_before_the_store_failed_to_mark_them_done_are_returned_not_lost() {
    bounded(async {
        let keap = ScriptedKeap::start(Config::fast()).await;
        keap.add_contacts(1..=10);
        let client = client(&keap);
        let body = br#"{"event_key":"contact.edit","object_type":"contact","object_keys":[{"id":1},{"id":2},{"id":3},
            {"id":4},{"id":5},{"id":6},{"id":7},{"id":8},{"id":9},{"id":10}]}"#;
        let delivery = Delivery::parse(body).unwrap();
        let changes = Changes::new(client.transport()).dedupe(CompleteFailsOnce::default());
        // The records were fetched, then the store failed (perhaps after it ran the command):
        // the records are the caller's all the same, since a retry could find them done.
        let fetched = changes.fetch(&delivery, &sources::contact()).await.unwrap();
        assert_eq!((fetched.records.len(), fetched.repeated.len()), (10, 0));
        assert_eq!(keap.fetch_counts().len(), 10);
        // Still claimed by that fetch until its lease ends: the same delivery again is told
        // apart as in flight, not fetched twice and not called done.
        let again = changes.fetch(&delivery, &sources::contact()).await.unwrap();
        assert_eq!((again.records.len(), again.repeated.len(), again.in_flight.len()), (0, 0, 10));
        assert!(keap.fetch_counts().values().all(|&n| n == 1));
    })
    .await;
}

#[test]
fn a_hook_url_given_as_the_public_url_is_refused_without_showing_its_token() {
    // A likely mistake: the hook URL copied from Keap's list of subscriptions, token and all.
    let key = HookUrls::generate_key().unwrap();
    let urls = HookUrls::new("https://example.com/keap/hooks", &key).unwrap();
    let hook_url = urls.url_for(&EventKey::CONTACT_ADD);
    let token = token_of(&hook_url);
    for given in [hook_url.clone(), format!("{hook_url}#x")] {
        let e = HookUrls::new(given, &key).unwrap_err();
        assert!(!format!("{e} {e:?}").contains(&token), "the error shows the token: {e}");
    }
}

/// A Redis prefix no other run uses.
fn unique_prefix(what: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("hooks-test:{what}-{}-{nanos}:", std::process::id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_given_the_same_delivery_at_once_fetch_each_record_once_through_redis() {
    // As the fleet tests get Redis: $KEAPGEN_REDIS_URL (CI starts one), else a private one.
    let (redis_url, _server) = redis_server::shared();
    bounded(async {
        let served = serve_receiver(Verification::Immediate, 16).await;
        let keap = ScriptedKeap::start(Config::fast()).await;
        let prefix = unique_prefix("dedupe");
        // Two "processes": each its own client, Redis link and `Changes`, one Redis and prefix.
        let process = || {
            let redis = Redis::open(&redis_url).unwrap().prefix(prefix.as_str());
            Changes::new(client(&keap).transport()).dedupe(RedisDedupe::new(&redis))
        };
        let (a, b) = (process(), process());
        let upkeep_client = client(&keap);
        assert!(Upkeep::new(upkeep_client.transport(), &served.urls, [EventKey::CONTACT_EDIT])
            .run()
            .await
            .unwrap()
            .all_verified());
        let mut inbox = served.inbox;

        keap.change("contact.edit", "contact", 1..=1000);
        let delivery = next_delivery(&mut inbox).await;
        let both = |delivery: &Delivery| {
            let (da, db) = (delivery.clone(), delivery.clone());
            let (a, b) = (a.clone(), b.clone());
            let ta = tokio::spawn(async move { a.fetch(&da, &sources::contact()).await.unwrap() });
            let tb = tokio::spawn(async move { b.fetch(&db, &sources::contact()).await.unwrap() });
            async move { (ta.await.unwrap(), tb.await.unwrap()) }
        };
        let (fa, fb) = both(&delivery).await;
        assert_eq!(fa.records.len() + fb.records.len(), 1000, "each record fetched once in all");
        // Each id the one did not fetch, the other held (in flight) or had finished (repeated).
        let left = fa.repeated.len() + fb.repeated.len() + fa.in_flight.len() + fb.in_flight.len();
        assert_eq!(left, 1000, "and each left to the other by one of them");
        let fetched: BTreeSet<String> = fa.records.iter().chain(&fb.records).map(|(id, _)| id.clone()).collect();
        assert_eq!(fetched, contact_ids(1..=1000));

        // Keap sends it again, to whichever process: both recognise it now.
        assert!(keap.settled(BOUND).await);
        keap.resend_last_delivery().await.expect("a delivery was acknowledged");
        let resent = next_delivery(&mut inbox).await;
        let (ra, rb) = both(&resent).await;
        assert!(ra.records.is_empty() && rb.records.is_empty());
        assert_eq!((ra.repeated.len(), rb.repeated.len()), (1000, 1000));

        let counts = keap.fetch_counts();
        assert_eq!(counts.len(), 1000);
        assert!(counts.values().all(|&n| n == 1), "{counts:?}");
        assert_eq!(keap.throttled(), 0);
    })
    .await;
}

#[tokio::test]
async fn forged_deliveries_without_the_right_token_or_for_another_event_are_refused_403_and_never_reach_the_inbox() {
    bounded(async {
        let mut served = serve_receiver(Verification::Immediate, 16).await;
        let urls = &served.urls;
        let add = urls.url_for(&EventKey::CONTACT_ADD);
        let edit = urls.url_for(&EventKey::CONTACT_EDIT);
        let public = urls.public_url().to_owned();
        let token = token_of(&add);
        let body =
            |event: &str| format!(r#"{{"event_key":"{event}","object_type":"contact","object_keys":[{{"id":7}}]}}"#);

        let forged = [
            ("a wrong token", add.replace(&token, &"0".repeat(32)), body("contact.add")),
            ("the right token in capitals", add.replace(&token, &token.to_uppercase()), body("contact.add")),
            ("a token one digit short", add.replace(&token, &token[1..]), body("contact.add")),
            ("no token", format!("{public}?keap_event=contact.add"), body("contact.add")),
            ("an empty token", format!("{public}?keap_event=contact.add&keap_token="), body("contact.add")),
            ("no query", public.clone(), body("contact.add")),
            // A leaked URL of one event does not forge another.
            ("contact.edit's token for contact.add", add.replace(&token, &token_of(&edit)), body("contact.add")),
        ];
        // (A token of digits only has no capitals: that case is left out rather than let through.)
        for (what, url, body) in forged.into_iter().filter(|(_, url, _)| *url != add) {
            let answered = post(&url, None, body.into_bytes()).await;
            assert_eq!(answered.status, 403, "{what}: {answered:?}");
            assert!(!answered.message().is_empty(), "{what}");
            assert!(!answered.body.contains(&token), "{what}: the answer shows no token");
        }
        // The right URL with another event's body.
        for other in ["contact.delete", "contact.edit"] {
            let answered = post(&add, None, body(other).into_bytes()).await;
            assert_eq!(answered.status, 403, "{other} body at contact.add's URL: {answered:?}");
            assert!(!answered.body.contains(&token));
        }
        // A handshake at a forged URL is refused too, its secret not echoed.
        let answered = post(&add.replace(&token, &"f".repeat(32)), Some("forged-handshake"), Vec::new()).await;
        assert_eq!((answered.status, answered.secret.as_deref()), (403, None), "{answered:?}");
        assert!(served.pending.take(&EventKey::CONTACT_ADD).is_none());
        // Not a POST: 405, not 410.
        let got = http().get(&add).send().await.unwrap();
        assert_eq!(got.status().as_u16(), 405);

        assert!(served.inbox.try_recv().is_err(), "nothing forged reached the inbox");

        // The genuine one, through the same route: acknowledged and handed on.
        let answered = post(&add, None, body("contact.add").into_bytes()).await;
        assert_eq!(answered.status, 200, "{answered:?}");
        let delivery = next_delivery(&mut served.inbox).await;
        assert_eq!(delivery.event_key, EventKey::CONTACT_ADD);
        assert!(served.inbox.try_recv().is_err());
    })
    .await;
}

#[tokio::test]
async fn the_upkeep_brings_back_a_subscription_keap_made_inactive_and_reports_it_reactivated() {
    bounded(async {
        // An inbox of one, filled by the test: the route answers 503 until it is drained.
        let mut served = serve_receiver(Verification::Immediate, 1).await;
        let keap = ScriptedKeap::start(Config::fast()).await;
        let client = client(&keap);
        let upkeep = Upkeep::new(client.transport(), &served.urls, [EventKey::CONTACT_EDIT]);
        let key = the_only(&upkeep.run().await.unwrap()).key.clone();
        let filler = Delivery {
            event_key: EventKey::CONTACT_EDIT,
            object_type: "contact".into(),
            objects: Vec::new(),
            api_url: None,
            additional_properties: BTreeMap::new(),
        };
        served.sender.try_send(filler.clone()).unwrap();

        // Four 503s: Keap gives up, the subscription turns Inactive and the change is lost.
        keap.change("contact.edit", "contact", [1, 2, 3]);
        assert!(keap.settled(BOUND).await);
        let attempts = keap.deliveries();
        assert_eq!(attempts.iter().map(|d| d.status).collect::<Vec<_>>(), [Some(503); 4]);
        assert_eq!(keap.subscription(&key).unwrap().status, scripted::HookStatus::Inactive);
        assert_eq!(keap.lost(), 1);
        assert_eq!(keap.lost_ids(), BTreeSet::from([1, 2, 3]));

        // The application catches up; the next upkeep verifies the subscription again.
        assert_eq!(next_delivery(&mut served.inbox).await, filler);
        let report = upkeep.run().await.unwrap();
        let kept = the_only(&report);
        assert_eq!((kept.action, kept.key.as_str()), (Action::Reverified, key.as_str()));
        assert_eq!((&kept.was, &kept.status), (&Some(HookStatus::Inactive), &HookStatus::Verified));
        assert!(report.all_verified());
        let reactivated: Vec<&str> = report.reactivated().map(|k| k.key.as_str()).collect();
        assert_eq!(reactivated, [key.as_str()], "reported, so that the application backfills");
        assert_eq!(keap.subscription(&key).unwrap().status, scripted::HookStatus::Verified);
        assert_eq!(keap.subscriptions().len(), 1, "the same subscription, not a new one");
        assert!(keap.handshakes().last().unwrap().echoed);

        // Deliveries flow again; the next upkeep has nothing to do and nothing to report.
        keap.change("contact.edit", "contact", [4]);
        let delivery = next_delivery(&mut served.inbox).await;
        assert_eq!(delivery.objects.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["4"]);
        assert!(keap.settled(BOUND).await);
        assert_eq!(keap.lost(), 1);
        let calm = upkeep.run().await.unwrap();
        assert_eq!(the_only(&calm).action, Action::Nothing);
        assert!(calm.reactivated().next().is_none());
        assert!(keap.deliveries().iter().all(|d| d.status != Some(410)));
    })
    .await;
}

#[tokio::test]
async fn malformed_or_oversized_bodies_are_answered_400_or_413_with_a_json_message_never_410() {
    bounded(async {
        let mut served = serve_receiver(Verification::Immediate, 16).await;
        let add = served.urls.url_for(&EventKey::CONTACT_ADD);
        let keys =
            |items: &str| format!(r#"{{"event_key":"contact.add","object_type":"contact","object_keys":{items}}}"#);
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let bad: Vec<(&str, Vec<u8>)> = vec![
            ("not JSON", b"event_key=contact.add".to_vec()),
            ("an empty body", Vec::new()),
            ("cut short", br#"{"event_key":"contact.add","object_keys":[{"id":1}"#.to_vec()),
            ("not UTF-8", vec![0xff, 0xfe, 0x7b, 0x7d]),
            ("a JSON array", b"[]".to_vec()),
            ("a JSON string", br#""contact.add""#.to_vec()),
            ("nested 100,000 deep", deep.into_bytes()),
            ("no object_keys", br#"{"event_key":"contact.add","object_type":"contact"}"#.to_vec()),
            ("no event_key", br#"{"object_type":"contact","object_keys":[{"id":1}]}"#.to_vec()),
            ("object_keys an object", keys(r#"{"id":1}"#).into_bytes()),
            ("an id of 1.5", keys(r#"[{"id":1.5}]"#).into_bytes()),
            ("an id of 1e3", keys(r#"[{"id":1e3}]"#).into_bytes()),
            ("an id past u64", keys(r#"[{"id":123456789012345678901234567890}]"#).into_bytes()),
            ("an id of true", keys(r#"[{"id":true}]"#).into_bytes()),
            ("an empty id", keys(r#"[{"id":""}]"#).into_bytes()),
            ("no id", keys(r#"[{"apiUrl":""}]"#).into_bytes()),
            ("a null object key", keys("[null]").into_bytes()),
        ];
        for (what, body) in bad {
            let answered = post(&add, None, body).await;
            assert_eq!(answered.status, 400, "{what}: {answered:?}");
            assert!(!answered.message().is_empty(), "{what}");
        }
        // Over the limit: 413, whether a byte over or four times over.
        for size in [MAX_BODY + 1, 4 * MAX_BODY] {
            let answered = post(&add, None, vec![b' '; size]).await;
            assert_eq!(answered.status, 413, "{size} bytes: {answered:?}");
            assert!(!answered.message().is_empty());
        }
        assert!(served.inbox.try_recv().is_err(), "nothing malformed reached the inbox");

        // Exactly at the limit is fine, and the route still serves after all of the above.
        let mut padded = keys(r#"[{"id":9}]"#).into_bytes();
        padded.resize(MAX_BODY, b' ');
        let answered = post(&add, None, padded).await;
        assert_eq!(answered.status, 200, "{answered:?}");
        let delivery = next_delivery(&mut served.inbox).await;
        assert_eq!(delivery.objects[0].id, "9");

        // Odd values of fields a delivery does not need are kept, not refused: a 400 would
        // count as a failed delivery, and four end the subscription.
        let odd = br#"{"event_key":"contact.add","object_type":7,"api_url":[],
            "object_keys":[{"id":1,"timestamp":1522320937,"apiUrl":false}]}"#;
        let answered = post(&add, None, odd.to_vec()).await;
        assert_eq!(answered.status, 200, "{answered:?}");
        let delivery = next_delivery(&mut served.inbox).await;
        assert_eq!(delivery.object_type, "");
        assert_eq!(delivery.additional_properties["object_type"], 7);
        let object = &delivery.objects[0];
        assert_eq!(object.timestamp.as_ref().unwrap().parse().unwrap().to_string(), "2018-03-29T10:55:37Z");
        assert_eq!(object.additional_properties["apiUrl"], false);
    })
    .await;
}

// On the current-thread runtime: the subscriber is the thread's, and the scripted Keap, the
// receiver's server and the client all run on this thread, so every event is captured.
#[tokio::test]
async fn no_key_token_handshake_secret_or_api_key_reaches_a_log_a_report_a_debug_or_an_error() {
    let events = keapgen_tests::log_capture::Events::default();
    let _guard = tracing::subscriber::set_default(events.clone());
    bounded(async {
        let mut served = serve_receiver(Verification::Delayed, 16).await;
        let keap = ScriptedKeap::start(Config::fast()).await;
        let client = client(&keap);
        let wanted = [EventKey::CONTACT_ADD, EventKey::CONTACT_EDIT];
        let upkeep =
            Upkeep::new(client.transport(), &served.urls, wanted.clone()).pending_secrets(served.pending.clone());
        let mut shown = Vec::new();

        // The upkeep: creates, delayed handshakes, secrets sent back.
        let report = upkeep.run().await.unwrap();
        assert!(report.all_verified(), "{report:?}");
        shown.push(format!("{report:?}"));
        // A delivery, acknowledged and fetched.
        keap.change("contact.edit", "contact", 1..=150);
        let delivery = next_delivery(&mut served.inbox).await;
        let changes = Changes::new(client.transport());
        let fetched = changes.fetch(&delivery, &sources::contact()).await.unwrap();
        assert_eq!(fetched.records.len(), 150);
        shown.push(format!("{delivery:?} {:?}", fetched.missing));
        assert!(keap.settled(BOUND).await);

        // A forged delivery and a forged handshake, refused.
        let add = served.urls.url_for(&EventKey::CONTACT_ADD);
        let edit = served.urls.url_for(&EventKey::CONTACT_EDIT);
        let forged = add.replace(&token_of(&add), &"0".repeat(32));
        let answered = post(&forged, None, br#"{"event_key":"contact.add","object_keys":[{"id":1}]}"#.to_vec()).await;
        assert_eq!(answered.status, 403);
        shown.push(format!("{answered:?}"));
        let answered = post(&forged, Some("forged-secret"), Vec::new()).await;
        shown.push(format!("{answered:?}"));
        // The right URL with another event's body: refused, and the answer repeats no token.
        let answered = post(&edit, None, br#"{"event_key":"contact.add","object_keys":[{"id":1}]}"#.to_vec()).await;
        assert_eq!(answered.status, 403);
        shown.push(format!("{answered:?}"));

        // A handshake answered in process: the answer holds the secret, its Debug must not.
        let receiver = Receiver::new(served.urls.clone());
        let query = edit.split_once('?').unwrap().1;
        let handshake_secret = "in-process-handshake-secret-3b9d";
        let (answer, received) =
            receiver.handle(HookRequest { method: "POST", query, secret_header: Some(handshake_secret), body: b"" });
        assert!(matches!(received, Received::Handshake { echoed: true, .. }));
        // The search below would find it: the answer itself carries it.
        assert!(answer.headers.iter().any(|(_, v)| v == handshake_secret));
        shown.push(format!("{answer:?} {received:?}"));
        // A pending secret held while shown.
        served.pending.insert(EventKey::CONTACT_DELETE, keap::Secret::new(handshake_secret));

        // Errors: an API error on a create whose body held a hook URL (Keap refuses the
        // event), one without credentials, a delayedVerify carrying a secret, failed fetches.
        let mut errors = Vec::new();
        let report =
            Upkeep::new(client.transport(), &served.urls, [EventKey::new("contact.merge")]).run().await.unwrap();
        assert!(!report.all_verified());
        shown.push(format!("{report:?}"));
        let (_, refused) = report.failed.into_iter().next().expect("the refused event key is reported");
        assert_eq!(refused.status(), Some(400), "{refused}");
        errors.push(refused);
        let anonymous = keap::Client::builder().base_url(keap.url()).build().unwrap();
        let unauthorized = Upkeep::new(anonymous.transport(), &served.urls, wanted.clone()).run().await.unwrap_err();
        assert_eq!(unauthorized.status(), Some(401), "{unauthorized}");
        errors.push(unauthorized);
        let secret = keap::Secret::new(keap.handshakes()[0].secret.clone());
        errors.push(verify_delayed(client.transport(), "999", &secret).await.unwrap_err());
        let text_id =
            Delivery::parse(br#"{"event_key":"contact.edit","object_type":"contact","object_keys":[{"id":"abc"}]}"#)
                .unwrap();
        errors.push(changes.fetch(&text_id, &sources::contact()).await.unwrap_err());
        let company =
            Delivery::parse(br#"{"event_key":"company.edit","object_type":"company","object_keys":[{"id":1}]}"#)
                .unwrap();
        errors.push(changes.fetch(&company, &sources::contact()).await.unwrap_err());
        let short = keap::Secret::new("a-hook-url-key-too-short-9c1");
        errors.push(HookUrls::new(served.urls.public_url(), &short).unwrap_err());
        for e in &errors {
            shown.push(format!("{e} | {e:?}"));
        }

        let subscriptions = list_subscriptions(client.transport()).await.unwrap();
        assert_eq!(subscriptions.len(), 2);
        shown.push(format!("{subscriptions:?}"));
        shown.push(format!("{:?} {:?} {:?}", served.urls, served.receiver, served.pending));
        shown.push(format!("{upkeep:?} {changes:?} {client:?}"));

        // What must never show: the URL key, every URL token, every handshake secret, the API key.
        let mut secrets = vec![
            ("the URL key", served.url_key.expose().to_owned()),
            ("the short URL key", short.expose().to_owned()),
            ("the API key", API_KEY.to_owned()),
            ("a handshake secret", handshake_secret.to_owned()),
        ];
        for event in wanted.iter().chain([&EventKey::CONTACT_DELETE, &EventKey::new("contact.merge")]) {
            secrets.push(("a URL token", token_of(&served.urls.url_for(event))));
        }
        for sub in keap.subscriptions() {
            secrets.push(("a subscribed URL's token", token_of(&sub.hook_url)));
        }
        let handshakes = keap.handshakes();
        assert_eq!(handshakes.len(), 2);
        for h in handshakes {
            secrets.push(("a handshake secret", h.secret));
        }
        let logs = events.lines().join("\n");
        // The capture works: the flow's events and spans are in it.
        for expected in [
            "keap hook handshake answered",
            "keap hook request refused",
            "keap hook delivery received",
            "SPAN keap.request",
        ] {
            assert!(logs.contains(expected), "`{expected}` not captured:\n{logs}");
        }
        let shown = shown.join("\n");
        for (what, secret) in &secrets {
            assert!(secret.len() >= 16, "{what} is too short to look for: {secret}");
            assert!(!logs.contains(secret.as_str()), "{what} is in the logs:\n{logs}");
            assert!(!shown.contains(secret.as_str()), "{what} is shown:\n{shown}");
        }
    })
    .await;
}

/// A client of a mock server (a Keap scripted per request, for answers the scripted Keap
/// never gives).
fn mock_client(mock: &keapgen_tests::mock::Mock) -> keap::Client {
    keap::Client::builder().auth(keap::Auth::api_key(API_KEY)).base_url(mock.url.clone()).own_quota().build().unwrap()
}

#[tokio::test]
async fn a_record_that_does_not_decode_fails_alone_and_is_fetched_again_when_the_delivery_comes_again() {
    use keapgen_tests::mock::{serve, Reply};
    bounded(async {
        // Contact 2 has a company of the wrong type the first time, then a right one.
        let mock = serve(|seen, _| {
            let second = if seen.target.contains("ids%3D%3D2") { "{}" } else { "5" };
            let body = format!(
                r#"{{"contacts":[{{"id":"1","given_name":"Ada"}},{{"id":"2","company":{second}}},{{"id":"3"}}],"next_page_token":""}}"#
            );
            Reply::json(200, &body)
        })
        .await;
        let client = mock_client(&mock);
        let delivery = Delivery::parse(
            br#"{"event_key":"contact.edit","object_type":"contact","object_keys":[{"id":1},{"id":2},{"id":3}]}"#,
        )
        .unwrap();
        let changes = Changes::new(client.transport());
        let fetched = changes.fetch(&delivery, &sources::contact()).await.unwrap();
        let ids: Vec<&str> = fetched.records.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["1", "3"]);
        let (failed, error) = &fetched.failed[0];
        assert_eq!(failed, "2");
        assert!(error.to_string().contains("contacts[1]"), "the error names the record: {error}");
        // Given back: the same delivery again fetches contact 2 alone.
        let again = changes.fetch(&delivery, &sources::contact()).await.unwrap();
        assert_eq!(again.records.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["2"]);
        assert_eq!(again.repeated, ["1", "3"]);
        assert!(again.failed.is_empty());
    })
    .await;
}

#[tokio::test]
async fn an_event_key_keap_refuses_is_reported_and_the_others_are_kept_and_a_duplicate_deleted_first_elsewhere_counts_removed(
) {
    use keapgen_tests::mock::{serve, Reply};
    bounded(async {
        let key = HookUrls::generate_key().unwrap();
        let urls = HookUrls::new("https://example.com/keap/hooks", &key).unwrap();
        let add = urls.url_for(&EventKey::CONTACT_ADD);
        // Two verified subscriptions of contact.add (the second deleted by another process
        // already), and a refused create for an event key Keap does not know.
        let list = serde_json::json!([
            {"key": "7", "eventKey": "contact.add", "hookUrl": add, "status": "Verified"},
            {"key": "9", "eventKey": "contact.add", "hookUrl": add, "status": "Verified"},
        ])
        .to_string();
        let mock = serve(move |seen, _| match (seen.method.as_str(), seen.target.as_str()) {
            ("GET", "/rest/v1/hooks") => Reply::json(200, &list),
            ("DELETE", "/rest/v1/hooks/9") => Reply::json(404, r#"{"message":"not found"}"#),
            ("POST", "/rest/v1/hooks") => Reply::json(400, r#"{"message":"Invalid eventKey: contact.merge"}"#),
            _ => Reply::json(500, r#"{"message":"unexpected"}"#),
        })
        .await;
        let client = mock_client(&mock);
        let report = Upkeep::new(client.transport(), &urls, [EventKey::new("contact.merge"), EventKey::CONTACT_ADD])
            .run()
            .await
            .unwrap();
        assert_eq!(report.failed.len(), 1);
        assert_eq!(report.failed[0].0, EventKey::new("contact.merge"));
        assert_eq!(report.failed[0].1.status(), Some(400));
        let kept = the_only(&report);
        assert_eq!((kept.key.as_str(), kept.action), ("7", Action::Nothing), "the oldest stays");
        assert_eq!(report.removed.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(), ["9"]);
        assert!(!report.all_verified(), "a failed event key is not verified");
    })
    .await;
}

/// A store that answers fewer claims than it was asked for.
#[derive(Debug, Default)]
struct ShortClaims;

impl Dedupe for ShortClaims {
    fn claim<'a>(
        &'a self,
        _holder: &'a str,
        events: &'a [String],
        _lease: Duration,
    ) -> HookFuture<'a, Result<Vec<keap::hooks::Claim>, keap::Error>> {
        Box::pin(async move { Ok(vec![keap::hooks::Claim::Claimed; events.len() - 1]) })
    }
    fn complete<'a>(&'a self, _: &'a str, _: &'a [String], _: Duration) -> HookFuture<'a, Result<(), keap::Error>> {
        Box::pin(async { Ok(()) })
    }
    fn release<'a>(&'a self, _: &'a str, _: &'a [String]) -> HookFuture<'a, Result<(), keap::Error>> {
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test]
async fn a_store_that_answers_fewer_claims_than_events_fails_the_fetch_instead_of_dropping_events() {
    bounded(async {
        let keap = ScriptedKeap::start(Config::fast()).await;
        let client = client(&keap);
        let delivery = Delivery::parse(br#"{"event_key":"contact.edit","object_keys":[{"id":1},{"id":2}]}"#).unwrap();
        let e = Changes::new(client.transport())
            .dedupe(ShortClaims)
            .fetch(&delivery, &sources::contact())
            .await
            .unwrap_err();
        assert!(matches!(e, keap::Error::HookStore(_)), "{e}");
        assert_eq!(keap.requests(), 0, "nothing fetched");
    })
    .await;
}
