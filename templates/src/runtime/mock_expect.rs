//! The typed half of the test kit: what keapgen writes for each operation ([`Operation`],
//! [`Listing`]) and what a test builds from it ([`Expect`], [`Call`]).
//!
//! An expectation is typed by its operation: its partial parameters and body are the
//! operation's own types, its answer is the operation's response type, and the requests it
//! matched read back as [`Call`]s of those types. The server ([`MockKeap`](super::testing::MockKeap)) sees them as
//! [`Rule`]s and knows nothing of the types.

use super::mock_decode::{json_includes, Incoming};
use super::mock_wire::{Answer, Media, Received};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

/// How a listing asks for its next page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paging {
    /// v2: `page_token` (this parameter) in, `next_page_token` out.
    Token {
        /// The parameter carrying the token.
        param: &'static str,
    },
    /// v1: `offset` and `limit` in, a total `count` and an absolute `next` URL out.
    Offset {
        /// The parameter carrying the offset.
        offset: &'static str,
    },
}

/// One operation as the mock sees it. keapgen writes one for every operation
/// (`testing::contact::ListContacts` for `client.contact().list_contacts()`); tests use it
/// through [`Expect`].
pub trait Operation: Send + Sync + 'static {
    /// The spec's `operationId` (`listContacts`).
    const ID: &'static str;
    /// The HTTP method (`GET`).
    const METHOD: &'static str;
    /// The path template the client sends (`/rest/v2/contacts/{contact_id}`).
    const PATH: &'static str;
    /// What success looks like.
    const MEDIA: Media;
    /// The parameters (path, query and header), each optional so that a partial value
    /// matches: fields left `None` match anything. Form and multipart fields, and objects
    /// spread over the query, are read from [`Call::raw`].
    type Params: Clone + fmt::Debug + Default + PartialEq + Send + Sync + 'static;
    /// The JSON body ([`NoBody`] when the operation sends none, or sends a form, multipart
    /// or raw upload: match those with [`Expect::when`] on [`Call::raw`]).
    type Body: Serialize + DeserializeOwned + Clone + fmt::Debug + Send + Sync + 'static;
    /// The success answer's value.
    type Response: Serialize + Send + Sync + 'static;
    /// Reads the parameters out of a request.
    fn params(request: &Incoming<'_>) -> Result<Self::Params, String>;
    /// Whether every parameter `expected` sets holds the same value in `got`.
    fn params_match(expected: &Self::Params, got: &Self::Params) -> bool;
}

/// A listing: an operation whose answers are pages.
pub trait Listing: Operation {
    /// One item of a page.
    type Item: Serialize + Clone + Send + Sync + 'static;
    /// How the next page is asked for.
    const PAGING: Paging;
    /// A page holding `items`, with the next page's token (v2) or absolute URL (v1), and (v1)
    /// the total number of items of the listing.
    fn page(items: Vec<Self::Item>, next: Option<String>, total: usize) -> Self::Response;
}

/// The body of an operation that sends no JSON body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoBody;

impl Serialize for NoBody {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

impl<'de> serde::Deserialize<'de> for NoBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| NoBody)
    }
}

/// A request an expectation matched, typed.
#[derive(Debug)]
pub struct Call<O: Operation> {
    /// The parameters it carried.
    pub params: O::Params,
    /// Its JSON body, if it had one that decodes as the operation's body type.
    pub body: Option<O::Body>,
    /// The request as received: method, path, query, headers, bytes (its `{:?}` hides
    /// credentials; the fields hold them, for a test to check).
    pub raw: Received,
}

impl<O: Operation> Clone for Call<O> {
    fn clone(&self) -> Self {
        Call { params: self.params.clone(), body: self.body.clone(), raw: self.raw.clone() }
    }
}

/// How many requests an expectation must match, checked when the mock is dropped (or by
/// [`MockKeap::verify`](super::testing::MockKeap::verify)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Times {
    AtLeast(usize),
    Exactly(usize),
    AtMost(usize),
}

