//! A scripted Keap that behaves as Keap's REST Hooks documentation says, for testing hook
//! receivers end to end on 127.0.0.1 (see `/work/shared/KEAP-V1.md`, "REST Hooks"):
//!
//! - `/rest/v1/hooks...`: subscriptions, each verified by a handshake POSTed to its hook URL
//!   while the create (or verify) call waits, or later by `delayedVerify`;
//! - deliveries of queued changes ([`ScriptedKeap::change`]) in Keap's body shape, batched
//!   per event key up to 1,000 ids, retried up to four attempts in all, after which (or at
//!   once on a 410) the subscription turns `Inactive` and the delivery is lost;
//! - `/rest/v2/contacts` (by `filter=ids==...`, paged by opaque tokens) and
//!   `/rest/v2/contacts/{id}`, so a receiver can fetch what it was told about;
//! - a per-second quota over all API requests, answered like Keap's gateway (429, no
//!   `Retry-After`);
//! - `GET /__scripted/status`, `POST /__scripted/change` (`{"event_key", "object_type", "ids"}`)
//!   and `POST /__scripted/resend` for a process outside the test (no credentials, not counted).
//!
//! Everything the fake does is recorded for assertions; secrets appear only in
//! [`Handshake::secret`], never in its `Debug` output or the status endpoint.

use crate::mock::{self, BoxFuture, Mock, Reply, Seen};
use keap::runtime::reqwest;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The event keys `GET /rest/v1/hooks/event_keys` answers: Keap's list as its pages give it.
pub const EVENT_KEYS: &[&str] = &[
    "contact.add",
    "contact.edit",
    "contact.delete",
    "contactGroup.applied",
    "contactGroup.removed",
    "contactGroup.add",
    "contactGroup.edit",
    "contactGroup.delete",
    "company.add",
    "company.edit",
    "company.delete",
    "opportunity.add",
    "opportunity.edit",
    "opportunity.delete",
    "opportunity.stage_move",
    "order.add",
    "order.edit",
    "order.delete",
    "invoice.add",
    "invoice.edit",
    "invoice.delete",
    "invoice.payment.add",
    "invoice.payment.edit",
    "invoice.payment.delete",
    "note.add",
    "note.edit",
    "note.delete",
    "task.add",
    "task.edit",
    "task.delete",
    "product.add",
    "product.edit",
    "product.delete",
    "subscription.add",
    "subscription.edit",
    "subscription.delete",
    "user.add",
    "user.edit",
    "user.activate",
    "appointment.add",
    "appointment.edit",
    "appointment.delete",
    "affiliate.add",
    "affiliate.edit",
    "affiliate.delete",
    "leadsource.add",
    "leadsource.edit",
    "leadsource.delete",
];

/// Most object keys in one delivery POST (Keap's documented batch size).
pub const MAX_IDS_PER_DELIVERY: usize = 1000;

/// Attempts per delivery, the first included.
pub const ATTEMPTS: u32 = 4;

/// The largest page `GET /rest/v2/contacts` gives, and the one it gives by default.
const MAX_PAGE_SIZE: usize = 1000;
const DEFAULT_PAGE_SIZE: usize = 50;

/// When deliveries happen and how long Keap waits for an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// From the end of a batch window to the first attempt.
    pub first_delay: Duration,
    /// Before the second, third and fourth attempts.
    pub retry_delays: [Duration; 3],
    /// How long a handshake or delivery waits for its whole answer before it counts as failed.
    pub response_timeout: Duration,
    /// How long changes of one event key gather into one delivery after the first of them.
    pub batch_window: Duration,
}

impl Timing {
    /// Keap's documented figures (the low end of each range): the first attempt 30 s after
    /// the change, retries after 30 s, 5 min and 30 min, 30 s to answer, batches gathered
    /// over "several seconds" (5 s here).
    pub fn keap() -> Timing {
        Timing {
            first_delay: Duration::from_secs(30),
            retry_delays: [Duration::from_secs(30), Duration::from_secs(300), Duration::from_secs(1800)],
            response_timeout: Duration::from_secs(30),
            batch_window: Duration::from_secs(5),
        }
    }

    /// For tests: milliseconds everywhere, 2 s to answer (a local receiver answers at once).
    pub fn fast() -> Timing {
        Timing {
            first_delay: Duration::from_millis(10),
            retry_delays: [Duration::from_millis(20); 3],
            response_timeout: Duration::from_secs(2),
            batch_window: Duration::from_millis(50),
        }
    }

    /// For a person watching (the `scripted-keap` binary): Keap's order of events at a pace
    /// one can follow, with Keap's real 30 s answer timeout so a slow receiver fails as it would.
    pub fn demo() -> Timing {
        Timing {
            first_delay: Duration::from_secs(1),
            retry_delays: [Duration::from_secs(1), Duration::from_secs(2), Duration::from_secs(3)],
            response_timeout: Duration::from_secs(30),
            batch_window: Duration::from_millis(500),
        }
    }
}

impl Default for Timing {
    fn default() -> Self {
        Timing::keap()
    }
}

