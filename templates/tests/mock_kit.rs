//! The test kit testing itself: a mock Keap, expectations typed by hand-written operations
//! (exactly what keapgen writes for each one, so they are the generator's reference), and
//! the runtime's own transport, pages and retries driven against it.
//!
//! Time-dependent tests run under tokio's paused clock: quota pacing, `Retry-After` and
//! timeouts take virtual time, never real time.
#![allow(
    clippy::disallowed_methods,
    reason = "tests measure and spend time with tokio's paused clock, as the kit's users do"
)]
#![cfg(feature = "testing")]

use keapgen_runtime::runtime::testing::{
    same, Answer, Expect, Incoming, Listing, Media, MockKeap, NoBody, Operation, Paging,
};
use keapgen_runtime::runtime::{
    encode_path, next_offset, next_token, reqwest, Auth, Error, Items, Method, Pages, Paginated, Quota, Request,
    RetryPolicy, Transport,
};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;
use tokio::time::Instant;

// ---------------------------------------------------------------------------------------
// What keapgen generates: response and body types, and one `Operation` per operation.
// ---------------------------------------------------------------------------------------

/// A v2 contact.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Contact {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    given_name: Option<String>,
}

/// `listContacts`' answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct ListContactsResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    contacts: Option<Vec<Contact>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_page_token: Option<String>,
}

/// `createContact`'s body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct CreateContactBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag_ids: Option<Vec<i64>>,
}

/// A v1 contact.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct V1Contact {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    given_name: Option<String>,
}

/// `listContactsUsingGET`'s answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct V1ListContactsResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    contacts: Option<Vec<V1Contact>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
}

/// An expectation of `listContacts`: `GET /rest/v2/contacts`.
fn list_contacts() -> Expect<ListContacts> {
    Expect::new()
}

/// `listContacts` as the mock sees it.
#[derive(Debug)]
struct ListContacts;

/// The parameters of `listContacts`, each optional: an expectation checks those it sets.
#[derive(Clone, Debug, Default, PartialEq)]
struct ListContactsParams {
    page_size: Option<i32>,
    page_token: Option<String>,
    filter: Option<String>,
    order_by: Option<String>,
}

impl Operation for ListContacts {
    const ID: &'static str = "listContacts";
    const METHOD: &'static str = "GET";
    const PATH: &'static str = "/rest/v2/contacts";
    const MEDIA: Media = Media::Json;
    type Params = ListContactsParams;
    type Body = NoBody;
    type Response = ListContactsResponse;

    fn params(request: &Incoming<'_>) -> Result<Self::Params, String> {
        Ok(ListContactsParams {
            page_size: request.query("page_size")?,
            page_token: request.query("page_token")?,
            filter: request.query("filter")?,
            order_by: request.query("order_by")?,
        })
    }

    fn params_match(expected: &Self::Params, got: &Self::Params) -> bool {
        same(&expected.page_size, &got.page_size)
            && same(&expected.page_token, &got.page_token)
            && same(&expected.filter, &got.filter)
            && same(&expected.order_by, &got.order_by)
    }
}

impl Listing for ListContacts {
    type Item = Contact;
    const PAGING: Paging = Paging::Token { param: "page_token" };

    fn page(items: Vec<Self::Item>, next: Option<String>, _total: usize) -> Self::Response {
        ListContactsResponse { contacts: Some(items), next_page_token: next }
    }
}

/// An expectation of `listContactsUsingGET`: `GET /rest/v1/contacts`.
fn list_contacts_v1() -> Expect<ListContactsV1> {
    Expect::new()
}

/// `listContactsUsingGET` as the mock sees it.
#[derive(Debug)]
struct ListContactsV1;

/// The parameters of `listContactsUsingGET`.
#[derive(Clone, Debug, Default, PartialEq)]
struct ListContactsV1Params {
    limit: Option<i32>,
    offset: Option<i32>,
}

impl Operation for ListContactsV1 {
    const ID: &'static str = "listContactsUsingGET";
    const METHOD: &'static str = "GET";
    const PATH: &'static str = "/rest/v1/contacts";
    const MEDIA: Media = Media::Json;
    type Params = ListContactsV1Params;
    type Body = NoBody;
    type Response = V1ListContactsResponse;

    fn params(request: &Incoming<'_>) -> Result<Self::Params, String> {
        Ok(ListContactsV1Params { limit: request.query("limit")?, offset: request.query("offset")? })
    }

    fn params_match(expected: &Self::Params, got: &Self::Params) -> bool {
        same(&expected.limit, &got.limit) && same(&expected.offset, &got.offset)
    }
}

impl Listing for ListContactsV1 {
    type Item = V1Contact;
    const PAGING: Paging = Paging::Offset { offset: "offset" };

    fn page(items: Vec<Self::Item>, next: Option<String>, total: usize) -> Self::Response {
        V1ListContactsResponse { contacts: Some(items), count: total.try_into().ok(), next }
    }
}

/// An expectation of `createContact`: `POST /rest/v2/contacts`.
fn create_contact() -> Expect<CreateContact> {
    Expect::new()
}

/// `createContact` as the mock sees it.
#[derive(Debug)]
struct CreateContact;

/// The parameters of `createContact`.
#[derive(Clone, Debug, Default, PartialEq)]
struct CreateContactParams {
    duplicate_option: Option<String>,
}

