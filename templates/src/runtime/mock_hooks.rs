//! REST Hooks in the test kit, as Keap's documentation describes them (off until
//! [`MockKeap::serve_hooks`](super::testing::MockKeap::serve_hooks)): subscriptions at `/rest/v1/hooks`, each verified by a handshake
//! POSTed to its hook URL while the create (or verify) call waits, or later by
//! `delayedVerify`; deliveries in Keap's body shape ([`MockKeap::deliver`](super::testing::MockKeap::deliver)), at most 1,000 ids
//! a POST, with Keap's four attempts, after which (or at once on a 410) the subscription turns
//! `Inactive`.

use super::clock::{random_u64, timeout, Clock, TokioClock};
use super::mock_wire::{Answer, Received};
use super::time::Timestamp;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

/// The event keys `GET /rest/v1/hooks/event_keys` answers, and the only ones a create accepts.
#[rustfmt::skip]
const EVENT_KEYS: &[&str] = &[
    "contact.add", "contact.edit", "contact.delete", "contactGroup.applied", "contactGroup.removed",
    "contactGroup.add", "contactGroup.edit", "contactGroup.delete", "company.add", "company.edit", "company.delete",
    "opportunity.add", "opportunity.edit", "opportunity.delete", "opportunity.stage_move", "order.add",
    "order.edit", "order.delete", "invoice.add", "invoice.edit", "invoice.delete", "invoice.payment.add",
    "invoice.payment.edit", "invoice.payment.delete", "note.add", "note.edit", "note.delete", "task.add",
    "task.edit", "task.delete", "product.add", "product.edit", "product.delete", "subscription.add",
    "subscription.edit", "subscription.delete", "user.add", "user.edit", "user.activate", "appointment.add",
    "appointment.edit", "appointment.delete", "affiliate.add", "affiliate.edit", "affiliate.delete",
    "leadsource.add", "leadsource.edit", "leadsource.delete",
];

/// How long a handshake or delivery attempt waits for the whole answer: Keap's 30 s.
pub(crate) const HOOK_TIMEOUT: Duration = Duration::from_secs(30);
/// The waits before the second, third and fourth attempts of a delivery.
pub(crate) const HOOK_RETRY_DELAYS: [Duration; 3] =
    [Duration::from_millis(20), Duration::from_millis(40), Duration::from_millis(80)];

/// Attempts per delivery POST, the first included (Keap's rule).
const ATTEMPTS: u32 = 4;
/// Most object keys in one delivery POST (Keap's batch size).
const MAX_IDS: usize = 1000;
const SECRET_HEADER: &str = "x-hook-secret";

/// What one [`MockKeap::deliver`](super::testing::MockKeap::deliver) did: one entry per POST (per subscription, per batch of up
/// to 1,000 ids).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The `Verified` subscriptions of the event key when the delivery started. 0 means
    /// nobody was told (and [`posts`](DeliveryReport::posts) is empty), as with Keap.
    pub subscriptions: usize,
    /// The POSTs, subscription by subscription (in key order), batch by batch.
    pub posts: Vec<DeliveryPost>,
}

impl DeliveryReport {
    /// Whether there was a POST and every POST was acknowledged.
    pub fn acknowledged(&self) -> bool {
        !self.posts.is_empty() && self.posts.iter().all(|p| p.acknowledged)
    }
}

/// One delivery POST to one subscription, with its retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryPost {
    /// The subscription's key.
    pub key: String,
    /// Object keys in the body.
    pub ids: usize,
    /// Attempts made (0 when the subscription was no longer `Verified` when its turn came:
    /// the batch is lost, as with Keap).
    pub attempts: u32,
    /// The last attempt's status; `None` when it timed out or the connection failed.
    pub status: Option<u16>,
    /// Whether the last attempt had no answer within [`MockKeap::HOOK_TIMEOUT`](super::testing::MockKeap::HOOK_TIMEOUT).
    pub timed_out: bool,
    /// Whether an attempt was answered with a status from 200 to 399.
    pub acknowledged: bool,
    /// Whether this POST's failures turned the subscription `Inactive` (a 410, or the fourth
    /// failed attempt).
    pub deactivated: bool,
}

