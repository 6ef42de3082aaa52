//! Subscriptions that stay alive (the `hooks` feature): list Keap's REST Hook subscriptions,
//! create the missing ones, verify again the `Inactive` and `Unverified` ones, remove
//! duplicates, and say what was done. Through the client (`/rest/v1/hooks`), so with its
//! credentials, quota and retries; a create is a POST, never sent twice.

use super::client::Transport;
use super::error::Error;
use super::hooks_receiver::{redact_url, EventKey, HookUrls, PendingSecrets, SECRET_HEADER};
use super::request::{encode_path, Method, Request};
use super::tokens::Secret;
use std::collections::BTreeMap;
use std::fmt;

/// Where Keap keeps REST Hook subscriptions, relative to the base URL (REST v1).
pub const HOOKS_PATH: &str = "/rest/v1/hooks";

/// A subscription's status as Keap reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HookStatus {
    /// Deliveries are sent.
    Verified,
    /// The handshake has not succeeded: nothing is delivered.
    Unverified,
    /// Deliveries failed four times (or were answered 410): nothing is delivered, and the
    /// events in between are lost; verify it again and backfill.
    Inactive,
    /// A status this crate does not know, as Keap wrote it.
    Other(String),
}

impl HookStatus {
    fn parse(text: &str) -> HookStatus {
        match text {
            "Verified" => HookStatus::Verified,
            "Unverified" => HookStatus::Unverified,
            "Inactive" => HookStatus::Inactive,
            other => HookStatus::Other(other.to_owned()),
        }
    }
}

/// One REST Hook subscription. Its `Debug` hides the token in the hook URL.
#[derive(Clone, PartialEq)]
pub struct Subscription {
    /// Keap's key for it (`key`, text or a number on the wire).
    pub key: String,
    /// `eventKey`.
    pub event_key: EventKey,
    /// `hookUrl`, token included: keep it out of logs.
    pub hook_url: String,
    /// `status`.
    pub status: HookStatus,
    /// Fields Keap sent that this crate does not know.
    pub additional_properties: BTreeMap<String, serde_json::Value>,
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("key", &self.key)
            .field("event_key", &self.event_key)
            .field("hook_url", &redact_url(&self.hook_url))
            .field("status", &self.status)
            .finish()
    }
}

