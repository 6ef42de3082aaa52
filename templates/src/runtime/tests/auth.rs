use super::*;

#[test]
fn secrets_never_show() {
    let auth = Auth::api_key("pat-123");
    assert!(!format!("{auth:?}").contains("pat-123"));
    let oauth: Auth = Auth::oauth2("id", "shh", Tokens::new("at-1", "rt-1", None)).build();
    let shown = format!("{oauth:?} {:?}", Tokens::new("at-1", "rt-1", None));
    assert!(!shown.contains("shh") && !shown.contains("at-1") && !shown.contains("rt-1"), "{shown}");
}

fn status(code: u16, error: Option<&str>) -> TokenAnswer {
    TokenAnswer::Status(code, error.map(str::to_owned))
}

#[test]
fn transient_failures_are_retried_while_the_policy_allows() {
    for answer in [TokenAnswer::Unsent, TokenAnswer::Lost, status(500, None), status(503, None), status(429, None)] {
        assert_eq!(next_step(&answer, false, true), Next::Retry, "{answer:?}");
        assert_eq!(next_step(&answer, false, false), Next::Fail(AuthErrorKind::Unavailable), "{answer:?}");
        assert_eq!(next_step(&answer, true, false), Next::Fail(AuthErrorKind::Unavailable), "{answer:?}");
    }
}

#[test]
fn a_refusal_is_final_and_blames_a_lost_attempt_when_there_was_one() {
    for answer in [status(400, Some("invalid_grant")), status(400, Some("invalid_request")), status(401, None)] {
        assert_eq!(next_step(&answer, false, true), Next::Fail(AuthErrorKind::Refused), "{answer:?}");
        assert_eq!(next_step(&answer, true, true), Next::Fail(AuthErrorKind::ProbablyRotated), "{answer:?}");
    }
    assert_eq!(next_step(&TokenAnswer::NotAToken, false, true), Next::Fail(AuthErrorKind::ProbablyRotated));
    for answer in [status(400, Some("invalid_client")), status(403, None), status(404, None)] {
        assert_eq!(next_step(&answer, false, true), Next::Fail(AuthErrorKind::Misconfigured), "{answer:?}");
    }
}

#[test]
fn only_an_attempt_that_may_have_been_processed_marks_the_token() {
    assert!(may_have_rotated(&TokenAnswer::Lost) && may_have_rotated(&TokenAnswer::NotAToken));
    assert!(!may_have_rotated(&TokenAnswer::Unsent) && !may_have_rotated(&status(503, None)));
    assert!(!may_have_rotated(&status(400, Some("invalid_grant"))));
}
