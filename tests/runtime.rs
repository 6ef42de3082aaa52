//! The runtime through the generated `keap` crate, against scripted HTTP servers on
//! 127.0.0.1: credentials, OAuth2 refresh, quota headers, 429s, retries and error shapes.
//! Time is a fake clock: waits are recorded, not slept.

#[path = "fake_clock.rs"]
mod fake_clock;

use fake_clock::FakeClock;
use keap::runtime::{AuthErrorKind, Clock, Event, StoreFuture, Window};
use keap::{Auth, Client, Error, Quota, RetryPolicy, TokenStore, Tokens};
use keapgen_tests::mock;
use mock::{serve, Reply};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

const CONTACTS: &str = r#"{"contacts":[{"id":"1","given_name":"Ada"}],"next_page_token":""}"#;

fn client(base: &str, auth: Auth, clock: &Arc<FakeClock>) -> Client {
    Client::builder().base_url(base).auth(auth).clock(clock.clone()).build().unwrap()
}

#[tokio::test]
async fn keys_and_tokens_go_in_their_headers_on_every_request() {
    let server = serve(|_, _| Reply::json(200, CONTACTS)).await;
    let clock = FakeClock::new();
    for (auth, _header, value) in [
        (Auth::api_key("pat-1"), "x-keap-api-key", "pat-1"),
        (Auth::api_key_as_bearer("pat-2"), "authorization", "Bearer pat-2"),
        (Auth::bearer("token-3"), "authorization", "Bearer token-3"),
    ] {
        let c = client(&server.url, auth, &clock);
        for _ in 0..2 {
            let page = c.contact().list_contacts().send().await.unwrap();
            assert_eq!(page.contacts.unwrap()[0].given_name.as_deref(), Some("Ada"));
        }
        assert!(!format!("{c:?}").contains(value.trim_start_matches("Bearer ")), "Debug shows a secret");
    }
    let seen = server.seen();
    assert_eq!(seen.len(), 6);
    assert!(seen[..2]
        .iter()
        .all(|s| s.header("x-keap-api-key") == Some("pat-1") && s.header("authorization").is_none()));
    assert!(seen[2..4]
        .iter()
        .all(|s| s.header("authorization") == Some("Bearer pat-2") && s.header("x-keap-api-key").is_none()));
    assert!(seen[4..].iter().all(|s| s.header("authorization") == Some("Bearer token-3")));
}

#[tokio::test]
async fn credentials_never_follow_a_redirect_to_another_host() {
    let elsewhere = serve(|_, _| Reply::json(200, CONTACTS)).await;
    let target = format!("http://localhost:{}/rest/v2/contacts", elsewhere.port);
    let server = serve(move |s, _| {
        if s.target.starts_with("/moved") {
            Reply::json(200, CONTACTS)
        } else if s.target.contains("order_by=same") {
            Reply { status: 302, ..Default::default() }.header("location", "/moved")
        } else {
            Reply { status: 302, ..Default::default() }.header("location", &target)
        }
    })
    .await;
    let clock = FakeClock::new();
    let c = client(&server.url, Auth::api_key("pat-secret"), &clock);
    match c.contact().list_contacts().send().await {
        Err(Error::Api(e)) => assert_eq!(e.status, 302),
        other => panic!("expected the redirect back as an error, got {other:?}"),
    }
    assert!(elsewhere.seen().is_empty(), "the other host was contacted");
    // A redirect on the same host is followed, credentials and all.
    c.contact().list_contacts().order_by("same").send().await.unwrap();
    let moved = server.seen().into_iter().find(|s| s.target == "/moved").unwrap();
    assert_eq!(moved.header("x-keap-api-key"), Some("pat-secret"));
}

/// A Keap-like token endpoint at `/token` and an API accepting only the newest token.
async fn oauth_server(refreshes: Arc<AtomicUsize>, fail: bool) -> mock::Mock {
    serve(move |s, _| {
        if s.target == "/token" {
            let n = refreshes.fetch_add(1, Ordering::SeqCst) + 1;
            if fail {
                return Reply::json(400, r#"{"error":"invalid_grant","error_description":"Invalid refresh token"}"#);
            }
            return Reply::json(
                200,
                &format!(
                    r#"{{"access_token":"at-{n}","refresh_token":"rt-{n}","expires_in":86400,"token_type":"bearer"}}"#
                ),
            );
        }
        let current = format!("Bearer at-{}", refreshes.load(Ordering::SeqCst));
        if s.header("authorization") == Some(current.as_str()) {
            Reply::json(200, CONTACTS)
        } else {
            Reply::json(401, r#"{"code":"401","message":"Invalid Access Token"}"#)
        }
    })
    .await
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_for_a_hundred_concurrent_requests() {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let server = oauth_server(refreshes.clone(), false).await;
    let clock = FakeClock::new();
    let stored = Arc::new(Mutex::new(Vec::new()));
    let store = stored.clone();
    let expired = Tokens::new("at-0", "rt-0", Some(clock.now() - Duration::from_secs(60)));
    let auth = Auth::oauth2("client-id", "client-secret", expired)
        .token_url(format!("{}/token", server.url))
        .on_refresh(move |t| store.lock().unwrap().push(t.clone()));
    let c = Client::builder()
        .base_url(&server.url)
        .auth(auth)
        .clock(clock.clone())
        .quota(Quota::unlimited())
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.contact().list_contacts().send().await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 1, "exactly one refresh");
    let stored = stored.lock().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].access_token.expose(), stored[0].refresh_token.expose()), ("at-1", "rt-1"));
    let token_call = server.seen().into_iter().find(|s| s.target == "/token").unwrap();
    // HTTP Basic with the client credentials, the refresh token in a form body.
    assert_eq!(token_call.header("authorization"), Some("Basic Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQ="));
    assert_eq!(String::from_utf8(token_call.body).unwrap(), "grant_type=refresh_token&refresh_token=rt-0");
}