/// How the fake behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub timing: Timing,
    /// API requests allowed in any one second (all credentials, v1 and v2 together); `None`
    /// for no limit. Requests over it get Keap's gateway 429.
    pub per_second: Option<u32>,
    /// Taken off the one-second window: requests are counted when they arrive, and a client
    /// that keeps to the limit by its own clock sees its requests arrive up to a few
    /// milliseconds closer together than it sent them (tens on a loaded machine). Without this
    /// allowance the fake would throttle well-behaved clients at random; with the default
    /// 100 ms, six requests within 900 ms are still caught.
    pub quota_slack: Duration,
}

impl Default for Config {
    /// Keap's timing and the API-key article's 5 requests per second.
    fn default() -> Self {
        Config { timing: Timing::keap(), per_second: Some(5), quota_slack: Duration::from_millis(100) }
    }
}

impl Config {
    /// For tests: [`Timing::fast`] and 10 requests per second.
    pub fn fast() -> Config {
        Config { timing: Timing::fast(), per_second: Some(10), ..Config::default() }
    }
}

/// A subscription's status, as Keap spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HookStatus {
    Unverified,
    Verified,
    Inactive,
}

impl HookStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HookStatus::Unverified => "Unverified",
            HookStatus::Verified => "Verified",
            HookStatus::Inactive => "Inactive",
        }
    }
}

impl fmt::Display for HookStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A subscription as `GET /rest/v1/hooks` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub key: String,
    pub event_key: String,
    pub hook_url: String,
    pub status: HookStatus,
}

/// One delivery attempt (or a re-send).
#[derive(Clone, Debug)]
pub struct DeliveryRecord {
    /// The subscription's key.
    pub key: String,
    pub event_key: String,
    /// 1 to [`ATTEMPTS`]; 1 for a re-send.
    pub attempt: u32,
    /// The receiver's status; `None` when it did not answer in time or the connection failed.
    pub status: Option<u16>,
    /// Whether the attempt ran out of [`Timing::response_timeout`].
    pub timed_out: bool,
    /// From sending to the whole answer (or the failure).
    pub latency: Duration,
    /// Object keys in the body.
    pub ids: usize,
    /// When the attempt started.
    pub at: Instant,
    /// A re-send of an acknowledged delivery ([`ScriptedKeap::resend_last_delivery`]).
    pub resent: bool,
}

impl DeliveryRecord {
    /// Keap's success: an answer with a status from 200 to 399.
    pub fn acknowledged(&self) -> bool {
        self.status.is_some_and(|s| (200..400).contains(&s))
    }
}

/// One verification handshake.
#[derive(Clone)]
pub struct Handshake {
    pub key: String,
    pub hook_url: String,
    /// The `X-Hook-Secret` sent (kept out of `Debug`).
    pub secret: String,
    /// The receiver's status; `None` when it did not answer in time or the connection failed.
    pub status: Option<u16>,
    /// Whether the answer carried `X-Hook-Secret` with exactly the secret sent.
    pub echoed: bool,
    /// Status 200 and echoed: the subscription is now `Verified`.
    pub verified: bool,
    pub at: Instant,
}

impl fmt::Debug for Handshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handshake")
            .field("key", &self.key)
            .field("hook_url", &self.hook_url)
            .field("secret", &"<redacted>")
            .field("status", &self.status)
            .field("echoed", &self.echoed)
            .field("verified", &self.verified)
            .finish()
    }
}

/// The running fake; clones share it. It serves until its Tokio runtime shuts down.
#[derive(Clone)]
pub struct ScriptedKeap {
    inner: Arc<Inner>,
    mock: Arc<Mock>,
}

struct Inner {
    config: Config,
    /// Handshakes and deliveries (redirects are not followed: a 3xx is an answer, as for Keap).
    http: reqwest::Client,
    state: Mutex<State>,
    /// Open batches, deliveries under way and re-sends: [`ScriptedKeap::settled`] waits for 0.
    work: watch::Sender<usize>,
}

#[derive(Default)]
struct State {
    next_key: u64,
    subs: BTreeMap<u64, Sub>,
    handshakes: Vec<Handshake>,
    deliveries: Vec<DeliveryRecord>,
    lost: usize,
    lost_ids: BTreeSet<u64>,
    throttled: usize,
    requests: usize,
    fetch_counts: BTreeMap<u64, usize>,
    /// Contact id to its `update_time`.
    contacts: BTreeMap<u64, String>,
    /// Event key to the batch gathering for it.
    open: HashMap<String, Batch>,
    /// Page token to where its page starts.
    pages: HashMap<String, Cursor>,
    /// Arrival times of the API requests admitted within the last second.
    arrivals: VecDeque<Instant>,
    last_ack: Option<Acked>,
}

struct Sub {
    event_key: String,
    hook_url: String,
    status: HookStatus,
    /// The last `X-Hook-Secret` sent to this subscription's hook URL.
    secret: Option<String>,
}

