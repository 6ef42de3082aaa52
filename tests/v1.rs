//! Keap's REST v1 beside v2 in one `keap::Client`, against scripted servers on 127.0.0.1:
//! one quota for both, v1 lists paged by offset to their `count` (never following `next`),
//! v1's dates and error bodies, and request bodies that carry only what was set.

#[path = "fake_clock.rs"]
mod fake_clock;

use fake_clock::FakeClock;
use keap::{Auth, Client, Error, Quota, RetryPolicy};
use keapgen_tests::mock;
use mock::{serve, Reply, Seen};
use std::sync::Arc;

fn client(base: &str, clock: &Arc<FakeClock>, quota: Quota) -> Client {
    Client::builder()
        .base_url(base)
        .auth(Auth::api_key("v1-test-key"))
        .clock(clock.clone())
        .quota(quota)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// The query parameter `name` of a request target.
fn query<'s>(seen: &'s Seen, name: &str) -> Option<&'s str> {
    let (_, q) = seen.target.split_once('?')?;
    q.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
}

#[tokio::test]
async fn v1_and_v2_calls_draw_from_one_quota() {
    let clock = FakeClock::new();
    let arrivals = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (log, at) = (arrivals.clone(), clock.clone());
    let server = serve(move |seen, _| {
        log.lock().unwrap().push((at.ms(), seen.target.clone()));
        if seen.target.starts_with("/rest/v1/") {
            Reply::json(
                200,
                r#"[{"eventKey":"contact.add","hookUrl":"https://example.com/h","key":"7","status":"Verified"}]"#,
            )
        } else {
            Reply::json(200, r#"{"id":"1","given_name":"Ada"}"#)
        }
    })
    .await;
    // Two a second, for the credential: v1 and v2 alike.
    let c = client(&server.url, &clock, Quota::custom(Some(2), None, None));
    for i in 0..8 {
        if i % 2 == 0 {
            c.v1().rest_hooks().list_stored_hook_subscriptions().send().await.unwrap();
        } else {
            c.contact().get_contact(keap::ids::Id::new("1")).send().await.unwrap();
        }
    }
    let arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 8);
    assert_eq!(arrivals.iter().filter(|(_, t)| t.starts_with("/rest/v1/hooks")).count(), 4);
    // No second, wherever it starts, holds more than two requests of either API.
    for (start, _) in &arrivals {
        let within = arrivals.iter().filter(|(t, _)| *t >= *start && *t < start + 1000).count();
        assert!(within <= 2, "{within} requests within a second from {start}: {arrivals:?}");
    }
    // Eight requests at two a second: the last goes out three seconds after the first.
    assert!(arrivals[7].0 - arrivals[0].0 >= 3000, "{arrivals:?}");
}