#[tokio::test]
async fn a_401_refreshes_once_and_resends() {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let server = oauth_server(refreshes.clone(), false).await;
    let clock = FakeClock::new();
    // No expiry known: the first requests go out with the stale token and meet 401s.
    let auth =
        Auth::oauth2("id", "secret", Tokens::new("stale", "rt-0", None)).token_url(format!("{}/token", server.url));
    let c = Client::builder()
        .base_url(&server.url)
        .auth(auth)
        .clock(clock.clone())
        .quota(Quota::unlimited())
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.contact().list_contacts().send().await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_refused_refresh_says_what_to_do() {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let server = oauth_server(refreshes.clone(), true).await;
    let clock = FakeClock::new();
    let auth = Auth::oauth2("id", "secret", Tokens::new("at", "rt-spent", Some(clock.now())))
        .token_url(format!("{}/token", server.url));
    let c = client(&server.url, auth.into(), &clock);
    match c.contact().list_contacts().send().await {
        Err(Error::Auth(e)) => {
            assert_eq!(e.kind(), AuthErrorKind::Refused);
            assert!(e.needs_reauthorization());
            let text = Error::Auth(e).to_string();
            assert!(text.contains("invalid_grant") && text.contains("authorize the app again"), "{text}");
            assert!(!text.contains("rt-spent") && !text.contains("secret"), "{text}");
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 1, "a refusal is not retried");
}

/// A token endpoint at `/token` answering `token(n)` to its `n`th call (from 1), and an API
/// accepting only the access token issued last.
async fn token_server(token: impl Fn(usize) -> Reply + Send + Sync + 'static) -> (mock::Mock, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let issued = Mutex::new(String::from("at-0"));
    let server = serve(move |s, _| {
        if s.target == "/token" {
            let reply = token(counter.fetch_add(1, Ordering::SeqCst) + 1);
            let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap_or_default();
            if let Some(at) = body["access_token"].as_str() {
                *issued.lock().unwrap() = at.to_owned();
            }
            return reply;
        }
        let current = format!("Bearer {}", issued.lock().unwrap());
        if s.header("authorization") == Some(current.as_str()) {
            Reply::json(200, CONTACTS)
        } else {
            Reply::json(401, r#"{"code":"401","message":"Invalid Access Token"}"#)
        }
    })
    .await;
    (server, calls)
}

fn issue(n: usize, expires_in: bool) -> Reply {
    let expiry = if expires_in { r#","expires_in":86400"# } else { "" };
    Reply::json(200, &format!(r#"{{"access_token":"at-{n}","refresh_token":"rt-{n}"{expiry},"token_type":"bearer"}}"#))
}

const INVALID_GRANT: &str = r#"{"error":"invalid_grant","error_description":"Invalid refresh token"}"#;

fn oauth_client(server: &mock::Mock, clock: &Arc<FakeClock>, auth: keap::runtime::OAuth2Builder) -> Client {
    oauth_client_with(server, clock, auth, RetryPolicy::default(), |_| {})
}

fn oauth_client_with(
    server: &mock::Mock,
    clock: &Arc<FakeClock>,
    auth: keap::runtime::OAuth2Builder,
    retry: RetryPolicy,
    on_event: impl Fn(&Event) + Send + Sync + 'static,
) -> Client {
    Client::builder()
        .base_url(&server.url)
        .auth(auth.token_url(format!("{}/token", server.url)))
        .clock(clock.clone())
        .quota(Quota::unlimited())
        .retry(retry)
        .on_event(on_event)
        .build()
        .unwrap()
}

fn expired(clock: &Arc<FakeClock>) -> Tokens {
    Tokens::new("at-0", "rt-0", Some(clock.now() - Duration::from_secs(60)))
}

async fn concurrently(c: &Client, n: usize) -> Vec<Result<(), Error>> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.contact().list_contacts().send().await.map(drop) })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    results
}

#[tokio::test]
async fn a_token_endpoint_blip_is_retried_not_reported_as_refused() {
    let (server, calls) =
        token_server(|n| if n <= 2 { Reply::json(503, "<html>unavailable</html>") } else { issue(n, true) }).await;
    let clock = FakeClock::new();
    let c = oauth_client(&server, &clock, Auth::oauth2("id", "secret", expired(&clock)));
    c.contact().list_contacts().send().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3, "two 503s, then the token");
    assert_eq!(clock.slept.lock().unwrap().len(), 2, "backed off before each retry, on the client's clock");
    assert_eq!(c.tokens().unwrap().refresh_token.expose(), "rt-3");
}

#[tokio::test]
async fn an_unreachable_token_endpoint_is_transient_after_the_retries() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let token_url = format!("http://127.0.0.1:{}/token", closed.local_addr().unwrap().port());
    drop(closed);
    let server = serve(|_, _| Reply::json(200, CONTACTS)).await;
    let clock = FakeClock::new();
    let retry = RetryPolicy { max_retries: 2, ..RetryPolicy::default() };
    let c = Client::builder()
        .base_url(&server.url)
        .auth(Auth::oauth2("id", "secret", expired(&clock)).token_url(token_url))
        .clock(clock.clone())
        .quota(Quota::unlimited())
        .retry(retry)
        .build()
        .unwrap();
    match c.contact().list_contacts().send().await {
        Err(Error::Auth(e)) => {
            assert_eq!(e.kind(), AuthErrorKind::Unavailable);
            assert!(!e.needs_reauthorization());
            let text = e.to_string();
            assert!(text.contains("try again later") && !text.contains("authorize the app again"), "{text}");
        }
        other => panic!("expected a transient auth error, got {other:?}"),
    }
    assert_eq!(clock.slept.lock().unwrap().len(), 2, "1 + 2 retries");
    assert!(server.seen().is_empty(), "no request went out without a token");
    assert_eq!(c.tokens().unwrap().refresh_token.expose(), "rt-0", "the tokens are unchanged");
}

#[tokio::test]
async fn callers_waiting_for_a_failed_refresh_share_its_error() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let token_url = format!("http://127.0.0.1:{}/token", closed.local_addr().unwrap().port());
    drop(closed);
    let server = serve(|_, _| Reply::json(200, CONTACTS)).await;
    let clock = FakeClock::new();
    let c = Client::builder()
        .base_url(&server.url)
        .auth(Auth::oauth2("id", "secret", expired(&clock)).token_url(token_url))
        .clock(clock.clone())
        .quota(Quota::unlimited())
        .retry(RetryPolicy { max_retries: 1, ..RetryPolicy::default() })
        .build()
        .unwrap();
    let results = concurrently(&c, 20).await;
    assert!(results.iter().all(|r| matches!(r, Err(Error::Auth(e)) if e.kind() == AuthErrorKind::Unavailable)));
    // One refresh with its one retry, not twenty in turn.
    assert_eq!(clock.slept.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_refusal_after_a_lost_answer_says_the_token_was_probably_rotated() {
    let (server, calls) =
        token_server(|n| if n == 1 { Reply::dropped() } else { Reply::json(400, INVALID_GRANT) }).await;
    let clock = FakeClock::new();
    let c = oauth_client(&server, &clock, Auth::oauth2("id", "secret", expired(&clock)));
    match c.contact().list_contacts().send().await {
        Err(Error::Auth(e)) => {
            assert_eq!(e.kind(), AuthErrorKind::ProbablyRotated);
            assert!(e.needs_reauthorization());
            let text = e.to_string();
            assert!(text.contains("probably rotated") && text.contains("authorize the app again"), "{text}");
            assert!(!text.contains("rt-0") && !text.contains("secret"), "{text}");
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2, "the lost attempt was retried once, then refused");
}

#[tokio::test]
async fn twenty_callers_make_one_refresh_when_the_answer_has_no_expires_in() {
    let (server, calls) = token_server(|n| issue(n, false)).await;
    let clock = FakeClock::new();
    let c = oauth_client(&server, &clock, Auth::oauth2("id", "secret", expired(&clock)));
    assert!(concurrently(&c, 20).await.iter().all(Result::is_ok));
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one refresh, one rotation");
    let tokens = c.tokens().unwrap();
    assert_eq!((tokens.refresh_token.expose(), tokens.expires_at), ("rt-1", None));
}

#[tokio::test]
async fn one_refresh_is_one_event_however_many_callers_wait() {
    let (server, calls) = token_server(|n| issue(n, true)).await;
    let clock = FakeClock::new();
    let events = Arc::new(AtomicUsize::new(0));
    let count = events.clone();
    let auth = Auth::oauth2("id", "secret", expired(&clock));
    let c = oauth_client_with(&server, &clock, auth, RetryPolicy::default(), move |e| {
        if *e == Event::TokenRefreshed {
            count.fetch_add(1, Ordering::SeqCst);
        }
    });
    assert!(concurrently(&c, 50).await.iter().all(Result::is_ok));
    assert_eq!((calls.load(Ordering::SeqCst), events.load(Ordering::SeqCst)), (1, 1));
}

/// Tokens in memory; the first `failures` saves fail.
#[derive(Default)]
struct MemoryStore {
    tokens: Mutex<Option<Tokens>>,
    saves: Mutex<Vec<String>>,
    failures: AtomicUsize,
}

impl TokenStore for MemoryStore {
    fn load(&self) -> StoreFuture<'_, Option<Tokens>> {
        Box::pin(async move { Ok(self.tokens.lock().unwrap().clone()) })
    }
    fn save<'a>(&'a self, tokens: &'a Tokens) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.saves.lock().unwrap().push(tokens.refresh_token.expose().to_owned());
            if self.failures.load(Ordering::SeqCst) > 0 {
                self.failures.fetch_sub(1, Ordering::SeqCst);
                return Err("disk full".into());
            }
            *self.tokens.lock().unwrap() = Some(tokens.clone());
            Ok(())
        })
    }
}

