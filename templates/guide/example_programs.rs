//! The crate's example programs, run offline: each example keeps its work in a `run`
//! function, called here with a client pointed at the test kit's mock Keap. Time is tokio's
//! paused clock, so the client's 5 requests a second and the programs' waits take no time.
#![cfg(feature = "testing")]

#[cfg(feature = "contact")]
#[allow(dead_code)]
#[path = "../examples/list_contacts.rs"]
mod list_contacts;

#[cfg(all(feature = "contact", feature = "tags"))]
#[allow(dead_code)]
#[path = "../examples/create_and_tag.rs"]
mod create_and_tag;

#[cfg(feature = "contact")]
#[allow(dead_code)]
#[path = "../examples/oauth2.rs"]
mod oauth2;

#[cfg(all(feature = "contact", feature = "hooks", feature = "axum"))]
#[allow(dead_code)]
#[path = "../examples/receive_changes.rs"]
mod receive_changes;

#[cfg(all(feature = "contact", feature = "v1_appointment", feature = "v1_rest_hooks"))]
#[allow(dead_code)]
#[path = "../examples/v1_and_v2.rs"]
mod v1_and_v2;

#[cfg(feature = "contact")]
use keap::ids::ContactId;
#[cfg(feature = "contact")]
use keap::testing::{contact, Answer, MockKeap};
#[cfg(feature = "contact")]
use keap::types::{Contact, ListContactsResponse};
#[cfg(feature = "contact")]
use std::time::Duration;

#[cfg(feature = "contact")]
fn person(id: &str, given: &str, family: &str) -> Contact {
    Contact {
        id: Some(ContactId::new(id)),
        given_name: Some(given.into()),
        family_name: Some(family.into()),
        ..Default::default()
    }
}

#[cfg(feature = "contact")]
#[tokio::test(start_paused = true)]
async fn list_contacts_prints_every_contact_of_every_page_in_order() {
    let mock = MockKeap::start().await;
    let pages = [
        vec![person("1", "Ada", "Lovelace"), person("2", "Grace", "Hopper")],
        vec![person("3", "Alan", "Turing")],
        vec![person("4", "Edsger", "Dijkstra")],
    ];
    let listing = mock.expect(contact::list_contacts().pages(pages).interrupt(2, Answer::too_many_requests()));

    let mut out = Vec::new();
    let count = list_contacts::run(&mock.client(), &mut out).await.unwrap();

    let lines = String::from_utf8(out).unwrap();
    assert_eq!(lines, "1\tAda Lovelace\n2\tGrace Hopper\n3\tAlan Turing\n4\tEdsger Dijkstra\n");
    assert_eq!(count, 4);
    assert_eq!(listing.len(), 4, "3 pages and a 429, waited out by the client");
    let asked = listing.all();
    assert!(asked.iter().all(|c| c.params.page_size == Some(100) && c.params.order_by.as_deref() == Some("id")));
}

