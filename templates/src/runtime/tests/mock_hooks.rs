#![allow(clippy::disallowed_methods, reason = "the test kit's tests run in tokio's time (paused), as its users' do")]

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
    assert_eq!(report.posts.iter().map(|p| (p.ids, p.attempts)).collect::<Vec<_>>(), [(1000, 1), (1000, 1), (500, 1)]);
    let bodies: Vec<Value> = got.lock().unwrap()[1..].iter().map(|g| serde_json::from_slice(&g.2).unwrap()).collect();
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