impl Operation for CreateContact {
    const ID: &'static str = "createContact";
    const METHOD: &'static str = "POST";
    const PATH: &'static str = "/rest/v2/contacts";
    const MEDIA: Media = Media::Json;
    type Params = CreateContactParams;
    type Body = CreateContactBody;
    type Response = Contact;

    fn params(request: &Incoming<'_>) -> Result<Self::Params, String> {
        Ok(CreateContactParams { duplicate_option: request.query("duplicate_option")? })
    }

    fn params_match(expected: &Self::Params, got: &Self::Params) -> bool {
        same(&expected.duplicate_option, &got.duplicate_option)
    }
}

/// An expectation of `getContact`: `GET /rest/v2/contacts/{contact_id}`.
fn get_contact() -> Expect<GetContact> {
    Expect::new()
}

/// `getContact` as the mock sees it.
#[derive(Debug)]
struct GetContact;

/// The parameters of `getContact`.
#[derive(Clone, Debug, Default, PartialEq)]
struct GetContactParams {
    contact_id: Option<String>,
}

impl Operation for GetContact {
    const ID: &'static str = "getContact";
    const METHOD: &'static str = "GET";
    const PATH: &'static str = "/rest/v2/contacts/{contact_id}";
    const MEDIA: Media = Media::Json;
    type Params = GetContactParams;
    type Body = NoBody;
    type Response = Contact;

    fn params(request: &Incoming<'_>) -> Result<Self::Params, String> {
        Ok(GetContactParams { contact_id: request.path("contact_id")? })
    }

    fn params_match(expected: &Self::Params, got: &Self::Params) -> bool {
        same(&expected.contact_id, &got.contact_id)
    }
}

// ---------------------------------------------------------------------------------------
// The client side: requests as generated `send()`s build them, over the runtime's transport.
// ---------------------------------------------------------------------------------------

/// `listContacts`' request, paginated as the generated builder is.
#[derive(Clone)]
struct ListContactsRequest {
    client: Transport,
    page_size: Option<i32>,
    page_token: Option<String>,
    filter: Option<String>,
}

impl ListContactsRequest {
    fn new(client: &Transport) -> Self {
        ListContactsRequest { client: client.clone(), page_size: None, page_token: None, filter: None }
    }

    async fn send(self) -> Result<ListContactsResponse, Error> {
        let mut req = Request::new(Method::GET, "listContacts", "/rest/v2/contacts", "/rest/v2/contacts".to_owned());
        req.query("filter", &self.filter);
        req.query("page_size", &self.page_size);
        req.query("page_token", &self.page_token);
        self.client.send_json(req).await.map(|r| r.into_inner())
    }
}

impl Paginated for ListContactsRequest {
    type Page = ListContactsResponse;
    type Item = Contact;
    const OPERATION: &'static str = "listContacts";

    fn next_request(&self, page: &Self::Page) -> Option<Self> {
        let token = next_token(page.next_page_token.as_deref())?;
        Some(Self { page_token: Some(token), ..self.clone() })
    }

    fn cursor(&self) -> Option<String> {
        self.page_token.clone()
    }

    fn fetch(self) -> impl Future<Output = Result<Self::Page, Error>> + Send + 'static {
        self.send()
    }

    fn into_items(page: Self::Page) -> Vec<Self::Item> {
        page.contacts.unwrap_or_default()
    }
}

/// `listContactsUsingGET`'s request, paginated by offset.
#[derive(Clone)]
struct ListContactsV1Request {
    client: Transport,
    limit: Option<i32>,
    offset: Option<i32>,
}

impl ListContactsV1Request {
    async fn send(self) -> Result<V1ListContactsResponse, Error> {
        let mut req =
            Request::new(Method::GET, "listContactsUsingGET", "/rest/v1/contacts", "/rest/v1/contacts".to_owned());
        req.query("limit", &self.limit);
        req.query("offset", &self.offset);
        self.client.send_json(req).await.map(|r| r.into_inner())
    }
}

impl Paginated for ListContactsV1Request {
    type Page = V1ListContactsResponse;
    type Item = V1Contact;
    const OPERATION: &'static str = "listContactsUsingGET";

    fn next_request(&self, page: &Self::Page) -> Option<Self> {
        let at = next_offset(
            self.offset.map(i64::from),
            self.limit.map(i64::from),
            page.contacts.as_ref().map_or(0, Vec::len),
            page.next.as_deref(),
            page.count.map(i64::from),
        )?;
        Some(Self { offset: Some(i32::try_from(at).ok()?), ..self.clone() })
    }

    fn cursor(&self) -> Option<String> {
        self.offset.map(|o| o.to_string())
    }

    fn fetch(self) -> impl Future<Output = Result<Self::Page, Error>> + Send + 'static {
        self.send()
    }

    fn into_items(page: Self::Page) -> Vec<Self::Item> {
        page.contacts.unwrap_or_default()
    }
}

async fn get(client: &Transport, id: &str) -> Result<Contact, Error> {
    let contact_id = encode_path(&id);
    let mut req = Request::new(
        Method::GET,
        "getContact",
        "/rest/v2/contacts/{contact_id}",
        format!("/rest/v2/contacts/{contact_id}"),
    );
    req.path_params(&[("contact_id", contact_id.as_str())]);
    client.send_json(req).await.map(|r| r.into_inner())
}

