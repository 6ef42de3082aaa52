//! Pagination: list operations that take `page_token` and return `next_page_token` become
//! streams of pages and of items, following the tokens until the server sends none.

use super::error::Error;
use futures_core::Stream;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A list request that pages with `page_token` / `next_page_token`. Generated for every
/// such operation's builder.
pub trait Paginated: Clone + Send + Unpin + Sized + 'static {
    /// One page of results.
    type Page: Send + Unpin + 'static;
    /// One item of a page.
    type Item: Send + Unpin + 'static;
    /// The same request for the page behind `token`.
    fn with_token(self, token: String) -> Self;
    /// Sends the request for one page.
    fn fetch(self) -> impl Future<Output = Result<Self::Page, Error>> + Send + 'static;
    /// The token of the next page; `None` or empty when this was the last.
    fn next_token(page: &Self::Page) -> Option<&str>;
    /// The page's items.
    fn into_items(page: Self::Page) -> Vec<Self::Item>;
}

type Fetch<P> = Pin<Box<dyn Future<Output = Result<P, Error>> + Send>>;

enum State<R: Paginated> {
    Next(Option<String>),
    Fetching(Fetch<R::Page>, Option<String>),
    Done,
}

/// Every page of a list, in order: a [`Stream`], or call [`Pages::next_page`]. Each page
/// is one request, so the client's quota applies to each.
pub struct Pages<R: Paginated> {
    request: R,
    state: State<R>,
}

impl<R: Paginated> Pages<R> {
    /// Pages of `request`, starting with its own `page_token` (the first page if unset).
    pub fn new(request: R) -> Self {
        Pages { request, state: State::Next(None) }
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
            match &mut this.state {
                State::Done => return Poll::Ready(None),
                State::Next(token) => {
                    let token = token.take();
                    let request = match &token {
                        Some(t) => this.request.clone().with_token(t.clone()),
                        None => this.request.clone(),
                    };
                    this.state = State::Fetching(Box::pin(request.fetch()), token);
                }
                State::Fetching(fetch, sent) => match fetch.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(e)) => {
                        this.state = State::Done;
                        return Poll::Ready(Some(Err(e)));
                    }
                    Poll::Ready(Ok(page)) => {
                        // An empty token ends the list; so does a server repeating itself.
                        let next = R::next_token(&page).filter(|t| !t.is_empty() && Some(*t) != sent.as_deref());
                        this.state = match next {
                            Some(t) => State::Next(Some(t.to_owned())),
                            None => State::Done,
                        };
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
