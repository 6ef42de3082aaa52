use super::*;

#[test]
fn parses_each_error_shape() {
    let b = ApiErrorBody::parse(r#"{"code":"429","message":"Quota Exceeded","details":null}"#);
    assert_eq!((b.code.as_deref(), b.message.as_deref(), b.details), (Some("429"), Some("Quota Exceeded"), None));
    let b = ApiErrorBody::parse(r#"{"code":400,"message":"bad","details":[{"field":"x"}]}"#);
    assert_eq!(b.code.as_deref(), Some("400"));
    assert!(b.details.is_some());
    let b = ApiErrorBody::parse(
        r#"{"fault":{"faultstring":"Rate limit quota violation","detail":{"errorcode":"policies.ratelimit.QuotaViolation"}}}"#,
    );
    assert_eq!(b.message.as_deref(), Some("Rate limit quota violation"));
    assert_eq!(b.code.as_deref(), Some("policies.ratelimit.QuotaViolation"));
    assert_eq!(ApiErrorBody::parse("<html>502</html>"), ApiErrorBody::default());
}