impl fmt::Display for Times {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Times::AtLeast(n) => write!(f, "at least {n}"),
            Times::Exactly(n) => write!(f, "exactly {n}"),
            Times::AtMost(n) => write!(f, "at most {n}"),
        }
    }
}

type Predicate<O> = Box<dyn Fn(&Call<O>) -> bool + Send + Sync>;

/// An expectation of one operation: what requests it matches, how it answers them, how many
/// it must see. Build it from the operation's function (`testing::contact::list_contacts()`)
/// and hand it to [`MockKeap::expect`](super::testing::MockKeap::expect).
///
/// Answers are given in order: each matched request takes the next one, and the last one is
/// repeated (a retry of the client is a request like any other). Without any, the mock
/// answers 200 with the JSON `{}` (204 and no body for an operation without a response
/// body): a struct response reads as every field at its default; a list, text or bytes
/// response needs [`respond`](Expect::respond). With [`pages`](Expect::pages), the pages
/// are the answers. By default an expectation must match at least one request.
#[must_use = "an expectation does nothing until given to `MockKeap::expect`"]
pub struct Expect<O: Operation> {
    params: Option<O::Params>,
    body: Option<serde_json::Value>,
    predicates: Vec<(String, Predicate<O>)>,
    answers: Vec<Answer>,
    pages: Option<Pages>,
    times: Times,
    /// Whether `times`, `at_least` or `at_most` was called: `pages` then keeps that count.
    times_set: bool,
    _op: PhantomData<fn() -> O>,
}

impl<O: Operation> Default for Expect<O> {
    fn default() -> Self {
        Expect::new()
    }
}

impl<O: Operation> Expect<O> {
    /// An expectation of this operation, matching any of its requests.
    pub fn new() -> Self {
        Expect {
            params: None,
            body: None,
            predicates: Vec::new(),
            answers: Vec::new(),
            pages: None,
            times: Times::AtLeast(1),
            times_set: false,
            _op: PhantomData,
        }
    }

    /// Matches only requests whose parameters hold every value `partial` sets (`None` fields
    /// match anything): `ListContactsParams { page_size: Some(100), ..Default::default() }`.
    pub fn params(mut self, partial: O::Params) -> Self {
        self.params = Some(partial);
        self
    }

    /// Matches only requests whose JSON body holds every field `partial` serialises, with the
    /// same value (objects compare field by field, lists item by item and whole): the
    /// optional fields you set, and every required field (set those to what your code sends).
    ///
    /// # Panics
    /// If `partial` does not serialise (a test bug, reported at once).
    pub fn body(mut self, partial: O::Body) -> Self {
        self.body = Some(serde_json::to_value(&partial).expect("the expected body serialises"));
        self
    }

    /// Matches only requests for which `f` holds; `what` names the condition in failure
    /// messages.
    pub fn when(mut self, what: &str, f: impl Fn(&Call<O>) -> bool + Send + Sync + 'static) -> Self {
        self.predicates.push((what.to_owned(), Box::new(f)));
        self
    }

    /// Answers with this value (200, or 204 for an operation without a response body).
    pub fn respond(self, value: O::Response) -> Self {
        let status = if O::MEDIA == Media::Empty { 204 } else { 200 };
        self.respond_status(status, value)
    }

    /// Answers with this value and status (`201` for a create, say).
    pub fn respond_status(self, status: u16, value: O::Response) -> Self {
        let answer = Answer::value(status, O::MEDIA, &value);
        self.answer(answer)
    }

    /// Answers with `answer`: an error with Keap's body ([`Answer::error`]), a 429
    /// ([`Answer::too_many_requests`]), a dropped connection ([`Answer::dropped`]), ...
    pub fn answer(mut self, answer: Answer) -> Self {
        self.answers.push(answer);
        self
    }

