//! The scripted Keap (`keapgen_tests::scripted_keap`) itself, against tiny receivers built
//! on the scripted HTTP server: handshakes, delayed verification, deliveries in Keap's shape
//! and batch size, retries to `Inactive`, re-sends, contacts by id in pages, the quota.
//! Every wait is bounded.

use keap::runtime::reqwest;
use keapgen_tests::mock::{self, Mock, Reply, Seen};
use keapgen_tests::scripted_keap::{rfc3339_utc, Config, HookStatus, ScriptedKeap, Timing, EVENT_KEYS};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The bound on every wait.
const BOUND: Duration = Duration::from_secs(10);

fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(BOUND).no_proxy().build().unwrap()
}

/// An API call with a key; the status, the headers and the JSON answer (`Null` if none).
async fn call_with(
    keap: &ScriptedKeap,
    method: &str,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = http().request(method, format!("{}{path}", keap.url()));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    let bytes = response.bytes().await.unwrap();
    let value = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
    (status, headers, value)
}

async fn call(keap: &ScriptedKeap, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let (status, _, value) = call_with(keap, method, path, body, &[("X-Keap-API-Key", "test-key")]).await;
    (status, value)
}

async fn subscribe(keap: &ScriptedKeap, event_key: &str, hook_url: &str) -> Value {
    let (status, hook) =
        call(keap, "POST", "/rest/v1/hooks", Some(json!({"eventKey": event_key, "hookUrl": hook_url}))).await;
    assert_eq!(status, 200, "{hook}");
    hook
}

/// A receiver's answer to a handshake that echoes the secret as Keap asks.
fn echo(seen: &Seen) -> Option<Reply> {
    seen.header("x-hook-secret").map(|s| Reply::json(200, "{}").header("X-Hook-Secret", s))
}

/// A receiver that echoes handshakes and answers deliveries with `status`'s value.
async fn receiver(status: Arc<AtomicU16>) -> Mock {
    mock::serve(move |seen, _| echo(seen).unwrap_or_else(|| Reply::json(status.load(Ordering::SeqCst), "{}"))).await
}

/// The deliveries a receiver got (the requests without a secret).
fn deliveries(receiver: &Mock) -> Vec<Seen> {
    receiver.seen().into_iter().filter(|s| s.header("x-hook-secret").is_none()).collect()
}

fn key_of(hook: &Value) -> String {
    hook["key"].as_str().expect("hook keys are text").to_string()
}