async fn create(client: &Transport, duplicate_option: Option<&str>, body: &impl Serialize) -> Result<Contact, Error> {
    let mut req = Request::new(Method::POST, "createContact", "/rest/v2/contacts", "/rest/v2/contacts".to_owned());
    req.query("duplicate_option", &duplicate_option);
    req.json(body);
    client.send_json(req).await.map(|r| r.into_inner())
}

fn contact(id: &str) -> Contact {
    Contact { id: Some(id.to_owned()), given_name: Some(format!("name {id}")) }
}

fn v1_contact(id: i64) -> V1Contact {
    V1Contact { id: Some(id), given_name: Some(format!("name {id}")) }
}

fn client(keap: &MockKeap) -> Transport {
    keap.builder::<Transport>().build().expect("a client of the mock builds")
}

/// Drops the mock, which must panic with what `check()` says; returns that message.
fn drop_panics(keap: MockKeap) -> String {
    let message = keap.check().expect_err("the mock has something to report");
    let panic = std::panic::catch_unwind(AssertUnwindSafe(|| drop(keap))).expect_err("dropping the mock panics");
    let said = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert_eq!(said, message, "the drop panics with check()'s message");
    message
}

fn api_error(e: Error) -> Box<keapgen_runtime::runtime::ApiError> {
    match e {
        Error::Api(e) => e,
        other => panic!("not an API error: {other}"),
    }
}

// ---------------------------------------------------------------------------------------
// Expectations: met, unmet, unexpected requests, matching.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn an_expectation_not_met_fails_check_and_the_drop() {
    let keap = MockKeap::start().await;
    let _ = keap.expect(list_contacts());
    let _ = keap.expect(get_contact().times(2));
    let client = client(&keap);
    get(&client, "1").await.unwrap();
    let message = drop_panics(keap);
    assert!(
        message.contains("expectation not met: listContacts GET /rest/v2/contacts: at least 1 expected, 0 matched"),
        "{message}"
    );
    assert!(
        message.contains("getContact GET /rest/v2/contacts/{contact_id}: exactly 2 expected, 1 matched"),
        "{message}"
    );
    assert!(!message.contains("unexpected request"), "{message}");
}

#[tokio::test]
async fn met_expectations_pass_check_and_drop_quietly() {
    let keap = MockKeap::start().await;
    let listed = keap.expect(list_contacts().respond(ListContactsResponse::default()));
    let _ = keap.expect(get_contact().at_least(0));
    let client = client(&keap);
    ListContactsRequest::new(&client).send().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(keap.check(), Ok(()));
    keap.verify();
}