    /// Must match exactly `n` requests; more are unexpected.
    pub fn times(mut self, n: usize) -> Self {
        self.times = Times::Exactly(n);
        self.times_set = true;
        self
    }

    /// Must match at least `n` requests (`0`: any number).
    pub fn at_least(mut self, n: usize) -> Self {
        self.times = Times::AtLeast(n);
        self.times_set = true;
        self
    }

    /// May match at most `n` requests; more are unexpected.
    pub fn at_most(mut self, n: usize) -> Self {
        self.times = Times::AtMost(n);
        self.times_set = true;
        self
    }
}

/// A listing served as pages, found by the page token or offset a request carries.
struct Pages {
    /// Each page's start offset in the listing.
    starts: Vec<usize>,
    /// Answers given instead of a page the first time(s) it is asked for.
    interruptions: Vec<(usize, Answer)>,
    /// Builds page `index`'s answer, given the next page's cursor.
    render: PageRender,
    paging: Paging,
}

type PageRender = Box<dyn Fn(usize, Option<String>) -> Result<Vec<u8>, String> + Send + Sync>;

impl<O: Listing> Expect<O> {
    /// Serves the listing as these pages, in order: page 1 answers a request without a page
    /// token (v2) or at offset 0 (v1); each page but the last carries the token of the next
    /// (`next_page_token`, the mock's `mock-page-2`, `mock-page-3`, ...) or its absolute URL
    /// (`next`, with the total `count`). A request for a token or offset no page has is
    /// answered 400 with Keap's error body. No pages at all is an empty listing: one empty
    /// page. Answers given with `respond` or `answer` are not used; faults go in with
    /// [`interrupt`](Expect::interrupt).
    ///
    /// The expectation then must match at least one request per page, unless a count was
    /// given (`times`, `at_least`, `at_most`, before or after).
    pub fn pages<P: IntoIterator<Item = O::Item>>(mut self, pages: impl IntoIterator<Item = P>) -> Self {
        let mut pages: Vec<Vec<O::Item>> = pages.into_iter().map(|p| p.into_iter().collect()).collect();
        // No pages is an empty listing: one empty page, not a 400 for every request.
        if pages.is_empty() {
            pages.push(Vec::new());
        }
        let mut starts = Vec::with_capacity(pages.len());
        let mut total = 0;
        for p in &pages {
            starts.push(total);
            total += p.len();
        }
        if !self.times_set {
            self.times = Times::AtLeast(pages.len());
        }
        self.pages = Some(Pages {
            starts,
            interruptions: Vec::new(),
            render: Box::new(move |index, next| {
                serde_json::to_vec(&O::page(pages[index].clone(), next, total)).map_err(|e| e.to_string())
            }),
            paging: O::PAGING,
        });
        self
    }

    /// The first request for page `page` (1-based) gets `answer` instead of the page; the
    /// next request for it gets the page. Call it again for the same page to interrupt it
    /// more than once: a 429 then a 500 on page 2, say.
    ///
    /// # Panics
    /// Before [`pages`](Expect::pages), or for a page it does not have.
    pub fn interrupt(mut self, page: usize, answer: Answer) -> Self {
        let pages = self.pages.as_mut().expect("`interrupt` follows `pages`");
        assert!((1..=pages.starts.len()).contains(&page), "page {page} of {}: no such page", pages.starts.len());
        pages.interruptions.push((page, answer));
        self
    }
}

/// The server's view of an expectation: its operation, whether it takes a request, and
/// what it answers.
pub(crate) trait Rule: Send + Sync {
    /// `listContacts GET /rest/v2/contacts (page_size: Some(100)), at least 1, matched 0`.
    fn describe(&self) -> String;
    /// Whether it takes this request: `Err` says why not when the operation is its own (for
    /// the failure message). Taking it counts it.
    fn take(&self, request: &Received, base_url: &str) -> Result<Answer, Option<String>>;
    /// Whether its count is met, and if not, what it expected.
    fn unmet(&self) -> Option<String>;
    /// Whether it can take no more requests (then a later rule of the same operation may).
    fn exhausted(&self) -> bool;
}

