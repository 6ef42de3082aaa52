//! Pagination: list operations become streams of pages and of items. Keap's v2 lists
//! take `page_token` and return `next_page_token`; v1-style lists take `offset` and `limit`.

use super::error::Error;
use futures_core::Stream;
use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A list request whose pages can be followed. Generated for every such operation's
/// builder.
pub trait Paginated: Clone + Send + Unpin + Sized + 'static {
    /// One page of results.
    type Page: Send + Unpin + 'static;
    /// One item of a page.
    type Item: Send + Unpin + 'static;
    /// The operationId, for errors.
    const OPERATION: &'static str;
    /// The request for the page after `page` (which this request fetched), or `None` when
    /// `page` was the last.
    fn next_request(&self, page: &Self::Page) -> Option<Self>;
    /// Where this request starts: its page token (or offset, for offset lists); `None` for
    /// the first page.
    fn cursor(&self) -> Option<String>;
    /// Sends the request for one page.
    fn fetch(self) -> impl Future<Output = Result<Self::Page, Error>> + Send + 'static;
    /// The page's items.
    fn into_items(page: Self::Page) -> Vec<Self::Item>;
}

/// The token to send for the next page: `received`, unless it is missing or empty (the
/// last page). A token already sent in this listing is caught by [`Pages`].
pub fn next_token(received: Option<&str>) -> Option<String> {
    received.filter(|t| !t.is_empty()).map(str::to_owned)
}

/// The offset of the next page: past the `received` items. A page that says how many items
/// match in all (`total`, Keap v1's `count`) ends the list once that many have been
/// received, whatever the page sizes (a server that caps `limit` sends short pages that are
/// not the last). Without a total the list ends at a page that is shorter than the `limit`
/// asked for, or whose `next` link is blank. An empty page always ends it. (`next` is an
/// absolute URL; it is never followed, so credentials never go where it points.)
pub fn next_offset(
    offset: Option<i64>,
    limit: Option<i64>,
    received: usize,
    next: Option<&str>,
    total: Option<i64>,
) -> Option<i64> {
    let received = i64::try_from(received).ok()?;
    if received == 0 {
        return None;
    }
    let at = offset.unwrap_or(0).checked_add(received)?;
    if let Some(total) = total {
        return (at < total).then_some(at);
    }
    let short = limit.is_some_and(|l| received < l);
    let blank = next.is_some_and(|n| n.trim().is_empty());
    (!short && !blank).then_some(at)
}

type Fetch<P> = Pin<Box<dyn Future<Output = Result<P, Error>> + Send>>;

/// Polls that may fail on one page before the listing stops there: each already includes
/// the client's retries, so three are many requests, and a caller that skips errors
/// (`filter_map(Result::ok)`) cannot spend the day's quota on one page.
pub const MAX_PAGE_FAILURES: u32 = 3;

enum State<R: Paginated> {
    Next(R),
    Fetching(Fetch<R::Page>, R),
    /// Stopped on a page that kept failing: the stream has ended, the list has not.
    Stopped(R),
    Done,
}

/// Where a listing stands: what to save to resume it later.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume<'a> {
    /// Nothing fetched yet: start from the beginning (or from the request's own token).
    Start,
    /// Resume from this page token (for offset lists, this offset) with the builder's
    /// `.page_token(...)` (`.offset(...)`).
    From(&'a str),
    /// Every page was yielded: there is nothing left to fetch.
    Done,
}

/// Every page of a list, in order: a [`Stream`], or call [`Pages::next_page`]. Each page
/// is one request, so the client's quota applies to each.
///
/// A failed page is yielded as an `Err`. After an error the same request would meet again
/// (a 400, a 404: not [`Error::is_retryable`]), or after [`MAX_PAGE_FAILURES`] failures of
/// one page in a row, the stream ends there: it never spends unbounded requests on one
/// page. Otherwise polling again sends that page's request again. Either way the list
/// never ends in silence: the error was yielded, a `tracing` error is logged when the
/// stream stops early, [`is_done`](Pages::is_done) stays `false`, and
/// [`resume`](Pages::resume) says where to go on. A server that hands out a page token
/// this listing already fetched (`x, y, x`) gets [`Error::Pagination`], not a silent end or
/// an endless loop; the stream ends after it.
pub struct Pages<R: Paginated> {
    state: State<R>,
    /// The cursor of the request in `state`.
    cursor: Option<String>,
    /// Every cursor sent in this listing.
    seen: HashSet<String>,
    /// Failures of the page in `state` in a row.
    failures: u32,
}

impl<R: Paginated> Pages<R> {
    /// Pages of `request`, starting where it points (the first page unless its token or
    /// offset is set).
    pub fn new(request: R) -> Self {
        Pages { cursor: request.cursor(), state: State::Next(request), seen: HashSet::new(), failures: 0 }
    }