#[cfg(feature = "contact")]
#[tokio::test(start_paused = true)]
async fn list_contacts_stops_on_a_failed_page_and_says_where_to_resume() {
    let mock = MockKeap::start().await;
    let pages = [vec![person("1", "Ada", "Lovelace")], vec![person("2", "Grace", "Hopper")]];
    let _ = mock.expect(contact::list_contacts().pages(pages).interrupt(2, Answer::status(500)));

    let mut out = Vec::new();
    let e = list_contacts::run(&mock.client(), &mut out).await.unwrap_err();

    assert_eq!(String::from_utf8(out).unwrap(), "1\tAda Lovelace\n");
    assert!(e.to_string().contains(r#"resume from From("mock-page-2")"#), "{e}");
}

#[cfg(all(feature = "contact", feature = "tags"))]
#[tokio::test(start_paused = true)]
async fn create_and_tag_tags_the_contact_it_created() {
    use keap::ids::TagId;
    use keap::testing::tags::{self, ApplyTagsParams};
    use keap::types::ApplyTagsResponse;

    let mock = MockKeap::start().await;
    let created = mock.expect(contact::create_contact().respond_status(201, person("42", "Ada", "")));
    let applied = ApplyTagsResponse { results: Some([("42".to_owned(), "SUCCESS".to_owned())].into()) };
    let tag_123 = ApplyTagsParams { tag_id: Some(TagId::new("123")) };
    let tagged = mock.expect(tags::apply_tags().params(tag_123).respond(applied).times(1));

    let id = create_and_tag::run(&mock.client(), "ada@example.com".into(), TagId::new("123")).await.unwrap();

    assert_eq!(id, ContactId::new("42"));
    let new_contact = created.last().unwrap().body.unwrap();
    let emails: Vec<_> = new_contact.email_addresses.unwrap().into_iter().map(|e| e.email).collect();
    assert_eq!(emails, [Some("ada@example.com".to_owned())]);
    assert_eq!(tagged.last().unwrap().body.unwrap().contact_ids, [id]);
}

/// The `refresh_token` of a token file.
#[cfg(feature = "contact")]
fn refresh_token_in(path: &std::path::Path) -> String {
    let file: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    file["refresh_token"].as_str().unwrap().to_owned()
}

/// The `refresh_token` a token request sent in its form.
#[cfg(feature = "contact")]
fn refresh_token_sent(request: &keap::testing::Received) -> String {
    let form = String::from_utf8_lossy(&request.body).into_owned();
    form.split('&').find_map(|pair| pair.strip_prefix("refresh_token=")).unwrap_or_default().to_owned()
}

#[cfg(feature = "contact")]
#[tokio::test(start_paused = true)]
async fn oauth2_saves_each_rotated_pair_and_never_sends_a_spent_refresh_token() {
    use keap::Auth;
    use std::sync::Arc;

    let mock = MockKeap::start().await;
    let authorized = mock.oauth2(Duration::from_secs(3600));
    let _ = mock.expect(contact::list_contacts().respond(ListContactsResponse::default()).times(2));
    let file_name = format!("example_programs-oauth2-tokens-{}.json", std::process::id());
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(file_name);
    let file = serde_json::json!({
        "access_token": authorized.access_token.expose(),
        "refresh_token": authorized.refresh_token.expose(),
    });
    std::fs::write(&path, file.to_string()).unwrap();

    // The program run twice, each time after Keap revoked the access token in the file.
    let mut in_file = vec![refresh_token_in(&path)];
    for _ in 0..2 {
        mock.expire_access_tokens();
        let store = Arc::new(oauth2::TokenFile(path.clone()));
        let auth = Auth::oauth2_from_store(MockKeap::CLIENT_ID, MockKeap::CLIENT_SECRET, store.clone()).await.unwrap();
        let client: keap::Client = mock.builder().auth(auth.token_url(mock.token_url())).build().unwrap();
        oauth2::run(&client, &store).await.unwrap();
        in_file.push(refresh_token_in(&path));
    }
    std::fs::remove_file(&path).unwrap();

    assert_eq!(mock.refreshes(), 2);
    assert!(in_file[0] != in_file[1] && in_file[1] != in_file[2], "each refresh saved a new pair: {in_file:?}");
    let sent: Vec<String> = mock.received().iter().filter(|r| r.path == "/token").map(refresh_token_sent).collect();
    assert_eq!(sent, in_file[..2], "each run refreshed with the token its file held, none spent");
}

#[cfg(all(feature = "contact", feature = "hooks", feature = "axum"))]
#[tokio::test(start_paused = true)]
async fn receive_changes_verifies_its_subscriptions_and_fetches_a_changed_contact_once() {
    use keap::hooks::HookUrls;
    use keap::testing::contact::ListContactsParams;
    use keap::testing::MockSubscription;

    let mock = MockKeap::start().await;
    mock.serve_hooks();
    let by_id = ListContactsParams { filter: Some("ids==7".into()), ..Default::default() };
    let page = ListContactsResponse { contacts: Some(vec![person("7", "Ada", "Lovelace")]), next_page_token: None };
    let fetched = mock.expect(contact::list_contacts().params(by_id).respond(page).times(1));
    let client = mock.client();
    let key = HookUrls::generate_key().unwrap();

    // The program, which ends once no delivery came for 10 s; and Keap, which changes contact 7
    // once the program's `contact.edit` subscription is verified.
    let program = receive_changes::run(&client, "127.0.0.1:0", None, &key, Some(Duration::from_secs(10)));
    let keap = async {
        let verified = |s: &MockSubscription| s.event_key == "contact.edit" && s.status == MockSubscription::VERIFIED;
        while !mock.subscriptions().iter().any(verified) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        mock.deliver("contact.edit", [7]).await
    };
    let both = tokio::time::timeout(Duration::from_secs(60), async { tokio::join!(program, keap) });
    let (summary, delivery) = both.await.expect("the program ends once idle");

    assert!(delivery.acknowledged(), "{delivery:?}");
    assert_eq!(summary.unwrap(), receive_changes::Summary { fetched: 1, repeated: 0, deleted: 0 });
    assert_eq!(fetched.len(), 1);
    let mut subscribed: Vec<_> = mock.subscriptions().into_iter().map(|s| (s.event_key, s.status)).collect();
    subscribed.sort();
    let verified = |event: &str| (event.to_owned(), MockSubscription::VERIFIED);
    assert_eq!(subscribed, [verified("contact.add"), verified("contact.delete"), verified("contact.edit")]);
}

#[cfg(all(feature = "contact", feature = "v1_appointment", feature = "v1_rest_hooks"))]
const HOOK_URL: &str = "https://example.com/keap-hook";

#[cfg(all(feature = "contact", feature = "v1_appointment", feature = "v1_rest_hooks"))]
fn appointment_titled(title: &str) -> keap::v1::types::ListAppointmentsResponseAppointmentsItem {
    use keap::runtime::DateTime;
    use keap::v1::types::{
        ListAppointmentsResponseAppointmentsItem as Item, ListAppointmentsResponseAppointmentsItemRequired,
    };
    Item::new(ListAppointmentsResponseAppointmentsItemRequired {
        title: title.into(),
        start_date: DateTime("2025-06-02T10:00:00Z".into()),
        end_date: DateTime("2025-06-02T11:00:00Z".into()),
    })
}

#[cfg(all(feature = "contact", feature = "v1_appointment", feature = "v1_rest_hooks"))]
#[tokio::test(start_paused = true)]
async fn v1_and_v2_subscribes_when_missing_lists_appointments_and_renames_the_contact() {
    use keap::ids::NumId;
    use keap::testing::v1::{appointment, rest_hooks};
    use keap::types::UpdateContactUpdateMaskItem;
    use keap::v1::types::{CreateAHookSubscriptionResponse, CreateAHookSubscriptionResponseStatus as Status};

    let mock = MockKeap::start().await;
    let _ = mock.expect(rest_hooks::list_stored_hook_subscriptions().respond(Vec::new()));
    let new_hook = CreateAHookSubscriptionResponse { status: Some(Status::Verified), ..Default::default() };
    let subscribed = mock.expect(rest_hooks::create_a_hook_subscription().respond(new_hook).times(1));
    let pages = [vec![appointment_titled("Call"), appointment_titled("Demo")], vec![appointment_titled("Follow-up")]];
    let listed = mock.expect(appointment::list_appointments().pages(pages));
    let renamed = mock.expect(contact::update_contact().respond(person("123", "Ada", "Lovelace")).times(1));

    v1_and_v2::run(&mock.client(), HOOK_URL, NumId::from(123), "Ada".into()).await.unwrap();

    let hook = subscribed.last().unwrap().body.unwrap();
    assert_eq!((hook.event_key.as_deref(), hook.hook_url.as_deref()), (Some("contact.edit"), Some(HOOK_URL)));
    assert_eq!(listed.len(), 2, "both pages of appointments");
    assert!(listed.all().iter().all(|c| c.params.contact_id == Some(NumId::from(123))));
    let rename = renamed.last().unwrap();
    assert_eq!(rename.params.contact_id, Some(ContactId::new("123")), "v1's number is v2's text");
    assert_eq!(rename.params.update_mask, Some(vec![UpdateContactUpdateMaskItem::GivenName]), "only the name");
    assert_eq!(rename.body.unwrap().given_name.as_deref(), Some("Ada"));
}

#[cfg(all(feature = "contact", feature = "v1_appointment", feature = "v1_rest_hooks"))]
#[tokio::test(start_paused = true)]
async fn v1_and_v2_does_not_subscribe_again_when_its_subscription_is_verified() {
    use keap::ids::NumId;
    use keap::testing::v1::{appointment, rest_hooks};
    use keap::v1::types::{ListStoredHookSubscriptionsResponseItem, ListStoredHookSubscriptionsResponseItemStatus};

    let mock = MockKeap::start().await;
    let ours = ListStoredHookSubscriptionsResponseItem {
        event_key: Some("contact.edit".into()),
        hook_url: Some(HOOK_URL.into()),
        key: Some("9".into()),
        status: Some(ListStoredHookSubscriptionsResponseItemStatus::Verified),
        ..Default::default()
    };
    let _ = mock.expect(rest_hooks::list_stored_hook_subscriptions().respond(vec![ours]));
    // No expectation of a create or a verify: the mock would answer either 501, failing the run.
    let _ = mock.expect(appointment::list_appointments().pages([vec![appointment_titled("Call")]]));
    let _ = mock.expect(contact::update_contact().respond(person("123", "Ada", "Lovelace")));

    v1_and_v2::run(&mock.client(), HOOK_URL, NumId::from(123), "Ada".into()).await.unwrap();

    let posts: Vec<_> = mock.received().into_iter().filter(|r| r.method == "POST").map(|r| r.path).collect();
    assert!(posts.is_empty(), "nothing created or verified: {posts:?}");
}