#[tokio::test]
async fn a_token_store_is_loaded_at_start_and_saved_on_every_rotation() {
    let (server, calls) = token_server(|n| issue(n, true)).await;
    let clock = FakeClock::new();
    let store = Arc::new(MemoryStore { failures: AtomicUsize::new(1), ..MemoryStore::default() });
    *store.tokens.lock().unwrap() = Some(expired(&clock));
    let auth = Auth::oauth2_from_store("id", "secret", store.clone()).await.unwrap();
    let c = oauth_client(&server, &clock, auth);
    c.contact().list_contacts().send().await.unwrap();
    // A day later the token is stale again: a second rotation, saved too.
    clock.sleep(Duration::from_secs(86_400)).await;
    c.contact().list_contacts().send().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(*store.saves.lock().unwrap(), ["rt-1", "rt-1", "rt-2"], "the failed save was retried");
    let stored = store.tokens.lock().unwrap().clone().unwrap();
    assert_eq!(Some(stored), c.tokens());
    assert_eq!(c.tokens().unwrap().access_token.expose(), "at-2");

    let empty = Auth::oauth2_from_store("id", "secret", MemoryStore::default()).await;
    match empty.map(drop) {
        Err(Error::Auth(e)) => assert_eq!(e.kind(), AuthErrorKind::Store),
        other => panic!("expected a store error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_failed_save_is_reported_and_the_new_pair_stays_in_use() {
    let (server, calls) = token_server(|n| issue(n, true)).await;
    let clock = FakeClock::new();
    let store = Arc::new(MemoryStore { failures: AtomicUsize::new(usize::MAX), ..MemoryStore::default() });
    let auth = Auth::oauth2("id", "secret", expired(&clock)).token_store(store.clone());
    let retry = RetryPolicy { max_retries: 2, ..RetryPolicy::default() };
    let c = oauth_client_with(&server, &clock, auth, retry, |_| {});
    match c.contact().list_contacts().send().await {
        Err(Error::Auth(e)) => {
            assert_eq!(e.kind(), AuthErrorKind::Store);
            assert!(!e.needs_reauthorization());
            let text = e.to_string();
            assert!(text.contains("disk full") && text.contains("Client::tokens()"), "{text}");
            assert!(!text.contains("rt-1") && !text.contains("at-1"), "{text}");
        }
        other => panic!("expected a store error, got {other:?}"),
    }
    assert_eq!(store.saves.lock().unwrap().len(), 3, "1 + 2 retries");
    assert_eq!(c.tokens().unwrap().refresh_token.expose(), "rt-1");
    // The new pair is in use: no second refresh.
    c.contact().list_contacts().send().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(server.seen().last().unwrap().header("authorization"), Some("Bearer at-1"));
}

#[test]
fn tokens_serialize_with_the_serde_tokens_feature() {
    let tokens = Tokens::new("at-1", "rt-1", Some(UNIX_EPOCH + Duration::from_secs(1_800_000_000)));
    let json = serde_json::to_value(&tokens).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"access_token": "at-1", "refresh_token": "rt-1", "expires_at": 1_800_000_000u64})
    );
    assert_eq!(serde_json::from_value::<Tokens>(json).unwrap(), tokens);
    let none: Tokens = serde_json::from_str(r#"{"access_token":"a","refresh_token":"r"}"#).unwrap();
    assert_eq!(none.expires_at, None);
}

fn events(clock: &Arc<FakeClock>, base: &str, retry: RetryPolicy) -> (Client, Arc<Mutex<Vec<Event>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let c = Client::builder()
        .base_url(base)
        .auth(Auth::api_key("k"))
        .clock(clock.clone())
        .retry(retry)
        .on_event(move |e| log.lock().unwrap().push(e.clone()))
        .build()
        .unwrap();
    (c, seen)
}

