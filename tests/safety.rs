//! "No silent failures", through the generated `keap` crate against scripted servers on
//! 127.0.0.1: updates that would wipe data are refused, lists never end early, errors can
//! be told apart, and what the server sends never turns into made-up values.

#[path = "fake_clock.rs"]
mod fake_clock;

use fake_clock::FakeClock;
use keap::runtime::Clock;
use keap::types::{CreateUpdateContactRequest, UpdateContactUpdateMaskItem};
use keap::{Auth, Client, Error, RetryPolicy};
use keapgen_tests::mock;
use mock::{serve, Reply};
use std::time::Duration;

fn client(base: &str, retry: RetryPolicy) -> Client {
    let clock = FakeClock::new();
    Client::builder().base_url(base).auth(Auth::api_key("k")).clock(clock).retry(retry).build().unwrap()
}

const CONTACT: &str = r#"{"id":"7","given_name":"Ada"}"#;

fn query(target: &str) -> Vec<(String, String)> {
    let q = target.split_once('?').map_or("", |(_, q)| q);
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[tokio::test]
async fn an_update_that_sets_nothing_is_refused_and_never_sent() {
    let server = serve(|_, _| Reply::json(200, CONTACT)).await;
    let c = client(&server.url, RetryPolicy::none());
    let e = c
        .contact()
        .update_contact(keap::ids::Id::new("7"), CreateUpdateContactRequest::default())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidRequest(_)), "{e:?}");
    assert!(e.to_string().contains("nothing to update"), "{e}");
    assert!(!e.maybe_sent());
    // An explicit empty mask would go out without one just the same.
    let e = c
        .contact()
        .update_contact(
            keap::ids::Id::new("7"),
            CreateUpdateContactRequest { given_name: Some("Ada".into()), ..Default::default() },
        )
        .update_mask(Vec::<UpdateContactUpdateMaskItem>::new())
        .send()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("the explicit `update_mask` is empty"), "{e}");
    assert!(server.seen().is_empty(), "a PATCH without a mask replaces the whole contact");
    // Unless asked for by name.
    c.contact()
        .update_contact(keap::ids::Id::new("7"), CreateUpdateContactRequest::default())
        .replace_whole_record()
        .send()
        .await
        .unwrap();
    assert_eq!(server.seen()[0].target, "/rest/v2/contacts/7");
}