struct Batch {
    object_type: String,
    /// Ids with the time of their latest change, in first-change order.
    ids: Vec<(u64, String)>,
    index: HashMap<u64, usize>,
}

struct Cursor {
    ids: Option<Vec<u64>>,
    offset: usize,
}

#[derive(Clone)]
struct Acked {
    key: u64,
    event_key: String,
    hook_url: String,
    body: Arc<Vec<u8>>,
    ids: usize,
}

/// Counts one piece of outstanding work while alive.
struct Work(Arc<Inner>);

impl Work {
    fn start(inner: &Arc<Inner>) -> Work {
        inner.work.send_modify(|n| *n += 1);
        Work(inner.clone())
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        self.0.work.send_modify(|n| *n -= 1);
    }
}

impl ScriptedKeap {
    /// Starts the fake on a port of its own on 127.0.0.1.
    pub async fn start(config: Config) -> ScriptedKeap {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        ScriptedKeap::start_on(listener, config)
    }

    /// Starts the fake on a listener the caller bound. Must be called within a Tokio runtime.
    pub fn start_on(listener: TcpListener, config: Config) -> ScriptedKeap {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .expect("an HTTP client for handshakes and deliveries");
        let inner = Arc::new(Inner {
            config,
            http,
            state: Mutex::new(State { next_key: 11, ..State::default() }),
            work: watch::channel(0).0,
        });
        let serving = inner.clone();
        let mock = mock::serve_async_on(listener, move |seen, _| -> BoxFuture<Reply> {
            let inner = serving.clone();
            Box::pin(async move { inner.route(seen).await })
        });
        ScriptedKeap { inner, mock: Arc::new(mock) }
    }

    /// `http://127.0.0.1:PORT`: the base URL to give the client (`KEAP_BASE_URL`).
    pub fn url(&self) -> &str {
        &self.mock.url
    }

    pub fn port(&self) -> u16 {
        self.mock.port
    }

    /// Every request the fake received, control requests included.
    pub fn seen(&self) -> Vec<Seen> {
        self.mock.seen()
    }

    /// Queues changes of `ids` (objects of `object_type`) for `event_key`. The contacts with
    /// those ids exist from now on for `/rest/v2/contacts` (a `contact.delete` removes them).
    /// Changes of one event key within [`Timing::batch_window`] of the first go out together.
    /// Returns how many ids were queued.
    pub fn change(&self, event_key: &str, object_type: &str, ids: impl IntoIterator<Item = u64>) -> usize {
        self.inner.change(event_key, object_type, ids.into_iter().collect())
    }

    /// Makes contacts exist without a change (nothing is delivered).
    pub fn add_contacts(&self, ids: impl IntoIterator<Item = u64>) {
        let stamp = rfc3339_utc(SystemTime::now());
        let mut st = self.inner.state();
        for id in ids {
            st.contacts.entry(id).or_insert_with(|| stamp.clone());
        }
    }

    /// The subscriptions, by key.
    pub fn subscriptions(&self) -> Vec<Subscription> {
        let st = self.inner.state();
        st.subs.iter().map(|(k, s)| s.public(*k)).collect()
    }

    pub fn subscription(&self, key: &str) -> Option<Subscription> {
        let st = self.inner.state();
        let k = key.parse().ok()?;
        st.subs.get(&k).map(|s| s.public(k))
    }

    /// Sets a subscription's status as Keap's side might (an operator, an outage); `false`
    /// when there is no such subscription.
    pub fn set_status(&self, key: &str, status: HookStatus) -> bool {
        let mut st = self.inner.state();
        match key.parse().ok().and_then(|k: u64| st.subs.get_mut(&k)) {
            Some(s) => {
                s.status = status;
                true
            }
            None => false,
        }
    }

    /// Every delivery attempt and re-send so far, in the order they ended.
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.inner.state().deliveries.clone()
    }

    /// Every handshake so far.
    pub fn handshakes(&self) -> Vec<Handshake> {
        self.inner.state().handshakes.clone()
    }

    /// Deliveries given up: after the fourth failed attempt, on a 410, or because their
    /// subscription was no longer `Verified` when an attempt was due. (Changes made while no
    /// subscription of their event key is `Verified` make no delivery and are not counted.)
    pub fn lost(&self) -> usize {
        self.inner.state().lost
    }

    /// The object ids of the lost deliveries.
    pub fn lost_ids(&self) -> BTreeSet<u64> {
        self.inner.state().lost_ids.clone()
    }

    /// How many times each contact id was in an answer of `/rest/v2/contacts...`.
    pub fn fetch_counts(&self) -> BTreeMap<u64, usize> {
        self.inner.state().fetch_counts.clone()
    }

    /// API requests received (`/__scripted/...` not counted; 401s and 429s counted).
    pub fn requests(&self) -> usize {
        self.inner.state().requests
    }

    /// 429s given.
    pub fn throttled(&self) -> usize {
        self.inner.state().throttled
    }

    /// Open batches, deliveries under way (waits between attempts included) and re-sends.
    pub fn pending(&self) -> usize {
        *self.inner.work.borrow()
    }

    /// Waits until nothing is pending, at most `within`; whether it got there.
    pub async fn settled(&self, within: Duration) -> bool {
        let mut rx = self.inner.work.subscribe();
        let done = matches!(tokio::time::timeout(within, rx.wait_for(|n| *n == 0)).await, Ok(Ok(_)));
        done
    }

    /// Sends the last acknowledged delivery again, byte for byte, to the hook URL it went to,
    /// once (Keap does this when it missed the acknowledgement): a duplicate for the receiver
    /// to recognise. `None` when nothing has been acknowledged yet.
    pub async fn resend_last_delivery(&self) -> Option<DeliveryRecord> {
        self.inner.resend_last_delivery().await
    }

    /// What `GET /__scripted/status` answers (no secrets).
    pub fn status_json(&self) -> Value {
        self.inner.status_json()
    }
}

