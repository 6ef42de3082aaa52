//! REST Hooks in the test kit, as Keap's documentation describes them (off until
//! [`MockKeap::serve_hooks`](super::testing::MockKeap::serve_hooks)): subscriptions at `/rest/v1/hooks`, each verified by a handshake
//! POSTed to its hook URL while the create (or verify) call waits, or later by
//! `delayedVerify`; deliveries in Keap's body shape ([`MockKeap::deliver`](super::testing::MockKeap::deliver)), at most 1,000 ids
//! a POST, with Keap's four attempts, after which (or at once on a 410) the subscription turns
//! `Inactive`.

use super::clock::jitter;
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
}

impl Hooks {
    pub(crate) fn new() -> Self {
        Hooks { state: Mutex::default(), http: OnceLock::new() }
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
        let secret = format!("{:016x}{:016x}", jitter(u64::MAX), jitter(u64::MAX));
        let url = {
            let mut st = self.lock();
            let Some(sub) = st.subs.get_mut(&k) else { return };
            sub.secret = Some(secret.clone());
            sub.hook_url.clone()
        };
        let request = self.http().post(&url).header(SECRET_HEADER, &secret).body(Vec::new());
        let answer = tokio::time::timeout(HOOK_TIMEOUT, async {
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
                tokio::time::sleep(HOOK_RETRY_DELAYS[attempt as usize - 2]).await;
            }
            let url = match self.lock().subs.get(&k) {
                Some(s) if s.status == MockSubscription::VERIFIED => s.hook_url.clone(),
                _ => break,
            };
            post.attempts = attempt;
            let request = self.http().post(&url).header("content-type", "application/json").body(body.to_vec());
            let answer = tokio::time::timeout(HOOK_TIMEOUT, async {
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
mod tests {
    use super::super::testing::MockKeap;
    use super::*;
    use std::sync::Arc;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

    /// A request the test receiver got: its target, `X-Hook-Secret` and body.
    type Got = Arc<Mutex<Vec<(String, Option<String>, Vec<u8>)>>>;
    /// Decides an answer from a request's target, secret and body: a status (0: never
    /// answer) and headers.
    type Handler = Arc<dyn Fn(&str, Option<&str>, &[u8]) -> (u16, Vec<(String, String)>) + Send + Sync>;

    /// A hook receiver on 127.0.0.1: its URL (`http://127.0.0.1:<port>/hook`) and what it got.
    async fn serve(handler: Handler) -> (String, Got) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let got = Got::default();
        let seen = got.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (handler, seen) = (handler.clone(), seen.clone());
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut reader = BufReader::new(read);
                    let (mut head, mut line) = (Vec::new(), String::new());
                    while reader.read_line(&mut line).await.unwrap_or(0) > 0 && line != "\r\n" {
                        head.push(std::mem::take(&mut line).trim_end().to_owned());
                    }
                    let header = |name: &str| {
                        let lines = head.iter().filter_map(|h| h.split_once(':'));
                        lines.into_iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_owned())
                    };
                    let mut body = vec![0; header("content-length").map_or(0, |n| n.parse().unwrap())];
                    reader.read_exact(&mut body).await.unwrap();
                    let target = head[0].split(' ').nth(1).unwrap_or_default().to_owned();
                    let secret = header(SECRET_HEADER);
                    let (status, headers) = handler(&target, secret.as_deref(), &body);
                    seen.lock().unwrap().push((target, secret, body));
                    if status == 0 {
                        return tokio::time::sleep(Duration::from_secs(3600)).await;
                    }
                    let mut answer = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n");
                    for (k, v) in headers {
                        answer.push_str(&format!("{k}: {v}\r\n"));
                    }
                    write.write_all(format!("{answer}\r\n").as_bytes()).await.unwrap();
                });
            }
        });
        (url, got)
    }

    /// Echoes handshakes (or not) and answers deliveries with `status`.
    async fn receiver(echo: bool, status: u16) -> (String, Got) {
        serve(Arc::new(move |_, secret, _| match secret {
            Some(s) if echo => (200, vec![(SECRET_HEADER.to_owned(), s.to_owned())]),
            Some(_) => (200, Vec::new()),
            None => (status, Vec::new()),
        }))
        .await
    }

    /// Calls the mock as a client would; the status and the body as JSON (`null` if none).
    async fn call(keap: &MockKeap, method: &str, path: &str, body: Value, secret: Option<&str>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = reqwest::Client::new()
            .request(method, format!("{}{path}", keap.base_url()))
            .header("x-keap-api-key", MockKeap::API_KEY);
        if !body.is_null() {
            request = request.json(&body);
        }
        if let Some(s) = secret {
            request = request.header("X-Hook-Secret", s);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, serde_json::from_slice(&response.bytes().await.unwrap()).unwrap_or(Value::Null))
    }

    async fn create(keap: &MockKeap, event_key: &str, url: &str) -> (u16, Value) {
        call(keap, "POST", "/rest/v1/hooks", json!({"eventKey": event_key, "hookUrl": url}), None).await
    }

    #[tokio::test]
    async fn hooks_off_or_other_paths_are_left_to_the_expectations() {
        let keap = MockKeap::start().await;
        let get = |path: &str| Received {
            method: "GET".into(),
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Vec::new(),
        };
        let hooks = &keap.shared().hooks;
        assert!(hooks.answer(&get("/rest/v1/hooks")).await.is_none());
        keap.serve_hooks();
        assert!(hooks.answer(&get("/rest/v1/hooksx")).await.is_none());
        assert!(hooks.answer(&get("/rest/v2/contacts")).await.is_none());
        assert_eq!(hooks.answer(&get("/rest/v1/hooks")).await.unwrap().status_code(), 200);
    }

    #[tokio::test]
    async fn a_create_sends_the_handshake_and_an_echo_verifies() {
        let keap = MockKeap::start().await;
        keap.serve_hooks();
        let (url, got) = receiver(true, 200).await;
        let (status, hook) = create(&keap, "contact.add", &url).await;
        assert_eq!(status, 200);
        assert_eq!(hook, json!({"eventKey": "contact.add", "hookUrl": url, "key": "1", "status": "Verified"}));
        let handshake = got.lock().unwrap()[0].clone();
        assert!(handshake.1.as_ref().is_some_and(|s| s.len() == 32) && handshake.2.is_empty(), "{handshake:?}");
        assert_eq!(keap.subscriptions()[0].status, MockSubscription::VERIFIED);
        assert_eq!(call(&keap, "GET", "/rest/v1/hooks", Value::Null, None).await, (200, json!([hook])));
        assert_eq!(call(&keap, "GET", "/rest/v1/hooks/1", Value::Null, None).await, (200, hook));
        let (_, keys) = call(&keap, "GET", "/rest/v1/hooks/event_keys", Value::Null, None).await;
        assert_eq!(keys.as_array().unwrap().len(), EVENT_KEYS.len());
        let (status, error) = call(&keap, "GET", "/rest/v1/hooks/9", Value::Null, None).await;
        assert_eq!((status, error["message"].as_str()), (404, Some("Hook subscription 9 not found")));
        let bad = json!({"eventKey": "contact.nope", "hookUrl": url});
        assert_eq!(call(&keap, "POST", "/rest/v1/hooks", bad, None).await.0, 400);
        let moved = json!({"hookUrl": format!("{url}?v=2")});
        let (status, hook) = call(&keap, "PUT", "/rest/v1/hooks/1", moved, None).await;
        assert_eq!((status, hook["status"].as_str()), (200, Some("Verified")));
        assert_eq!(got.lock().unwrap().len(), 2, "a new hook URL is verified again");
        assert_eq!(call(&keap, "DELETE", "/rest/v1/hooks/1", Value::Null, None).await.0, 204);
        assert!(keap.subscriptions().is_empty());
    }

    #[tokio::test]
    async fn without_the_echo_it_stays_unverified_until_delayed_verify_sends_the_secret() {
        let keap = MockKeap::start().await;
        keap.serve_hooks();
        let (url, got) = receiver(false, 200).await;
        assert_eq!(create(&keap, "contact.edit", &url).await.1["status"], "Unverified");
        let delayed = "/rest/v1/hooks/1/delayedVerify";
        let (status, error) = call(&keap, "POST", delayed, Value::Null, Some("wrong")).await;
        assert_eq!(status, 400);
        assert!(error["message"].as_str().unwrap().contains("does not match"), "{error}");
        assert_eq!(call(&keap, "POST", delayed, Value::Null, None).await.0, 400);
        let secret = got.lock().unwrap()[0].1.clone().unwrap();
        let (status, hook) = call(&keap, "POST", delayed, Value::Null, Some(&secret)).await;
        assert_eq!((status, hook["status"].as_str()), (200, Some("Verified")));
        assert_eq!(call(&keap, "POST", "/rest/v1/hooks/7/delayedVerify", Value::Null, Some(&secret)).await.0, 404);
        // A verify sends a new handshake, which this receiver does not echo.
        let (status, hook) = call(&keap, "POST", "/rest/v1/hooks/1/verify", Value::Null, None).await;
        assert_eq!((status, hook["status"].as_str()), (200, Some("Unverified")));
        assert_ne!(got.lock().unwrap()[1].1.as_deref(), Some(secret.as_str()), "a fresh secret");
    }

    #[tokio::test]
    async fn a_delivery_of_2500_ids_comes_as_three_posts_in_keaps_shape() {
        let keap = MockKeap::start().await;
        keap.serve_hooks();
        let (url, got) = receiver(true, 200).await;
        create(&keap, "invoice.payment.add", &url).await;
        let report = keap.deliver("invoice.payment.add", 1..=2500).await;
        assert_eq!(report.subscriptions, 1);
        assert!(report.acknowledged(), "{report:?}");
        assert_eq!(
            report.posts.iter().map(|p| (p.ids, p.attempts)).collect::<Vec<_>>(),
            [(1000, 1), (1000, 1), (500, 1)]
        );
        let bodies: Vec<Value> =
            got.lock().unwrap()[1..].iter().map(|g| serde_json::from_slice(&g.2).unwrap()).collect();
        assert_eq!(bodies.len(), 3);
        assert_eq!(bodies[0]["event_key"], "invoice.payment.add");
        assert_eq!(bodies[0]["object_type"], "invoice.payment");
        assert_eq!(bodies[0]["api_url"], "");
        let first = &bodies[0]["object_keys"][0];
        assert_eq!((&first["id"], &first["apiUrl"]), (&json!(1), &json!("")));
        let stamp = first["timestamp"].as_str().unwrap();
        assert!(stamp.len() == 20 && stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T', "{stamp}");
        assert_eq!(bodies[2]["object_keys"][499]["id"], 2500);

        let nobody = keap.deliver("contact.add", [1]).await;
        assert_eq!((nobody.subscriptions, nobody.posts.len(), nobody.acknowledged()), (0, 0, false));
    }

    #[tokio::test(start_paused = true)]
    async fn a_receiver_answering_500_gets_four_attempts_and_then_the_subscription_is_inactive() {
        let keap = MockKeap::start().await;
        keap.serve_hooks();
        let (url, got) = receiver(true, 500).await;
        create(&keap, "contact.add", &url).await;
        let report = keap.deliver("contact.add", 1..=1500).await;
        let post = &report.posts[0];
        assert_eq!((post.attempts, post.status, post.acknowledged, post.deactivated), (4, Some(500), false, true));
        assert_eq!(report.posts[1].attempts, 0, "the second batch is lost: {report:?}");
        assert_eq!(got.lock().unwrap().len(), 1 + 4);
        assert_eq!(keap.subscriptions()[0].status, MockSubscription::INACTIVE);
        assert_eq!(keap.deliver("contact.add", [1]).await.subscriptions, 0);
    }

    #[tokio::test]
    async fn a_410_makes_the_subscription_inactive_at_once() {
        let keap = MockKeap::start().await;
        keap.serve_hooks();
        let (url, _) = receiver(true, 410).await;
        create(&keap, "contact.add", &url).await;
        let post = keap.deliver("contact.add", [5]).await.posts[0].clone();
        assert_eq!((post.attempts, post.status, post.deactivated), (1, Some(410), true));
        assert_eq!(keap.subscriptions()[0].status, MockSubscription::INACTIVE);
    }

    #[tokio::test(start_paused = true)]
    async fn a_receiver_that_never_answers_times_out_in_tokios_time() {
        let keap = MockKeap::start().await;
        keap.serve_hooks();
        let (url, _) = receiver(true, 0).await;
        create(&keap, "contact.add", &url).await;
        let started = tokio::time::Instant::now();
        let post = keap.deliver("contact.add", [5]).await.posts[0].clone();
        assert_eq!((post.attempts, post.status, post.timed_out, post.deactivated), (4, None, true, true));
        assert!(started.elapsed() >= MockKeap::HOOK_TIMEOUT * 4);
    }

    /// The runtime's own receiver and upkeep against the mock: immediate and delayed
    /// verification, and a delivery parsed as a [`Delivery`](crate::runtime::hooks::Delivery).
    #[cfg(feature = "hooks")]
    #[tokio::test]
    async fn the_runtimes_receiver_and_upkeep_verify_and_take_deliveries() {
        use super::super::hooks::{EventKey, HookRequest, HookUrls, Received as Got, Receiver, Upkeep, Verification};
        use super::super::tokens::Secret;
        use super::super::{Quota, Transport};
        let keap = MockKeap::start().await;
        keap.serve_hooks();
        let transport: Transport = keap.builder().quota(Quota::custom(None, None, None)).build().unwrap();
        for verification in [Verification::Immediate, Verification::Delayed] {
            // The receiver needs the URL, which the server gives: it is set once that is up.
            let slot: Arc<OnceLock<Receiver>> = Arc::default();
            let deliveries = Arc::new(Mutex::new(Vec::new()));
            let (kept, taken) = (slot.clone(), deliveries.clone());
            let (url, _) = serve(Arc::new(move |target, secret, body| {
                let query = target.split_once('?').map_or("", |(_, q)| q);
                let request = HookRequest { method: "POST", query, secret_header: secret, body };
                let (answer, got) = kept.get().unwrap().handle(request);
                if let Got::Delivery(d) = got {
                    taken.lock().unwrap().push(d);
                }
                (answer.status, answer.headers.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }))
            .await;
            let urls = HookUrls::new(url, &Secret::new("k".repeat(40))).unwrap();
            let receiver = slot.get_or_init(|| Receiver::new(urls.clone()).verification(verification.clone()));
            let upkeep =
                Upkeep::new(&transport, &urls, [EventKey::CONTACT_ADD]).pending_secrets(receiver.pending().clone());
            let report = upkeep.run().await.unwrap();
            assert!(report.all_verified(), "{verification:?}: {report:?}");
            let delayed = verification == Verification::Delayed;
            let sent_back = keap.received().iter().filter(|r| r.path.ends_with("/delayedVerify")).count();
            assert_eq!(sent_back, usize::from(delayed), "{verification:?}");
            let delivered = keap.deliver("contact.add", [7, 8]).await;
            assert!(delivered.acknowledged(), "{delivered:?}");
            let d = deliveries.lock().unwrap().pop().unwrap();
            assert_eq!(d.objects.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["7", "8"]);
            for s in keap.subscriptions() {
                super::super::hooks::delete_subscription(&transport, &s.key).await.unwrap();
            }
        }
    }
}
