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
#[path = "tests/paginate.rs"]
mod tests;