    /// The next page, or `None` after the last.
    pub async fn next_page(&mut self) -> Option<Result<R::Page, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Where to resume: [`Resume::From`] the page this stream fetches next, or is
    /// fetching, or failed to fetch; [`Resume::Start`] before the first page;
    /// [`Resume::Done`] once the last page was yielded (or the listing stopped on a
    /// repeated token). Save it, and resume with the builder's `.page_token(...)`.
    pub fn resume(&self) -> Resume<'_> {
        match (&self.state, self.cursor.as_deref()) {
            (State::Done, _) => Resume::Done,
            (_, Some(token)) => Resume::From(token),
            (_, None) => Resume::Start,
        }
    }

    /// Whether the last page has been yielded (or the listing stopped on a repeated
    /// token). `false` for a stream that stopped on a failing page.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }
}

impl<R: Paginated> Stream for Pages<R> {
    type Item = Result<R::Page, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match std::mem::replace(&mut this.state, State::Done) {
                State::Done => return Poll::Ready(None),
                State::Stopped(request) => {
                    this.state = State::Stopped(request);
                    return Poll::Ready(None);
                }
                State::Next(request) => {
                    if let Some(token) = this.cursor.as_ref().filter(|c| this.seen.contains(*c)) {
                        // Following it would fetch the same pages again, forever.
                        let e = Error::Pagination { operation: R::OPERATION, token: token.clone() };
                        return Poll::Ready(Some(Err(e)));
                    }
                    this.state = State::Fetching(Box::pin(request.clone().fetch()), request);
                }
                State::Fetching(mut fetch, sent) => match fetch.as_mut().poll(cx) {
                    Poll::Pending => {
                        this.state = State::Fetching(fetch, sent);
                        return Poll::Pending;
                    }
                    // Stay on this page: the next poll asks for it again, unless asking again
                    // is pointless or has failed too often; then the stream ends here, loudly.
                    Poll::Ready(Err(e)) => {
                        this.failures += 1;
                        if !e.is_retryable() || this.failures >= MAX_PAGE_FAILURES {
                            tracing::error!(
                                operation = R::OPERATION,
                                page_token = this.cursor.as_deref().unwrap_or(""),
                                failures = this.failures,
                                error = %e,
                                "a listing stopped on a page that failed; it is not complete"
                            );
                            this.state = State::Stopped(sent);
                        } else {
                            this.state = State::Next(sent);
                        }
                        return Poll::Ready(Some(Err(e)));
                    }
                    Poll::Ready(Ok(page)) => {
                        this.failures = 0;
                        if let Some(c) = this.cursor.take() {
                            this.seen.insert(c);
                        }
                        if let Some(next) = sent.next_request(&page) {
                            this.cursor = next.cursor();
                            this.state = State::Next(next);
                        }
                        return Poll::Ready(Some(Ok(page)));
                    }
                },
            }
        }
    }
}

/// Every item of every page of a list, in order: a [`Stream`], or call [`Items::next_item`].
/// Like [`Pages`], an error is yielded and the stream stays usable: polling again retries
/// the failed page.
pub struct Items<R: Paginated> {
    pages: Pages<R>,
    buffer: VecDeque<R::Item>,
    /// The cursor of the page the buffered items came from.
    buffered_from: Option<String>,
}

impl<R: Paginated> Items<R> {
    /// Items of `request`'s pages.
    pub fn new(request: R) -> Self {
        Items { pages: Pages::new(request), buffer: VecDeque::new(), buffered_from: None }
    }

    /// Where to resume so that no item is missed: [`Resume::From`] the page the items not
    /// yet yielded come from (a resumed listing may repeat items of that page, never skip
    /// any), [`Resume::Start`] before the first page, [`Resume::Done`] once every item was
    /// yielded.
    pub fn resume(&self) -> Resume<'_> {
        if self.buffer.is_empty() {
            self.pages.resume()
        } else {
            self.buffered_from.as_deref().map_or(Resume::Start, Resume::From)
        }
    }

    /// Whether every item has been yielded. `false` for a stream that stopped on a failing
    /// page (see [`Pages`]).
    pub fn is_done(&self) -> bool {
        self.buffer.is_empty() && self.pages.is_done()
    }

    /// The next item, or `None` after the last.
    pub async fn next_item(&mut self) -> Option<Result<R::Item, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Every item, fetching every page; stops at the first error.
    pub async fn all(mut self) -> Result<Vec<R::Item>, Error> {
        let mut out = Vec::new();
        while let Some(item) = self.next_item().await {
            out.push(item?);
        }
        Ok(out)
    }
}

impl<R: Paginated> Stream for Items<R> {
    type Item = Result<R::Item, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            let from = this.pages.cursor.clone();
            match Pin::new(&mut this.pages).poll_next(cx) {
                Poll::Ready(Some(Ok(page))) => {
                    this.buffered_from = from;
                    this.buffer.extend(R::into_items(page));
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
        let list =
            scripted(vec![Ok((vec![1, 2], Some("p2"))), Err(503), Ok((vec![3], Some("p3"))), Ok((vec![4], None))]);
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
}