impl Sub {
    fn public(&self, key: u64) -> Subscription {
        Subscription {
            key: key.to_string(),
            event_key: self.event_key.clone(),
            hook_url: self.hook_url.clone(),
            status: self.status,
        }
    }

    fn json(&self, key: u64) -> Value {
        json!({
            "eventKey": self.event_key,
            "hookUrl": self.hook_url,
            "key": key.to_string(),
            "status": self.status.as_str(),
        })
    }
}

impl Inner {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    fn change(self: &Arc<Self>, event_key: &str, object_type: &str, ids: Vec<u64>) -> usize {
        let stamp = rfc3339_utc(SystemTime::now());
        let opened = {
            let mut st = self.state();
            let deleting = object_type == "contact" && event_key.ends_with(".delete");
            for &id in &ids {
                if deleting {
                    st.contacts.remove(&id);
                } else if object_type == "contact" {
                    st.contacts.insert(id, stamp.clone());
                } else {
                    st.contacts.entry(id).or_insert_with(|| stamp.clone());
                }
            }
            let mut opened = false;
            let batch = st.open.entry(event_key.to_string()).or_insert_with(|| {
                opened = true;
                Batch { object_type: object_type.to_string(), ids: Vec::new(), index: HashMap::new() }
            });
            for &id in &ids {
                // An object changed twice within a window is delivered once, with its latest time.
                match batch.index.get(&id) {
                    Some(&at) => batch.ids[at].1 = stamp.clone(),
                    None => {
                        batch.index.insert(id, batch.ids.len());
                        batch.ids.push((id, stamp.clone()));
                    }
                }
            }
            opened
        };
        if opened {
            // Counted before returning, so that `settled` right after sees the batch.
            let work = Work::start(self);
            let (inner, event_key) = (self.clone(), event_key.to_string());
            tokio::spawn(async move {
                tokio::time::sleep(inner.config.timing.batch_window).await;
                inner.flush(&event_key);
                drop(work);
            });
        }
        ids.len()
    }

    async fn resend_last_delivery(self: &Arc<Self>) -> Option<DeliveryRecord> {
        let acked = self.state().last_ack.clone()?;
        let _work = Work::start(self);
        let at = Instant::now();
        let (status, timed_out) = self.post_delivery(&acked.hook_url, &acked.body).await;
        let record = DeliveryRecord {
            key: acked.key.to_string(),
            event_key: acked.event_key,
            attempt: 1,
            status,
            timed_out,
            latency: at.elapsed(),
            ids: acked.ids,
            at,
            resent: true,
        };
        self.state().deliveries.push(record.clone());
        Some(record)
    }

    /// Ends the batch of `event_key` and starts a delivery of each chunk to each subscription
    /// of that key that is `Verified` now.
    fn flush(self: &Arc<Self>, event_key: &str) {
        let (batch, targets) = {
            let mut st = self.state();
            let Some(batch) = st.open.remove(event_key) else { return };
            let targets: Vec<u64> = st
                .subs
                .iter()
                .filter(|(_, s)| s.event_key == event_key && s.status == HookStatus::Verified)
                .map(|(k, _)| *k)
                .collect();
            (batch, targets)
        };
        for chunk in batch.ids.chunks(MAX_IDS_PER_DELIVERY) {
            let body = Arc::new(delivery_body(event_key, &batch.object_type, chunk));
            let ids: Arc<Vec<u64>> = Arc::new(chunk.iter().map(|(id, _)| *id).collect());
            for &key in &targets {
                let work = Work::start(self);
                let (inner, event_key, body, ids) = (self.clone(), event_key.to_string(), body.clone(), ids.clone());
                tokio::spawn(async move {
                    inner.deliver(key, event_key, body, ids).await;
                    drop(work);
                });
            }
        }
    }