/// A subscription as the mock keeps it (`GET /rest/v1/hooks` shows the same).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MockSubscription {
    /// Its key (`"1"`, `"2"`, ... in order of creation).
    pub key: String,
    /// `eventKey`.
    pub event_key: String,
    /// `hookUrl`.
    pub hook_url: String,
    /// [`VERIFIED`](Self::VERIFIED), [`UNVERIFIED`](Self::UNVERIFIED) or
    /// [`INACTIVE`](Self::INACTIVE), as Keap spells them.
    pub status: &'static str,
}

impl MockSubscription {
    /// Deliveries are sent.
    pub const VERIFIED: &'static str = "Verified";
    /// The last handshake failed (or the secret is kept for `delayedVerify`).
    pub const UNVERIFIED: &'static str = "Unverified";
    /// Deliveries failed four times, or were answered 410.
    pub const INACTIVE: &'static str = "Inactive";
}

struct Sub {
    event_key: String,
    hook_url: String,
    status: &'static str,
    /// The `X-Hook-Secret` of the last handshake (never in a `Debug`: `Sub` has none).
    secret: Option<String>,
}

impl Sub {
    fn public(&self, key: u64) -> MockSubscription {
        let (event_key, hook_url) = (self.event_key.clone(), self.hook_url.clone());
        MockSubscription { key: key.to_string(), event_key, hook_url, status: self.status }
    }
}

#[derive(Default)]
struct State {
    on: bool,
    last_key: u64,
    subs: BTreeMap<u64, Sub>,
}

/// The mock's REST Hooks: subscriptions, and a client for handshakes and deliveries.
pub(crate) struct Hooks {
    state: Mutex<State>,
    /// Built on first use: most tests never turn hooks on.
    http: OnceLock<reqwest::Client>,
    /// Keap's waits (retries, timeouts) in tokio's time, as the mock's: a test under paused
    /// time runs them without waiting.
    clock: TokioClock,
}