impl Subscription {
    fn parse(operation: &'static str, value: serde_json::Value) -> Result<Subscription, Error> {
        let bad = |message: &str| Error::Decode {
            operation,
            status: 200,
            path: String::new(),
            message: format!("a REST Hook subscription {message}"),
            snippet: String::new(),
        };
        let serde_json::Value::Object(mut fields) = value else { return Err(bad("is not a JSON object")) };
        let text = |v: Option<serde_json::Value>| match v {
            Some(serde_json::Value::String(s)) => Some(s),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let key = text(fields.remove("key")).ok_or_else(|| bad("has no `key`"))?;
        let event_key = text(fields.remove("eventKey")).ok_or_else(|| bad("has no `eventKey`"))?;
        let hook_url = text(fields.remove("hookUrl")).unwrap_or_default();
        let status = text(fields.remove("status")).map_or(HookStatus::Other(String::new()), |s| HookStatus::parse(&s));
        Ok(Subscription {
            key,
            event_key: EventKey::new(event_key),
            hook_url,
            status,
            additional_properties: fields.into_iter().collect(),
        })
    }
}

/// Lists the subscriptions of the credential's account.
pub async fn list_subscriptions(transport: &Transport) -> Result<Vec<Subscription>, Error> {
    const OP: &str = "list_stored_hook_subscriptions";
    let req = Request::new(Method::GET, OP, HOOKS_PATH, HOOKS_PATH.to_owned());
    match transport.send_json::<serde_json::Value>(req).await.map_err(scrub)?.into_inner() {
        serde_json::Value::Array(items) => items.into_iter().map(|v| Subscription::parse(OP, v)).collect(),
        serde_json::Value::Null => Ok(Vec::new()),
        _ => Err(Error::Decode {
            operation: OP,
            status: 200,
            path: String::new(),
            message: "the subscriptions are not a list".to_owned(),
            snippet: String::new(),
        }),
    }
}

async fn send_one(transport: &Transport, req: Request) -> Result<Subscription, Error> {
    let operation = req.operation();
    let answer = transport.send_json::<serde_json::Value>(req).await.map_err(scrub)?;
    Subscription::parse(operation, answer.into_inner())
}

/// An API error with any hook URL token Keap repeated in its answer hidden: the error is
/// shown and logged, the token is a secret.
fn scrub(e: Error) -> Error {
    match e {
        Error::Api(mut api) => {
            api.raw = redact_url(&api.raw);
            api.body.message = api.body.message.as_deref().map(redact_url);
            api.body.details = api.body.details.take().map(|d| {
                let text = redact_url(&d.to_string());
                serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
            });
            Error::Api(api)
        }
        Error::Decode { operation, status, path, message, snippet } => {
            Error::Decode { operation, status, path, message: redact_url(&message), snippet: redact_url(&snippet) }
        }
        other => other,
    }
}

/// Subscribes `hook_url` to `event`; Keap sends the handshake before it answers, so the
/// receiver must be up.
pub async fn create_subscription(
    transport: &Transport,
    event: &EventKey,
    hook_url: &str,
) -> Result<Subscription, Error> {
    let mut req = Request::new(Method::POST, "create_a_hook_subscription", HOOKS_PATH, HOOKS_PATH.to_owned());
    req.json(&serde_json::json!({ "eventKey": event.as_str(), "hookUrl": hook_url }));
    send_one(transport, req).await
}

/// Asks Keap to send the handshake again (an `Unverified` or `Inactive` subscription).
pub async fn verify(transport: &Transport, key: &str) -> Result<Subscription, Error> {
    const TEMPLATE: &str = "/rest/v1/hooks/{key}/verify";
    let path = format!("{HOOKS_PATH}/{}/verify", encode_path(&key));
    send_one(transport, Request::new(Method::POST, "verify_a_hook_subscription", TEMPLATE, path)).await
}

/// Sends a handshake's secret back (delayed verification), in the `X-Hook-Secret` header
/// Keap requires.
pub async fn verify_delayed(transport: &Transport, key: &str, secret: &Secret) -> Result<Subscription, Error> {
    const TEMPLATE: &str = "/rest/v1/hooks/{key}/delayedVerify";
    let path = format!("{HOOKS_PATH}/{}/delayedVerify", encode_path(&key));
    let mut req = Request::new(Method::POST, "verify_a_hook_subscription_delayed", TEMPLATE, path);
    req.header(SECRET_HEADER, &secret.expose());
    send_one(transport, req).await
}

/// Deletes a subscription.
pub async fn delete_subscription(transport: &Transport, key: &str) -> Result<(), Error> {
    let path = format!("{HOOKS_PATH}/{}", encode_path(&key));
    let req = Request::new(Method::DELETE, "delete_a_hook_subscription", "/rest/v1/hooks/{key}", path);
    transport.send_json::<serde_json::Value>(req).await.map(drop).map_err(scrub)
}

/// Keeps one subscription per wanted event key alive at the receiver's hook URLs: lists the
/// subscriptions, creates the missing, verifies again the `Unverified` and `Inactive` ones,
/// removes duplicates (same event key and URL), and reports it all. Run it at start-up
/// (after the receiver listens: Keap sends the handshake during the create call) and on a
/// schedule (every few minutes), from one process or several: each run converges.
#[derive(Clone, Debug)]
pub struct Upkeep {
    transport: Transport,
    urls: HookUrls,
    events: Vec<EventKey>,
    pending: Option<PendingSecrets>,
}

/// What one [`Upkeep::run`] did.
#[derive(Debug, Default)]
pub struct UpkeepReport {
    /// One per wanted event key whose upkeep succeeded: its subscription now.
    pub subscriptions: Vec<Kept>,
    /// Wanted event keys whose upkeep failed (Keap refused the event key, an error on the
    /// way), each with its error; the others were kept all the same.
    pub failed: Vec<(EventKey, Error)>,
    /// Duplicates deleted.
    pub removed: Vec<Subscription>,
    /// Subscriptions at this receiver's public URL whose token or event key this upkeep does
    /// not recognise (an older URL key, an event key no longer wanted): left alone, listed
    /// here; delete them with [`delete_subscription`] when they are yours.
    pub unrecognised: Vec<Subscription>,
}

/// One wanted event key's subscription after the upkeep.
#[derive(Clone, Debug)]
pub struct Kept {
    /// The event key.
    pub event: EventKey,
    /// The subscription's key.
    pub key: String,
    /// What was done.
    pub action: Action,
    /// The status before (`None` when created now).
    pub was: Option<HookStatus>,
    /// The status now.
    pub status: HookStatus,
}

/// What the upkeep did to one subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Verified already: nothing.
    Nothing,
    /// Created now.
    Created,
    /// Asked Keap to send the handshake again.
    Reverified,
    /// Sent a kept handshake secret back (delayed verification).
    VerifiedDelayed,
}

impl UpkeepReport {
    /// Whether every wanted event key has a `Verified` subscription (none failed).
    pub fn all_verified(&self) -> bool {
        self.failed.is_empty() && self.subscriptions.iter().all(|k| k.status == HookStatus::Verified)
    }

    /// The subscriptions that were `Inactive`: Keap delivered nothing for them for a while,
    /// so list what changed since (a `since` listing, with a margin) to catch up. Check
    /// [`Kept::status`]: one still not `Verified` receives nothing yet.
    pub fn reactivated(&self) -> impl Iterator<Item = &Kept> {
        self.subscriptions.iter().filter(|k| k.was == Some(HookStatus::Inactive))
    }
}

