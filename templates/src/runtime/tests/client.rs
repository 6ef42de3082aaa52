use super::*;

#[test]
fn snippet_is_near_the_failure() {
    let body = br#"{"a": 1, "b": "x"}"#;
    assert_eq!(snippet(body, line_col_offset(body, 1, 14)), r#"{"a": 1, "b": "x"}"#);
}

#[test]
fn base_url_must_be_http() {
    let e = ClientBuilder::<Transport>::new("ftp://x").build().err().unwrap();
    assert!(e.to_string().contains("not an http(s) URL"));
}
