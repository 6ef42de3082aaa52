//! The contract test's fixed half (`templates/contract/harness.rs`), included as generated
//! crates include it: what passes, what fails, and what the summary counts.

use keapgen_runtime::runtime;
use keapgen_runtime::runtime::{ApiError, ApiErrorBody, Error, Transport};

#[path = "../contract/harness.rs"]
mod harness;

use harness::Report;

fn api_error(status: u16, raw: &str) -> Result<(), Error> {
    Err(Error::Api(Box::new(ApiError {
        operation: "op",
        status,
        body: ApiErrorBody::parse(raw),
        raw: raw.to_string(),
        headers: Vec::new(),
        request_id: None,
        received: std::time::SystemTime::UNIX_EPOCH,
    })))
}

/// Prism's 422 for a missing path parameter, as it words it.
fn missing_path(name: &str) -> String {
    format!(r#"{{"validation":[{{"location":["path"],"message":"must have required property '{name}'"}}]}}"#)
}

#[test]
fn a_decoded_answer_passes_and_an_error_fails_with_its_pass() {
    let mut r = Report::new();
    r.check("GET", "/a", Ok::<_, Error>(()));
    r.check("POST", "/b", api_error(400, "bad"));
    r.dynamic = false;
    r.check("GET", "/a", api_error(422, "nope"));
    assert_eq!(r.counts(), [(1, 0), (1, 0)], "the second pass counts no calls, only failures");
    let failed = std::panic::catch_unwind(|| r.finish(&[], &[])).expect_err("failures fail the test");
    let message = failed.downcast_ref::<String>().expect("a formatted message");
    assert!(message.contains("2 calls failed"), "{message}");
    assert!(message.contains("POST /b: random body: HTTP 400: bad"), "{message}");
    assert!(message.contains("GET /a: example body: HTTP 422: nope"), "{message}");
}

#[test]
fn prisms_own_500_is_tolerated_only_for_random_bodies() {
    let unknown = r#"{"type":"https://stoplight.io/prism/errors#UNKNOWN"}"#;
    let mut r = Report::new();
    r.check("GET", "/deep", api_error(500, unknown));
    r.finish(&[], &[]); // does not panic: Prism could not make the body
    assert_eq!(r.counts(), [(1, 1), (0, 0)]);
    r.dynamic = false;
    r.check("GET", "/deep", api_error(500, unknown));
    assert_eq!(r.counts(), [(1, 0), (0, 0)], "with the spec's examples, a 500 is a failure");
}

#[test]
fn a_401_passes_only_where_the_spec_never_declared_the_scheme() {
    let mut r = Report::new();
    r.check_unauthorized("GET", "/a", api_error(401, "no"));
    r.check_unauthorized("GET", "/b", api_error(403, "no"));
    r.check("GET", "/c", api_error(401, "no"));
    assert_eq!(r.counts(), [(3, 1), (0, 0)]);
}

#[test]
fn a_422_passes_only_when_it_asks_for_stray_path_parameters_alone() {
    let mut r = Report::new();
    r.check_stray_path("GET", "/a", &["id"], api_error(422, &missing_path("id")));
    r.check_stray_path("GET", "/b", &["id"], api_error(422, &missing_path("other")));
    r.check_stray_path("GET", "/c", &["id"], api_error(422, r#"{"validation":[]}"#));
    r.check_stray_path("GET", "/d", &["id"], Ok::<_, Error>(()));
    assert_eq!(r.counts(), [(4, 2), (0, 0)]);
}

#[test]
fn values_decode_or_say_which_did_not() {
    let n: Vec<i64> = harness::v("[1,2]");
    assert_eq!(n, [1, 2]);
    let failed = std::panic::catch_unwind(|| harness::v::<i64>("\"x\"")).expect_err("a mismatch panics");
    let message = failed.downcast_ref::<String>().expect("a formatted message");
    assert!(message.starts_with("the generated value \"x\" does not decode"), "{message}");
}

#[test]
fn the_client_builds_for_any_crate() {
    let _: Transport = harness::client("http://127.0.0.1:9", true);
    let _: Transport = harness::client("http://127.0.0.1:9", false);
}