impl Hooks {
    pub(crate) fn new() -> Self {
        Hooks { state: Mutex::default(), http: OnceLock::new(), clock: TokioClock::new() }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn http(&self) -> &reqwest::Client {
        self.http.get_or_init(|| {
            // A 3xx is an answer to Keap, not a place to go; a proxy must not see 127.0.0.1.
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .build()
                .expect("the mock builds an HTTP client for hook requests")
        })
    }

    /// Keap's answer to a REST Hooks request, or `None` when hooks are off or the request is
    /// not one (the expectations take it then).
    pub(crate) async fn answer(&self, request: &Received) -> Option<Answer> {
        if !self.lock().on {
            return None;
        }
        let rest = request.path.strip_prefix("/rest/v1/hooks").or_else(|| request.path.strip_prefix("/v1/hooks"))?;
        let segments: Vec<&str> = match rest {
            "" | "/" => Vec::new(),
            rest => rest.strip_prefix('/')?.split('/').collect(),
        };
        let key = segments.first().copied().unwrap_or_default();
        let found = key.parse::<u64>().ok().filter(|k| self.lock().subs.contains_key(k));
        let answer = match (request.method.as_str(), segments.as_slice(), found) {
            ("GET", [], _) => {
                let list: Vec<Value> = self.lock().subs.iter().map(|(k, s)| hook_json(*k, s)).collect();
                Answer::json(200, &list)
            }
            ("POST", [], _) => self.create(request).await,
            ("GET", ["event_keys"], _) => Answer::json(200, &EVENT_KEYS),
            (_, [_, ..], None) => Answer::error(404, &format!("Hook subscription {key} not found")),
            ("GET", [_], Some(k)) => self.hook_answer(k),
            ("PUT", [_], Some(k)) => self.update(k, request).await,
            ("DELETE", [_], Some(k)) => {
                self.lock().subs.remove(&k);
                Answer::raw(204, "", Vec::new())
            }
            ("POST", [_, "verify"], Some(k)) => {
                self.handshake(k).await;
                self.hook_answer(k)
            }
            ("POST", [_, "delayedVerify"], Some(k)) => self.delayed_verify(k, request),
            _ => Answer::status(405),
        };
        Some(answer)
    }

    async fn create(&self, request: &Received) -> Answer {
        let (event_key, hook_url) = match hook_body(request) {
            Ok((Some(e), Some(h))) => (e, h),
            Ok(_) => return Answer::error(400, "eventKey and hookUrl are required"),
            Err(refusal) => return refusal,
        };
        let k = {
            let mut st = self.lock();
            st.last_key += 1;
            let k = st.last_key;
            st.subs.insert(k, Sub { event_key, hook_url, status: MockSubscription::UNVERIFIED, secret: None });
            k
        };
        // Keap verifies during the create call: the receiver must already be up.
        self.handshake(k).await;
        self.hook_answer(k)
    }

    async fn update(&self, k: u64, request: &Received) -> Answer {
        let (event_key, hook_url) = match hook_body(request) {
            Ok(fields) => fields,
            Err(refusal) => return refusal,
        };
        let moved = {
            let mut st = self.lock();
            let Some(sub) = st.subs.get_mut(&k) else { return Answer::error(404, "Hook subscription not found") };
            sub.event_key = event_key.unwrap_or_else(|| sub.event_key.clone());
            let moved = hook_url.as_ref().is_some_and(|h| *h != sub.hook_url);
            sub.hook_url = hook_url.unwrap_or_else(|| sub.hook_url.clone());
            moved
        };
        // A URL nobody confirmed gets no deliveries: a new one is verified as on create.
        if moved {
            self.handshake(k).await;
        }
        self.hook_answer(k)
    }

    fn delayed_verify(&self, k: u64, request: &Received) -> Answer {
        let Some(given) = request.header(SECRET_HEADER) else {
            return Answer::error(400, "X-Hook-Secret header is required");
        };
        {
            let mut st = self.lock();
            let Some(sub) = st.subs.get_mut(&k) else { return Answer::error(404, "Hook subscription not found") };
            // 400, not 401: a client would take a 401 for its own credentials and refresh them.
            if sub.secret.as_deref() != Some(given) {
                return Answer::error(400, "X-Hook-Secret does not match the last verification request");
            }
            sub.status = MockSubscription::VERIFIED;
        }
        self.hook_answer(k)
    }

    fn hook_answer(&self, k: u64) -> Answer {
        match self.lock().subs.get(&k) {
            Some(s) => Answer::json(200, &hook_json(k, s)),
            None => Answer::error(404, &format!("Hook subscription {k} not found")),
        }
    }

    /// Sends a fresh secret to the hook URL; `Verified` on a 2xx that repeats it in its
    /// `X-Hook-Secret` header (not in the body), else `Unverified`.
    async fn handshake(&self, k: u64) {
        let secret = format!("{:016x}{:016x}", random_u64(), random_u64());
        let url = {
            let mut st = self.lock();
            let Some(sub) = st.subs.get_mut(&k) else { return };
            sub.secret = Some(secret.clone());
            sub.hook_url.clone()
        };
        let request = self.http().post(&url).header(SECRET_HEADER, &secret).body(Vec::new());
        let answer = timeout(&self.clock, HOOK_TIMEOUT, async {
            let response = request.send().await?;
            let echoed = response.headers().get_all(SECRET_HEADER).iter().any(|v| v.as_bytes() == secret.as_bytes());
            let verified = response.status().is_success() && echoed;
            response.bytes().await?;
            Ok::<bool, reqwest::Error>(verified)
        })
        .await;
        let verified = matches!(answer, Ok(Ok(true)));
        if let Some(sub) = self.lock().subs.get_mut(&k) {
            sub.status = if verified { MockSubscription::VERIFIED } else { MockSubscription::UNVERIFIED };
        }
    }

    /// One POST with Keap's retries; stops early if the subscription stops being `Verified`.
    async fn post(&self, k: u64, body: &[u8], ids: usize) -> DeliveryPost {
        let mut post = DeliveryPost {
            key: k.to_string(),
            ids,
            attempts: 0,
            status: None,
            timed_out: false,
            acknowledged: false,
            deactivated: false,
        };
        for attempt in 1..=ATTEMPTS {
            if attempt > 1 {
                self.clock.sleep(HOOK_RETRY_DELAYS[attempt as usize - 2]).await;
            }
            let url = match self.lock().subs.get(&k) {
                Some(s) if s.status == MockSubscription::VERIFIED => s.hook_url.clone(),
                _ => break,
            };
            post.attempts = attempt;
            let request = self.http().post(&url).header("content-type", "application/json").body(body.to_vec());
            let answer = timeout(&self.clock, HOOK_TIMEOUT, async {
                let response = request.send().await?;
                let status = response.status().as_u16();
                response.bytes().await?;
                Ok::<u16, reqwest::Error>(status)
            })
            .await;
            (post.status, post.timed_out) = match answer {
                Ok(Ok(status)) => (Some(status), false),
                Ok(Err(_)) => (None, false),
                Err(_) => (None, true),
            };
            if post.status.is_some_and(|s| (200..400).contains(&s)) {
                post.acknowledged = true;
                break;
            }
            // A 410 says "unsubscribe me"; four failures say the receiver is gone.
            if post.status == Some(410) || attempt == ATTEMPTS {
                if let Some(s) = self.lock().subs.get_mut(&k) {
                    s.status = MockSubscription::INACTIVE;
                    post.deactivated = true;
                }
                break;
            }
        }
        post
    }
}

fn hook_json(k: u64, s: &Sub) -> Value {
    json!({ "eventKey": s.event_key, "hookUrl": s.hook_url, "key": k.to_string(), "status": s.status })
}

/// The `eventKey` and `hookUrl` of a create or update body, or the 400 Keap gives: not a
/// JSON object, another property (v1 refuses unknown ones), an unknown event key, a hook URL
/// that is not http(s).
#[allow(clippy::result_large_err, reason = "the error is the answer to give")]
fn hook_body(request: &Received) -> Result<(Option<String>, Option<String>), Answer> {
    let Some(Value::Object(fields)) = request.json() else {
        return Err(Answer::error(400, "the body must be a JSON object {\"eventKey\", \"hookUrl\"}"));
    };
    if let Some(other) = fields.keys().find(|k| *k != "eventKey" && *k != "hookUrl") {
        return Err(Answer::error(400, &format!("Unrecognized property: {other}")));
    }
    let text = |name: &str| match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Answer::error(400, &format!("{name} must be a string"))),
    };
    let (event_key, hook_url) = (text("eventKey")?, text("hookUrl")?);
    if let Some(e) = event_key.as_deref().filter(|e| !EVENT_KEYS.contains(e)) {
        return Err(Answer::error(400, &format!("Invalid eventKey: {e}")));
    }
    let http = |h: &str| reqwest::Url::parse(h).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
    if let Some(h) = hook_url.as_deref().filter(|h| !http(h)) {
        return Err(Answer::error(400, &format!("Invalid hookUrl: {h}")));
    }
    Ok((event_key, hook_url))
}