#[tokio::test]
async fn a_handshake_that_echoes_the_secret_verifies_the_subscription() {
    let receiver = receiver(Arc::new(AtomicU16::new(200))).await;
    let keap = ScriptedKeap::start(Config::fast()).await;
    let hook_url = format!("{}/keap/hook?token=abc", receiver.url);
    let created = subscribe(&keap, "contact.add", &hook_url).await;
    assert_eq!(created["status"], "Verified");
    assert_eq!(created["eventKey"], "contact.add");
    assert_eq!(created["hookUrl"], hook_url.as_str());
    let key = key_of(&created);

    let handshakes = keap.handshakes();
    assert_eq!(handshakes.len(), 1);
    let h = &handshakes[0];
    assert!(h.verified && h.echoed && h.status == Some(200), "{h:?}");
    assert!(h.secret.len() == 40 && h.secret.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(!format!("{h:?}").contains(&h.secret), "Debug shows no secret");
    // The handshake: a POST to the hook URL as given, the secret in a header, no body.
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!((seen[0].method.as_str(), seen[0].target.as_str()), ("POST", "/keap/hook?token=abc"));
    assert_eq!(seen[0].header("x-hook-secret"), Some(h.secret.as_str()));
    assert!(seen[0].body.is_empty());

    let (status, list) = call(&keap, "GET", "/rest/v1/hooks", None).await;
    assert_eq!((status, list), (200, json!([created.clone()])));
    let (status, one) = call(&keap, "GET", &format!("/rest/v1/hooks/{key}"), None).await;
    assert_eq!((status, one), (200, created));
    let (status, keys) = call(&keap, "GET", "/rest/v1/hooks/event_keys", None).await;
    assert_eq!(status, 200);
    assert_eq!(keys.as_array().unwrap().len(), EVENT_KEYS.len());
    assert!(keys.as_array().unwrap().contains(&json!("opportunity.stage_move")));
    assert_eq!(keap.subscriptions()[0].status, HookStatus::Verified);
}

#[tokio::test]
async fn handshakes_that_do_not_echo_the_header_leave_it_unverified() {
    let receiver = mock::serve(|seen, _| {
        let secret = seen.header("x-hook-secret").unwrap_or("").to_string();
        match seen.target.as_str() {
            "/silent" => Reply::json(200, "{}"),
            "/in-body" => Reply::json(200, &json!({"X-Hook-Secret": secret}).to_string()),
            "/created" => Reply::json(201, "{}").header("X-Hook-Secret", secret),
            "/other" => Reply::json(200, "{}").header("X-Hook-Secret", "not-the-secret"),
            _ => Reply::json(200, "{}"),
        }
    })
    .await;
    // Reachable once, gone by the time of the handshake: a connection error.
    let gone = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gone_url = format!("http://127.0.0.1:{}/hook", gone.local_addr().unwrap().port());
    drop(gone);
    let keap = ScriptedKeap::start(Config::fast()).await;
    for path in ["/silent", "/in-body", "/created", "/other"] {
        let hook = subscribe(&keap, "contact.add", &format!("{}{path}", receiver.url)).await;
        assert_eq!(hook["status"], "Unverified", "{path}");
    }
    let hook = subscribe(&keap, "contact.add", &gone_url).await;
    assert_eq!(hook["status"], "Unverified");
    let handshakes = keap.handshakes();
    assert_eq!(
        handshakes.iter().map(|h| h.status).collect::<Vec<_>>(),
        [Some(200), Some(200), Some(201), Some(200), None]
    );
    assert_eq!(handshakes.iter().map(|h| h.echoed).collect::<Vec<_>>(), [false, false, true, false, false]);

    // Unverified subscriptions get nothing, and nothing counts as lost.
    keap.change("contact.add", "contact", [1, 2]);
    assert!(keap.settled(BOUND).await);
    assert!(keap.deliveries().is_empty());
    assert_eq!(keap.lost(), 0);
    assert_eq!(deliveries(&receiver).len(), 0);
}

/// A receiver that keeps each handshake's secret and answers 200 without it (to be confirmed
/// later, out of band), and the secrets it kept.
async fn secret_keeping_receiver() -> (mock::Mock, Arc<Mutex<Vec<String>>>) {
    let secrets = Arc::new(Mutex::new(Vec::new()));
    let kept = secrets.clone();
    let receiver = mock::serve(move |seen, _| {
        if let Some(s) = seen.header("x-hook-secret") {
            kept.lock().unwrap().push(s.to_string());
        }
        Reply::json(200, "{}")
    })
    .await;
    (receiver, secrets)
}

#[tokio::test]
async fn delayed_verify_needs_the_secret_last_sent_in_a_header() {
    let (receiver, secrets) = secret_keeping_receiver().await;
    let keap = ScriptedKeap::start(Config::fast()).await;
    let hook = subscribe(&keap, "contact.edit", &format!("{}/hook", receiver.url)).await;
    assert_eq!(hook["status"], "Unverified");
    let key = key_of(&hook);
    let path = format!("/rest/v1/hooks/{key}/delayedVerify");
    let auth = ("X-Keap-API-Key", "test-key");

    let (status, _, body) = call_with(&keap, "POST", &path, None, &[auth]).await;
    assert_eq!((status, body), (400, json!({"message": "X-Hook-Secret header is required"})));
    let (status, _, body) = call_with(&keap, "POST", &path, None, &[auth, ("X-Hook-Secret", "wrong")]).await;
    assert_eq!((status, &body["status"]), (200, &json!("Unverified")), "a wrong secret changes nothing");
    let (status, _, _) =
        call_with(&keap, "POST", "/rest/v1/hooks/999/delayedVerify", None, &[auth, ("X-Hook-Secret", "x")]).await;
    assert_eq!(status, 404);

    let secret = secrets.lock().unwrap()[0].clone();
    let (status, _, body) = call_with(&keap, "POST", &path, None, &[auth, ("X-Hook-Secret", &secret)]).await;
    assert_eq!((status, &body["status"]), (200, &json!("Verified")));
    assert_eq!(keap.subscription(&key).unwrap().status, HookStatus::Verified);
}

#[tokio::test]
async fn four_failed_attempts_make_it_inactive_and_lose_the_delivery() {
    let answer = Arc::new(AtomicU16::new(500));
    let receiver = receiver(answer.clone()).await;
    let keap = ScriptedKeap::start(Config::fast()).await;
    let key = key_of(&subscribe(&keap, "contact.edit", &format!("{}/hook", receiver.url)).await);

    keap.change("contact.edit", "contact", [1, 2, 3]);
    assert!(keap.settled(BOUND).await);
    let records = keap.deliveries();
    assert_eq!(records.iter().map(|d| d.attempt).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert!(records.iter().all(|d| d.status == Some(500) && d.ids == 3 && d.key == key && !d.resent));
    for pair in records.windows(2) {
        assert!(pair[1].at - pair[0].at >= Timing::fast().retry_delays[0], "retries wait");
    }
    assert_eq!(keap.subscription(&key).unwrap().status, HookStatus::Inactive);
    assert_eq!(keap.lost(), 1);
    assert_eq!(keap.lost_ids(), BTreeSet::from([1, 2, 3]));
    assert_eq!(deliveries(&receiver).len(), 4);

    // Inactive: no deliveries at all.
    keap.change("contact.edit", "contact", [4]);
    assert!(keap.settled(BOUND).await);
    assert_eq!(keap.deliveries().len(), 4);

    // Verified again (the receiver is back): deliveries resume.
    answer.store(200, Ordering::SeqCst);
    let (status, hook) = call(&keap, "POST", &format!("/rest/v1/hooks/{key}/verify"), None).await;
    assert_eq!((status, &hook["status"]), (200, &json!("Verified")));
    keap.change("contact.edit", "contact", [5]);
    assert!(keap.settled(BOUND).await);
    let last = keap.deliveries().pop().unwrap();
    assert_eq!((last.attempt, last.status, last.ids), (1, Some(200), 1));
    assert_eq!(keap.lost(), 1);
}

#[tokio::test]
async fn a_410_makes_it_inactive_at_once() {
    let receiver = receiver(Arc::new(AtomicU16::new(410))).await;
    let keap = ScriptedKeap::start(Config::fast()).await;
    let key = key_of(&subscribe(&keap, "contact.add", &format!("{}/hook", receiver.url)).await);
    keap.change("contact.add", "contact", [9]);
    assert!(keap.settled(BOUND).await);
    let records = keap.deliveries();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].status, Some(410));
    assert_eq!(keap.subscription(&key).unwrap().status, HookStatus::Inactive);
    assert_eq!(keap.lost(), 1);
}