    /// One delivery to one subscription: up to four attempts.
    async fn deliver(self: Arc<Self>, key: u64, event_key: String, body: Arc<Vec<u8>>, ids: Arc<Vec<u64>>) {
        let timing = self.config.timing;
        tokio::time::sleep(timing.first_delay).await;
        for attempt in 1..=ATTEMPTS {
            let url = {
                let mut st = self.state();
                match st.subs.get(&key) {
                    // Deleted: nobody to deliver to, nothing to count.
                    None => return,
                    Some(s) if s.status != HookStatus::Verified => {
                        st.lose(&ids);
                        return;
                    }
                    Some(s) => s.hook_url.clone(),
                }
            };
            let at = Instant::now();
            let (status, timed_out) = self.post_delivery(&url, &body).await;
            let record = DeliveryRecord {
                key: key.to_string(),
                event_key: event_key.clone(),
                attempt,
                status,
                timed_out,
                latency: at.elapsed(),
                ids: ids.len(),
                at,
                resent: false,
            };
            let acknowledged = record.acknowledged();
            {
                let mut st = self.state();
                st.deliveries.push(record);
                if acknowledged {
                    st.last_ack = Some(Acked { key, event_key, hook_url: url, body: body.clone(), ids: ids.len() });
                    return;
                }
                // A 410 says "unsubscribe me"; four failures say the receiver is gone.
                if status == Some(410) || attempt == ATTEMPTS {
                    if let Some(s) = st.subs.get_mut(&key) {
                        s.status = HookStatus::Inactive;
                    }
                    st.lose(&ids);
                    return;
                }
            }
            tokio::time::sleep(timing.retry_delays[attempt as usize - 1]).await;
        }
    }

