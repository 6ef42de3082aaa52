use super::*;
use std::sync::{Arc, Mutex};

type Answer = Result<(Vec<u32>, Option<&'static str>), u16>;

/// A list served from a script: each fetch takes the next answer.
#[derive(Clone)]
struct Scripted {
    token: Option<String>,
    answers: Arc<Mutex<VecDeque<Answer>>>,
    sent: Arc<Mutex<Vec<Option<String>>>>,
}

impl Paginated for Scripted {
    type Page = (Vec<u32>, Option<&'static str>);
    type Item = u32;
    const OPERATION: &'static str = "listThings";
    fn next_request(&self, page: &Self::Page) -> Option<Self> {
        let token = next_token(page.1)?;
        Some(Scripted { token: Some(token), ..self.clone() })
    }
    fn cursor(&self) -> Option<String> {
        self.token.clone()
    }
    fn fetch(self) -> impl Future<Output = Result<Self::Page, Error>> + Send + 'static {
        self.sent.lock().unwrap().push(self.token.clone());
        let answer = self.answers.lock().unwrap().pop_front().expect("no more answers");
        async move { answer.map_err(api_error) }
    }
    fn into_items(page: Self::Page) -> Vec<u32> {
        page.0
    }
}

/// An HTTP error with `status`, as the transport makes them.
fn api_error(status: u16) -> Error {
    let raw = format!("HTTP {status}");
    Error::Api(Box::new(super::super::error::ApiError {
        operation: "listThings",
        status,
        body: super::super::error::ApiErrorBody::parse(&raw),
        raw,
        headers: Vec::new(),
        request_id: None,
        received: std::time::UNIX_EPOCH,
    }))
}

fn scripted(answers: Vec<Answer>) -> Scripted {
    Scripted { token: None, answers: Arc::new(Mutex::new(answers.into())), sent: Arc::default() }
}

#[test]
fn tokens_end_when_missing_or_empty() {
    assert_eq!(next_token(Some("b")), Some("b".into()));
    assert_eq!(next_token(Some("")), None);
    assert_eq!(next_token(None), None);
}

#[test]
fn an_error_is_yielded_and_polling_again_retries_the_same_page() {
    let list = scripted(vec![Ok((vec![1, 2], Some("p2"))), Err(503), Ok((vec![3], Some("p3"))), Ok((vec![4], None))]);
    let sent = list.sent.clone();
    let mut items = Items::new(list);
    let mut next = || futures_now(items.next_item());
    assert_eq!(next().unwrap().unwrap(), 1);
    assert_eq!(next().unwrap().unwrap(), 2);
    let e = next().unwrap().unwrap_err();
    assert!(e.to_string().contains("HTTP 503"), "{e}");
    assert_eq!(items.resume(), Resume::From("p2"), "resume at the page that failed");
    let mut rest = Vec::new();
    while let Some(item) = futures_now(items.next_item()) {
        rest.push(item.unwrap());
    }
    assert_eq!(rest, [3, 4]);
    assert_eq!(items.resume(), Resume::Done, "not `Start`: a saved position after the end");
    assert!(items.is_done());
    assert_eq!(*sent.lock().unwrap(), [None, Some("p2".into()), Some("p2".into()), Some("p3".into())]);
}

/// Polls a future that is ready at once (the scripted fetches are).
fn futures_now<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let waker = std::task::Waker::noop();
    match f.as_mut().poll(&mut Context::from_waker(waker)) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("scripted fetches never wait"),
    }
}

#[test]
fn a_page_that_keeps_failing_stops_the_stream_loudly_within_a_bound() {
    // A caller that skips errors: a 500 every time is asked for a bounded number of times.
    let list = scripted(vec![Ok((vec![1], Some("p2")))].into_iter().chain((0..50).map(|_| Err(500))).collect());
    let sent = list.sent.clone();
    let mut items = Items::new(list);
    let mut ok = Vec::new();
    let mut errors = 0;
    for _ in 0..50 {
        match futures_now(items.next_item()) {
            Some(Ok(i)) => ok.push(i),
            Some(Err(_)) => errors += 1,
            None => break,
        }
    }
    assert_eq!((ok, errors), (vec![1], MAX_PAGE_FAILURES as usize));
    assert_eq!(sent.lock().unwrap().len(), 1 + MAX_PAGE_FAILURES as usize);
    assert!(!items.is_done(), "stopped, not done");
    assert_eq!(items.resume(), Resume::From("p2"));
    // One that the same request would meet again (a 400, a 404) stops at once.
    let mut items = Items::new(scripted(vec![Err(404), Err(404)]));
    assert!(futures_now(items.next_item()).unwrap().is_err());
    assert!(futures_now(items.next_item()).is_none());
    assert_eq!(items.resume(), Resume::Start);
    assert!(!items.is_done());
}

