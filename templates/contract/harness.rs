//! The fixed half of the contract test (`tests/contract*.rs`): what every call's result is
//! checked against, the client that talks to Prism, and the summary. keapgen writes the
//! other half, the calls of each operation, per spec; this file is copied as it is.
//! It reaches the crate through the `runtime` its includer imports (`use <crate>::runtime;`),
//! so it compiles unchanged in every generated crate and in keapgen's runtime crate, whose
//! `tests/contract_harness.rs` tests it.
#![allow(dead_code, reason = "each spec's contract test uses the helpers its operations need")]

use super::runtime::{reqwest, Auth, ClientBuilder, Error, Pages, Paginated, Quota, RetryPolicy, Transport};

/// A value of `T` from JSON the generator made from the spec's schemas.
pub fn v<T: serde::de::DeserializeOwned>(json: &str) -> T {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("the generated value {json} does not decode: {e}"))
}

/// The first two pages: the second request carries the first page's token.
pub async fn two_pages<R: Paginated>(mut pages: Pages<R>) -> Result<(), Error> {
    for _ in 0..2 {
        match pages.next_page().await {
            Some(page) => {
                page?;
            }
            None => break,
        }
    }
    Ok(())
}

/// The URL of the running Prism mock (`KEAP_PRISM_URL`).
pub fn prism_url() -> String {
    std::env::var("KEAP_PRISM_URL")
        .expect("set KEAP_PRISM_URL to a running `prism mock --dynamic` of this crate's spec")
}

/// A client of Prism at `url`: random bodies that follow the response schemas when
/// `dynamic`, else the spec's examples. No quota and no retries: every call is sent once.
pub fn client<C: From<Transport>>(url: &str, dynamic: bool) -> C {
    // Prism reads `Prefer: dynamic=false` as "answer with the spec's examples".
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("prefer", if dynamic { "dynamic=true" } else { "dynamic=false" }.parse().expect("header"));
    let http = reqwest::Client::builder().default_headers(headers).build().expect("http client");
    ClientBuilder::<C>::new(url)
        .http_client(http)
        .auth(Auth::bearer("prism"))
        .quota(Quota::unlimited())
        .retry(RetryPolicy::none())
        .build()
        .expect("client")
}

/// What every call did, over both passes.
#[derive(Default)]
pub struct Report {
    /// Whether this pass asks Prism for random bodies.
    pub dynamic: bool,
    /// Every call of the first pass: (method, path).
    calls: Vec<(&'static str, &'static str)>,
    /// (method, path, what went wrong), from either pass.
    failures: Vec<(&'static str, &'static str, String)>,
    /// Calls whose random body Prism itself could not make (recursive schemas).
    unmockable: Vec<(&'static str, &'static str)>,
}

impl Report {
    /// A report whose first pass asks for random bodies.
    pub fn new() -> Self {
        Report { dynamic: true, ..Report::default() }
    }

    /// Records one call's result: anything but a decoded answer fails the test.
    pub fn check<T>(&mut self, method: &'static str, path: &'static str, result: Result<T, Error>) {
        let pass = if self.dynamic { "random body" } else { "example body" };
        if self.dynamic {
            self.calls.push((method, path));
        }
        match result {
            Ok(_) => {}
            // The answer decoded whole; Prism's random per-record statuses say some
            // records failed, and the client reports that as it must.
            Err(Error::PartlyFailed(_)) => {}
            // Prism's own failure, not the request's: its faker overflows on some
            // recursive schemas. The example-body pass still checks the call.
            Err(Error::Api(e)) if self.dynamic && e.status == 500 && e.raw.contains("prism/errors#UNKNOWN") => {
                self.unmockable.push((method, path));
            }
            Err(Error::Api(e)) => {
                let why = e.header("sl-violations").unwrap_or(&e.raw).to_string();
                self.failures.push((method, path, format!("{pass}: HTTP {}: {why}", e.status)));
            }
            Err(e) => self.failures.push((method, path, format!("{pass}: {e}"))),
        }
    }

    /// Like `check`, but a 401 passes: the operation requires a security scheme the
    /// spec never declares, which a spec-validating mock refuses.
    pub fn check_unauthorized<T>(&mut self, method: &'static str, path: &'static str, result: Result<T, Error>) {
        match result {
            Err(Error::Api(e)) if e.status == 401 => {
                if self.dynamic {
                    self.calls.push((method, path));
                }
            }
            other => self.check(method, path, other),
        }
    }

    /// Like `check`, but Prism's 422 passes when all it asks for is path parameters
    /// the spec declares and the path lacks: any other complaint still fails.
    pub fn check_stray_path<T>(
        &mut self,
        method: &'static str,
        path: &'static str,
        names: &[&str],
        result: Result<T, Error>,
    ) {
        let only_stray = |raw: &str| {
            let body: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
            let found = body["validation"].as_array().cloned().unwrap_or_default();
            !found.is_empty()
                && found.iter().all(|v| {
                    let message = v["message"].as_str().unwrap_or_default();
                    v["location"][0] == "path" && names.iter().any(|n| message.ends_with(&format!("'{n}'")))
                })
        };
        match result {
            Err(Error::Api(e)) if e.status == 422 && only_stray(&e.raw) => {
                if self.dynamic {
                    self.calls.push((method, path));
                }
            }
            other => self.check(method, path, other),
        }
    }

    /// (called, passed) for GET, then for the other methods.
    pub fn counts(&self) -> [(usize, usize); 2] {
        let failed = |m: &str, p: &str| self.failures.iter().any(|(fm, fp, _)| (*fm, *fp) == (m, p));
        let count = |get: bool| {
            let calls = self.calls.iter().filter(|(m, _)| (*m == "GET") == get);
            let called = calls.clone().count();
            (called, called - calls.filter(|(m, p)| failed(m, p)).count())
        };
        [count(true), count(false)]
    }

    /// Prints what was left out and tolerated and the counts, then fails if any call did:
    /// `left_out` are operations no value the spec allows can call, `tolerated` those called
    /// with less than the test would send, for the spec's sake, each (method, path, why).
    pub fn finish(&self, left_out: &[(&str, &str, &str)], tolerated: &[(&str, &str, &str)]) {
        for (method, path, why) in left_out {
            println!("left out: {method} {path}: {why}");
        }
        for (method, path, why) in tolerated {
            println!("tolerated: {method} {path}: {why}");
        }
        for (method, path) in &self.unmockable {
            println!(
                "tolerated: {method} {path}: Prism could not make a random body (recursive schema); checked with the example body"
            );
        }
        let [(get, get_ok), (other, other_ok)] = self.counts();
        println!(
            "contract: GET {get} called, {get_ok} passed; POST/PUT/PATCH/DELETE {other} called, {other_ok} passed; {} left out; {} tolerated (spec defects, Prism limits)",
            left_out.len(),
            tolerated.len() + self.unmockable.len()
        );
        let failures: Vec<String> = self.failures.iter().map(|(m, p, why)| format!("{m} {p}: {why}")).collect();
        assert!(failures.is_empty(), "{} calls failed:\n{}", failures.len(), failures.join("\n"));
    }
}