#[tokio::test]
async fn a_429_with_retry_after_waits_that_long() {
    let server = serve(|_, i| {
        if i == 0 {
            Reply::json(429, r#"{"code":"429","message":"Quota Exceeded"}"#).header("Retry-After", "7")
        } else {
            Reply::json(200, CONTACTS)
        }
    })
    .await;
    let clock = FakeClock::new();
    let (c, events) = events(&clock, &server.url, RetryPolicy::default());
    c.contact().list_contacts().send().await.unwrap();
    assert_eq!(clock.slept(), Duration::from_secs(7));
    assert!(events
        .lock()
        .unwrap()
        .contains(&Event::Throttled { operation: "listContacts", retry_after: Some(Duration::from_secs(7)) }));
}

#[tokio::test]
async fn a_429_without_retry_after_waits_for_the_window_the_headers_name() {
    let clock = FakeClock::new();
    let expiry = clock.ms() + 30_000;
    let server = serve(move |_, i| {
        if i == 0 {
            Reply::json(429, r#"{"fault":{"faultstring":"Rate limit quota violation"}}"#)
                .header("x-keap-product-throttle-available", 0)
                .header("x-keap-product-throttle-time-unit", "Minute")
                .header("x-keap-product-throttle-expiry-time", expiry)
        } else {
            Reply::json(200, CONTACTS)
        }
    })
    .await;
    let (c, _) = events(&clock, &server.url, RetryPolicy::default());
    c.contact().list_contacts().send().await.unwrap();
    assert_eq!(clock.slept(), Duration::from_secs(30));
}

#[tokio::test]
async fn a_429_for_the_day_is_that_429_and_later_requests_fail_fast_with_the_reset_time() {
    let server = serve(|_, _| {
        Reply::json(429, r#"{"code":"429","message":"Quota Exceeded"}"#)
            .header("x-keap-product-quota-available", 0)
            .header("x-keap-product-quota-time-unit", "Day")
            .header("x-keap-product-quota-expiry-time", "")
            .header("x-request-id", "req-9")
    })
    .await;
    let clock = FakeClock::new();
    let (c, _) = events(&clock, &server.url, RetryPolicy::default());
    // The request that got the 429 gets the 429: sent, with Keap's body and request id.
    match c.contact().list_contacts().send().await {
        Err(e @ Error::Api(_)) => {
            assert_eq!((e.status(), e.request_id(), e.maybe_sent()), (Some(429), Some("req-9"), true), "{e:?}");
            assert!(e.to_string().contains("Quota Exceeded"), "{e}");
        }
        other => panic!("expected the 429, got {other:?}"),
    }
    assert_eq!(server.seen().len(), 1, "no retry into an exhausted day");
    // The next one is never sent, and says when to try again: not `is_retryable`, which a
    // retry loop would spin on until midnight.
    match c.contact().list_contacts().send().await {
        Err(e @ Error::QuotaExhausted { window: Window::Day, .. }) => {
            let Error::QuotaExhausted { resets_at, .. } = e else { unreachable!() };
            let secs = resets_at.duration_since(UNIX_EPOCH).unwrap().as_secs();
            assert_eq!(secs % 86_400, 0, "resets at 00:00 UTC");
            assert!(resets_at > clock.now());
            assert!(!e.is_retryable() && !e.maybe_sent());
            assert_eq!(e.retry_at(), Some(resets_at));
        }
        other => panic!("expected the day's quota to be exhausted, got {other:?}"),
    }
    assert_eq!(server.seen().len(), 1, "nothing more was sent");
}

#[tokio::test]
async fn a_bare_429_backs_off_and_retries_a_bounded_number_of_times() {
    let server = serve(|_, _| Reply::json(429, r#"{"code":"429","message":"Quota Exceeded","details":null}"#)).await;
    let clock = FakeClock::new();
    let (c, events) = events(&clock, &server.url, RetryPolicy::default());
    match c.contact().create_contact(Default::default()).send().await {
        Err(Error::Api(e)) => {
            assert_eq!(
                (e.status, e.body.code.as_deref(), e.body.message.as_deref()),
                (429, Some("429"), Some("Quota Exceeded"))
            )
        }
        other => panic!("expected a 429 in the end, got {other:?}"),
    }
    // 429 is a rejection: even a POST is resent, 1 + 3 retries.
    assert_eq!(server.seen().len(), 4);
    let retries =
        events.lock().unwrap().iter().filter(|e| matches!(e, Event::Retry { reason: "throttled", .. })).count();
    assert_eq!(retries, 3);
    assert!(clock.slept() >= Duration::from_millis(250 + 500 + 1000), "backoff grows: {:?}", clock.slept());
}

#[tokio::test]
async fn the_budget_drops_to_what_the_server_reports() {
    let clock = FakeClock::new();
    let expiry = clock.ms() + 40_000;
    let server = serve(move |_, _| {
        Reply::json(200, CONTACTS)
            .header("x-keap-tenant-throttle-available", "2|200000")
            .header("x-keap-tenant-throttle-time-unit", "minute|day")
            .header("x-keap-tenant-throttle-expiry-time", format!("{expiry}|"))
    })
    .await;
    let (c, _) = events(&clock, &server.url, RetryPolicy::default());
    c.contact().list_contacts().send().await.unwrap();
    let minute = c.quota().await.unwrap().into_iter().find(|b| b.window == Window::Minute).unwrap();
    assert_eq!((minute.limit, minute.remaining), (Some(120), Some(2)), "another integration is using the account");
    c.contact().list_contacts().send().await.unwrap();
    c.contact().list_contacts().send().await.unwrap();
    assert_eq!(clock.slept(), Duration::ZERO);
    // The server said 2: the fourth request waits for the window the server named.
    c.contact().list_contacts().send().await.unwrap();
    assert!(clock.slept() >= Duration::from_secs(39), "waited {:?}", clock.slept());
}

#[tokio::test]
async fn a_dropped_connection_retries_get_but_never_post() {
    let server = serve(|_, i| if i % 2 == 0 { Reply::dropped() } else { Reply::json(200, CONTACTS) }).await;
    let clock = FakeClock::new();
    let c = client(&server.url, Auth::api_key("k"), &clock);
    c.contact().list_contacts().send().await.unwrap();
    assert_eq!(server.seen().iter().filter(|s| s.method == "GET").count(), 2, "GET was resent");
    match c.contact().create_contact(Default::default()).send().await {
        Err(Error::Transport { operation, .. }) => assert_eq!(operation, "createContact"),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert_eq!(server.seen().iter().filter(|s| s.method == "POST").count(), 1, "a POST must never be sent twice");
}

#[tokio::test]
async fn gateway_errors_are_retried_for_get() {
    let server = serve(|_, i| {
        if i < 2 {
            Reply { status: 503, body: b"<html>busy</html>".to_vec(), ..Default::default() }
        } else {
            Reply::json(200, CONTACTS)
        }
    })
    .await;
    let clock = FakeClock::new();
    let c = client(&server.url, Auth::api_key("k"), &clock);
    c.contact().list_contacts().send().await.unwrap();
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn every_error_shape_decodes() {
    let server = serve(|s, _| match s.target.as_str() {
        t if t.contains("/contacts/400") => {
            Reply::json(400, r#"{"code":400,"message":"Invalid email","details":[{"field":"email_addresses"}]}"#)
        }
        t if t.contains("/contacts/403") => Reply::json(
            403,
            r#"{"fault":{"faultstring":"Invalid ApiKey","detail":{"errorcode":"oauth.v2.InvalidApiKey"}}}"#,
        ),
        t if t.contains("/contacts/502") => {
            Reply { status: 502, body: b"<html><body>Bad Gateway</body></html>".to_vec(), ..Default::default() }
        }
        _ => Reply { status: 404, ..Default::default() },
    })
    .await;
    let clock = FakeClock::new();
    let c = Client::builder().base_url(&server.url).clock(clock.clone()).retry(RetryPolicy::none()).build().unwrap();
    let api = |r: Result<keap::types::Contact, Error>| match r {
        Err(Error::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    };
    let e = api(c.contact().get_contact(keap::ids::Id::new("400")).send().await);
    assert_eq!(
        (e.status, e.body.code.as_deref(), e.body.message.as_deref()),
        (400, Some("400"), Some("Invalid email"))
    );
    assert!(e.body.details.is_some());
    let e = api(c.contact().get_contact(keap::ids::Id::new("403")).send().await);
    assert_eq!(
        (e.body.code.as_deref(), e.body.message.as_deref()),
        (Some("oauth.v2.InvalidApiKey"), Some("Invalid ApiKey"))
    );
    let e = api(c.contact().get_contact(keap::ids::Id::new("502")).send().await);
    assert_eq!(
        (e.status, e.raw.as_str(), e.body.message.as_deref()),
        (502, "<html><body>Bad Gateway</body></html>", None)
    );
    let e = api(c.contact().get_contact(keap::ids::Id::new("404")).send().await);
    assert_eq!((e.status, e.raw.as_str()), (404, ""));
    assert_eq!(e.to_string(), "getContact: HTTP 404");
}

#[tokio::test]
async fn lists_stream_every_item_following_the_tokens() {
    let server = serve(|s, _| {
        let page = |ids: &[&str], next: &str| {
            let contacts: Vec<String> = ids.iter().map(|id| format!(r#"{{"id":"{id}"}}"#)).collect();
            Reply::json(200, &format!(r#"{{"contacts":[{}],"next_page_token":"{next}"}}"#, contacts.join(",")))
        };
        if s.target.contains("page_token=t2") {
            page(&["5"], "")
        } else if s.target.contains("page_token=t1") {
            page(&["3", "4"], "t2")
        } else {
            page(&["1", "2"], "t1")
        }
    })
    .await;
    let clock = FakeClock::new();
    let c = client(&server.url, Auth::api_key("k"), &clock);
    let all = c.contact().list_contacts().page_size(2).items().all().await.unwrap();
    let ids: Vec<_> = all.iter().map(|c| c.id.clone().unwrap()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
    let targets: Vec<String> = server.seen().into_iter().map(|s| s.target).collect();
    assert_eq!(
        targets,
        [
            "/rest/v2/contacts?page_size=2",
            "/rest/v2/contacts?page_size=2&page_token=t1",
            "/rest/v2/contacts?page_size=2&page_token=t2"
        ]
    );
    // Pages one by one, as a stream.
    let mut pages = c.contact().list_contacts().pages();
    let mut count = 0;
    while let Some(page) = pages.next_page().await {
        count += page.unwrap().contacts.unwrap().len();
    }
    assert_eq!(count, 5);
}

#[tokio::test]
async fn a_server_repeating_its_token_does_not_loop_forever() {
    let server = serve(|_, _| Reply::json(200, r#"{"contacts":[{"id":"1"}],"next_page_token":"same"}"#)).await;
    let clock = FakeClock::new();
    let c = client(&server.url, Auth::api_key("k"), &clock);
    let e = c.contact().list_contacts().items().all().await.unwrap_err();
    assert!(matches!(e, Error::Pagination { ref token, .. } if token == "same"), "{e:?}");
    assert_eq!(server.seen().len(), 2, "the first page, then the page behind `same`, which names itself");
}

#[tokio::test]
async fn a_partial_update_sends_a_mask_of_the_fields_set() {
    let server = serve(|_, _| Reply::json(200, r#"{"id":"9"}"#)).await;
    let clock = FakeClock::new();
    let c = client(&server.url, Auth::api_key("k"), &clock);
    let body = keap::types::CreateUpdateContactRequest { given_name: Some("Ada".into()), ..Default::default() };
    c.contact().update_contact(keap::ids::Id::new("9"), body.clone()).send().await.unwrap();
    // Changing the name cannot wipe the email addresses: only `given_name` is in the mask.
    let first = &server.seen()[0];
    assert_eq!((first.method.as_str(), first.target.as_str()), ("PATCH", "/rest/v2/contacts/9?update_mask=given_name"));
    assert_eq!(String::from_utf8(first.body.clone()).unwrap(), r#"{"given_name":"Ada"}"#);
    // An explicit mask wins.
    use keap::types::UpdateContactUpdateMaskItem as Mask;
    c.contact()
        .update_contact(keap::ids::Id::new("9"), body)
        .update_mask([Mask::GivenName, Mask::EmailAddresses])
        .send()
        .await
        .unwrap();
    assert_eq!(server.seen()[1].target, "/rest/v2/contacts/9?update_mask=given_name&update_mask=email_addresses");
}

#[tokio::test]
async fn a_derived_mask_names_only_what_the_mask_accepts() {
    let server = serve(|_, _| Reply::json(200, r#"{"id":"9"}"#)).await;
    let clock = FakeClock::new();
    let c = client(&server.url, Auth::api_key("k"), &clock);
    // Keap's users take `title`, which their `update_mask` enum does not list.
    let body = keap::types::UpdateUserRequest {
        given_name: Some("Ada".into()),
        title: Some("CTO".into()),
        ..Default::default()
    };
    c.users().update_user(keap::ids::Id::new("9"), body).send().await.unwrap();
    assert_eq!(server.seen()[0].target, "/rest/v2/users/9?update_mask=given_name");
}

#[test]
fn responses_decode_whatever_the_server_really_sends() {
    use keap::types::{Contact, EmailAddressField};
    // Numbers where the spec says string, nulls, an unknown enum value, an odd date, extra fields.
    let raw = r#"{"id":1001,"given_name":null,"owner_id":"7","create_time":"2024-03-18 17:00","update_time":1710781200,
        "email_addresses":[{"email":"ada@example.com","field":"EMAIL9","is_opt_in":null,"new_field":true}],"unheard_of":{"x":1}}"#;
    let c: Contact = serde_json::from_str(raw).unwrap();
    assert!(c.id.as_ref().is_some_and(|id| id == "1001"), "{:?}", c.id);
    assert_eq!(c.given_name, None);
    let email = &c.email_addresses.as_ref().unwrap()[0];
    assert_eq!(email.field, Some(EmailAddressField::Unknown("EMAIL9".into())));
    // Encoding gives back what the type knows, unknown enum values verbatim.
    let again: serde_json::Value = serde_json::to_value(&c).unwrap();
    assert_eq!(again["email_addresses"][0]["field"], "EMAIL9");
    assert_eq!(again["owner_id"], "7");
    assert!(again.get("unheard_of").is_none() && again.get("given_name").is_none());
    let back: Contact = serde_json::from_value(again).unwrap();
    assert_eq!(back, c);
    // Dates keep their text and read as the same instant, whichever form they came in.
    let (created, updated) = (c.create_time.unwrap(), c.update_time.unwrap());
    assert_eq!((created.as_str(), updated.as_str()), ("2024-03-18 17:00", "1710781200"));
    assert_eq!(created.parse(), updated.parse());
    assert_eq!(created.parse().unwrap().to_string(), "2024-03-18T17:00:00Z");
    let odd = keap::runtime::DateTime::from("next tuesday");
    assert_eq!((odd.parse(), odd.as_str()), (None, "next tuesday"));
}

#[tokio::test]
async fn a_filter_the_grammar_cannot_express_fails_before_anything_is_sent() {
    use keap::runtime::{Filter, Method, Request};
    let server = serve(|_, _| Reply::json(200, CONTACTS)).await;
    let clock = FakeClock::new();
    let c = client(&server.url, Auth::api_key("k"), &clock);
    let list = |filter: Filter| {
        let mut req = Request::new(Method::GET, "listContacts", "/rest/v2/contacts", "/rest/v2/contacts".into());
        req.filter("filter", &Some(filter.into()));
        c.transport().send_json::<serde_json::Value>(req)
    };
    match list(Filter::new().eq("id", 5).eq("given_name", "O;Brien")).await {
        Err(Error::InvalidRequest(why)) => assert!(why.contains("`given_name==O;Brien`"), "{why}"),
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    assert!(server.seen().is_empty(), "nothing may be sent");
    // What the grammar can carry goes out unaltered.
    list(Filter::new().eq("given_name", "O'Brien").starts_with("email", "a*b")).await.unwrap();
    assert_eq!(server.seen()[0].target, "/rest/v2/contacts?filter=given_name%3D%3DO%27Brien%3Bemail%3D%3Da*b*");
}

#[tokio::test]
async fn clients_of_one_key_in_one_process_share_its_quota() {
    let server = serve(|_, _| Reply::json(200, CONTACTS)).await;
    let clock = FakeClock::new();
    let one_a_second = || keap::runtime::Quota::custom(Some(1), None, None);
    let build = |quota: keap::runtime::Quota| {
        Client::builder().base_url(&server.url).auth(Auth::api_key("shared-key")).clock(clock.clone()).quota(quota)
    };
    let (a, b) = (build(one_a_second()).build().unwrap(), build(one_a_second()).build().unwrap());
    a.contact().list_contacts().send().await.unwrap();
    b.contact().list_contacts().send().await.unwrap();
    assert!(clock.slept() >= Duration::from_secs(1), "b waited for a's second: {:?}", clock.slept());
    // Other limits for the same key would together send more than either allows.
    let e = build(keap::runtime::Quota::custom(Some(5), None, None)).build().unwrap_err();
    assert!(matches!(e, Error::Config(_)) && e.to_string().contains("own_quota"), "{e}");
    // Unless asked to count apart.
    let before = clock.slept();
    let own = build(keap::runtime::Quota::custom(Some(5), None, None)).own_quota().build().unwrap();
    own.contact().list_contacts().send().await.unwrap();
    assert_eq!(clock.slept(), before, "its own quota has room");
    // Another key is another quota.
    let other = Client::builder()
        .base_url(&server.url)
        .auth(Auth::api_key("other-key"))
        .clock(clock.clone())
        .quota(one_a_second())
        .build()
        .unwrap();
    other.contact().list_contacts().send().await.unwrap();
    assert_eq!(clock.slept(), before);
}

#[tokio::test]
async fn the_default_quota_follows_the_credential() {
    async fn limits(c: &Client) -> Vec<Option<u32>> {
        c.quota().await.unwrap().iter().map(|b| b.limit).collect()
    }
    let key = Client::builder().base_url("http://127.0.0.1:9").auth(Auth::api_key("k")).own_quota().build().unwrap();
    assert_eq!(limits(&key).await, [Some(5), Some(120), Some(15_000)], "Keap's key article");
    let tokens = Tokens::new("at", "rt", None);
    let app = Client::builder()
        .base_url("http://127.0.0.1:9")
        .auth(Auth::oauth2("id", "secret", tokens).build())
        .own_quota()
        .build()
        .unwrap();
    assert_eq!(limits(&app).await, [None, Some(1_500), Some(150_000)], "an OAuth2 app's, not a key's");
    assert_eq!(keap::runtime::Quota::default(), keap::runtime::Quota::api_key());
    assert_eq!(keap::runtime::Quota::api_key_raised().limit(keap::runtime::Window::Second), Some(10));
}

mod per_request {
    use super::*;
    use keap::runtime::RequestOptions;

    #[tokio::test]
    async fn a_request_timeout_fires_while_the_clients_does_not() {
        let server = serve(|_, _| Reply::json(200, CONTACTS).after(Duration::from_millis(300))).await;
        let clock = FakeClock::new();
        let c = client(&server.url, Auth::api_key("k"), &clock);
        let quick = RequestOptions::new().timeout(Duration::from_millis(50)).retry(RetryPolicy::none());
        match c.contact().list_contacts().options(quick).send().await {
            Err(Error::Transport { source, .. }) => assert!(source.is_timeout(), "{source}"),
            other => panic!("the request's own 50 ms fired: {other:?}"),
        }
        assert_eq!(server.seen().len(), 1, "RetryPolicy::none() sends once");
        // The next request keeps the client's 60 s, and the same slow answer arrives.
        c.contact().list_contacts().send().await.unwrap();
        // The client's retries otherwise: a timed-out GET is sent again.
        let retried = RequestOptions::new().timeout(Duration::from_millis(50));
        c.contact().list_contacts().options(retried).send().await.unwrap_err();
        assert_eq!(server.seen().len(), 2 + 4, "1 + the client's 3 retries");
    }

    #[tokio::test]
    async fn extra_headers_and_query_parameters_arrive_and_the_credentials_stay() {
        let server = serve(|_, _| Reply::json(200, CONTACTS)).await;
        let clock = FakeClock::new();
        let c = client(&server.url, Auth::api_key("the-key"), &clock);
        let options = RequestOptions::new().header("X-Correlation-Id", "job-42").query("new_param", "a b");
        c.contact().list_contacts().page_size(5).options(options).send().await.unwrap();
        let seen = &server.seen()[0];
        assert_eq!(seen.header("x-correlation-id"), Some("job-42"));
        assert_eq!(seen.header("x-keap-api-key"), Some("the-key"));
        assert_eq!(seen.target, "/rest/v2/contacts?page_size=5&new_param=a%20b");
        // Without options: nothing added.
        c.contact().list_contacts().send().await.unwrap();
        assert_eq!(server.seen()[1].target, "/rest/v2/contacts");
    }

    #[tokio::test]
    async fn overriding_credentials_or_what_the_operation_sets_is_refused_before_sending() {
        let server = serve(|_, _| Reply::json(200, CONTACTS)).await;
        let clock = FakeClock::new();
        let c = client(&server.url, Auth::api_key("the-key"), &clock);
        for (options, named) in [
            (RequestOptions::new().header("X-Keap-API-Key", "another"), "X-Keap-API-Key"),
            (RequestOptions::new().header("authorization", "Bearer x"), "authorization"),
            (RequestOptions::new().header("Accept", "text/html"), "Accept"),
            (RequestOptions::new().header("Content-Length", "0"), "Content-Length"),
            (RequestOptions::new().query("page_size", "1000"), "page_size"),
        ] {
            match c.contact().list_contacts().options(options).send().await {
                Err(e @ Error::InvalidRequest(_)) => {
                    assert!(e.to_string().contains(named) && !e.maybe_sent(), "{e}")
                }
                other => panic!("{named}: expected InvalidRequest, got {other:?}"),
            }
        }
        assert!(server.seen().is_empty(), "nothing may be sent");
    }

    #[tokio::test]
    async fn a_batch_answered_200_with_failed_records_is_an_error_that_lists_them() {
        let server = serve(|_, n| match n {
            0 => Reply::json(200, r#"{"results":{"1":"SUCCESS","2":"CONTACT_NOT_FOUND","3":"DUPLICATE"}}"#),
            _ => Reply::json(200, r#"{"results":{"1":"SUCCESS"}}"#),
        })
        .await;
        let clock = FakeClock::new();
        let c = client(&server.url, Auth::api_key("k"), &clock);
        let ids = || keap::types::ApplyRemoveTagRequest {
            contact_ids: ["1", "2", "3"].into_iter().map(keap::ids::Id::new).collect(),
        };
        match c.tags().apply_tags(keap::ids::Id::new("9"), ids()).send().await {
            Err(Error::PartlyFailed(f)) => {
                assert_eq!(f.failed, [("2".to_string(), "CONTACT_NOT_FOUND".to_string())]);
                assert_eq!(f.succeeded.len(), 2);
            }
            other => panic!("a failed record cannot pass as success: {other:?}"),
        }
        let all = c.tags().apply_tags(keap::ids::Id::new("9"), ids()).send().await.unwrap();
        assert_eq!(all.results.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_file_downloads_as_bytes_or_a_stream_whichever_way_it_is_sent() {
        use keap::runtime::Stream as _;
        let file: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        let raw = file.clone();
        let server = serve(move |seen, _| {
            if seen.target.ends_with("1:data") {
                // As the spec declares it: a JSON string of base64.
                Reply::json(200, r#""aGVsbG8gd29ybGQ=""#)
            } else {
                Reply { status: 200, body: raw.clone(), ..Default::default() }
                    .header("content-type", "application/octet-stream")
            }
        })
        .await;
        let clock = FakeClock::new();
        let c = client(&server.url, Auth::api_key("k"), &clock);
        let bytes: Vec<u8> = c.files().get_file_data_1(keap::ids::Id::new("1")).send().await.unwrap();
        assert_eq!(bytes, b"hello world");
        assert_eq!(c.files().get_file_data_1(keap::ids::Id::new("2")).send().await.unwrap(), file);
        let mut download = c.files().get_file_data_1(keap::ids::Id::new("2")).send_stream().await.unwrap();
        assert_eq!(download.content_length(), Some(100_000));
        let (mut got, mut chunks) = (Vec::new(), 0);
        while let Some(chunk) = download.next_chunk().await {
            got.extend_from_slice(&chunk.unwrap());
            chunks += 1;
        }
        assert_eq!(got, file);
        assert!(chunks >= 1 && download.size_hint().0 == 0);
        let streamed = c.files().get_file_data_1(keap::ids::Id::new("1")).send_stream().await.unwrap();
        assert_eq!(streamed.bytes().await.unwrap(), b"hello world");
    }
}

mod raw_calls {
    use super::*;
    use keap::runtime::Method;

    #[tokio::test]
    async fn a_raw_call_is_paced_by_the_same_quota_as_typed_calls_and_carries_the_key() {
        let server = serve(|seen, _| match seen.method.as_str() {
            "POST" => Reply::json(201, r#"{"id":"7","name":"new"}"#),
            _ => Reply::json(200, CONTACTS),
        })
        .await;
        let clock = FakeClock::new();
        let c = Client::builder()
            .base_url(&server.url)
            .auth(Auth::api_key("raw-key"))
            .clock(clock.clone())
            .quota(Quota::custom(Some(1), None, None))
            .own_quota()
            .build()
            .unwrap();
        c.contact().list_contacts().send().await.unwrap();
        let made = c
            .raw(Method::POST, "/rest/v2/new_things")
            .query("mode", "a b")
            .json(&serde_json::json!({"name": "new"}))
            .send_json::<std::collections::BTreeMap<String, String>>()
            .await
            .unwrap();
        assert_eq!((made.status(), made.body()["id"].as_str()), (201, "7"));
        assert!(clock.slept() >= Duration::from_secs(1), "the raw call waited for the typed call's second");
        let value = c.raw(Method::GET, "/rest/v2/contacts").send_value().await.unwrap();
        assert_eq!(value.body()["contacts"][0]["given_name"], "Ada");
        assert!(clock.slept() >= Duration::from_secs(2));
        let seen = server.seen();
        assert_eq!(seen[1].target, "/rest/v2/new_things?mode=a%20b");
        assert_eq!(seen[1].header("x-keap-api-key"), Some("raw-key"));
        assert_eq!(seen[1].body, br#"{"name":"new"}"#);
    }

    #[tokio::test]
    async fn a_raw_write_is_not_repeated_and_its_errors_are_typed() {
        let server = serve(|_, _| Reply::json(503, r#"{"message":"busy"}"#)).await;
        let clock = FakeClock::new();
        let c = client(&server.url, Auth::api_key("k"), &clock);
        let e = c.raw(Method::POST, "/rest/v2/things").form("a", "1").send_value().await.unwrap_err();
        assert_eq!(e.status(), Some(503));
        assert_eq!(server.seen().len(), 1, "a POST that reached Keap is never sent twice");
        assert_eq!(server.seen()[0].body, b"a=1");
        c.raw(Method::GET, "/rest/v2/things").send_text().await.unwrap_err();
        assert_eq!(server.seen().len(), 1 + 4, "a GET is retried by the client's policy");
        for bad in ["rest/v2/x", "/rest/v2/x?a=1", "/rest/../v1/x", "https://evil.example/x", "/a b"] {
            match c.raw(Method::GET, bad).send_value().await {
                Err(e @ Error::InvalidRequest(_)) => assert!(e.to_string().contains("nothing was sent"), "{e}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert_eq!(server.seen().len(), 5);
    }
}

mod interceptors {
    use super::*;
    use keap::runtime::{AfterAttempt, BeforeAttempt, Interceptor, InterceptorFuture, RequestOptions};

    /// Records what it sees, adds a correlation header, and can be told to misbehave.
    #[derive(Clone, Default)]
    struct Recorder {
        seen: Arc<Mutex<Vec<String>>>,
        set_key: bool,
        panic: bool,
        hang: bool,
    }

    impl Interceptor for Recorder {
        fn before_attempt<'a>(&'a self, a: &'a mut BeforeAttempt) -> InterceptorFuture<'a> {
            Box::pin(async move {
                assert!(!self.panic, "interceptor bug");
                if self.hang {
                    std::future::pending::<()>().await;
                }
                self.seen.lock().unwrap().push(format!("before {} {} #{}", a.operation, a.method, a.attempt));
                a.headers.insert("x-correlation-id", format!("corr-{}", a.attempt).parse().unwrap());
                // Removing the key is not possible (it is not in the map); replacing it is refused.
                a.headers.remove("x-keap-api-key");
                if self.set_key {
                    a.headers.insert("x-keap-api-key", "stolen".parse().unwrap());
                }
                Ok(())
            })
        }

        fn after_attempt<'a>(&'a self, a: &'a AfterAttempt) -> InterceptorFuture<'a> {
            Box::pin(async move {
                self.seen.lock().unwrap().push(format!("after #{} {:?}", a.attempt, a.status));
                Ok(())
            })
        }
    }

    fn built(server: &mock::Mock, clock: &Arc<FakeClock>, recorder: Recorder) -> Client {
        Client::builder()
            .base_url(&server.url)
            .auth(Auth::api_key("the-key"))
            .clock(clock.clone())
            .interceptor(recorder)
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn an_interceptor_sees_every_attempt_in_order_and_cannot_touch_the_key() {
        let server = serve(|_, n| if n == 0 { Reply::json(503, "{}") } else { Reply::json(200, CONTACTS) }).await;
        let clock = FakeClock::new();
        let recorder = Recorder::default();
        let c = built(&server, &clock, recorder.clone());
        c.contact().list_contacts().send().await.unwrap();
        assert_eq!(
            *recorder.seen.lock().unwrap(),
            ["before listContacts GET #1", "after #1 Some(503)", "before listContacts GET #2", "after #2 Some(200)",]
        );
        let seen = server.seen();
        assert_eq!(seen[0].header("x-correlation-id"), Some("corr-1"));
        assert_eq!(seen[1].header("x-correlation-id"), Some("corr-2"));
        assert!(seen.iter().all(|s| s.header("x-keap-api-key") == Some("the-key")), "the key is always sent");
    }

    #[tokio::test]
    async fn an_interceptor_that_sets_the_key_panics_or_hangs_stops_the_request_with_its_own_error() {
        let server = serve(|_, _| Reply::json(200, CONTACTS)).await;
        let clock = FakeClock::new();
        let quick = || RequestOptions::new().timeout(Duration::from_millis(100));
        for (recorder, expected) in [
            (Recorder { set_key: true, ..Default::default() }, "x-keap-api-key"),
            (Recorder { panic: true, ..Default::default() }, "panicked: interceptor bug"),
            (Recorder { hang: true, ..Default::default() }, "did not finish within 100 ms"),
        ] {
            let c = built(&server, &clock, recorder);
            let call = c.contact().list_contacts().options(quick()).send();
            match tokio::time::timeout(Duration::from_secs(10), call).await.expect("never a hang") {
                Err(e @ Error::Interceptor { .. }) => {
                    assert!(e.to_string().contains(expected) && e.to_string().contains("before_attempt"), "{e}");
                    assert!(!e.maybe_sent());
                }
                other => panic!("{expected}: {other:?}"),
            }
        }
        assert!(server.seen().is_empty(), "nothing was sent");
    }
}

mod streamed_uploads {
    use super::*;
    use keap::runtime::FilePart;

    fn stream_of(
        chunks: Vec<&'static [u8]>,
    ) -> impl keap::runtime::Stream<Item = std::io::Result<keap::runtime::Bytes>> + Send {
        struct Chunks(std::collections::VecDeque<&'static [u8]>);
        impl keap::runtime::Stream for Chunks {
            type Item = std::io::Result<keap::runtime::Bytes>;
            fn poll_next(
                mut self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Self::Item>> {
                std::task::Poll::Ready(self.0.pop_front().map(|c| Ok(keap::runtime::Bytes::from_static(c))))
            }
        }
        Chunks(chunks.into())
    }

    #[tokio::test]
    async fn a_file_on_disk_and_a_stream_arrive_intact_and_a_stream_is_sent_once() {
        let server = serve(|_, n| match n {
            0 | 1 => Reply::json(201, r#"{"id":"77"}"#),
            _ => Reply::json(503, "{}"),
        })
        .await;
        let clock = FakeClock::new();
        let c = client(&server.url, Auth::api_key("k"), &clock);
        let content: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
        let path = std::env::temp_dir().join(format!("keap-upload-{}.bin", std::process::id()));
        std::fs::write(&path, &content).unwrap();
        let file = FilePart::from_path(&path).unwrap();
        assert_eq!(file.len(), 300_000);
        c.files().create_file(file, "CONTACT", "a.bin").send().await.unwrap();
        let streamed = FilePart::from_stream("s.txt", 11, stream_of(vec![b"hello ", b"world"]));
        c.files().create_file(streamed, "CONTACT", "s.txt").send().await.unwrap();
        let seen = server.seen();
        let framed = |i: usize| {
            let ct = seen[i].header("content-type").unwrap();
            let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap().to_string();
            assert_eq!(seen[i].header("content-length").unwrap().parse::<usize>().unwrap(), seen[i].body.len());
            (boundary, seen[i].body.clone())
        };
        let (boundary, body) = framed(0);
        let head = b"filename=\"keap-upload-";
        let at = body.windows(head.len()).position(|w| w == head).expect("the file part");
        let start = at + body[at..].windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        assert_eq!(&body[start..start + content.len()], &content[..], "the file arrived intact");
        assert_eq!(&body[start + content.len()..start + content.len() + 2], b"\r\n");
        assert!(body.ends_with(format!("--{boundary}--\r\n").as_bytes()));
        let (_, body) = framed(1);
        assert!(String::from_utf8_lossy(&body)
            .contains("filename=\"s.txt\"\r\nContent-Type: application/octet-stream\r\n\r\nhello world\r\n"));

        // A stream shorter than announced fails the request instead of sending a short file.
        let short = FilePart::from_stream("x", 100, stream_of(vec![b"abc"]));
        let e = c.files().create_file(short, "CONTACT", "x").send().await.unwrap_err();
        assert!(matches!(e, Error::Transport { .. }), "{e}");
        // A path that is not there is an error naming it.
        std::fs::remove_file(&path).unwrap();
        assert!(FilePart::from_path(&path).unwrap_err().to_string().contains("keap-upload-"));
    }
}