    /// POSTs a delivery body; the status (if any answer came whole in time) and whether the
    /// time ran out.
    async fn post_delivery(&self, url: &str, body: &[u8]) -> (Option<u16>, bool) {
        let request = self.http.post(url).header("content-type", "application/json").body(body.to_vec());
        let answer = tokio::time::timeout(self.config.timing.response_timeout, async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            response.bytes().await?;
            Ok::<u16, reqwest::Error>(status)
        })
        .await;
        match answer {
            Ok(Ok(status)) => (Some(status), false),
            Ok(Err(_)) => (None, false),
            Err(_) => (None, true),
        }
    }

    /// Sends a fresh secret to the subscription's hook URL and sets its status by the answer
    /// (`Verified` on a 200 that echoes the secret in its `X-Hook-Secret` header, else
    /// `Unverified`). `None` if the subscription is gone.
    async fn handshake(&self, key: u64) -> Option<HookStatus> {
        let secret = random_hex(40);
        let url = {
            let mut st = self.state();
            let sub = st.subs.get_mut(&key)?;
            sub.secret = Some(secret.clone());
            sub.hook_url.clone()
        };
        let at = Instant::now();
        let request = self.http.post(&url).header("X-Hook-Secret", &secret).body(Vec::new());
        let answer = tokio::time::timeout(self.config.timing.response_timeout, async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            // Exactly the value sent, in a header: not in the body, not another case of it.
            let echoed =
                response.headers().get_all("x-hook-secret").iter().any(|v| v.to_str().is_ok_and(|v| v == secret));
            response.bytes().await?;
            Ok::<(u16, bool), reqwest::Error>((status, echoed))
        })
        .await;
        let (status, echoed) = match answer {
            Ok(Ok((status, echoed))) => (Some(status), echoed),
            _ => (None, false),
        };
        let verified = status == Some(200) && echoed;
        let mut st = self.state();
        st.handshakes.push(Handshake { key: key.to_string(), hook_url: url, secret, status, echoed, verified, at });
        let sub = st.subs.get_mut(&key)?;
        sub.status = if verified { HookStatus::Verified } else { HookStatus::Unverified };
        Some(sub.status)
    }

    async fn route(self: Arc<Self>, seen: Seen) -> Reply {
        let (path, query) = seen.target.split_once('?').unwrap_or((seen.target.as_str(), ""));
        if let Some(what) = path.strip_prefix("/__scripted/") {
            return self.control(&seen.method, what, &seen.body).await;
        }
        self.state().requests += 1;
        if !authorized(&seen) {
            return v1_error(401, "Invalid Access Token");
        }
        if let Some(refused) = self.admit(seen.at) {
            return refused;
        }
        let segments: Vec<String> = path.trim_matches('/').split('/').map(|s| percent_decode(s, false)).collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        match (seen.method.as_str(), segments.as_slice()) {
            ("GET", ["rest", "v1", "hooks"]) => {
                let st = self.state();
                let list: Vec<Value> = st.subs.iter().map(|(k, s)| s.json(*k)).collect();
                ok_json(200, &Value::Array(list))
            }
            ("POST", ["rest", "v1", "hooks"]) => self.create_hook(&seen.body).await,
            ("GET", ["rest", "v1", "hooks", "event_keys"]) => ok_json(200, &json!(EVENT_KEYS)),
            ("GET", ["rest", "v1", "hooks", key]) => {
                let st = self.state();
                match find(&st, key) {
                    Some((k, s)) => ok_json(200, &s.json(k)),
                    None => no_hook(key),
                }
            }
            ("PUT", ["rest", "v1", "hooks", key]) => self.update_hook(key, &seen.body).await,
            ("DELETE", ["rest", "v1", "hooks", key]) => {
                let mut st = self.state();
                match find(&st, key).map(|(k, _)| k) {
                    Some(k) => {
                        st.subs.remove(&k);
                        Reply { status: 204, ..Reply::default() }
                    }
                    None => no_hook(key),
                }
            }
            ("POST", ["rest", "v1", "hooks", key, "verify"]) => {
                let Some(k) = find(&self.state(), key).map(|(k, _)| k) else { return no_hook(key) };
                self.handshake(k).await;
                self.hook_answer(k, key)
            }
            ("POST", ["rest", "v1", "hooks", key, "delayedVerify"]) => {
                let Some(given) = seen.header("x-hook-secret") else {
                    return v1_error(400, "X-Hook-Secret header is required");
                };
                let mut st = self.state();
                let Some(k) = find(&st, key).map(|(k, _)| k) else { return no_hook(key) };
                let sub = st.subs.get_mut(&k).expect("found just now");
                // The right secret verifies (an Inactive subscription too: reactivation). A
                // wrong one changes nothing and is still a 200 with the unchanged status:
                // Keap's pages do not say what it answers, and the status tells the caller.
                if sub.secret.as_deref() == Some(given) {
                    sub.status = HookStatus::Verified;
                }
                ok_json(200, &sub.json(k))
            }
            ("GET", ["rest", "v2", "contacts"]) => self.list_contacts(query),
            ("GET", ["rest", "v2", "contacts", id]) => {
                let Ok(id) = id.parse::<u64>() else {
                    return v2_error(400, "INVALID_ARGUMENT", &format!("invalid contact id {id:?}"));
                };
                let mut st = self.state();
                let Some(stamp) = st.contacts.get(&id).cloned() else {
                    return v2_error(404, "NOT_FOUND", &format!("Contact with ID {id} not found"));
                };
                *st.fetch_counts.entry(id).or_default() += 1;
                ok_json(200, &contact_json(id, &stamp))
            }
            (_, ["rest", "v2", ..]) => v2_error(404, "NOT_FOUND", "no such operation in the scripted Keap"),
            _ => v1_error(404, "no such operation in the scripted Keap"),
        }
    }

    /// Counts a request against the per-second quota; the 429 to answer when over it.
    fn admit(&self, at: Instant) -> Option<Reply> {
        let limit = self.config.per_second?;
        let span = Duration::from_secs(1).saturating_sub(self.config.quota_slack);
        let mut st = self.state();
        // `retain`, not a pop from the front: concurrent connections record slightly out of order.
        st.arrivals.retain(|t| at.saturating_duration_since(*t) < span);
        if st.arrivals.len() >= limit as usize {
            st.throttled += 1;
            // Keap's gateway: this body, and no Retry-After.
            return Some(v2_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded"));
        }
        st.arrivals.push_back(at);
        None
    }

    fn hook_answer(&self, k: u64, key: &str) -> Reply {
        match self.state().subs.get(&k) {
            Some(s) => ok_json(200, &s.json(k)),
            None => no_hook(key),
        }
    }

    async fn create_hook(&self, body: &[u8]) -> Reply {
        let (event_key, hook_url) = match hook_body(body) {
            Ok((Some(e), Some(h))) => (e, h),
            Ok(_) => return v1_error(400, "eventKey and hookUrl are required"),
            Err(refused) => return refused,
        };
        let k = {
            let mut st = self.state();
            let k = st.next_key;
            st.next_key += 1;
            st.subs.insert(k, Sub { event_key, hook_url, status: HookStatus::Unverified, secret: None });
            k
        };
        // Keap verifies during the create call: the receiver must already be up.
        self.handshake(k).await;
        self.hook_answer(k, &k.to_string())
    }

    async fn update_hook(&self, key: &str, body: &[u8]) -> Reply {
        let (event_key, hook_url) = match hook_body(body) {
            Ok(fields) => fields,
            Err(refused) => return refused,
        };
        let (k, moved) = {
            let mut st = self.state();
            let Some(k) = find(&st, key).map(|(k, _)| k) else { return no_hook(key) };
            let sub = st.subs.get_mut(&k).expect("found just now");
            if let Some(e) = event_key {
                sub.event_key = e;
            }
            let moved = hook_url.as_ref().is_some_and(|h| *h != sub.hook_url);
            if let Some(h) = hook_url {
                sub.hook_url = h;
            }
            (k, moved)
        };
        // Keap's pages do not say; a new URL is verified as on create, since delivering to a
        // URL nobody confirmed would defeat the handshake.
        if moved {
            self.handshake(k).await;
        }
        self.hook_answer(k, key)
    }

    fn list_contacts(&self, query: &str) -> Reply {
        let params = parse_query(query);
        let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let page_size = match param("page_size").filter(|s| !s.is_empty()) {
            None => DEFAULT_PAGE_SIZE,
            Some(s) => match s.parse::<usize>() {
                Ok(0) => DEFAULT_PAGE_SIZE,
                Ok(n) => n.min(MAX_PAGE_SIZE),
                Err(_) => return v2_error(400, "INVALID_ARGUMENT", &format!("invalid page_size {s:?}")),
            },
        };
        let mut st = self.state();
        let (ids, offset) = match param("page_token").filter(|t| !t.is_empty()) {
            Some(token) => match st.pages.get(token) {
                Some(c) => (c.ids.clone(), c.offset),
                None => return v2_error(400, "INVALID_ARGUMENT", "invalid page_token"),
            },
            None => match parse_ids_filter(param("filter")) {
                Ok(ids) => (ids, 0),
                Err(refused) => return refused,
            },
        };
        let matched: Vec<u64> = match &ids {
            Some(ids) => ids.iter().copied().filter(|id| st.contacts.contains_key(id)).collect(),
            None => st.contacts.keys().copied().collect(),
        };
        let end = (offset + page_size).min(matched.len());
        let page = &matched[offset.min(end)..end];
        let mut contacts = Vec::with_capacity(page.len());
        for id in page {
            contacts.push(contact_json(*id, &st.contacts[id]));
            *st.fetch_counts.entry(*id).or_default() += 1;
        }
        let next = if end < matched.len() {
            let token = random_hex(24);
            st.pages.insert(token.clone(), Cursor { ids, offset: end });
            token
        } else {
            String::new()
        };
        ok_json(200, &json!({"contacts": contacts, "next_page_token": next}))
    }

    async fn control(self: &Arc<Self>, method: &str, what: &str, body: &[u8]) -> Reply {
        match (method, what) {
            ("GET", "status") => ok_json(200, &self.status_json()),
            ("POST", "change") => {
                let Ok(v) = serde_json::from_slice::<Value>(body) else {
                    return v1_error(400, "a JSON body {\"event_key\", \"object_type\", \"ids\"} is required");
                };
                let Some(event_key) = v.get("event_key").and_then(Value::as_str) else {
                    return v1_error(400, "event_key is required");
                };
                let object_type = v.get("object_type").and_then(Value::as_str).unwrap_or(object_type_of(event_key));
                let Some(ids) = v.get("ids").and_then(Value::as_array) else {
                    return v1_error(400, "ids (an array of numbers) is required");
                };
                let Some(ids) = ids.iter().map(Value::as_u64).collect::<Option<Vec<u64>>>() else {
                    return v1_error(400, "ids must be non-negative integers");
                };
                let queued = self.change(event_key, object_type, ids);
                ok_json(202, &json!({"queued": queued}))
            }
            ("POST", "resend") => match self.resend_last_delivery().await {
                Some(d) => ok_json(
                    200,
                    &json!({
                        "key": d.key,
                        "event_key": d.event_key,
                        "ids": d.ids,
                        "status": d.status,
                        "timed_out": d.timed_out,
                    }),
                ),
                None => v1_error(404, "no delivery has been acknowledged yet"),
            },
            _ => v1_error(
                404,
                "the control endpoints are GET /__scripted/status, POST /__scripted/change and POST /__scripted/resend",
            ),
        }
    }

    fn status_json(&self) -> Value {
        let pending = *self.work.borrow();
        let st = self.state();
        let subscriptions: Vec<Value> = st.subs.iter().map(|(k, s)| s.json(*k)).collect();
        let fetch_counts: serde_json::Map<String, Value> =
            st.fetch_counts.iter().map(|(id, n)| (id.to_string(), json!(n))).collect();
        let handshakes: Vec<Value> = st
            .handshakes
            .iter()
            .map(|h| {
                json!({
                    "key": h.key,
                    "hookUrl": h.hook_url,
                    "status": h.status,
                    "echoed": h.echoed,
                    "verified": h.verified,
                })
            })
            .collect();
        let attempts = st.deliveries.iter().filter(|d| !d.resent).count();
        let acknowledged = st.deliveries.iter().filter(|d| !d.resent && d.acknowledged()).count();
        let resent = st.deliveries.iter().filter(|d| d.resent).count();
        json!({
            "subscriptions": subscriptions,
            "handshakes": handshakes,
            "deliveries": {
                "attempts": attempts,
                "acknowledged": acknowledged,
                "failed": attempts - acknowledged,
                "resent": resent,
            },
            "lost": st.lost,
            "lost_ids": st.lost_ids,
            "fetch_counts": fetch_counts,
            "contacts_fetched": st.fetch_counts.len(),
            "requests": st.requests,
            "throttled": st.throttled,
            "pending": pending,
        })
    }
}