/// An expectation once registered: its matches so far.
pub(crate) struct Registered<O: Operation> {
    expect: Expect<O>,
    state: Mutex<State>,
    pub(crate) calls: Arc<Mutex<Vec<Call<O>>>>,
}

#[derive(Default)]
struct State {
    matched: usize,
    /// Interruptions already given, by their index in `Pages::interruptions`.
    interrupted: Vec<usize>,
}

impl<O: Operation> Registered<O> {
    pub(crate) fn new(expect: Expect<O>) -> Self {
        Registered { expect, state: Mutex::default(), calls: Arc::default() }
    }

    fn decode(request: &Received) -> Result<Option<Call<O>>, String> {
        let Some(incoming) = Incoming::new(request, O::METHOD, O::PATH) else { return Ok(None) };
        let params = O::params(&incoming)?;
        let body = if request.body.is_empty() { None } else { serde_json::from_slice(&request.body).ok() };
        Ok(Some(Call { params, body, raw: request.clone() }))
    }

    fn page_answer(&self, pages: &Pages, call: &Call<O>, state: &mut State, base_url: &str) -> Answer {
        let incoming = Incoming::new(&call.raw, O::METHOD, O::PATH).expect("matched before");
        let index = match pages.paging {
            Paging::Token { param } => match incoming.query_text(param) {
                None | Some("") => Some(0),
                // `mock-page-0` is no page (and must not underflow).
                Some(token) => token
                    .strip_prefix(TOKEN_PREFIX)
                    .and_then(|n| n.parse::<usize>().ok())
                    .and_then(|n| n.checked_sub(1)),
            },
            Paging::Offset { offset } => {
                let at = incoming.query_text(offset).map_or(Ok(0), str::parse::<usize>);
                at.ok().and_then(|at| pages.starts.iter().position(|start| *start == at))
            }
        };
        let Some(index) = index.filter(|i| *i < pages.starts.len()) else {
            return Answer::error(400, "no page has this page token or offset (the mock's pages)");
        };
        for (n, (page, answer)) in pages.interruptions.iter().enumerate() {
            if *page == index + 1 && !state.interrupted.contains(&n) {
                state.interrupted.push(n);
                return answer.clone();
            }
        }
        let next = (index + 1 < pages.starts.len()).then(|| match pages.paging {
            Paging::Token { .. } => format!("{TOKEN_PREFIX}{}", index + 2),
            Paging::Offset { offset } => {
                let mut url = format!("{base_url}{}?", call.raw.path);
                for (k, v) in call.raw.query.iter().filter(|(k, _)| k != offset) {
                    url.push_str(&format!("{}={}&", super::request::encode_query(k), super::request::encode_query(v)));
                }
                url.push_str(&format!("{offset}={}", pages.starts[index + 1]));
                url
            }
        });
        match (pages.render)(index, next) {
            Ok(body) => Answer::bytes(200, "application/json", body),
            Err(e) => Answer::error(500, &format!("the mock could not build page {}: {e}", index + 1)),
        }
    }
}

/// Page tokens the mock hands out: `mock-page-2` asks for page 2.
const TOKEN_PREFIX: &str = "mock-page-";

impl<O: Operation> Rule for Registered<O> {
    fn describe(&self) -> String {
        let e = &self.expect;
        let mut out = format!("{} {} {}", O::ID, O::METHOD, O::PATH);
        let mut conditions = Vec::new();
        if let Some(p) = &e.params {
            conditions.push(format!("params {p:?}"));
        }
        if let Some(b) = &e.body {
            conditions.push(format!("body including {b}"));
        }
        conditions.extend(e.predicates.iter().map(|(what, _)| what.clone()));
        if let Some(p) = &e.pages {
            conditions.push(format!("{} pages", p.starts.len()));
        }
        if !conditions.is_empty() {
            out.push_str(&format!(" ({})", conditions.join(", ")));
        }
        let matched = self.state.lock().unwrap_or_else(|p| p.into_inner()).matched;
        out.push_str(&format!(": {} expected, {matched} matched", e.times));
        out
    }