#[tokio::test]
async fn no_answer_in_time_or_a_broken_connection_fails_an_attempt() {
    let receiver = mock::serve(|seen, _| {
        echo(seen).unwrap_or_else(|| if seen.target == "/hang" { Reply::hanging() } else { Reply::dropped() })
    })
    .await;
    let timing = Timing { response_timeout: Duration::from_millis(200), ..Timing::fast() };
    let keap = ScriptedKeap::start(Config { timing, ..Config::fast() }).await;
    let hanging = key_of(&subscribe(&keap, "contact.edit", &format!("{}/hang", receiver.url)).await);
    let dropping = key_of(&subscribe(&keap, "contact.edit", &format!("{}/drop", receiver.url)).await);
    keap.change("contact.edit", "contact", [1]);
    assert!(keap.settled(BOUND).await);
    let records = keap.deliveries();
    let of = |key: &str| records.iter().filter(|d| d.key == key).cloned().collect::<Vec<_>>();
    assert_eq!(of(&hanging).len(), 4);
    assert!(of(&hanging).iter().all(|d| d.status.is_none() && d.timed_out && d.latency >= timing.response_timeout));
    assert_eq!(of(&dropping).len(), 4);
    assert!(of(&dropping).iter().all(|d| d.status.is_none() && !d.timed_out));
    assert!(keap.subscriptions().iter().all(|s| s.status == HookStatus::Inactive));
    assert_eq!(keap.lost(), 2);
}

