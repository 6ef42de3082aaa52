//! REST Hooks in the test kit (filled in next: subscriptions, handshake, deliveries).

use super::mock_server::{Answer, Received, Shared};
use std::sync::Arc;

/// What one delivery did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryReport {}

/// A subscription as the mock keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MockSubscription {}

pub(crate) struct Hooks {}

impl Hooks {
    pub(crate) fn new() -> Self {
        Hooks {}
    }

    pub(crate) async fn answer(&self, _shared: &Arc<Shared>, _request: &Received) -> Option<Answer> {
        None
    }
}