/// A delivery body in Keap's shape and key order: ids as numbers, `apiUrl` and `api_url`
/// empty, `object_type` what comes before the verb (`invoice.payment.add` → `invoice.payment`).
fn delivery_body(event_key: &str, ids: &[i64], timestamp: &str) -> Vec<u8> {
    let object_type = event_key.rsplit_once('.').map_or(event_key, |(object, _)| object);
    let text = |s: &str| Value::from(s).to_string();
    let keys: Vec<String> =
        ids.iter().map(|id| format!("{{\"id\":{id},\"apiUrl\":\"\",\"timestamp\":{}}}", text(timestamp))).collect();
    format!(
        "{{\"event_key\":{},\"object_type\":{},\"object_keys\":[{}],\"api_url\":\"\"}}",
        text(event_key),
        text(object_type),
        keys.join(",")
    )
    .into_bytes()
}

impl Hooks {
    /// Serves the REST Hooks endpoints from now on ([`MockKeap::serve_hooks`](super::testing::MockKeap::serve_hooks)).
    pub(crate) fn serve(&self) {
        self.lock().on = true;
    }

    /// The subscriptions, in key order.
    pub(crate) fn subscriptions(&self) -> Vec<MockSubscription> {
        self.lock().subs.iter().map(|(k, s)| s.public(*k)).collect()
    }

    /// Delivers changes of `ids` to every `Verified` subscription of `event_key`, stamped
    /// `now` ([`MockKeap::deliver`](super::testing::MockKeap::deliver) says how).
    pub(crate) async fn deliver(&self, now: std::time::SystemTime, event_key: &str, ids: &[i64]) -> DeliveryReport {
        let now = now.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let timestamp = Timestamp::from_unix(now.as_secs() as i64, 0).to_string();
        let targets: Vec<u64> = {
            let st = self.lock();
            let of_event = st.subs.iter().filter(|(_, s)| s.event_key == event_key);
            of_event.filter(|(_, s)| s.status == MockSubscription::VERIFIED).map(|(k, _)| *k).collect()
        };
        let mut report = DeliveryReport { subscriptions: targets.len(), posts: Vec::new() };
        for &k in &targets {
            for chunk in ids.chunks(MAX_IDS) {
                let body = delivery_body(event_key, chunk, &timestamp);
                report.posts.push(self.post(k, &body, chunk.len()).await);
            }
        }
        report
    }
}

#[cfg(test)]
#[path = "tests/mock_hooks.rs"]
mod tests;