#[tokio::test]
async fn batches_hold_at_most_1000_ids_in_keaps_shape() {
    let receiver = receiver(Arc::new(AtomicU16::new(200))).await;
    let other = receiver_for_nothing().await;
    let keap = ScriptedKeap::start(Config::fast()).await;
    subscribe(&keap, "contact.edit", &format!("{}/hook?token=t%20x&b=2", receiver.url)).await;
    // Another event key's subscriber gets none of it.
    subscribe(&keap, "contact.add", &format!("{}/other", other.url)).await;

    let before = rfc3339_utc(SystemTime::now());
    // Within one batch window: 2,500 distinct ids (1 changed twice) in three POSTs.
    keap.change("contact.edit", "contact", 1..=1500);
    keap.change("contact.edit", "contact", [1]);
    keap.change("contact.edit", "contact", 1501..=2500);
    assert!(keap.settled(BOUND).await);
    let after = rfc3339_utc(SystemTime::now());

    let posts = deliveries(&receiver);
    assert_eq!(posts.len(), 3);
    let mut sizes = Vec::new();
    let mut ids = BTreeSet::new();
    for post in &posts {
        assert_eq!(post.method, "POST");
        assert_eq!(post.target, "/hook?token=t%20x&b=2", "the hook URL's query intact");
        assert_eq!(post.header("content-type"), Some("application/json"));
        let text = String::from_utf8(post.body.clone()).unwrap();
        assert!(text.starts_with(r#"{"event_key":"contact.edit","object_type":"contact","object_keys":[{"id":"#));
        assert!(text.ends_with(r#"],"api_url":""}"#));
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body.as_object().unwrap().len(), 4);
        let keys = body["object_keys"].as_array().unwrap();
        sizes.push(keys.len());
        for k in keys {
            assert_eq!(k.as_object().unwrap().len(), 3);
            assert_eq!(k["apiUrl"], "");
            let stamp = k["timestamp"].as_str().unwrap();
            assert!(stamp.len() == 20 && stamp.ends_with('Z') && &stamp[10..11] == "T", "{stamp}");
            assert!(before.as_str() <= stamp && stamp <= after.as_str());
            assert!(ids.insert(k["id"].as_u64().expect("ids are numbers")), "each id once");
        }
    }
    sizes.sort_unstable();
    assert_eq!(sizes, [500, 1000, 1000]);
    assert_eq!(ids, (1..=2500).collect());
    assert!(keap.deliveries().iter().all(|d| d.event_key == "contact.edit" && d.acknowledged()));
    assert!(deliveries(&other).is_empty());

    // A change after the window is a batch of its own.
    keap.change("contact.edit", "contact", [7]);
    assert!(keap.settled(BOUND).await);
    assert_eq!(deliveries(&receiver).len(), 4);
}

/// A receiver that verifies and expects nothing else.
async fn receiver_for_nothing() -> Mock {
    mock::serve(|seen, _| echo(seen).unwrap_or_else(|| Reply::json(500, "{}"))).await
}

#[tokio::test]
async fn a_resend_repeats_the_last_acknowledged_delivery_byte_for_byte() {
    let receiver = receiver(Arc::new(AtomicU16::new(200))).await;
    let keap = ScriptedKeap::start(Config::fast()).await;
    assert!(keap.resend_last_delivery().await.is_none(), "nothing acknowledged yet");
    subscribe(&keap, "contact.edit", &format!("{}/hook", receiver.url)).await;
    keap.change("contact.edit", "contact", [42, 43]);
    assert!(keap.settled(BOUND).await);
    let again = keap.resend_last_delivery().await.unwrap();
    assert!(again.resent && again.acknowledged() && again.ids == 2);
    let posts = deliveries(&receiver);
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].body, posts[1].body);
}

#[tokio::test]
async fn contacts_are_listed_by_an_ids_filter_in_pages() {
    let keap = ScriptedKeap::start(Config { per_second: None, ..Config::fast() }).await;
    keap.change("contact.edit", "contact", 1..=120);
    keap.add_contacts(500..=510);
    let filter: Vec<String> = (1..=120).chain([9999]).map(|i| i.to_string()).collect();
    // As a client sends it: percent-encoded.
    let mut path = format!("/rest/v2/contacts?filter=ids%3D%3D{}&page_size=50", filter.join("%2C"));
    let (mut pages, mut ids) = (Vec::new(), Vec::new());
    loop {
        let (status, page) = call(&keap, "GET", &path, None).await;
        assert_eq!(status, 200, "{page}");
        let contacts = page["contacts"].as_array().unwrap();
        pages.push(contacts.len());
        ids.extend(contacts.iter().map(|c| c["id"].as_str().expect("v2 ids are text").parse::<u64>().unwrap()));
        let next = page["next_page_token"].as_str().unwrap();
        if next.is_empty() {
            break;
        }
        path = format!("/rest/v2/contacts?page_token={next}&page_size=50");
    }
    assert_eq!(pages, [50, 50, 20]);
    assert_eq!(ids, (1..=120).collect::<Vec<_>>());
    let counts = keap.fetch_counts();
    assert_eq!(counts.len(), 120);
    assert!(counts.values().all(|n| *n == 1));

    let (status, one) = call(&keap, "GET", "/rest/v2/contacts/5", None).await;
    assert_eq!(status, 200);
    assert_eq!(one["given_name"], "Name5");
    assert_eq!(one["email_addresses"], json!([{"email": "c5@example.com", "field": "EMAIL1"}]));
    assert_eq!(keap.fetch_counts()[&5], 2);
    let (status, missing) = call(&keap, "GET", "/rest/v2/contacts/9999", None).await;
    assert_eq!((status, &missing["code"], &missing["status"]), (404, &json!(404), &json!("NOT_FOUND")));
    let (status, _) = call(&keap, "GET", "/rest/v2/contacts?page_token=nope", None).await;
    assert_eq!(status, 400);
    let (status, _) = call(&keap, "GET", "/rest/v2/contacts?filter=given_name%3D%3DAda", None).await;
    assert_eq!(status, 400, "filters other than ids are refused, not ignored");
    // No filter: every contact, 50 a page by default.
    let (_, page) = call(&keap, "GET", "/rest/v2/contacts", None).await;
    assert_eq!(page["contacts"].as_array().unwrap().len(), 50);
    // A deleted contact is gone.
    keap.change("contact.delete", "contact", [3]);
    let (status, _) = call(&keap, "GET", "/rest/v2/contacts/3", None).await;
    assert_eq!(status, 404);

    // The generated client's own encoding of the filter and its pager.
    let client = keap::Client::builder().base_url(keap.url()).auth(keap::Auth::api_key("test-key")).build().unwrap();
    let listed = client.contact().list_contacts().filter("ids==10,11,12,3").page_size(2).items().all().await.unwrap();
    let listed: Vec<Value> = listed.iter().map(|c| serde_json::to_value(c).unwrap()).collect();
    assert_eq!(listed.iter().map(|c| c["id"].clone()).collect::<Vec<_>>(), [json!("10"), json!("11"), json!("12")]);
}

#[tokio::test]
async fn requests_beyond_the_per_second_limit_get_keaps_429() {
    let keap = ScriptedKeap::start(Config { per_second: Some(3), ..Config::fast() }).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let (status, headers, body) =
            call_with(&keap, "GET", "/rest/v1/hooks", None, &[("X-Keap-API-Key", "test-key")]).await;
        statuses.push(status);
        if status == 429 {
            assert_eq!(body, json!({"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}));
            assert!(headers.get("retry-after").is_none(), "Keap's gateway sends no Retry-After");
        }
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    assert_eq!((keap.throttled(), keap.requests()), (2, 5));
}

#[tokio::test]
async fn a_client_keeping_to_the_limit_is_never_throttled() {
    // A generous allowance for arrival jitter on a loaded machine: a burst of six within
    // 800 ms would still be caught.
    let config = Config { per_second: Some(5), quota_slack: Duration::from_millis(200), ..Config::fast() };
    let keap = ScriptedKeap::start(config).await;
    let client = keap::Client::builder()
        .base_url(keap.url())
        .auth(keap::Auth::api_key("test-key"))
        .quota(keap::Quota::custom(Some(5), None, None))
        .build()
        .unwrap();
    // Eight calls: the sixth waits for the window; about a second in all.
    tokio::time::timeout(BOUND, async {
        for _ in 0..8 {
            client.v1().rest_hooks().list_stored_hook_subscriptions().send().await.unwrap();
        }
    })
    .await
    .unwrap();
    assert_eq!((keap.requests(), keap.throttled()), (8, 0));
}

#[tokio::test]
async fn requests_without_a_credential_get_401() {
    let keap = ScriptedKeap::start(Config::fast()).await;
    for headers in
        [vec![], vec![("X-Keap-API-Key", "")], vec![("Authorization", "Bearer ")], vec![("Authorization", "Basic x")]]
    {
        let (status, _, body) = call_with(&keap, "GET", "/rest/v1/hooks", None, &headers).await;
        assert_eq!(status, 401, "{headers:?}");
        assert!(body["message"].is_string());
    }
    let (status, _, _) = call_with(&keap, "GET", "/rest/v1/hooks", None, &[("Authorization", "Bearer tok")]).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn subscriptions_are_updated_and_deleted_and_bad_bodies_refused() {
    let first = receiver(Arc::new(AtomicU16::new(200))).await;
    let second = receiver(Arc::new(AtomicU16::new(200))).await;
    let keap = ScriptedKeap::start(Config::fast()).await;
    let (status, body) =
        call(&keap, "POST", "/rest/v1/hooks", Some(json!({"eventKey": "contact.nope", "hookUrl": first.url}))).await;
    assert_eq!((status, body), (400, json!({"message": "Invalid eventKey: contact.nope"})));
    let extra = json!({"eventKey": "contact.add", "hookUrl": first.url, "status": "Verified"});
    let (status, body) = call(&keap, "POST", "/rest/v1/hooks", Some(extra)).await;
    assert_eq!((status, body), (400, json!({"message": "Unrecognized property: status"})));
    let (status, _) =
        call(&keap, "POST", "/rest/v1/hooks", Some(json!({"eventKey": "contact.add", "hookUrl": "ftp://x"}))).await;
    assert_eq!(status, 400);

    let key = key_of(&subscribe(&keap, "contact.add", &first.url).await);
    let path = format!("/rest/v1/hooks/{key}");
    // Another event key, the same URL: no new handshake.
    let (status, hook) =
        call(&keap, "PUT", &path, Some(json!({"eventKey": "contact.edit", "hookUrl": first.url}))).await;
    assert_eq!((status, &hook["eventKey"], &hook["status"]), (200, &json!("contact.edit"), &json!("Verified")));
    assert_eq!(keap.handshakes().len(), 1);
    // A new URL is verified there.
    let (status, hook) = call(&keap, "PUT", &path, Some(json!({"hookUrl": second.url}))).await;
    assert_eq!((status, &hook["hookUrl"], &hook["status"]), (200, &json!(second.url), &json!("Verified")));
    assert_eq!(keap.handshakes().len(), 2);
    assert_eq!(second.seen().len(), 1);

    let (status, body) = call(&keap, "DELETE", &path, None).await;
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(call(&keap, "GET", &path, None).await.0, 404);
    assert_eq!(call(&keap, "DELETE", &path, None).await.0, 404);
    assert!(keap.subscriptions().is_empty());
}

#[tokio::test]
async fn the_control_endpoints_queue_changes_and_tell_the_outcome_without_secrets() {
    let receiver = receiver(Arc::new(AtomicU16::new(200))).await;
    let keap = ScriptedKeap::start(Config::fast()).await;
    subscribe(&keap, "contact.edit", &format!("{}/hook", receiver.url)).await;
    let requests = keap.requests();
    let (status, _, queued) =
        call_with(&keap, "POST", "/__scripted/change", Some(json!({"event_key": "contact.edit", "ids": [1, 2]})), &[])
            .await;
    assert_eq!((status, queued), (202, json!({"queued": 2})));
    assert!(keap.settled(BOUND).await);
    call(&keap, "GET", "/rest/v2/contacts/1", None).await;

    let (status, _, report) = call_with(&keap, "GET", "/__scripted/status", None, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(report["subscriptions"][0]["status"], "Verified");
    assert_eq!(report["deliveries"]["acknowledged"], 1);
    assert_eq!((&report["lost"], &report["throttled"], &report["pending"]), (&json!(0), &json!(0), &json!(0)));
    assert_eq!(report["fetch_counts"], json!({"1": 1}));
    assert_eq!(report["handshakes"][0]["verified"], true);
    assert_eq!(keap.requests(), requests + 1, "control requests are not API requests");
    // The delivery's body says `object_type: contact`, derived from the event key.
    assert!(String::from_utf8(deliveries(&receiver)[0].body.clone()).unwrap().contains(r#""object_type":"contact""#));
    let secret = keap.handshakes()[0].secret.clone();
    assert!(!report.to_string().contains(&secret));

    let (status, _, resent) = call_with(&keap, "POST", "/__scripted/resend", None, &[]).await;
    assert_eq!((status, &resent["status"], &resent["ids"]), (200, &json!(200), &json!(2)));
    assert_eq!(deliveries(&receiver).len(), 2);
}

#[tokio::test]
async fn the_generated_client_manages_hooks_against_it() {
    let (receiver, secrets) = secret_keeping_receiver().await;
    let keap = ScriptedKeap::start(Config::fast()).await;
    let client = keap::Client::builder()
        .base_url(keap.url())
        .auth(keap::Auth::api_key("test-key"))
        .quota(keap::Quota::custom(Some(10), None, None))
        .build()
        .unwrap();
    let hooks = client.v1().rest_hooks();
    assert!(hooks.list_hook_event_types().send().await.unwrap().contains(&"contact.edit".to_string()));
    let body = keap::v1::types::CreateAHookSubscriptionBody {
        event_key: Some("contact.edit".into()),
        hook_url: Some(format!("{}/hook", receiver.url)),
        ..Default::default()
    };
    let created = serde_json::to_value(hooks.create_a_hook_subscription(body).send().await.unwrap()).unwrap();
    assert_eq!(created["status"], "Unverified");
    let key = key_of(&created);
    let secret = secrets.lock().unwrap()[0].clone();
    let verified = hooks.verify_a_hook_subscription_delayed(key.clone(), secret).send().await.unwrap();
    assert_eq!(serde_json::to_value(verified).unwrap()["status"], "Verified");
    let listed = hooks.list_stored_hook_subscriptions().send().await.unwrap();
    assert_eq!(serde_json::to_value(listed).unwrap()[0]["status"], "Verified");
    hooks.delete_a_hook_subscription(key).send().await.unwrap();
    assert!(keap.subscriptions().is_empty());
    assert_eq!(keap.throttled(), 0);
}

#[test]
fn timestamps_are_rfc3339_utc_in_whole_seconds() {
    let at = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
    // Keap's own example.
    assert_eq!(rfc3339_utc(at(1_522_320_937) + Duration::from_millis(900)), "2018-03-29T10:55:37Z");
    assert_eq!(rfc3339_utc(at(0)), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339_utc(at(1_709_164_800)), "2024-02-29T00:00:00Z");
    assert_eq!(rfc3339_utc(at(1_735_689_599)), "2024-12-31T23:59:59Z");
}
