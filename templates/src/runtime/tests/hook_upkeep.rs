use super::*;

#[test]
fn a_subscription_parses_with_a_numeric_key_and_hides_its_token() {
    let s = Subscription::parse(
        "op",
        serde_json::json!({"key": 7, "eventKey": "contact.add", "status": "Inactive",
            "hookUrl": "https://x/h?keap_event=contact.add&keap_token=abcdef&z=1", "extra": 1}),
    )
    .unwrap();
    assert_eq!(s.key, "7");
    assert_eq!(s.status, HookStatus::Inactive);
    let debug = format!("{s:?}");
    assert!(debug.contains("keap_token=[redacted]&z=1") && !debug.contains("abcdef"), "{debug}");
    assert!(Subscription::parse("op", serde_json::json!({"eventKey": "x"})).is_err());
    assert_eq!(redact_url("h?keap_token=a&keap_token=b#c"), "h?keap_token=[redacted]&keap_token=[redacted]#c");
    assert_eq!(redact_url("h?x=1"), "h?x=1");
    let raw = r#"{"message":"bad hookUrl https://x/h?keap_token=abc"}"#.to_owned();
    let api = Error::Api(Box::new(super::super::error::ApiError {
        operation: "create_a_hook_subscription",
        status: 400,
        body: super::super::error::ApiErrorBody::parse(&raw),
        raw,
        headers: Vec::new(),
        request_id: None,
        received: std::time::UNIX_EPOCH,
    }));
    let scrubbed = scrub(api);
    let shown = format!("{scrubbed} {scrubbed:?}");
    assert!(!shown.contains("abc") && shown.contains("keap_token=[redacted]"), "{shown}");
}