#[test]
fn a_token_already_fetched_is_an_error_not_an_end_or_a_loop() {
    // x, y, x, y, ... : the third page would be the second again.
    let answers = (0..50).map(|i| Ok((vec![i], Some(if i % 2 == 0 { "x" } else { "y" })))).collect();
    let list = scripted(answers);
    let sent = list.sent.clone();
    let mut pages = Pages::new(list);
    let mut got = Vec::new();
    let mut errors = Vec::new();
    for _ in 0..50 {
        match futures_now(pages.next_page()) {
            Some(Ok(page)) => got.push(page.0[0]),
            Some(Err(e)) => errors.push(e.to_string()),
            None => break,
        }
    }
    assert_eq!(got, [0, 1, 2], "pages for none, x and y");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("listThings") && errors[0].contains("`x`"), "{}", errors[0]);
    assert!(pages.is_done());
    assert_eq!(sent.lock().unwrap().len(), 3, "the repeated token is never sent");
    // The same token twice in a row.
    let mut pages = Pages::new(scripted(vec![Ok((vec![1], Some("a"))), Ok((vec![2], Some("a")))]));
    assert!(futures_now(pages.next_page()).unwrap().is_ok());
    assert!(futures_now(pages.next_page()).unwrap().is_ok());
    assert!(matches!(futures_now(pages.next_page()), Some(Err(Error::Pagination { .. }))));
    assert!(futures_now(pages.next_page()).is_none());
}

#[test]
fn a_listing_can_resume_from_its_page_token() {
    let mut pages = Pages::new(scripted(vec![Ok((vec![1], Some("t2"))), Err(500)]));
    futures_now(pages.next_page()).unwrap().unwrap();
    assert!(futures_now(pages.next_page()).unwrap().is_err());
    let Resume::From(token) = pages.resume() else { panic!("{:?}", pages.resume()) };
    let token = token.to_owned();
    let resumed = Scripted { token: Some(token), ..scripted(vec![Ok((vec![2], None))]) };
    let mut pages = Pages::new(resumed);
    assert_eq!(futures_now(pages.next_page()).unwrap().unwrap().0, [2]);
    assert!(futures_now(pages.next_page()).is_none());
    assert_eq!(pages.resume(), Resume::Done);
}

#[test]
fn offsets_move_past_what_came_until_a_page_is_empty_short_or_last() {
    assert_eq!(next_offset(None, Some(2), 2, None, None), Some(2));
    assert_eq!(next_offset(Some(4), Some(2), 2, Some("https://api.example.com/v1/x?offset=6"), None), Some(6));
    assert_eq!(next_offset(Some(4), Some(2), 1, None, None), None, "short");
    assert_eq!(next_offset(Some(4), None, 0, None, None), None, "empty");
    assert_eq!(next_offset(Some(4), None, 3, Some(""), None), None, "blank next");
    assert_eq!(next_offset(Some(4), None, 3, None, None), Some(7), "no limit: until empty");
    assert_eq!(next_offset(Some(i64::MAX), None, 1, None, None), None);
    // With a total: a short page (the server capped `limit`) is not the last...
    assert_eq!(next_offset(Some(0), Some(5000), 1000, None, Some(2500)), Some(1000), "capped page");
    assert_eq!(next_offset(Some(1000), Some(5000), 1000, Some(""), Some(2500)), Some(2000), "total wins over next");
    // ...and the list ends once the total has been received.
    assert_eq!(next_offset(Some(2000), Some(5000), 500, None, Some(2500)), None, "all received");
    assert_eq!(next_offset(Some(0), Some(2), 2, None, Some(2)), None, "full page, total reached");
    assert_eq!(next_offset(Some(6), None, 0, None, Some(100)), None, "empty page ends even below the total");
}