/// A v1 contact list of `total` contacts that pages by `offset`, at most `cap` per page,
/// whose `next` links name `elsewhere`.
fn contact_pages(total: usize, cap: usize, elsewhere: String) -> impl Fn(&Seen, usize) -> Reply + Send + Sync {
    move |seen, _| {
        let offset: usize = query(seen, "offset").map_or(0, |o| o.parse().unwrap());
        let limit: usize = query(seen, "limit").map_or(1000, |l| l.parse().unwrap());
        let end = (offset + limit.min(cap)).min(total);
        let contacts: Vec<String> = (offset..end)
            .map(|i| format!(r#"{{"id":{i},"given_name":"c{i}","date_created":"2021-10-14T00:22:57.000+0000"}}"#))
            .collect();
        let next = format!("{elsewhere}/crm/rest/v1/contacts/?limit={limit}&offset={end}");
        Reply::json(200, &format!(r#"{{"contacts":[{}],"count":{total},"next":"{next}"}}"#, contacts.join(",")))
    }
}

#[tokio::test]
async fn v1_lists_page_by_offset_to_their_count_and_never_follow_next() {
    let elsewhere = serve(|_, _| Reply::json(200, r#"{"contacts":[],"count":0}"#)).await;
    let server = serve(contact_pages(5, 1000, elsewhere.url.clone())).await;
    let clock = FakeClock::new();
    let c = client(&server.url, &clock, Quota::unlimited());
    let all = c.v1().contact().list_contacts().limit(2).items().all().await.unwrap();
    let ids: Vec<Option<i64>> = all.iter().map(|c| c.id).collect();
    assert_eq!(ids, [0, 1, 2, 3, 4].map(Some));
    let seen = server.seen();
    let offsets: Vec<Option<&str>> = seen.iter().map(|s| query(s, "offset")).collect();
    // Three pages; the third holds the last item, so no fourth request is spent.
    assert_eq!(offsets, [None, Some("2"), Some("4")], "{seen:?}");
    assert!(seen.iter().all(|s| s.target.starts_with("/rest/v1/contacts")));
    assert!(seen.iter().all(|s| s.header("x-keap-api-key") == Some("v1-test-key")));
    assert!(elsewhere.seen().is_empty(), "a request followed the `next` link to another host");
}

#[tokio::test]
async fn a_page_the_server_cut_short_is_not_the_last() {
    // Asked for 100 a page, the server sends 2: the count says more are there.
    let elsewhere = serve(|_, _| Reply::json(500, "{}")).await;
    let server = serve(contact_pages(5, 2, elsewhere.url.clone())).await;
    let clock = FakeClock::new();
    let c = client(&server.url, &clock, Quota::unlimited());
    let all = c.v1().contact().list_contacts().limit(100).items().all().await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(server.seen().len(), 3);
    assert!(elsewhere.seen().is_empty());
}

#[tokio::test]
async fn v1_dates_with_offsets_without_a_colon_decode_and_parse() {
    let server = serve(contact_pages(1, 1000, "https://api.infusionsoft.com".into())).await;
    let clock = FakeClock::new();
    let c = client(&server.url, &clock, Quota::unlimited());
    let page = c.v1().contact().list_contacts().send().await.unwrap();
    let contact = &page.contacts.unwrap()[0];
    let created = contact.date_created.as_ref().expect("date_created decodes");
    assert_eq!(created.as_str(), "2021-10-14T00:22:57.000+0000", "kept as sent");
    let t = created.parse().expect("+0000 parses");
    assert_eq!((t.unix_seconds(), t.offset_minutes()), (1_634_170_977, 0));
}

#[tokio::test]
async fn a_v1_error_body_with_only_a_message_is_an_api_error_with_that_message() {
    let server = serve(|_, _| Reply::json(404, r#"{"message":"Contact with id 9 not found"}"#)).await;
    let clock = FakeClock::new();
    let c = client(&server.url, &clock, Quota::unlimited());
    let e = c.v1().contact().get_contact(keap::ids::NumId::new(9)).send().await.unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    match &e {
        Error::Api(api) => {
            assert_eq!(api.status, 404);
            assert_eq!(api.body.message.as_deref(), Some("Contact with id 9 not found"));
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
    assert!(e.to_string().contains("Contact with id 9 not found"), "{e}");
}

#[tokio::test]
async fn a_v1_body_carries_only_the_fields_set() {
    let server = serve(|seen, _| {
        if seen.target.starts_with("/rest/v1/hooks") {
            Reply::json(
                200,
                r#"{"eventKey":"contact.add","hookUrl":"https://example.com/h","key":"17","status":"Unverified"}"#,
            )
        } else {
            Reply::json(200, r#"{"id":5,"given_name":"Ada"}"#)
        }
    })
    .await;
    let clock = FakeClock::new();
    let c = client(&server.url, &clock, Quota::unlimited());
    let body = keap::v1::types::CreateAHookSubscriptionBody {
        event_key: Some("contact.add".into()),
        hook_url: Some("https://example.com/h".into()),
        ..Default::default()
    };
    let hook = c.v1().rest_hooks().create_a_hook_subscription(body).send().await.unwrap();
    assert_eq!(hook.key.as_deref(), Some("17"));
    // A partial update of a v1 contact: one field set, one field on the wire.
    let update =
        keap::v1::types::UpdatePropertiesOnContactBody { given_name: Some("Ada".into()), ..Default::default() };
    c.v1().contact().update_properties_on_contact(keap::ids::NumId::new(5)).body(update).send().await.unwrap();
    let seen = server.seen();
    let hook_body: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(hook_body, serde_json::json!({"eventKey": "contact.add", "hookUrl": "https://example.com/h"}));
    assert_eq!(seen[0].target, "/rest/v1/hooks");
    let patch_body: serde_json::Value = serde_json::from_slice(&seen[1].body).unwrap();
    assert_eq!(patch_body, serde_json::json!({"given_name": "Ada"}));
    assert!(seen[1].target.starts_with("/rest/v1/contacts/5?"), "{}", seen[1].target);
    // The mask is derived from what was set, as for v2.
    assert_eq!(query(&seen[1], "update_mask"), Some("given_name"), "{}", seen[1].target);
}

#[tokio::test]
async fn v1_fields_the_schema_lacks_are_kept() {
    // Keap's v1 `Appointment` schema declares no `id`; the answers carry one.
    let server = serve(|_, _| {
        Reply::json(
            200,
            r#"{"appointments":[{"id":42,"title":"Call","start_date":"2026-01-05T10:00:00.000+0000","end_date":"2026-01-05T10:30:00.000+0000","last_updated_utc_millis":1767607200000}],"count":1}"#,
        )
    })
    .await;
    let clock = FakeClock::new();
    let c = client(&server.url, &clock, Quota::unlimited());
    let all = c.v1().appointment().list_appointments().contact_id(7).items().all().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].title, "Call");
    assert_eq!(all[0].additional_properties.get("id"), Some(&serde_json::json!(42)));
    assert_eq!(all[0].additional_properties.get("last_updated_utc_millis"), Some(&serde_json::json!(1767607200000u64)));
    assert_eq!(query(&server.seen()[0], "contact_id"), Some("7"));
}
