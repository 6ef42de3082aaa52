use super::*;

#[test]
fn credentials_framing_and_taken_headers_are_refused() {
    let check = |name: &str| RequestOptions::new().header(name, "v").checked_headers("op", None, &["accept"]);
    for name in ["Authorization", "X-Keap-API-Key", "host", "Content-Length", "Accept"] {
        let e = check(name).unwrap_err().to_string();
        assert!(e.contains(name) && e.contains("nothing was sent"), "{e}");
    }
    assert!(check("x-correlation-id").is_ok());
    assert!(check("bad name").is_err());
    let custom = HeaderName::from_static("x-my-auth");
    assert!(RequestOptions::new().header("X-My-Auth", "v").checked_headers("op", Some(&custom), &[]).is_err());
    let e = RequestOptions::new().header("x-a", "line\nbreak").checked_headers("op", None, &[]).unwrap_err();
    assert!(e.to_string().contains("not a valid header value"), "{e}");
}

#[test]
fn debug_shows_header_names_not_values() {
    let o = RequestOptions::new().header("x-proxy-token", "s3cret").query("q", "private@example.com");
    let text = format!("{o:?}");
    assert!(text.contains("x-proxy-token") && !text.contains("s3cret") && !text.contains("private@"), "{text}");
}

#[test]
fn declared_query_parameters_are_refused() {
    let o = RequestOptions::new().query("page_size", "5");
    assert!(o.checked_query("listContacts", &["page_size"]).unwrap_err().to_string().contains("setter"));
    assert!(RequestOptions::new().query("new_param", "1").checked_query("op", &["page_size"]).is_ok());
}