impl State {
    fn lose(&mut self, ids: &[u64]) {
        self.lost += 1;
        self.lost_ids.extend(ids.iter().copied());
    }
}

/// The `object_type` Keap puts beside an event key: what comes before its verb
/// (`contact.edit` → `contact`, `invoice.payment.add` → `invoice.payment`; the latter is a
/// guess, Keap's pages show contacts only).
pub fn object_type_of(event_key: &str) -> &str {
    event_key.rsplit_once('.').map_or(event_key, |(object, _)| object)
}

/// RFC 3339 in UTC with a `Z` and whole seconds, as hook timestamps are
/// (`2018-03-29T10:55:37Z`).
pub fn rfc3339_utc(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let (era, doe) = (z.div_euclid(146_097), z.rem_euclid(146_097));
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// A delivery body in Keap's shape and key order: ids as numbers, `apiUrl` and `api_url`
/// empty.
fn delivery_body(event_key: &str, object_type: &str, keys: &[(u64, String)]) -> Vec<u8> {
    let text = |s: &str| Value::String(s.to_string()).to_string();
    let mut out =
        format!("{{\"event_key\":{},\"object_type\":{},\"object_keys\":[", text(event_key), text(object_type));
    for (i, (id, stamp)) in keys.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("{{\"id\":{id},\"apiUrl\":\"\",\"timestamp\":{}}}", text(stamp)));
    }
    out.push_str("],\"api_url\":\"\"}");
    out.into_bytes()
}

