//! Pagination: list operations become streams of pages and of items. Keap's v2 lists
//! take `page_token` and return `next_page_token`; v1-style lists take `offset` and `limit`.

use super::error::Error;
use futures_core::Stream;
use std::collections::VecDeque;
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
    /// The request for the page after `page` (which this request fetched), or `None` when
    /// `page` was the last.
    fn next_request(&self, page: &Self::Page) -> Option<Self>;
    /// Sends the request for one page.
    fn fetch(self) -> impl Future<Output = Result<Self::Page, Error>> + Send + 'static;
    /// The page's items.
    fn into_items(page: Self::Page) -> Vec<Self::Item>;
}

/// The token to send for the next page: `received`, unless it is missing or empty (the
/// last page) or the token just `sent` (a server repeating itself would loop forever).
pub fn next_token(sent: Option<&str>, received: Option<&str>) -> Option<String> {
    received.filter(|t| !t.is_empty() && Some(*t) != sent).map(str::to_owned)
}

/// The offset of the next page: past the `received` items, unless the page was empty,
/// shorter than the `limit` asked for, or its `next` link is blank. (`next` is an absolute
/// URL; it is not followed, so credentials never go where it points.)
pub fn next_offset(offset: Option<i64>, limit: Option<i64>, received: usize, next: Option<&str>) -> Option<i64> {
    let received = i64::try_from(received).ok()?;
    let short = limit.is_some_and(|l| received < l);
    let blank = next.is_some_and(|n| n.trim().is_empty());
    if received == 0 || short || blank {
        return None;
    }
    offset.unwrap_or(0).checked_add(received)
}

type Fetch<P> = Pin<Box<dyn Future<Output = Result<P, Error>> + Send>>;

enum State<R: Paginated> {
    Next(R),
    Fetching(Fetch<R::Page>, R),
    Done,
}

/// Every page of a list, in order: a [`Stream`], or call [`Pages::next_page`]. Each page
/// is one request, so the client's quota applies to each.
pub struct Pages<R: Paginated> {
    state: State<R>,
}

impl<R: Paginated> Pages<R> {
    /// Pages of `request`, starting where it points (the first page unless its token or
    /// offset is set).
    pub fn new(request: R) -> Self {
        Pages { state: State::Next(request) }
    }

    /// The next page, or `None` after the last.
    pub async fn next_page(&mut self) -> Option<Result<R::Page, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<R: Paginated> Stream for Pages<R> {
    type Item = Result<R::Page, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match std::mem::replace(&mut this.state, State::Done) {
                State::Done => return Poll::Ready(None),
                State::Next(request) => {
                    this.state = State::Fetching(Box::pin(request.clone().fetch()), request);
                }
                State::Fetching(mut fetch, sent) => match fetch.as_mut().poll(cx) {
                    Poll::Pending => {
                        this.state = State::Fetching(fetch, sent);
                        return Poll::Pending;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Some(Err(e))),
                    Poll::Ready(Ok(page)) => {
                        if let Some(next) = sent.next_request(&page) {
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
pub struct Items<R: Paginated> {
    pages: Pages<R>,
    buffer: VecDeque<R::Item>,
}

impl<R: Paginated> Items<R> {
    /// Items of `request`'s pages.
    pub fn new(request: R) -> Self {
        Items { pages: Pages::new(request), buffer: VecDeque::new() }
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
            match Pin::new(&mut this.pages).poll_next(cx) {
                Poll::Ready(Some(Ok(page))) => this.buffer.extend(R::into_items(page)),
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

    #[test]
    fn tokens_end_when_missing_empty_or_repeated() {
        assert_eq!(next_token(None, Some("b")), Some("b".into()));
        assert_eq!(next_token(Some("a"), Some("b")), Some("b".into()));
        assert_eq!(next_token(Some("a"), Some("a")), None);
        assert_eq!(next_token(Some("a"), Some("")), None);
        assert_eq!(next_token(Some("a"), None), None);
    }

    #[test]
    fn offsets_move_past_what_came_until_a_page_is_empty_short_or_last() {
        assert_eq!(next_offset(None, Some(2), 2, None), Some(2));
        assert_eq!(next_offset(Some(4), Some(2), 2, Some("https://api.example.com/v1/x?offset=6")), Some(6));
        assert_eq!(next_offset(Some(4), Some(2), 1, None), None, "short");
        assert_eq!(next_offset(Some(4), None, 0, None), None, "empty");
        assert_eq!(next_offset(Some(4), None, 3, Some("")), None, "blank next");
        assert_eq!(next_offset(Some(4), None, 3, None), Some(7), "no limit: until empty");
        assert_eq!(next_offset(Some(i64::MAX), None, 1, None), None);
    }
}
