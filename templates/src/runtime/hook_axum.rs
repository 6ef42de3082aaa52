//! The receiver as an axum route (the `axum` feature): axum because it is the most used Rust
//! server framework and costs little on top of this crate (hyper, tower and `http` are in
//! its tree already, through reqwest). Other frameworks call
//! [`Receiver::handle_http`](super::hooks_receiver::Receiver::handle_http) or
//! [`Receiver::handle`](super::hooks_receiver::Receiver::handle) themselves.

use super::hooks_receiver::{Delivery, Received, Receiver, Refusal};
use tokio::sync::mpsc;

/// A route answering Keap at the hook URL with `receiver`, handing each delivery to `inbox`
/// and answering 200 at once. When `inbox` is full or closed the answer is 503: Keap sends
/// the delivery again later (30 s to 30 min), but counts it as a failure, and four failures in
/// a row make the subscription `Inactive`; size the queue for the bursts you expect, and keep
/// its consumer running. Requests without the right token are refused before their body is
/// read. Mount it at the path of the receiver's public URL:
/// `Router::new().route("/keap/hooks", keap::hooks::axum::route(receiver, tx))`. Handshakes are
/// answered by the receiver (a delayed one's secret goes to its `PendingSecrets`).
pub fn route<S: Clone + Send + Sync + 'static>(
    receiver: Receiver,
    inbox: mpsc::Sender<Delivery>,
) -> axum::routing::MethodRouter<S> {
    axum::routing::any(move |request: axum::extract::Request| async move {
        let (parts, body) = request.into_parts();
        if let Some(answer) = receiver.refuse_early(parts.method.as_str(), parts.uri.query().unwrap_or("")) {
            return answer.into_http().map(axum::body::Body::from);
        }
        // One byte over the limit is enough to answer 413 without reading the rest.
        let limit = receiver.limit().saturating_add(1);
        let Ok(body) = axum::body::to_bytes(body, limit).await else {
            // Over the limit (or the connection broke, and nobody reads the answer).
            return receiver.refusal(&Refusal::TooLarge).into_http().map(axum::body::Body::from);
        };
        let (mut response, received) = receiver.handle_http(&http::Request::from_parts(parts, body));
        if let Received::Delivery(delivery) = received {
            if let Err(e) = inbox.try_send(delivery) {
                if matches!(e, mpsc::error::TrySendError::Closed(_)) {
                    // Nobody takes deliveries any more: every one fails until that is fixed.
                    tracing::error!("keap hooks: the inbox is closed; deliveries are refused until it is replaced");
                }
                response = receiver.refusal(&Refusal::Busy).into_http();
            }
        }
        response.map(axum::body::Body::from)
    })
}