    fn take(&self, request: &Received, base_url: &str) -> Result<Answer, Option<String>> {
        let call = match Self::decode(request) {
            Ok(Some(call)) => call,
            Ok(None) => return Err(None),
            Err(e) => return Err(Some(format!("{}: the parameters do not read: {e}", O::ID))),
        };
        let e = &self.expect;
        if let Some(p) = &e.params {
            if !O::params_match(p, &call.params) {
                return Err(Some(format!("{}: parameters {:?} do not match {p:?}", O::ID, call.params)));
            }
        }
        if let Some(want) = &e.body {
            let got: Option<serde_json::Value> = serde_json::from_slice(&request.body).ok();
            if !got.as_ref().is_some_and(|got| json_includes(got, want)) {
                let got = got.map_or_else(|| "no JSON body".to_owned(), |g| g.to_string());
                return Err(Some(format!("{}: body {got} does not include {want}", O::ID)));
            }
        }
        if let Some((what, _)) = e.predicates.iter().find(|(_, f)| !f(&call)) {
            return Err(Some(format!("{}: not {what}", O::ID)));
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if matches!(e.times, Times::Exactly(n) | Times::AtMost(n) if state.matched >= n) {
            return Err(Some(format!("{}: already matched {} ({} expected)", O::ID, state.matched, e.times)));
        }
        let answer = if let Some(pages) = &e.pages {
            self.page_answer(pages, &call, &mut state, base_url)
        } else if let Some(answer) = e.answers.get(state.matched).or(e.answers.last()) {
            answer.clone()
        } else if O::MEDIA == Media::Empty {
            Answer::bytes(204, "", Vec::new())
        } else {
            Answer::bytes(200, "application/json", b"{}".to_vec())
        };
        state.matched += 1;
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).push(call);
        Ok(answer)
    }

    fn unmet(&self) -> Option<String> {
        let matched = self.state.lock().unwrap_or_else(|p| p.into_inner()).matched;
        let met = match self.expect.times {
            Times::AtLeast(n) => matched >= n,
            Times::Exactly(n) => matched == n,
            Times::AtMost(n) => matched <= n,
        };
        (!met).then(|| self.describe())
    }

    fn exhausted(&self) -> bool {
        let matched = self.state.lock().unwrap_or_else(|p| p.into_inner()).matched;
        matches!(self.expect.times, Times::Exactly(n) | Times::AtMost(n) if matched >= n)
    }
}

/// The requests one registered expectation matched, typed: returned by
/// [`MockKeap::expect`](super::testing::MockKeap::expect).
pub struct Calls<O: Operation> {
    pub(crate) calls: Arc<Mutex<Vec<Call<O>>>>,
}

impl<O: Operation> Clone for Calls<O> {
    fn clone(&self) -> Self {
        Calls { calls: self.calls.clone() }
    }
}

impl<O: Operation> fmt::Debug for Calls<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Calls").field("operation", &O::ID).field("count", &self.len()).finish()
    }
}

impl<O: Operation> Calls<O> {
    /// Every request matched so far, in order.
    pub fn all(&self) -> Vec<Call<O>> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// How many requests it matched.
    pub fn len(&self) -> usize {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether it matched none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The last request matched.
    pub fn last(&self) -> Option<Call<O>> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).last().cloned()
    }
}

/// Whether an expected parameter (`None`: any) holds the value received: what generated
/// `Operation::params_match` is made of.
#[doc(hidden)]
pub fn same<T: PartialEq>(expected: &Option<T>, got: &Option<T>) -> bool {
    expected.is_none() || expected == got
}