/// A v2 contact as the fake makes them up (ids are text in v2).
fn contact_json(id: u64, update_time: &str) -> Value {
    json!({
        "id": id.to_string(),
        "given_name": format!("Name{id}"),
        "family_name": "Scripted",
        "email_addresses": [{"email": format!("c{id}@example.com"), "field": "EMAIL1"}],
        "update_time": update_time,
    })
}

/// Random-looking lowercase hex (hook secrets, page tokens): SipHash under the process's
/// random keys over a counter and the time; unpredictable enough for a fake, and no crate.
fn random_hex(len: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut out = String::with_capacity(len + 16);
    while out.len() < len {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(len);
    out
}

/// A key (`X-Keap-API-Key`) or a bearer token: the fake takes any non-empty one.
fn authorized(seen: &Seen) -> bool {
    let key = seen.header("x-keap-api-key").is_some_and(|k| !k.trim().is_empty());
    let bearer = seen
        .header("authorization")
        .is_some_and(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer ") && !v[7..].trim().is_empty());
    key || bearer
}

fn find<'s>(st: &'s State, key: &str) -> Option<(u64, &'s Sub)> {
    let k = key.parse().ok()?;
    st.subs.get(&k).map(|s| (k, s))
}

fn ok_json(status: u16, value: &Value) -> Reply {
    Reply::json(status, &value.to_string())
}

/// v1's error body.
fn v1_error(status: u16, message: &str) -> Reply {
    ok_json(status, &json!({ "message": message }))
}

/// v2's (and the gateway's) error body.
fn v2_error(status: u16, name: &str, message: &str) -> Reply {
    ok_json(status, &json!({"code": status, "message": message, "status": name}))
}

fn no_hook(key: &str) -> Reply {
    v1_error(404, &format!("Hook subscription {key} not found"))
}

/// The `eventKey` and `hookUrl` of a create or update body; a 400 for what Keap refuses:
/// a body that is not a JSON object, other properties (v1 rejects unknown properties), an
/// event key not in [`EVENT_KEYS`], a hook URL that is not http(s).
#[allow(clippy::result_large_err, reason = "the error is the answer to give")]
fn hook_body(body: &[u8]) -> Result<(Option<String>, Option<String>), Reply> {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Err(v1_error(400, "the body must be a JSON object {\"eventKey\", \"hookUrl\"}"));
    };
    if let Some(other) = fields.keys().find(|k| *k != "eventKey" && *k != "hookUrl") {
        return Err(v1_error(400, &format!("Unrecognized property: {other}")));
    }
    let text = |name: &str| match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(v1_error(400, &format!("{name} must be a string"))),
    };
    let (event_key, hook_url) = (text("eventKey")?, text("hookUrl")?);
    if let Some(e) = &event_key {
        if !EVENT_KEYS.contains(&e.as_str()) {
            return Err(v1_error(400, &format!("Invalid eventKey: {e}")));
        }
    }
    if let Some(h) = &hook_url {
        let valid = reqwest::Url::parse(h).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
        if !valid {
            return Err(v1_error(400, &format!("Invalid hookUrl: {h}")));
        }
    }
    Ok((event_key, hook_url))
}

/// `filter=ids==1,2,3` (decoded); `Ok(None)` without a filter; a 400 for any other filter.
#[allow(clippy::result_large_err, reason = "the error is the answer to give")]
fn parse_ids_filter(filter: Option<&str>) -> Result<Option<Vec<u64>>, Reply> {
    let Some(filter) = filter.map(str::trim).filter(|f| !f.is_empty()) else { return Ok(None) };
    let refused = || {
        v2_error(
            400,
            "INVALID_ARGUMENT",
            &format!("invalid filter {filter:?}: the scripted Keap understands only ids==1,2,3"),
        )
    };
    let list = filter.strip_prefix("ids==").ok_or_else(refused)?;
    let mut ids: Vec<u64> =
        list.split(',').map(|s| s.trim().parse::<u64>()).collect::<Result<_, _>>().map_err(|_| refused())?;
    ids.sort_unstable();
    ids.dedup();
    Ok(Some(ids))
}

/// A query string's pairs, percent-decoded (`+` as a space).
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let hex = |b: u8| char::from(b).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push((hi * 16 + lo) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
