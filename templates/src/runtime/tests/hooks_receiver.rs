use super::*;

fn urls() -> HookUrls {
    HookUrls::new("https://example.com/keap/hooks", &Secret::new("k".repeat(40))).unwrap()
}

fn post<'a>(query: &'a str, secret: Option<&'a str>, body: &'a [u8]) -> HookRequest<'a> {
    HookRequest { method: "POST", query, secret_header: secret, body }
}

#[test]
fn a_delivery_in_keaps_shape_parses_with_numbers_as_ids_and_empty_urls_as_none() {
    let body = br#"{"event_key":"contact.edit","object_type":"contact","api_url":"",
        "object_keys":[{"id":5,"apiUrl":"","timestamp":"2018-03-29T10:55:37Z"},{"id":"6","extra":1}],"x":true}"#;
    let d = Delivery::parse(body).unwrap();
    assert_eq!(d.event_key, EventKey::CONTACT_EDIT);
    assert_eq!(d.objects[0].id, "5");
    assert_eq!(d.objects[0].api_url, None);
    assert_eq!(d.objects[0].timestamp.as_ref().unwrap().parse().unwrap().to_string(), "2018-03-29T10:55:37Z");
    assert_eq!(d.objects[1].id, "6");
    assert_eq!(d.objects[1].additional_properties["extra"], 1);
    assert_eq!(d.api_url, None);
    assert_eq!(d.additional_properties["x"], true);
}

#[test]
fn the_handshake_repeats_the_secret_in_a_header_or_keeps_it_for_later() {
    let urls = urls();
    let url = urls.url_for(&EventKey::CONTACT_ADD);
    let receiver = Receiver::new(urls.clone());
    let (answer, received) = receiver.handle(post(query_of(&url), Some("s3cr3t"), b""));
    assert_eq!(answer.status, 200);
    assert!(answer.headers.contains(&(SECRET_HEADER, "s3cr3t".to_owned())));
    assert!(matches!(received, Received::Handshake { echoed: true, .. }));
    assert!(!format!("{answer:?}{received:?}").contains("s3cr3t"), "no secret in Debug");

    let delayed = Receiver::new(urls).verification(Verification::Delayed);
    let (answer, _) = delayed.handle(post(query_of(&url), Some("later"), b""));
    assert_eq!(answer.status, 200);
    assert!(answer.headers.iter().all(|(name, _)| *name != SECRET_HEADER));
    assert_eq!(delayed.pending().take(&EventKey::CONTACT_ADD).unwrap().expose(), "later");
}

