use super::*;
use reqwest::header::HeaderMap;
use std::time::UNIX_EPOCH;

fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

#[test]
fn backoff_grows_and_is_capped() {
    let p = RetryPolicy::default();
    for retry in 1..10 {
        let d = p.backoff(retry);
        let exp = (p.base_delay * (1 << (retry - 1))).min(p.max_delay);
        assert!(d >= exp / 2 && d <= exp, "retry {retry}: {d:?}");
    }
}

#[test]
fn only_idempotent_methods_repeat() {
    assert!(idempotent(&Method::GET) && idempotent(&Method::PUT) && idempotent(&Method::DELETE));
    assert!(!idempotent(&Method::POST) && !idempotent(&Method::PATCH));
}
#[test]
fn retry_after_in_seconds_or_as_a_date() {
    let mut h = HeaderMap::new();
    h.insert("retry-after", "7".parse().unwrap());
    assert_eq!(retry_after(&h, at(1000)), Some(at(8000)));
    h.insert("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap());
    assert_eq!(retry_after(&h, at(0)), Some(SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777)));
}

#[test]
fn each_status_gets_its_decision() {
    let get = Attempt { idempotent: true, retries_left: true, can_refresh: false };
    let post = Attempt { idempotent: false, ..get };
    let last = Attempt { retries_left: false, ..get };
    let minute = Duration::from_secs(60);
    assert_eq!(after_status(401, Attempt { can_refresh: true, ..post }, None, false), AfterStatus::Refresh);
    assert_eq!(after_status(401, get, None, false), AfterStatus::Fail);
    assert_eq!(after_status(429, post, None, false), AfterStatus::Backoff("throttled"));
    assert_eq!(after_status(429, post, None, true), AfterStatus::WhenRoom);
    assert_eq!(after_status(429, post, Some((Duration::from_secs(7), minute)), false), AfterStatus::WhenRoom);
    assert_eq!(after_status(429, post, Some((Duration::from_secs(3600), Duration::ZERO)), false), AfterStatus::Fail);
    assert_eq!(after_status(429, last, None, false), AfterStatus::Fail);
    assert_eq!(after_status(503, get, None, false), AfterStatus::Backoff("server unavailable"));
    assert_eq!(after_status(503, post, None, false), AfterStatus::Fail);
    assert_eq!(after_status(500, get, None, false), AfterStatus::Fail);
    assert_eq!(after_status(404, get, None, false), AfterStatus::Fail);
    assert_eq!(retry_transport_failure(true, post), Some("connect failed"));
    assert_eq!(retry_transport_failure(false, post), None);
    assert_eq!(retry_transport_failure(false, get), Some("connection failed"));
    assert_eq!(retry_transport_failure(true, last), None);
}

#[test]
fn the_table_says_who_resends_each_status() {
    let row = |status| {
        let r = resend(Failure::Status(status));
        (r.client, r.application)
    };
    assert_eq!(row(401), (ByClient::AfterRefresh, false));
    assert_eq!(row(429), (ByClient::AnyMethod("throttled"), true));
    // Keap may have done the work: only the application, which knows, may resend.
    assert_eq!(row(500), (ByClient::Never, true));
    for status in [502, 503, 504] {
        assert_eq!(row(status), (ByClient::Idempotent("server unavailable"), true));
    }
    for status in [400, 403, 404, 409, 422, 501, 505] {
        assert_eq!(row(status), (ByClient::Never, false), "{status}");
    }
    assert!(!resend(Failure::QuotaDay).application && resend(Failure::QuotaShort).application);
}

#[test]
fn the_client_and_is_retryable_read_the_table() {
    let get = Attempt { idempotent: true, retries_left: true, can_refresh: true };
    let post = Attempt { idempotent: false, ..get };
    for status in 300..600 {
        let r = resend(Failure::Status(status));
        let api = super::super::error::ApiError {
            operation: "op",
            status,
            body: Default::default(),
            raw: String::new(),
            headers: Vec::new(),
            request_id: None,
            received: UNIX_EPOCH,
        };
        let error = super::super::Error::Api(Box::new(api));
        assert_eq!(error.is_retryable(), r.application, "is_retryable for {status}");
        for (a, name) in [(get, "GET"), (post, "POST")] {
            let resent = after_status(status, a, None, false) != AfterStatus::Fail;
            let by_table = match r.client {
                ByClient::Never => false,
                ByClient::Idempotent(_) => a.idempotent,
                ByClient::AnyMethod(_) | ByClient::AfterRefresh => true,
            };
            assert_eq!(resent, by_table, "the client's decision for {name} {status}");
            // What the client resends on its own, an application may resend too (a
            // refused token excepted: refreshing it is the client's job).
            assert!(!resent || r.application || r.client == ByClient::AfterRefresh, "{status}");
        }
    }
}