#[tokio::test]
async fn clearing_a_field_masks_it_without_sending_a_value() {
    let server = serve(|_, _| Reply::json(200, CONTACT)).await;
    let c = client(&server.url, RetryPolicy::none());
    let change = CreateUpdateContactRequest { given_name: Some("Ada".into()), ..Default::default() };
    c.contact()
        .update_contact(keap::ids::Id::new("7"), change.clone())
        .clear_fields([UpdateContactUpdateMaskItem::MiddleName])
        .send()
        .await
        .unwrap();
    // Only a clear is fine too.
    c.contact()
        .update_contact(keap::ids::Id::new("7"), CreateUpdateContactRequest::default())
        .clear_fields([UpdateContactUpdateMaskItem::MiddleName])
        .send()
        .await
        .unwrap();
    let seen = server.seen();
    let masks: Vec<Vec<String>> = seen
        .iter()
        .map(|s| query(&s.target).into_iter().filter(|(k, _)| k == "update_mask").map(|(_, v)| v).collect())
        .collect();
    assert_eq!(masks, [vec!["given_name", "middle_name"], vec!["middle_name"]]);
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(body, serde_json::json!({"given_name": "Ada"}), "a cleared field is not sent");
    // Set and cleared at once is a contradiction.
    let e = c
        .contact()
        .update_contact(keap::ids::Id::new("7"), change)
        .clear_fields([UpdateContactUpdateMaskItem::GivenName])
        .send()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("both set and cleared"), "{e}");
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn empty_path_parameters_are_refused_before_sending() {
    let server = serve(|_, _| Reply::json(200, CONTACT)).await;
    let c = client(&server.url, RetryPolicy::none());
    for id in ["", "  "] {
        let e = c.contact().get_contact(keap::ids::Id::new(id)).send().await.unwrap_err();
        assert!(matches!(e, Error::InvalidRequest(_)), "{e:?}");
        assert!(e.to_string().contains("`contact_id` is empty"), "{e}");
    }
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn a_failed_page_is_yielded_and_retried_and_the_list_completes() {
    let server = serve(|s, _| {
        if s.target.contains("page_token=p2") && !s.target.contains("retry") {
            // The first ask for page two fails, later ones succeed.
            static FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
            if !FAILED.swap(true, std::sync::atomic::Ordering::SeqCst) {
                return Reply::json(500, r#"{"code":500,"message":"boom"}"#);
            }
            return Reply::json(200, r#"{"contacts":[{"id":"3"}],"next_page_token":""}"#);
        }
        Reply::json(200, r#"{"contacts":[{"id":"1"},{"id":"2"}],"next_page_token":"p2"}"#)
    })
    .await;
    let c = client(&server.url, RetryPolicy::none());
    let mut items = c.contact().list_contacts().items();
    let mut ids = Vec::new();
    let mut errors = 0;
    for _ in 0..10 {
        match items.next_item().await {
            Some(Ok(contact)) => ids.push(contact.id.unwrap().into_string()),
            Some(Err(e)) => {
                errors += 1;
                assert_eq!(e.status(), Some(500));
                assert_eq!(items.resume(), keap::runtime::Resume::From("p2"), "resume where it failed");
            }
            None => break,
        }
    }
    assert_eq!((ids, errors), (vec!["1".to_string(), "2".into(), "3".into()], 1));
}

#[tokio::test]
async fn page_tokens_that_cycle_end_in_an_error_not_a_loop() {
    // x, y, x, y, ...
    let server = serve(|s, _| {
        let next = if s.target.contains("page_token=x") { "y" } else { "x" };
        Reply::json(200, &format!(r#"{{"contacts":[{{"id":"1"}}],"next_page_token":"{next}"}}"#))
    })
    .await;
    let c = client(&server.url, RetryPolicy::none());
    let mut pages = c.contact().list_contacts().pages();
    let mut outcome = Vec::new();
    for _ in 0..20 {
        match pages.next_page().await {
            Some(Ok(_)) => outcome.push("page"),
            Some(Err(e)) => {
                assert!(matches!(e, Error::Pagination { ref token, .. } if token == "x"), "{e:?}");
                outcome.push("error");
            }
            None => break,
        }
    }
    assert_eq!(outcome, ["page", "page", "page", "error"]);
    assert_eq!(server.seen().len(), 3, "no page is fetched twice");
    assert!(c.contact().list_contacts().items().all().await.is_err(), "all() reports it too");
}

#[tokio::test]
async fn errors_can_be_classified_without_reqwest() {
    let server = serve(|s, _| match s.target.as_str() {
        t if t.contains("/contacts/404") => {
            Reply::json(404, r#"{"code":404,"message":"not found"}"#).header("x-request-id", "req-404")
        }
        t if t.contains("/contacts/429") => Reply::json(429, r#"{"code":"429","message":"Quota Exceeded"}"#),
        t if t.contains("/contacts/drop") => Reply::dropped(),
        _ => Reply::json(200, CONTACT),
    })
    .await;
    let c = client(&server.url, RetryPolicy::none());
    let e = c.contact().get_contact(keap::ids::Id::new("404")).send().await.unwrap_err();
    assert!(e.is_not_found() && !e.is_retryable() && !e.is_throttled() && e.maybe_sent());
    assert_eq!(e.request_id(), Some("req-404"));
    assert!(e.to_string().contains("req-404"), "the request id is in the message: {e}");
    let e = c.contact().get_contact(keap::ids::Id::new("429")).send().await.unwrap_err();
    assert!(e.is_throttled() && e.is_retryable() && !e.is_not_found());
    // A dropped connection after the request went out: it may have been acted on.
    let e = c.contact().create_contact(Default::default()).send().await;
    assert!(e.is_ok());
    let e = c.contact().get_contact(keap::ids::Id::new("drop")).send().await.unwrap_err();
    assert!(e.is_retryable() && e.maybe_sent(), "{e:?}");
    // Nothing listens here: nothing was sent.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let e =
        client(&closed, RetryPolicy::none()).contact().get_contact(keap::ids::Id::new("1")).send().await.unwrap_err();
    assert!(e.is_retryable() && !e.maybe_sent() && !e.is_auth(), "{e:?}");
    // The cause shows once: in `Display`, not again as a `source()`.
    assert!(std::error::Error::source(&e).is_none());
    let text = e.to_string();
    assert!(text.starts_with("getContact: request failed: "), "{text}");
    let e = client(&server.url, RetryPolicy::none())
        .contact()
        .get_contact(keap::ids::Id::new(""))
        .send()
        .await
        .unwrap_err();
    assert!(!e.maybe_sent() && !e.is_retryable());
}

#[tokio::test]
async fn a_success_keeps_its_status_headers_and_request_id() {
    let server = serve(|_, _| Reply::json(201, CONTACT).header("x-request-id", "abc-123")).await;
    let c = client(&server.url, RetryPolicy::none());
    let r = c.contact().create_contact(Default::default()).send_with_response().await.unwrap();
    assert_eq!(
        (r.status(), r.request_id(), r.header("Content-Type")),
        (201, Some("abc-123"), Some("application/json"))
    );
    assert_eq!(r.into_inner().given_name.as_deref(), Some("Ada"));
}

#[tokio::test]
async fn null_items_in_lists_are_skipped_never_invented_or_fatal() {
    let body =
        r#"{"id":"7","email_addresses":[null,{"email":"ada@example.com"}],"tag_ids":[null,7],"phone_numbers":[null]}"#;
    let server = serve(move |_, _| Reply::json(200, body)).await;
    let c = client(&server.url, RetryPolicy::none());
    let contact = c.contact().get_contact(keap::ids::Id::new("7")).send().await.unwrap();
    let emails = contact.email_addresses.unwrap();
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].email.as_deref(), Some("ada@example.com"));
    let tags: Vec<_> = contact.tag_ids.unwrap().into_iter().map(|id| id.into_string()).collect();
    assert_eq!(tags, ["7"], "no id `null` made up");
    assert!(contact.phone_numbers.unwrap().is_empty());
}

#[test]
fn integer_enums_are_typed_and_tolerant() {
    use keap::types::CreateTaskRequestRemindTimeMins as Remind;
    let task: keap::types::Task = serde_json::from_str(r#"{"remind_time_mins":5}"#).unwrap();
    assert_eq!(task.remind_time_mins, Some(keap::types::TaskRemindTimeMins::V5));
    assert_eq!(serde_json::to_string(&Remind::V30).unwrap(), "30");
    assert_eq!(Remind::from(7), Remind::Unknown(7));
    assert_eq!("15".parse::<Remind>().unwrap(), Remind::V15);
    let t: keap::types::CreateTaskRequest = serde_json::from_str(r#"{"remind_time_mins":"60"}"#).unwrap();
    assert_eq!(t.remind_time_mins, Some(Remind::V60));
    let t: keap::types::CreateTaskRequest = serde_json::from_str(r#"{"remind_time_mins":7}"#).unwrap();
    assert_eq!(t.remind_time_mins, Some(Remind::Unknown(7)), "a value the spec does not list is kept");
    // Text that is no number is kept in the error, never read as `None`.
    let e = serde_json::from_str::<keap::types::CreateTaskRequest>(r#"{"remind_time_mins":"soon"}"#).unwrap_err();
    assert!(e.to_string().starts_with("at `remind_time_mins`: `soon` is not a number"), "{e}");
}

#[test]
fn what_users_match_on_is_at_the_crate_root() {
    let window: keap::Window = keap::Window::Minute;
    let secret = keap::Secret::new("s");
    let file = keap::FilePart::new("a.txt", b"x".to_vec());
    let event = keap::Event::TokenRefreshed;
    let _: Option<keap::Response<()>> = None;
    assert!(format!("{window} {secret:?} {file:?} {event:?}").contains("[redacted]"));
}

#[tokio::test]
async fn a_long_retry_after_fails_fast_instead_of_freezing_the_client() {
    let server = serve(|_, i| {
        if i == 0 {
            Reply::json(429, r#"{"code":"429","message":"Quota Exceeded"}"#)
                .header("retry-after", "3600")
                .header("x-request-id", "r-429")
        } else {
            Reply::json(200, CONTACT)
        }
    })
    .await;
    let clock = FakeClock::new();
    let c = Client::builder().base_url(&server.url).auth(Auth::api_key("k")).clock(clock.clone()).build().unwrap();
    let start = clock.now();
    // The request that got the 429 fails with it: status and request id kept.
    let e = c.contact().get_contact(keap::ids::Id::new("1")).send().await.unwrap_err();
    assert!(e.is_throttled() && e.maybe_sent() && e.status() == Some(429), "{e:?}");
    assert_eq!(e.request_id(), Some("r-429"));
    // Every later request of the client keeps to the pause, failing fast until it ends.
    match c.contact().get_contact(keap::ids::Id::new("2")).send().await {
        Err(Error::QuotaExhausted { resets_at, .. }) => assert_eq!(resets_at, start + Duration::from_secs(3600)),
        other => panic!("expected QuotaExhausted, got {other:?}"),
    }
    assert_eq!(clock.now(), start, "nothing slept through the hour");
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn retry_after_holds_for_the_next_request_even_without_retries() {
    let server = serve(|_, i| {
        if i == 0 {
            Reply::json(429, r#"{"code":"429"}"#).header("retry-after", "5")
        } else {
            Reply::json(200, CONTACT)
        }
    })
    .await;
    let clock = FakeClock::new();
    let c = Client::builder()
        .base_url(&server.url)
        .auth(Auth::api_key("k"))
        .clock(clock.clone())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let start = clock.now();
    assert!(c.contact().get_contact(keap::ids::Id::new("1")).send().await.unwrap_err().is_throttled());
    c.contact().get_contact(keap::ids::Id::new("2")).send().await.unwrap();
    assert!(clock.now() >= start + Duration::from_secs(5), "the second request waited for Retry-After");
}

#[tokio::test]
async fn a_body_that_does_not_decode_says_where_down_to_the_list_item() {
    // The second address is a string, not an object: the error names it, and shows it.
    let body = r#"{"id":"7","addresses":[{"line1":"1 Main St"},"Elm Street"]}"#;
    let server = serve(move |_, _| Reply::json(200, body)).await;
    let c = client(&server.url, RetryPolicy::none());
    match c.contact().get_contact(keap::ids::Id::new("7")).send().await {
        Err(keap::Error::Decode { path, message, snippet, .. }) => {
            assert_eq!(path, "addresses[1]");
            assert!(message.starts_with("invalid type: string \"Elm Street\""), "{message}");
            assert_eq!(snippet, "\"Elm Street\"");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    // Decoding by hand says the same in the message.
    let e = serde_json::from_str::<keap::types::Contact>(body).unwrap_err().to_string();
    assert!(e.starts_with("at `addresses[1]`: invalid type"), "{e}");
}

#[tokio::test]
async fn a_number_that_does_not_fit_its_field_is_an_error_naming_it_never_none() {
    // Cents as a float: `6067.0` is exactly 6067, `60.67` is no number of cents at all.
    let server = serve(|req, _| {
        let amount = if req.target.ends_with("/whole") { "6067.0" } else { "60.67" };
        Reply::json(200, &format!(r#"{{"id":"5","price":{{"amount":{amount},"currency_code":"USD"}}}}"#))
    })
    .await;
    let c = client(&server.url, RetryPolicy::none());
    let whole = c.products().get_product(keap::ids::Id::new("whole")).send().await.unwrap();
    assert_eq!(whole.price.and_then(|p| p.amount), Some(keap::runtime::MinorUnits::new(6067)));

    let events = keapgen_tests::log_capture::Events::default();
    let result = {
        let _guard = tracing::subscriber::set_default(events.clone());
        c.products().get_product(keap::ids::Id::new("cents")).send().await
    };
    match result {
        Err(Error::Decode { path, message, .. }) => {
            assert_eq!(path, "price.amount");
            assert_eq!(message, "60.67 does not fit MinorUnits exactly; it is not rounded");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    let events = events.lines();
    assert!(
        events.iter().any(|e| e.starts_with("WARN ") && e.contains("field=price.amount") && e.contains("getProduct")),
        "{events:?}"
    );
}

#[tokio::test]
async fn an_order_flow_sends_exact_money_and_reads_what_is_due_in_cents() {
    use keap::runtime::{Amount, MinorUnits};
    use keap::types::RestCreatePaymentRequest;
    use keap::types::{CreateOrderItemRequest, RestCreateOrderRequest, RestCreateOrderRequestOrderType};
    let server = serve(|req, _| match (req.method.as_str(), req.target.as_str()) {
        ("POST", t) if t.ends_with("/payments") => Reply::json(200, r#"{"payment_amount":3.3}"#),
        ("GET", _) => Reply::json(200, r#"{"id":"9","total_due":{"amount":6067.0,"currency_code":"USD"}}"#),
        _ => Reply::json(200, r#"{"id":"9"}"#),
    })
    .await;
    let c = client(&server.url, RetryPolicy::none());
    let price: Amount = "19.99".parse().unwrap();
    let items = [price, "1.10".parse().unwrap()]
        .map(|p| CreateOrderItemRequest { price_per_unit: Some(p), ..CreateOrderItemRequest::new(1) });
    let order = RestCreateOrderRequest {
        order_items: Some(items.to_vec()),
        ..RestCreateOrderRequest::new(
            keap::ids::Id::new("101"),
            std::time::SystemTime::now(),
            "Newcomer order",
            RestCreateOrderRequestOrderType::Offline,
        )
    };
    c.orders().create_order(order).send().await.unwrap();
    // 1.10 + 2.20 as floats is 3.3000000000000003; as amounts it is 3.30, on the wire too.
    let pay = "1.10".parse::<Amount>().unwrap() + "2.20".parse::<Amount>().unwrap();
    let paid = c
        .orders()
        .create_payment_for_an_order(keap::ids::Id::new("9"), RestCreatePaymentRequest::new(false, pay))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.payment_amount, Some("3.3".parse().unwrap()));
    let due = c.orders().get_order(keap::ids::Id::new("9")).send().await.unwrap().total_due.and_then(|v| v.amount);
    assert_eq!(due, Some(MinorUnits::new(6067)));
    assert_eq!(due.map(|d| d.to_amount(2).to_string()).as_deref(), Some("60.67"));

    let seen = server.seen();
    let order_body = String::from_utf8_lossy(&seen[0].body).to_string();
    assert!(
        order_body.contains(r#""price_per_unit":19.99"#) && order_body.contains(r#""price_per_unit":1.10"#),
        "{order_body}"
    );
    let pay_body = String::from_utf8_lossy(&seen[1].body).to_string();
    assert!(pay_body.contains(r#""payment_amount":3.30"#), "{pay_body}");

    // Money fields decode like numbers: text is read exactly, `""` is no value, `true` an error.
    let read = |json: &str| serde_json::from_str::<keap::types::PaymentResult>(json).map(|p| p.payment_amount);
    assert_eq!(read(r#"{"payment_amount":"60.67"}"#).unwrap(), Some("60.67".parse().unwrap()));
    assert_eq!(read(r#"{"payment_amount":""}"#).unwrap(), None);
    let e = read(r#"{"payment_amount":true}"#).unwrap_err().to_string();
    assert!(e.starts_with("at `payment_amount`: true is not a number"), "{e}");
}

/// A contact model with three custom fields, and a contact holding two of their values.
const CONTACT_MODEL: &str = r#"{"custom_fields":[
    {"id":"11","label":"Favorite color","field_name":"favoriteColor","field_type":"DROPDOWN","options":[{"id":"Red","label":"Red"},{"id":"Blue","label":"Blue"}]},
    {"id":"12","label":"Renewal","field_name":"renewal","field_type":"DATE"},
    {"id":"13","label":"Seats","field_name":"seats","field_type":"WHOLE_NUMBER"},
    {"id":"14","label":"Nickname","field_type":"TEXT"},
    {"id":"15","label":"Budget","field_type":"CURRENCY"},
    {"id":"16","label":"Newsletter","field_type":"YES_NO"},
    {"id":"17","label":"Interests","field_type":"LIST_BOX","options":[{"id":"g","label":"Golf"},{"id":"c","label":"Chess"}]},
    {"id":"18","label":"Last call","field_type":"DATE_TIME"},
    {"id":"19","label":"Size","field_type":"RADIO","options":[{"id":"S","label":"S"},{"id":"M","label":"M"}]},
    {"id":"20","label":"Owners","field_type":"USER_LIST_BOX"},
    {"id":"21","label":"Month","field_type":"MONTH"}],"optional_properties":["custom_fields"]}"#;
const CONTACT_WITH_FIELDS: &str = r#"{"id":"7","custom_fields":[{"id":"11","content":"Red"},{"id":"13","content":4}]}"#;

fn custom_fields_server() -> impl Fn(&mock::Seen, usize) -> Reply + Send + Sync + 'static {
    |seen, _| match (seen.method.as_str(), seen.target.split('?').next().unwrap_or_default()) {
        ("GET", "/rest/v2/contacts/model") => Reply::json(200, CONTACT_MODEL),
        ("GET", "/rest/v2/contacts/7") => Reply::json(200, CONTACT_WITH_FIELDS),
        ("PATCH", "/rest/v2/contacts/7") => Reply::json(200, CONTACT_WITH_FIELDS),
        _ => Reply::json(404, r#"{"message":"no such thing"}"#),
    }
}

#[tokio::test]
async fn custom_fields_are_read_by_name_with_the_model_loaded_once() {
    let server = serve(custom_fields_server()).await;
    let c = client(&server.url, RetryPolicy::none());
    for _ in 0..3 {
        let values = c.contact().custom_field_values(keap::ids::ContactId::new("7")).await.unwrap();
        assert_eq!(values.get("Favorite color").unwrap().unwrap().as_text(), Some("Red"));
        assert_eq!(values.get("seats").unwrap().unwrap().as_i64(), Some(4));
        assert_eq!(values.get("Renewal").unwrap(), None);
        let e = values.get("Favourite colour").unwrap_err();
        assert_eq!(e.kind(), keap::runtime::CustomFieldErrorKind::Unknown);
    }
    let seen = server.seen();
    let models = seen.iter().filter(|s| s.target.starts_with("/rest/v2/contacts/model")).count();
    assert_eq!(models, 1, "the definitions are loaded once per client");
    // Clones share the cache; a reload asks again.
    let clone = c.clone();
    clone.contact().custom_fields().await.unwrap();
    clone.contact().reload_custom_fields().await;
    c.contact().custom_fields().await.unwrap();
    let models = server.seen().iter().filter(|s| s.target.starts_with("/rest/v2/contacts/model")).count();
    assert_eq!(models, 2);
    let reads: Vec<_> = seen.iter().filter(|s| s.target.starts_with("/rest/v2/contacts/7")).collect();
    assert!(reads.iter().all(|s| query(&s.target).contains(&("fields".into(), "custom_fields".into()))), "asked for");
}

#[tokio::test]
async fn each_custom_field_type_is_written_and_read_back_as_itself() {
    use keap::runtime::{Amount, CustomValue, Date, DateTime};
    // The scripted Keap keeps what it is sent and answers reads with it.
    let stored = std::sync::Arc::new(std::sync::Mutex::new(String::from(CONTACT_WITH_FIELDS)));
    let kept = stored.clone();
    let server =
        serve(move |seen, _| match (seen.method.as_str(), seen.target.split('?').next().unwrap_or_default()) {
            ("GET", "/rest/v2/contacts/model") => Reply::json(200, CONTACT_MODEL),
            ("GET", "/rest/v2/contacts/7") => Reply::json(200, &kept.lock().unwrap()),
            ("PATCH", "/rest/v2/contacts/7") => {
                let mut body: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
                body["id"] = "7".into();
                *kept.lock().unwrap() = body.to_string();
                Reply::json(200, &body.to_string())
            }
            _ => Reply::json(404, "{}"),
        })
        .await;
    let c = client(&server.url, RetryPolicy::none());
    let id = || keap::ids::ContactId::new("7");
    let budget: Amount = "1999.99".parse().unwrap();
    let values: Vec<(&str, CustomValue)> = vec![
        ("Nickname", "Ada".into()),
        ("Seats", 12.into()),
        ("Budget", budget.into()),
        ("Newsletter", true.into()),
        ("Favorite color", "Blue".into()),
        ("Size", "M".into()),
        ("Interests", CustomValue::choices(["Golf", "Chess"])),
        ("renewal", Date::from("2027-01-31").into()),
        ("Last call", DateTime::from("2027-01-31T09:00:00.000Z").into()),
        ("Owners", CustomValue::Users(vec![3, 4])),
        ("Month", 7.into()),
    ];
    c.contact().set_custom_fields(id(), values.clone()).await.unwrap();
    let sent: serde_json::Value = serde_json::from_str(&stored.lock().unwrap()).unwrap();
    let content = |field: &str| {
        sent["custom_fields"].as_array().unwrap().iter().find(|v| v["id"] == field).unwrap()["content"].clone()
    };
    assert_eq!(content("15"), serde_json::json!(1999.99));
    assert_eq!(content("16"), serde_json::json!(1), "yes is 1, as Keap stores it");
    assert_eq!(content("17"), serde_json::json!("Golf,Chess"));
    assert_eq!(content("20"), serde_json::json!("3,4"));
    let read = c.contact().custom_field_values(id()).await.unwrap();
    for (name, value) in values {
        let expected = match value {
            CustomValue::Text(s) if name != "Nickname" => CustomValue::Choice(s),
            other => other,
        };
        assert_eq!(read.get(name).unwrap(), Some(expected), "{name}");
    }
}

#[tokio::test]
async fn custom_fields_are_written_by_name_keeping_the_others_or_refused_unsent() {
    let server = serve(custom_fields_server()).await;
    let c = client(&server.url, RetryPolicy::none());
    let id = || keap::ids::ContactId::new("7");
    let set =
        [("Seats", keap::runtime::CustomValue::from(5)), ("Renewal", keap::runtime::Date::from("2026-03-01").into())];
    c.contact().set_custom_fields(id(), set).await.unwrap();
    let patch = server.seen().into_iter().find(|s| s.method == "PATCH").expect("sent");
    assert_eq!(query(&patch.target), [("update_mask".to_string(), "custom_fields".to_string())]);
    let body: serde_json::Value = serde_json::from_slice(&patch.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"custom_fields": [
            {"id": "11", "content": "Red"},
            {"id": "13", "content": 5},
            {"id": "12", "content": "2026-03-01"}
        ]}),
        "the color the contact had is sent back with the changes"
    );

    // A wrong type, an unknown option or name: refused, nothing sent.
    let before = server.seen().iter().filter(|s| s.method == "PATCH").count();
    for (name, value) in [
        ("Seats", keap::runtime::CustomValue::from("five")),
        ("Favorite color", "Green".into()),
        ("Shoe size", "44".into()),
    ] {
        let e = c.contact().set_custom_fields(id(), [(name, value)]).await.unwrap_err();
        assert!(matches!(e, Error::CustomField(_)), "{e:?}");
        assert!(!e.maybe_sent());
        assert!(e.to_string().contains(name), "{e}");
    }
    assert_eq!(server.seen().iter().filter(|s| s.method == "PATCH").count(), before);
}

#[tokio::test]
async fn timeout_and_user_agent_are_kept_with_a_given_http_client() {
    let server =
        serve(|seen, _| if seen.target.ends_with("/slow") { Reply::hanging() } else { Reply::json(200, CONTACT) })
            .await;
    let c = Client::builder()
        .base_url(&server.url)
        .auth(Auth::api_key("k"))
        .retry(RetryPolicy::none())
        .http_client(keap::runtime::reqwest::Client::new()) // no timeout of its own
        .timeout(Duration::from_millis(300))
        .user_agent("sync-job/1.0")
        .build()
        .unwrap();
    c.contact().get_contact(keap::ids::ContactId::new("7")).send().await.unwrap();
    assert_eq!(server.seen()[0].header("user-agent"), Some("sync-job/1.0"));
    // The re-exported reqwest has `json`, for an application's own calls.
    let own = keap::runtime::reqwest::Client::new().post(&server.url).json(&serde_json::json!({"a": 1}));
    drop(own);
    let slow = c.contact().get_contact(keap::ids::ContactId::new("slow")).send();
    let e =
        tokio::time::timeout(Duration::from_secs(30), slow).await.expect("the builder's timeout applies").unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
}

#[tokio::test]
async fn the_request_span_carries_opentelemetry_names_and_the_quota() {
    let server = serve(|_, n| match n {
        0 => Reply::json(503, "{}"),
        1 => Reply::json(200, r#"{"contacts":[]}"#)
            .header("x-keap-product-throttle-available", "17")
            .header("x-keap-product-throttle-time-unit", "minute"),
        _ => Reply::json(404, "{}"),
    })
    .await;
    let c = keap::Client::builder()
        .base_url(&server.url)
        .auth(keap::Auth::api_key("k"))
        .retry(RetryPolicy { base_delay: Duration::from_millis(1), ..RetryPolicy::default() })
        .build()
        .unwrap();
    let events = keapgen_tests::log_capture::Events::default();
    {
        let _guard = tracing::subscriber::set_default(events.clone());
        c.contact().list_contacts().send().await.unwrap();
        c.contact().get_contact(keap::ids::Id::new("9")).send().await.unwrap_err();
    }
    let events = events.lines().join("\n");
    for expected in [
        r#"otel.name=GET /rest/v2/contacts otel.kind="client" http.request.method=GET url.template="/rest/v2/contacts""#,
        r#"server.address=127.0.0.1 server.port="#,
        r#"keap.operation="listContacts""#,
        "http.response.status_code=503",
        "http.request.resend_count=1",
        "http.response.status_code=200",
        r#"keap.quota.remaining=17"#,
        "keap.quota.window=minute",
        r#"url.template="/rest/v2/contacts/{contact_id}""#,
        r#"otel.status_code="ERROR""#,
        r#"error.type="404""#,
    ] {
        assert!(events.contains(expected), "missing `{expected}` in:\n{events}");
    }
    assert!(!events.contains("\"k\""), "no credential in a span: {events}");
}