#[test]
fn wrong_tokens_other_events_and_bad_bodies_are_refused_and_never_with_410() {
    let urls = urls();
    let receiver = Receiver::new(urls.clone()).max_body(200);
    let add = urls.url_for(&EventKey::CONTACT_ADD);
    let forged = add.replace(&urls.token(&EventKey::CONTACT_ADD), &"0".repeat(TOKEN_HEX));
    let delivery = br#"{"event_key":"contact.add","object_keys":[{"id":1}]}"#;
    let other = br#"{"event_key":"contact.delete","object_keys":[{"id":1}]}"#;
    let cases: Vec<(HookRequest<'_>, u16)> = vec![
        (post(query_of(&add), None, delivery), 200),
        (post(query_of(&forged), None, delivery), 403),
        (post("", None, delivery), 403),
        (post(query_of(&forged), Some("s"), b""), 403),
        (post(query_of(&add), None, other), 403),
        (HookRequest { method: "GET", ..post(query_of(&add), None, delivery) }, 405),
        (post(query_of(&add), None, b"{"), 400),
        (post(query_of(&add), None, b"[]"), 400),
        (post(query_of(&add), None, br#"{"event_key":"contact.add","object_keys":[{"id":1.5}]}"#), 400),
        (post(query_of(&add), None, br#"{"event_key":"contact.add"}"#), 400),
        (post(query_of(&add), None, &[b' '; 201]), 413),
    ];
    for (request, status) in cases {
        let (answer, _) = receiver.handle(request);
        assert_eq!(answer.status, status, "{request:?}");
    }
}

#[test]
fn a_request_shows_neither_its_token_nor_its_secret_and_a_bad_secret_is_refused() {
    let urls = urls();
    let url = urls.url_for(&EventKey::CONTACT_ADD);
    let request = post(query_of(&url), Some("hs-secret"), b"");
    let shown = format!("{request:?}");
    assert!(!shown.contains(&urls.token(&EventKey::CONTACT_ADD)) && !shown.contains("hs-secret"), "{shown}");
    let receiver = Receiver::new(urls);
    let (answer, _) = receiver.handle(post(query_of(&url), Some("line\nbreak"), b""));
    assert_eq!(answer.status, 400, "a secret no header can carry could never be echoed");
    assert!(receiver.refuse_early("POST", query_of(&url)).is_none());
    assert_eq!(receiver.refuse_early("POST", "keap_event=contact.add&keap_token=00").unwrap().status, 403);
    assert_eq!(receiver.refuse_early("PUT", query_of(&url)).unwrap().status, 405);
}

#[test]
fn a_token_is_for_one_public_url_and_only_that_url_is_ours() {
    let key = Secret::new("k".repeat(40));
    let production = HookUrls::new("https://example.com/keap/hooks", &key).unwrap();
    let staging = HookUrls::new("https://example.com/keap/hooks-staging", &key).unwrap();
    let event = EventKey::CONTACT_ADD;
    assert_ne!(production.token(&event), staging.token(&event));
    let staged = staging.url_for(&event);
    assert!(!production.is_ours(&staged) && !production.is_url_for(&staged, &event));
    assert!(staging.is_url_for(&staged, &event));
    let with_query = HookUrls::new("https://example.com/h?app=1", &key).unwrap();
    let other_app = HookUrls::new("https://example.com/h?app=10", &key).unwrap();
    assert!(!with_query.is_ours(&other_app.url_for(&event)));
    assert!(with_query.is_ours(&with_query.url_for(&event)));
}

#[test]
fn urls_carry_a_token_per_event_and_refuse_bad_settings() {
    let urls = urls();
    let add = urls.url_for(&EventKey::CONTACT_ADD);
    assert!(add.starts_with("https://example.com/keap/hooks?keap_event=contact.add&keap_token="));
    assert!(urls.is_url_for(&add, &EventKey::CONTACT_ADD));
    assert!(urls.is_url_for(&add.replace("contact.add", "contact%2Eadd"), &EventKey::CONTACT_ADD));
    assert!(!urls.is_url_for(&add, &EventKey::CONTACT_EDIT));
    assert!(!urls.is_url_for(&add.replace("keap_token=", "keap_token=0"), &EventKey::CONTACT_ADD));
    assert_ne!(urls.token(&EventKey::CONTACT_ADD), urls.token(&EventKey::CONTACT_EDIT));
    assert!(urls.is_ours(&add));
    assert!(!urls.is_ours("https://example.com/other?keap_event=x"));
    let with_query = HookUrls::new("https://example.com/h?app=1", &Secret::new("k".repeat(40))).unwrap();
    assert!(with_query.url_for(&EventKey::CONTACT_ADD).starts_with("https://example.com/h?app=1&keap_event="));
    let short = HookUrls::new("https://example.com/h", &Secret::new("tiny-key")).unwrap_err().to_string();
    assert!(short.contains("32 characters") && !short.contains("tiny-key"), "{short}");
    assert!(HookUrls::new("ftp://x", &Secret::new("k".repeat(40))).is_err());
    let userinfo = HookUrls::new("https://me:pw@example.com/h", &Secret::new("k".repeat(40))).unwrap_err();
    assert!(!userinfo.to_string().contains("pw@"), "{userinfo}");
    assert_eq!(HookUrls::generate_key().unwrap().expose().len(), 64);
}