#[tokio::test]
async fn an_unexpected_request_gets_501_and_check_says_what_was_expected_and_why_not() {
    let keap = MockKeap::start().await;
    let wanted = GetContactParams { contact_id: Some("1".into()) };
    let _ = keap.expect(get_contact().params(wanted).respond(contact("1")));
    let _ = keap.expect(list_contacts().at_least(0));
    let client = client(&keap);
    assert_eq!(get(&client, "1").await.unwrap(), contact("1"));

    let e = api_error(get(&client, "2").await.unwrap_err());
    assert_eq!(e.status, 501);
    assert_eq!(e.body.code.as_deref(), Some("501"));
    assert_eq!(e.body.status.as_deref(), Some("UNIMPLEMENTED"));
    assert!(e.body.message.as_deref().unwrap().starts_with("keap mock: unexpected request: GET /rest/v2/contacts/2"));
    assert_eq!(keap.unexpected().len(), 1);

    let message = drop_panics(keap);
    assert!(message.contains("- unexpected request: GET /rest/v2/contacts/2"), "{message}");
    // Why the near one did not take it: the same operation, another id.
    assert!(
        message.contains(r#"getContact: parameters GetContactParams { contact_id: Some("2") } do not match GetContactParams { contact_id: Some("1") }"#),
        "{message}"
    );
    // Every expectation, by its describe text.
    assert!(
        message.contains(
            r#"* getContact GET /rest/v2/contacts/{contact_id} (params GetContactParams { contact_id: Some("1") }): at least 1 expected, 1 matched"#
        ),
        "{message}"
    );
    assert!(message.contains("* listContacts GET /rest/v2/contacts: at least 0 expected, 0 matched"), "{message}");
    // A listing is another operation: no reason is given for it.
    assert!(!message.contains("listContacts: "), "{message}");
}

#[tokio::test]
async fn a_request_without_any_expectation_says_so() {
    let keap = MockKeap::start().await;
    let e = api_error(get(&client(&keap), "9").await.unwrap_err());
    assert_eq!(e.status, 501);
    let message = drop_panics(keap);
    assert!(message.contains("GET /rest/v2/contacts/9\n    (no expectations)"), "{message}");
}

#[tokio::test]
async fn params_match_partially() {
    let keap = MockKeap::start().await;
    let sized = ListContactsParams { page_size: Some(10), ..Default::default() };
    let listed = keap.expect(list_contacts().params(sized).respond(ListContactsResponse::default()));
    let client = client(&keap);
    let mut request = ListContactsRequest::new(&client);
    request.page_size = Some(10);
    request.filter = Some("email==a+b@x.com;given_name==Ada Lovelace".into());
    request.clone().send().await.expect("the parameters it does not set may be anything");
    request.page_size = Some(20);
    let e = api_error(request.send().await.unwrap_err());
    assert_eq!(e.status, 501);
    assert_eq!(listed.len(), 1);
    let filter = listed.last().unwrap().params.filter;
    assert_eq!(filter.as_deref(), Some("email==a+b@x.com;given_name==Ada Lovelace"), "query text decodes as sent");
    let message = drop_panics(keap);
    assert!(message.contains("page_size: Some(20)") && message.contains("do not match"), "{message}");
}

#[tokio::test]
async fn bodies_match_partially_but_lists_whole() {
    let keap = MockKeap::start().await;
    let ada = CreateContactBody { given_name: Some("Ada".into()), ..Default::default() };
    let created = keap.expect(create_contact().body(ada).respond_status(201, contact("7")));
    let tagged = CreateContactBody { tag_ids: Some(vec![1, 2]), ..Default::default() };
    let _ = keap.expect(create_contact().body(tagged).respond(contact("8")));
    let client = client(&keap);

    // Extra fields, in the typed body and beyond it, still match.
    let body = serde_json::json!({"given_name": "Ada", "family_name": "Lovelace", "unknown": true});
    assert_eq!(create(&client, None, &body).await.unwrap(), contact("7"));
    // Another value does not.
    let bob = CreateContactBody { given_name: Some("Bob".into()), ..Default::default() };
    assert_eq!(create(&client, None, &bob).await.unwrap_err().status(), Some(501));
    // A list is compared whole: a longer one does not match, the same one does.
    let more = CreateContactBody { tag_ids: Some(vec![1, 2, 3]), ..Default::default() };
    assert_eq!(create(&client, None, &more).await.unwrap_err().status(), Some(501));
    let same_tags =
        CreateContactBody { tag_ids: Some(vec![1, 2]), given_name: Some("Cy".into()), ..Default::default() };
    assert_eq!(create(&client, None, &same_tags).await.unwrap(), contact("8"));

    assert_eq!(created.len(), 1);
    let message = drop_panics(keap);
    assert_eq!(message.matches("- unexpected request: POST /rest/v2/contacts").count(), 2, "{message}");
    assert!(message.contains(r#"does not include {"given_name":"Ada"}"#), "{message}");
    assert!(message.contains(r#"body {"tag_ids":[1,2,3]} does not include {"tag_ids":[1,2]}"#), "{message}");
}

#[tokio::test]
async fn a_predicate_narrows_an_expectation_and_names_itself() {
    let keap = MockKeap::start().await;
    let calls = keap.expect(
        create_contact().when("with a family name", |call| call.body.as_ref().is_some_and(|b| b.family_name.is_some())),
    );
    let client = client(&keap);
    let named = CreateContactBody { family_name: Some("Lovelace".into()), ..Default::default() };
    create(&client, None, &named).await.unwrap();
    assert_eq!(create(&client, None, &CreateContactBody::default()).await.unwrap_err().status(), Some(501));
    assert_eq!(calls.len(), 1);
    let message = drop_panics(keap);
    assert!(message.contains("createContact: not with a family name"), "{message}");
}

#[tokio::test]
async fn times_at_most_and_a_later_expectation_taking_over() {
    let keap = MockKeap::start().await;
    let first = keap.expect(get_contact().respond(contact("a")).times(2));
    let then = keap.expect(get_contact().respond(contact("b")).at_most(1));
    let client = client(&keap);
    assert_eq!(get(&client, "1").await.unwrap(), contact("a"));
    assert_eq!(get(&client, "1").await.unwrap(), contact("a"));
    // The first is exhausted: the next takes over...
    assert_eq!(get(&client, "1").await.unwrap(), contact("b"));
    // ...until it is exhausted too.
    assert_eq!(get(&client, "1").await.unwrap_err().status(), Some(501));
    assert_eq!((first.len(), then.len()), (2, 1));
    let message = drop_panics(keap);
    assert!(message.contains("getContact: already matched 2 (exactly 2 expected)"), "{message}");
    assert!(message.contains("getContact: already matched 1 (at most 1 expected)"), "{message}");
    assert!(!message.contains("expectation not met"), "{message}");
}

#[tokio::test]
async fn at_most_is_met_by_no_request() {
    let keap = MockKeap::start().await;
    let calls = keap.expect(get_contact().at_most(1));
    assert!(calls.is_empty());
    assert_eq!(keap.check(), Ok(()));
}

// ---------------------------------------------------------------------------------------
// Answers.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn answers_come_in_order_and_the_last_repeats() {
    let keap = MockKeap::start().await;
    let _ = keap.expect(get_contact().respond(contact("a")).respond(contact("b")));
    let client = client(&keap);
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(get(&client, "1").await.unwrap().id.unwrap());
    }
    assert_eq!(got, ["a", "b", "b", "b"]);
}

#[tokio::test]
async fn without_an_answer_a_json_operation_answers_an_empty_object() {
    let keap = MockKeap::start().await;
    let _ = keap.expect(get_contact());
    assert_eq!(get(&client(&keap), "1").await.unwrap(), Contact::default());
}

#[tokio::test]
async fn error_bodies_are_keaps_own_for_each_api_version() {
    let keap = MockKeap::start().await;
    let _ = keap.expect(get_contact().answer(Answer::error(404, "Contact 1 not found")));
    let _ = keap.expect(list_contacts_v1().answer(Answer::error(400, "Invalid offset")));
    let client = client(&keap);

    let v2 = api_error(get(&client, "1").await.unwrap_err());
    let raw: serde_json::Value = serde_json::from_str(&v2.raw).unwrap();
    assert_eq!(
        raw,
        serde_json::json!({"code": 404, "message": "Contact 1 not found", "status": "NOT_FOUND", "details": []})
    );
    assert_eq!(v2.to_string(), "getContact: HTTP 404: Contact 1 not found (code 404)");
    assert_eq!(v2.body.status.as_deref(), Some("NOT_FOUND"));
    assert_eq!(v2.header("content-type"), Some("application/json"));

    let request = ListContactsV1Request { client: client.clone(), limit: None, offset: Some(3) };
    let v1 = api_error(request.send().await.unwrap_err());
    let raw: serde_json::Value = serde_json::from_str(&v1.raw).unwrap();
    assert_eq!(raw, serde_json::json!({"message": "Invalid offset"}));
    assert_eq!(v1.to_string(), "listContactsUsingGET: HTTP 400: Invalid offset");
    assert_eq!(v1.body.code, None);
}

#[tokio::test]
async fn a_raw_or_json_answer_of_any_shape_reaches_the_client() {
    let keap = MockKeap::start().await;
    let _ = keap.expect(
        get_contact()
            .answer(Answer::json(200, &serde_json::json!({"id": 5})))
            .answer(Answer::raw(502, "text/html", "<html>Bad Gateway</html>").header("x-request-id", "req-1")),
    );
    let client = keap.builder::<Transport>().retry(RetryPolicy::none()).build().unwrap();
    // A number where a string is declared fails to decode, saying where.
    let e = get(&client, "1").await.unwrap_err();
    assert!(matches!(&e, Error::Decode { path, .. } if path == "id"), "{e}");
    // The 502 (not retried by this client) surfaces with its raw body and request id.
    let e = api_error(get(&client, "1").await.unwrap_err());
    assert_eq!((e.status, e.raw.as_str(), e.request_id.as_deref()), (502, "<html>Bad Gateway</html>", Some("req-1")));
}

// ---------------------------------------------------------------------------------------
// Pages.
// ---------------------------------------------------------------------------------------

// Paused: its 6 requests would otherwise wait a real second for the client's quota (5/s).
#[tokio::test(start_paused = true)]
async fn v2_pages_follow_the_mocks_tokens() {
    let keap = MockKeap::start().await;
    let pages = [vec![contact("a"), contact("b")], vec![contact("c"), contact("d")], vec![contact("e")]];
    let listing = keap.expect(list_contacts().pages(pages));
    let client = client(&keap);
    let mut request = ListContactsRequest::new(&client);
    request.page_size = Some(2);
    let items = Items::new(request).all().await.unwrap();
    let ids: Vec<String> = items.into_iter().filter_map(|c| c.id).collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    let tokens: Vec<Option<String>> = listing.all().into_iter().map(|c| c.params.page_token).collect();
    assert_eq!(tokens, [None, Some("mock-page-2".into()), Some("mock-page-3".into())]);
    assert!(listing.all().iter().all(|c| c.params.page_size == Some(2)));

    // A token no page has is refused with Keap's 400.
    let mut unknown = ListContactsRequest::new(&client);
    unknown.page_token = Some("mock-page-9".into());
    let e = api_error(unknown.send().await.unwrap_err());
    assert_eq!((e.status, e.body.status.as_deref()), (400, Some("INVALID_ARGUMENT")));
    let mut foreign = ListContactsRequest::new(&client);
    foreign.page_token = Some("not-a-mock-token".into());
    assert_eq!(foreign.send().await.unwrap_err().status(), Some(400));
    let mut zero = ListContactsRequest::new(&client);
    zero.page_token = Some("mock-page-0".into());
    assert_eq!(zero.send().await.unwrap_err().status(), Some(400), "no page 0, and no panic in the mock");
    assert_eq!(listing.len(), 6, "the refused requests were the listing's all the same");
}

#[tokio::test]
async fn no_pages_is_an_empty_listing() {
    let keap = MockKeap::start().await;
    let listing = keap.expect(list_contacts().pages(Vec::<Vec<Contact>>::new()));
    let items = Items::new(ListContactsRequest::new(&client(&keap))).all().await.unwrap();
    assert!(items.is_empty());
    assert_eq!(listing.len(), 1);
}

#[tokio::test]
async fn v1_pages_follow_offsets_with_next_urls_and_the_total_count() {
    let keap = MockKeap::start().await;
    let pages = [vec![v1_contact(1), v1_contact(2)], vec![v1_contact(3), v1_contact(4)], vec![v1_contact(5)]];
    let listing = keap.expect(list_contacts_v1().pages(pages));
    let client = client(&keap);
    let mut pages = Pages::new(ListContactsV1Request { client: client.clone(), limit: Some(2), offset: None });
    let mut got = Vec::new();
    while let Some(page) = pages.next_page().await {
        got.push(page.unwrap());
    }
    assert!(pages.is_done());
    let base = keap.base_url();
    let nexts: Vec<Option<String>> = got.iter().map(|p| p.next.clone()).collect();
    assert_eq!(
        nexts,
        [
            Some(format!("{base}/rest/v1/contacts?limit=2&offset=2")),
            Some(format!("{base}/rest/v1/contacts?limit=2&offset=4")),
            None
        ]
    );
    assert!(got.iter().all(|p| p.count == Some(5)), "{got:?}");
    let ids: Vec<i64> = got.into_iter().flat_map(|p| p.contacts.unwrap()).filter_map(|c| c.id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    let offsets: Vec<Option<i32>> = listing.all().into_iter().map(|c| c.params.offset).collect();
    assert_eq!(offsets, [None, Some(2), Some(4)]);

    // An offset no page starts at is refused.
    let odd = ListContactsV1Request { client, limit: Some(2), offset: Some(3) };
    let e = api_error(odd.send().await.unwrap_err());
    assert_eq!((e.status, e.raw.contains("\"message\"")), (400, true));
}

#[tokio::test(start_paused = true)]
async fn interrupted_pages_are_waited_out_or_asked_for_again() {
    let keap = MockKeap::start().await;
    let pages = [vec![contact("a"), contact("b")], vec![contact("c"), contact("d")], vec![contact("e")]];
    let listing = keap.expect(
        list_contacts().pages(pages).interrupt(2, Answer::too_many_requests()).interrupt(3, Answer::status(500)),
    );
    let client = client(&keap);
    let mut request = ListContactsRequest::new(&client);
    request.page_size = Some(2);
    let mut items = Items::new(request);
    let (mut ids, mut errors) = (Vec::new(), Vec::new());
    while let Some(item) = items.next_item().await {
        match item {
            Ok(c) => ids.push(c.id.unwrap()),
            Err(e) => errors.push(e),
        }
    }
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    // The 429 was retried inside the transport; the 500 is not retried there (POSTs may
    // not be, and a 500 may be a bug) but the listing asks for the page again.
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].status(), Some(500));
    assert!(errors[0].is_retryable());
    let tokens: Vec<Option<String>> = listing.all().into_iter().map(|c| c.params.page_token).collect();
    let (p2, p3) = (Some("mock-page-2".to_owned()), Some("mock-page-3".to_owned()));
    assert_eq!(tokens, [None, p2.clone(), p2, p3.clone(), p3], "3 pages, a 429 and a 500");
    assert!(items.is_done());
}

// ---------------------------------------------------------------------------------------
// Keap's behaviours: quota, OAuth2.
// ---------------------------------------------------------------------------------------

/// Sends `n` getContact requests at once; returns their results in order.
async fn burst(client: &Transport, n: usize) -> Vec<Result<Contact, Error>> {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let client = client.clone();
        tasks.spawn(async move { (i, get(&client, &i.to_string()).await) });
    }
    let mut results: Vec<(usize, Result<Contact, Error>)> = tasks.join_all().await;
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[tokio::test(start_paused = true)]
async fn the_enforced_quota_throttles_a_client_that_does_not_pace_itself() {
    let keap = MockKeap::start().await;
    keap.enforce_quota(Quota::custom(Some(5), None, None), false);
    let _ = keap.expect(get_contact().respond(contact("x")));
    let client = keap.builder::<Transport>().quota(Quota::unlimited()).retry(RetryPolicy::none()).build().unwrap();
    let results = burst(&client, 12).await;
    let (ok, refused): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    assert_eq!((ok.len(), refused.len()), (5, 7), "5 per second, all sent at once");
    assert_eq!(keap.throttled(), 7);
    for e in refused {
        let e = api_error(e.unwrap_err());
        assert_eq!(e.status, 429);
        assert_eq!(e.body.message.as_deref(), Some("Rate limit quota violation. Quota limit exceeded."));
        assert_eq!(e.header("x-keap-tenant-throttle-available"), Some("0"));
        assert_eq!(e.header("x-keap-tenant-throttle-limit"), Some("5"));
        assert_eq!(e.header("x-keap-tenant-throttle-time-unit"), Some("Second"));
        assert!(e.header("x-keap-tenant-throttle-expiry-time").is_some());
        assert_eq!(e.header("retry-after"), None, "asked for none");
        assert_eq!(e.header("x-keap-product-throttle-limit"), None, "no minute limit was enforced");
    }
    // A success carries the headers too.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut req =
        Request::new(Method::GET, "getContact", "/rest/v2/contacts/{contact_id}", "/rest/v2/contacts/1".into());
    req.path_params(&[("contact_id", "1")]);
    let response = client.send_json::<Contact>(req).await.unwrap();
    assert_eq!(response.header("x-keap-tenant-throttle-available"), Some("4"));
    assert_eq!(response.header("x-keap-tenant-throttle-used"), Some("1"));
}

#[tokio::test(start_paused = true)]
async fn a_throttled_client_retries_when_the_headers_say_there_is_room() {
    let keap = MockKeap::start().await;
    keap.enforce_quota(Quota::custom(Some(5), None, None), true);
    let _ = keap.expect(get_contact().respond(contact("x")));
    let client = keap.builder::<Transport>().quota(Quota::unlimited()).build().unwrap();
    let results = burst(&client, 12).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert!(keap.throttled() > 0);
    assert_eq!(keap.received().len(), 12 + keap.throttled(), "every 429 was sent again");
}

#[tokio::test(start_paused = true)]
async fn a_client_with_keaps_quota_paces_itself_and_is_never_throttled() {
    let keap = MockKeap::start().await;
    keap.enforce_quota(Quota::custom(Some(5), None, None), false);
    let calls = keap.expect(get_contact().respond(contact("x")));
    let client = client(&keap);
    let start = Instant::now();
    let results = burst(&client, 12).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(keap.throttled(), 0);
    assert_eq!(calls.len(), 12);
    // 5 at once, 5 a second later, 2 a second after that: in virtual time.
    let took = start.elapsed();
    assert!(took >= Duration::from_secs(2) && took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn oauth2_tokens_are_refreshed_after_a_401_and_the_old_refresh_token_is_spent() {
    let keap = MockKeap::start().await;
    let tokens = keap.oauth2(Duration::from_secs(3600));
    let first_refresh = tokens.refresh_token.expose().to_owned();
    let calls = keap.expect(get_contact().respond(contact("x")));
    let auth = Auth::oauth2(MockKeap::CLIENT_ID, MockKeap::CLIENT_SECRET, tokens).token_url(keap.token_url());
    let client = keap.builder::<Transport>().auth(auth).build().unwrap();

    get(&client, "1").await.unwrap();
    assert_eq!(keap.refreshes(), 0);
    keap.expire_access_tokens();
    get(&client, "1").await.unwrap();
    assert_eq!(keap.refreshes(), 1);
    assert_eq!(calls.len(), 2, "the 401 is the mock's, before any expectation");
    let new_tokens = client.tokens().unwrap();
    assert_ne!(new_tokens.refresh_token.expose(), first_refresh);
    let paths: Vec<String> = keap.received().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        ["/rest/v2/contacts/1", "/rest/v2/contacts/1", "/token", "/rest/v2/contacts/1"],
        "the 401 refreshed"
    );

    // The spent refresh token is refused, as Keap does.
    let refresh = |token: String| {
        reqwest::Client::new()
            .post(keap.token_url())
            .basic_auth(MockKeap::CLIENT_ID, Some(MockKeap::CLIENT_SECRET))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("grant_type=refresh_token&refresh_token={token}"))
            .send()
    };
    let refused = refresh(first_refresh).await.unwrap();
    assert_eq!(refused.status().as_u16(), 400);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    // The current one still works (and rotates).
    let granted = refresh(new_tokens.refresh_token.expose().to_owned()).await.unwrap();
    assert_eq!(granted.status().as_u16(), 200);
    assert_eq!(keap.refreshes(), 2);
    // Without credentials a request is refused before any expectation.
    let anonymous = reqwest::Client::new().get(format!("{}/rest/v2/contacts/1", keap.base_url())).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(calls.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn access_tokens_expire_in_virtual_time_and_are_refreshed_before_they_do() {
    let keap = MockKeap::start().await;
    let tokens = keap.oauth2(Duration::from_secs(600));
    let _ = keap.expect(get_contact().respond(contact("x")));
    let auth = Auth::oauth2(MockKeap::CLIENT_ID, MockKeap::CLIENT_SECRET, tokens.clone()).token_url(keap.token_url());
    let client = keap.builder::<Transport>().auth(auth).build().unwrap();
    get(&client, "1").await.unwrap();
    // Past the client's 5-minute margin: it refreshes before sending, so no 401.
    tokio::time::sleep(Duration::from_secs(301)).await;
    get(&client, "1").await.unwrap();
    assert_eq!(keap.refreshes(), 1);
    let paths: Vec<String> = keap.received().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/rest/v2/contacts/1", "/token", "/rest/v2/contacts/1"]);
    // The first access token has expired at the mock, by tokio's clock.
    tokio::time::sleep(Duration::from_secs(300)).await;
    let stale = reqwest::Client::new()
        .get(format!("{}/rest/v2/contacts/1", keap.base_url()))
        .bearer_auth(tokens.access_token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status().as_u16(), 401);
    let body: serde_json::Value = stale.json().await.unwrap();
    assert_eq!(body["status"], "UNAUTHENTICATED");
}

// ---------------------------------------------------------------------------------------
// Faults and time.
// ---------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_dropped_connection_is_retried_for_a_get_but_not_for_a_post() {
    let keap = MockKeap::start().await;
    let got = keap.expect(get_contact().answer(Answer::dropped()).respond(contact("x")));
    let created = keap.expect(create_contact().answer(Answer::dropped()).times(1));
    let client = client(&keap);
    // Retried after a backoff: a GET cannot repeat an effect.
    assert_eq!(get(&client, "1").await.unwrap(), contact("x"));
    assert_eq!(got.len(), 2);
    // Not retried: the POST may have taken effect.
    let e = create(&client, None, &CreateContactBody::default()).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e}");
    assert!(e.maybe_sent() && e.is_retryable());
    assert_eq!(created.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_503_is_retried() {
    let keap = MockKeap::start().await;
    let calls =
        keap.expect(get_contact().answer(Answer::status(503)).answer(Answer::status(503)).respond(contact("x")));
    let start = Instant::now();
    assert_eq!(get(&client(&keap), "1").await.unwrap(), contact("x"));
    assert_eq!(calls.len(), 3);
    assert!(start.elapsed() >= Duration::from_millis(250 + 500), "two backoffs: {:?}", start.elapsed());
}

#[tokio::test(start_paused = true)]
async fn a_slow_answer_times_out_in_virtual_time() {
    let keap = MockKeap::start().await;
    let calls = keap.expect(get_contact().answer(Answer::status(200).after(Duration::from_secs(60))));
    let client = keap.builder::<Transport>().timeout(Duration::from_secs(5)).build().unwrap();
    let start = Instant::now();
    let e = get(&client, "1").await.unwrap_err();
    assert_eq!(e.kind_name(), "timeout", "{e}");
    // A timed-out GET is retried (3 times): 4 attempts of 5 s, plus backoffs.
    assert_eq!(calls.len(), 4);
    let took = start.elapsed();
    assert!(took >= Duration::from_secs(20) && took < Duration::from_secs(60), "{took:?}");
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_waited_out_in_virtual_time() {
    let keap = MockKeap::start().await;
    let calls = keap.expect(
        get_contact().answer(Answer::too_many_requests().retry_after(Duration::from_secs(30))).respond(contact("x")),
    );
    let start = Instant::now();
    assert_eq!(get(&client(&keap), "1").await.unwrap(), contact("x"));
    assert_eq!(calls.len(), 2);
    assert!(start.elapsed() >= Duration::from_secs(30), "{:?}", start.elapsed());
}

// ---------------------------------------------------------------------------------------
// Calls and what they show.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn calls_read_back_typed_params_and_bodies() {
    let keap = MockKeap::start().await;
    let created = keap.expect(create_contact().respond_status(201, contact("7")));
    let got = keap.expect(get_contact().respond(contact("a b/c")));
    let client = client(&keap);
    let body = CreateContactBody { given_name: Some("Ada".into()), tag_ids: Some(vec![3]), ..Default::default() };
    create(&client, Some("Email"), &body).await.unwrap();
    get(&client, "a b/c").await.unwrap();

    let call = created.last().unwrap();
    assert_eq!(call.params, CreateContactParams { duplicate_option: Some("Email".into()) });
    assert_eq!(call.body, Some(body));
    assert_eq!(call.raw.method, "POST");
    assert_eq!(call.raw.header("content-type"), Some("application/json"));
    let call = got.last().unwrap();
    assert_eq!(call.params.contact_id.as_deref(), Some("a b/c"), "path parameters are decoded");
    assert_eq!(call.raw.path, "/rest/v2/contacts/a%20b%2Fc");
    assert_eq!(call.body, None);
    assert_eq!(format!("{got:?}"), "Calls { operation: \"getContact\", count: 1 }");
}

#[tokio::test]
async fn received_requests_hide_credentials() {
    let keap = MockKeap::start().await;
    let calls = keap.expect(get_contact().at_least(2));
    get(&client(&keap), "1").await.unwrap();
    let bearer = keap.builder::<Transport>().auth(Auth::bearer("secret-bearer-token")).build().unwrap();
    get(&bearer, "1").await.unwrap();

    let [keyed, with_bearer] = <[_; 2]>::try_from(calls.all()).unwrap();
    assert_eq!(keyed.raw.header("x-keap-api-key"), Some(MockKeap::API_KEY), "the test can read it");
    let shown = format!("{:?}", keyed.raw);
    assert!(!shown.contains(MockKeap::API_KEY) && shown.contains(r#"("x-keap-api-key", "<hidden>")"#), "{shown}");
    let shown = format!("{:?}", with_bearer.raw);
    assert!(!shown.contains("secret-bearer-token") && shown.contains(r#"("authorization", "<hidden>")"#), "{shown}");
    assert!(shown.contains(r#"path: "/rest/v2/contacts/1""#), "{shown}");
    assert!(format!("{:?}", keap.received()).matches("<hidden>").count() >= 2);
}

#[tokio::test]
async fn page_tokens_are_shown_and_query_credentials_hidden_even_when_unexpected() {
    let keap = MockKeap::start().await;
    let listing = keap.expect(list_contacts().pages([vec![contact("a")], vec![contact("b")]]));
    let client = client(&keap);
    Items::new(ListContactsRequest::new(&client)).all().await.unwrap();
    let second = format!("{:?}", listing.all()[1].raw);
    assert!(second.contains(r#"("page_token", "mock-page-2")"#), "a page token is no secret: {second}");

    // Keap also takes an access token in the query: hidden in Debug and in the 501's report.
    let url = format!("{}/rest/v2/unknown?access_token=query-secret&page_token=p", keap.base_url());
    let answer = reqwest::Client::new().get(url).header("x-keap-api-key", "k").send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 501);
    let body = answer.text().await.unwrap();
    let report = keap.unexpected().join("\n");
    let received = format!("{:?}", keap.received());
    for shown in [&body, &report, &received] {
        let hidden = shown.contains("access_token=<hidden>") || shown.contains(r#"("access_token", "<hidden>")"#);
        assert!(!shown.contains("query-secret") && hidden, "{shown}");
        assert!(shown.contains("page_token"), "{shown}");
    }
    assert!(drop_panics(keap).contains("unexpected request: GET /rest/v2/unknown?access_token=<hidden>&page_token=p"));
}

#[tokio::test]
async fn a_count_given_with_pages_is_kept() {
    let keap = MockKeap::start().await;
    // Four requests for two pages: a test that means the listing to be read twice.
    keap.expect(list_contacts().times(4).pages([vec![contact("a")], vec![contact("b")]]));
    Items::new(ListContactsRequest::new(&client(&keap))).all().await.unwrap();
    let message = drop_panics(keap);
    assert!(message.contains("exactly 4") && message.contains("2 matched"), "{message}");
}
