//! Generated crates against a real HTTP server on 127.0.0.1: what goes on the wire and what
//! comes back, for the golden fixtures' operations. The server is the tests' one scripted
//! server (`mock.rs`), answering each request in turn.

use keapgen_tests::mock::{self, Mock, Reply, Seen};

/// Answers the n-th request with `replies[n]`, and any request past them with a 500 saying so.
async fn serve(replies: Vec<Reply>) -> Mock {
    mock::serve(move |_, n| replies.get(n).cloned().unwrap_or_else(|| Reply::json(500, r#"{"message":"unscripted"}"#)))
        .await
}

/// `METHOD /path?query`, as the request line has it.
fn line(s: &Seen) -> String {
    format!("{} {}", s.method, s.target)
}

fn json(status: u16, body: &str) -> Reply {
    Reply::json(status, body)
}

fn raw(status: u16, content_type: &str, body: &[u8]) -> Reply {
    Reply { status, body: body.to_vec(), ..Default::default() }.header("content-type", content_type)
}

#[tokio::test]
async fn parameters_travel_as_their_styles_say() {
    use golden_parameters::types::{Report, UpdateNoteBody, UpdateNoteFilter, UpdateNoteUpdateMaskItem};
    let server = serve(vec![json(200, "")]).await;
    let client = golden_parameters::Client::builder().base_url(&server.url).build().unwrap();
    let report = Report { from: Some("2024-01-01".into()), to: None };
    client
        .notes()
        .update_note(golden_parameters::ids::NumId::new(5), golden_parameters::ids::Id::new("n/1:x"), report)
        .update_mask([UpdateNoteUpdateMaskItem::Title, UpdateNoteUpdateMaskItem::Body])
        .fields(["id", "title"])
        .page_size(10)
        .since("2024-01-01T00:00:00Z")
        .filter(UpdateNoteFilter { status: Some("open now".into()) })
        .x_trace("trace-1")
        .body(UpdateNoteBody { title: Some("T".into()), body: None })
        .send()
        .await
        .unwrap();
    let r = server.seen().remove(0);
    assert_eq!(
        line(&r),
        "PATCH /contacts/5/notes/n%2F1%3Ax?update_mask=title&update_mask=body&fields=id,title&page_size=10\
         &since=2024-01-01T00:00:00Z&from=2024-01-01&filter%5Bstatus%5D=open%20now"
    );
    assert_eq!(r.header("x-trace"), Some("trace-1"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(String::from_utf8(r.body).unwrap(), r#"{"title":"T"}"#);
}

#[tokio::test]
async fn custom_verbs_stay_in_the_path() {
    let server = serve(vec![raw(204, "text/plain", b""), json(200, "")]).await;
    let client = golden_custom_verbs::Client::builder().base_url(format!("{}/", server.url)).build().unwrap();
    let body = golden_custom_verbs::types::LinkContactsBody { contact1_id: "1".into(), contact2_id: "2".into() };
    client.contact().link_contacts(body).send().await.unwrap();
    client.tags().apply_tags(golden_custom_verbs::ids::Id::new("a:b")).send().await.unwrap();
    let lines: Vec<String> = server.seen().iter().map(line).collect();
    assert_eq!(lines, ["POST /rest/v2/contacts:link", "POST /rest/v2/tags/a%3Ab/contacts:applyTags"]);
    assert_eq!(golden_custom_verbs::DEFAULT_BASE_URL, "https://api.example.com/crm");
}

#[tokio::test]
async fn multipart_uploads_files_and_fields() {
    let server = serve(vec![json(201, r#"{"id":"77"}"#)]).await;
    let client = golden_multipart::Client::builder().base_url(&server.url).build().unwrap();
    let file = golden_multipart::runtime::FilePart::new("a.txt", b"hello".to_vec()).content_type("text/plain");
    let created = client.files().create_file(file, "a.txt").is_public(true).tags(["x", "y"]).send().await.unwrap();
    assert_eq!(created.id.as_ref().map(|id| id.as_str()), Some("77"));
    let r = server.seen().remove(0);
    let ct = r.header("content-type").unwrap();
    let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
    let body = String::from_utf8(r.body.clone()).unwrap();
    let part = |name: &str, value: &str| {
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    };
    assert!(body.contains("filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n"), "{body}");
    for (name, value) in [("file_name", "a.txt"), ("is_public", "true"), ("tags", "x"), ("tags", "y")] {
        assert!(body.contains(&part(name, value)), "missing {name}={value} in {body}");
    }
}

#[tokio::test]
async fn responses_decode_by_kind_and_errors_keep_their_body() {
    let server = serve(vec![
        raw(204, "text/plain", b""),
        raw(202, "text/plain", b""),
        raw(200, "text/html", b"<html>form</html>"),
        raw(200, "application/octet-stream", &[0, 1, 2]),
        json(404, r#"{"code":"404","message":"Not found","details":null}"#),
        json(200, r#"{"things":{"not":"a list"}}"#),
        raw(503, "text/html", b"<html>gateway</html>"),
    ])
    .await;
    // No retries: the 503 must come back as it is.
    let client = golden_responses::Client::builder()
        .base_url(&server.url)
        .retry(golden_responses::RetryPolicy::none())
        .build()
        .unwrap();
    let things = client.things();
    things.delete_thing("1").send().await.unwrap();
    things.publish_thing("1").send().await.unwrap();
    assert_eq!(things.get_webform_html("1").send().await.unwrap(), "<html>form</html>");
    assert_eq!(things.download_file(golden_responses::ids::Id::new("1")).send().await.unwrap(), vec![0, 1, 2]);
    match things.delete_thing("2").send().await {
        Err(golden_responses::Error::Api(e)) => {
            assert_eq!(
                (e.status, e.body.code.as_deref(), e.body.message.as_deref()),
                (404, Some("404"), Some("Not found"))
            );
            let typed: golden_responses::types::Error = e.decode_body().unwrap();
            assert_eq!(typed.message.as_deref(), Some("Not found"));
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    match things.list_things().send().await {
        Err(e @ golden_responses::Error::Decode { .. }) => {
            let text = e.to_string();
            assert!(text.contains("at `things`") && text.contains("listThings"), "{text}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    match things.list_things().send().await {
        Err(golden_responses::Error::Api(e)) => assert_eq!((e.status, e.raw.as_str()), (503, "<html>gateway</html>")),
        other => panic!("expected an API error, got {other:?}"),
    }
    let seen = server.seen();
    assert_eq!(line(&seen[1]), "POST /things/1:publish");
    assert_eq!(line(&seen[2]), "GET /webforms/1:data");
    // Each asks for what its response is: a server answers 406 to an `Accept` it cannot serve.
    let accept = |s: &Seen| s.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("accept")).map(|(_, v)| v.clone());
    let accepts: Vec<Option<String>> = seen[2..5].iter().map(accept).collect();
    assert_eq!(
        accepts,
        [Some("text/html".into()), Some("application/octet-stream".into()), Some("application/json".into())]
    );
}

#[test]
fn enums_keep_unknown_values_and_round_trip() {
    use golden_enums::types::{Task, TaskType};
    let task: Task = serde_json::from_str(r#"{"type":"NEW_KIND","priority":"LOW","extra":1}"#).unwrap();
    assert_eq!(task.type_, TaskType::Unknown("NEW_KIND".into()));
    assert_eq!(serde_json::to_string(&task).unwrap(), r#"{"priority":"LOW","type":"NEW_KIND"}"#);
    let task: Task = serde_json::from_str(r#"{"type":null}"#).unwrap();
    assert_eq!(task.type_, TaskType::default());
    let task: Task = serde_json::from_str(r#"{"type":5}"#).unwrap();
    assert_eq!(task.type_, TaskType::V5);
    assert_eq!(TaskType::from("Email"), TaskType::Email2);
    // The wire value `UNKNOWN` is not the fallback `Unknown(..)` for unlisted values.
    assert_eq!(TaskType::UnknownValue.as_str(), "UNKNOWN");
    assert_eq!(TaskType::from("UNKNOWN"), TaskType::UnknownValue);
}

#[test]
fn unions_dispatch_on_the_discriminator() {
    use golden_one_of::types::{IdOrName, Pet};
    let pet: Pet = serde_json::from_str(r#"{"kind":"dog","barks":true}"#).unwrap();
    assert!(matches!(pet, Pet::Dog(ref d) if d.barks == Some(true)));
    let pet: Pet = serde_json::from_str(r#"{"kind":"fish"}"#).unwrap();
    assert!(matches!(pet, Pet::Other(_)));
    assert_eq!(serde_json::from_str::<IdOrName>("7").unwrap(), IdOrName::I64(7));
    assert_eq!(serde_json::from_str::<IdOrName>(r#""x""#).unwrap(), IdOrName::String("x".into()));
    assert!(matches!(serde_json::from_str::<IdOrName>("[1]").unwrap(), IdOrName::Other(_)));
}

#[test]
fn recursive_types_nest() {
    use golden_recursion::types::Node;
    let node: Node = serde_json::from_str(r#"{"name":"a","parent":{"name":"p"},"children":[{"name":"c"}]}"#).unwrap();
    assert_eq!(node.parent.as_ref().unwrap().name, "p");
    assert_eq!(node.children.unwrap()[0].name, "c");
}

#[tokio::test]
async fn offset_lists_move_past_each_page_until_a_short_one() {
    let page = |ids: &[&str]| {
        let notes: Vec<String> = ids.iter().map(|id| format!(r#"{{"id":"{id}"}}"#)).collect();
        json(
            200,
            &format!(
                r#"{{"contacts":[{}],"count":5,"next":"https://elsewhere.example/v1/contacts?offset=99"}}"#,
                notes.join(",")
            ),
        )
    };
    let server = serve(vec![page(&["1", "2"]), page(&["3", "4"]), page(&["5"])]).await;
    let client = golden_pagination::Client::builder().base_url(&server.url).build().unwrap();
    let items = client.legacy().list_contacts_v1().limit(2).email("a@b.c").items().all().await.unwrap();
    let ids: Vec<String> = items.into_iter().filter_map(|n| n.id).map(|id| id.into_string()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
    let lines: Vec<String> = server.seen().iter().map(line).collect();
    // The absolute `next` link is never followed: every request goes to the client's server.
    assert_eq!(
        lines,
        [
            "GET /v1/contacts?limit=2&email=a@b.c",
            "GET /v1/contacts?limit=2&offset=2&email=a@b.c",
            "GET /v1/contacts?limit=2&offset=4&email=a@b.c",
        ]
    );
}