impl Upkeep {
    /// Subscriptions for `events` at `urls`' hook URLs, through `transport`
    /// (`client.transport()`).
    pub fn new(transport: &Transport, urls: &HookUrls, events: impl IntoIterator<Item = EventKey>) -> Upkeep {
        let mut events: Vec<EventKey> = events.into_iter().collect();
        events.sort();
        events.dedup();
        Upkeep { transport: transport.clone(), urls: urls.clone(), events, pending: None }
    }

    /// Verifies with the secrets a [`Verification::Delayed`](super::hooks_receiver::Verification)
    /// receiver kept (the receiver's [`pending`](super::hooks_receiver::Receiver::pending)).
    pub fn pending_secrets(mut self, pending: PendingSecrets) -> Upkeep {
        self.pending = Some(pending);
        self
    }

    /// One round: see [`Upkeep`]. Fails only when the subscriptions cannot be listed; an
    /// event key whose upkeep fails is in [`UpkeepReport::failed`], and the others are kept.
    pub async fn run(&self) -> Result<UpkeepReport, Error> {
        let mut all = list_subscriptions(&self.transport).await?;
        let mut report = UpkeepReport::default();
        for event in &self.events {
            let (mine, rest): (Vec<Subscription>, Vec<Subscription>) =
                all.into_iter().partition(|s| &s.event_key == event && self.urls.is_url_for(&s.hook_url, event));
            all = rest;
            match self.keep(event, mine, &mut report.removed).await {
                Ok(kept) => {
                    if kept.status != HookStatus::Verified {
                        tracing::warn!(event = %kept.event, status = ?kept.status, "keap hook subscription is not verified");
                    }
                    report.subscriptions.push(kept);
                }
                Err(e) => {
                    tracing::warn!(event = %event, error = %e, "keap hook subscription upkeep failed");
                    report.failed.push((event.clone(), e));
                }
            }
        }
        report.unrecognised = all.into_iter().filter(|s| self.urls.is_ours(&s.hook_url)).collect();
        Ok(report)
    }

    /// Keeps one subscription of `event` out of `mine` (creating one when there is none),
    /// deleting the others.
    async fn keep(
        &self,
        event: &EventKey,
        mut mine: Vec<Subscription>,
        removed: &mut Vec<Subscription>,
    ) -> Result<Kept, Error> {
        // A verified one stays, the oldest (lowest key) of them: every process running the
        // upkeep at once keeps the same one. The others are duplicates.
        mine.sort_by(|a, b| {
            let rank = |s: &Subscription| (s.status != HookStatus::Verified, s.key.parse::<u64>().ok());
            rank(a).cmp(&rank(b)).then_with(|| a.key.cmp(&b.key))
        });
        let mut duplicates = mine.into_iter();
        let kept = match duplicates.next() {
            None => {
                let created = create_subscription(&self.transport, event, &self.urls.url_for(event)).await?;
                let created = self.delayed(created).await?;
                Kept {
                    event: event.clone(),
                    key: created.key.clone(),
                    action: Action::Created,
                    was: None,
                    status: created.status,
                }
            }
            Some(s) if s.status == HookStatus::Verified => Kept {
                event: event.clone(),
                key: s.key,
                action: Action::Nothing,
                was: Some(HookStatus::Verified),
                status: HookStatus::Verified,
            },
            Some(s) => {
                let was = s.status.clone();
                let (action, now) = match self.pending.as_ref().and_then(|p| p.take(event)) {
                    Some(secret) => (Action::VerifiedDelayed, verify_delayed(&self.transport, &s.key, &secret).await?),
                    None => (Action::Reverified, self.delayed(verify(&self.transport, &s.key).await?).await?),
                };
                Kept { event: event.clone(), key: s.key, action, was: Some(was), status: now.status }
            }
        };
        for duplicate in duplicates {
            match delete_subscription(&self.transport, &duplicate.key).await {
                Ok(()) => removed.push(duplicate),
                // Another process's upkeep deleted it first: gone all the same.
                Err(e) if e.status() == Some(404) => removed.push(duplicate),
                Err(e) => return Err(e),
            }
        }
        Ok(kept)
    }

    /// After a handshake the receiver answered without the secret: sends the secret back.
    async fn delayed(&self, s: Subscription) -> Result<Subscription, Error> {
        match (&self.pending, &s.status) {
            (Some(pending), HookStatus::Unverified) => match pending.take(&s.event_key) {
                Some(secret) => verify_delayed(&self.transport, &s.key, &secret).await,
                None => Ok(s),
            },
            _ => Ok(s),
        }
    }
}

#[cfg(test)]
#[path = "tests/hook_upkeep.rs"]
mod tests;
