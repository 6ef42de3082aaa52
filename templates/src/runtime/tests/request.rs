use super::*;

/// Encodes parts that are all in memory as `multipart/form-data`: the content type and
/// the body.
fn encode_multipart(parts: &[(&'static str, Part)]) -> (String, Vec<u8>) {
    let (ct, segments) = multipart_segments(parts);
    let mut body = Vec::new();
    for s in segments {
        match s {
            Segment::Bytes(b) => body.extend_from_slice(&b),
            Segment::File(_) => panic!("a file not in memory"),
        }
    }
    (ct, body)
}

#[test]
fn pre_encoded_filter_text_is_refused_not_encoded_twice() {
    let mut r = Request::new(Method::GET, "op", "/x", "/x".into());
    r.filter("filter", &Some("given_name%3D%3DMary".into()));
    assert!(r.error.as_ref().is_some_and(|e| e.to_string().contains("looks percent-encoded")), "{:?}", r.error);
    let mut r = Request::new(Method::GET, "op", "/x", "/x".into());
    r.filter("filter", &Some("given_name==Mar%2A".into()));
    assert!(r.error.is_some(), "Keap's docs write a prefix `*` as `%2A`");
    assert!(r.query.is_empty());
    let mut r = Request::new(Method::GET, "op", "/x", "/x".into());
    r.filter("filter", &Some("given_name==Mary".into()));
    assert_eq!(r.query_string(), "filter=given_name%3D%3DMary");
}

#[test]
fn path_segments_cannot_escape() {
    assert_eq!(encode_path(&"a/b:c d"), "a%2Fb%3Ac%20d");
    assert_eq!(encode_path(&42i64), "42");
}

#[test]
fn query_styles() {
    let mut r = Request::new(Method::GET, "op", "/x", "/x".into());
    r.query("page_size", &Some(10));
    r.query("absent", &None::<String>);
    r.query_csv("fields", &Some(vec!["id".to_string(), "given_name".to_string()]));
    r.query_repeat("update_mask", &vec!["a".to_string(), "b c".to_string()]);
    r.query_object("report", &Some(serde_json::json!({"from": "2024-01-01", "n": 2})), false);
    assert_eq!(
        r.query_string(),
        "page_size=10&fields=id,given_name&update_mask=a&update_mask=b%20c&from=2024-01-01&n=2"
    );
    assert!(r.error.is_none());
}

#[test]
fn simple_style_text() {
    assert_eq!(simple_text(&Some(serde_json::json!({"a": 1, "b": "x"}))).as_deref(), Some("a,1,b,x"));
    assert_eq!(simple_text(&Some(vec![1, 2])).as_deref(), Some("1,2"));
    assert_eq!(simple_text(&None::<i32>), None);
    assert_eq!(json_text(&Some(serde_json::json!({"a": [1]}))).as_deref(), Some(r#"{"a":[1]}"#));
}

#[test]
fn multipart_encodes_text_and_files() {
    let parts = vec![
        ("file_name", Part::Text("a.txt".into())),
        ("file", Part::File(FilePart::new("a\".txt", b"hello".to_vec()))),
    ];
    let (ct, body) = encode_multipart(&parts);
    let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
    let text = String::from_utf8(body).unwrap();
    assert!(text
        .starts_with(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file_name\"\r\n\r\na.txt\r\n")));
    assert!(text.contains("filename=\"a%22.txt\"\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\n"));
    assert!(text.ends_with(&format!("--{boundary}--\r\n")));
}
