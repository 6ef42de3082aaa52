//! REST Hooks, the receiving end (the `hooks` feature): the hook URLs with their tokens, the
//! handshake, and deliveries parsed into typed events. Framework-agnostic: [`Receiver::handle`]
//! takes a request's method, query, headers and body and says what to answer.
//!
//! Keap signs nothing it delivers, so a delivery is a hint, authenticated only by the token
//! its URL carries; the records themselves are fetched over the API
//! ([`Changes`](super::hook_fetch::Changes)).

use super::error::Error;
use super::tokens::Secret;
use super::values::DateTime;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};

/// The header Keap's handshake carries and the answer must repeat (and the delayed
/// verification sends back).
pub const SECRET_HEADER: &str = "X-Hook-Secret";

/// The largest delivery body read by default (1 MiB; a batch of 1,000 ids is about 80 KiB).
pub const MAX_BODY: usize = 1 << 20;

/// The query parameters of a hook URL: the event key it is for, and its token.
const EVENT_PARAM: &str = "keap_event";
const TOKEN_PARAM: &str = "keap_token";

/// The URL with every `keap_token` value hidden.
pub(crate) fn redact_url(url: &str) -> String {
    const NAME: &str = "keap_token=";
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(at) = rest.find(NAME) {
        let start = at + NAME.len();
        out.push_str(&rest[..start]);
        out.push_str("[redacted]");
        // The value ends where a URL's query value cannot go on (`&`, a quote, a space).
        let value = rest[start..].find(|c: char| !(c.is_ascii_alphanumeric() || "%._~-".contains(c)));
        rest = value.map_or("", |end| &rest[start + end..]);
    }
    out.push_str(rest);
    out
}

/// What is encoded in a query value: all but RFC 3986's unreserved characters, so that an
/// event key (`contact.add`) reads the same however a server re-encodes the URL.
const QUERY_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'.').remove(b'_').remove(b'-').remove(b'~');

/// Hex digits of a token: 128 bits of an HMAC-SHA256.
const TOKEN_HEX: usize = 32;

/// An event key (`contact.add`): Keap's known keys as constants, any other kept as text.
/// An account's own list comes from `GET /v1/hooks/event_keys`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventKey(Cow<'static, str>);

macro_rules! event_keys {
    ($($name:ident = $text:literal),* $(,)?) => {
        impl EventKey {
            $(
                #[doc = concat!("`", $text, "`")]
                pub const $name: EventKey = EventKey(Cow::Borrowed($text));
            )*
            /// The keys Keap documents (an account may list more or fewer).
            pub const KNOWN: &'static [EventKey] = &[$(EventKey::$name),*];
        }
    };
}

event_keys! {
    AFFILIATE_ADD = "affiliate.add", AFFILIATE_EDIT = "affiliate.edit", AFFILIATE_DELETE = "affiliate.delete",
    APPOINTMENT_ADD = "appointment.add", APPOINTMENT_EDIT = "appointment.edit", APPOINTMENT_DELETE = "appointment.delete",
    COMPANY_ADD = "company.add", COMPANY_EDIT = "company.edit", COMPANY_DELETE = "company.delete",
    CONTACT_ADD = "contact.add", CONTACT_EDIT = "contact.edit", CONTACT_DELETE = "contact.delete",
    CONTACT_GROUP_ADD = "contactGroup.add", CONTACT_GROUP_EDIT = "contactGroup.edit",
    CONTACT_GROUP_DELETE = "contactGroup.delete", CONTACT_GROUP_APPLIED = "contactGroup.applied",
    CONTACT_GROUP_REMOVED = "contactGroup.removed",
    INVOICE_ADD = "invoice.add", INVOICE_EDIT = "invoice.edit", INVOICE_DELETE = "invoice.delete",
    INVOICE_PAYMENT_ADD = "invoice.payment.add", INVOICE_PAYMENT_EDIT = "invoice.payment.edit",
    INVOICE_PAYMENT_DELETE = "invoice.payment.delete",
    LEADSOURCE_ADD = "leadsource.add", LEADSOURCE_EDIT = "leadsource.edit", LEADSOURCE_DELETE = "leadsource.delete",
    NOTE_ADD = "note.add", NOTE_EDIT = "note.edit", NOTE_DELETE = "note.delete",
    OPPORTUNITY_ADD = "opportunity.add", OPPORTUNITY_EDIT = "opportunity.edit",
    OPPORTUNITY_DELETE = "opportunity.delete", OPPORTUNITY_STAGE_MOVE = "opportunity.stage_move",
    ORDER_ADD = "order.add", ORDER_EDIT = "order.edit", ORDER_DELETE = "order.delete",
    PRODUCT_ADD = "product.add", PRODUCT_EDIT = "product.edit", PRODUCT_DELETE = "product.delete",
    SUBSCRIPTION_ADD = "subscription.add", SUBSCRIPTION_EDIT = "subscription.edit",
    SUBSCRIPTION_DELETE = "subscription.delete",
    TASK_ADD = "task.add", TASK_EDIT = "task.edit", TASK_DELETE = "task.delete",
    USER_ADD = "user.add", USER_EDIT = "user.edit", USER_ACTIVATE = "user.activate",
}

impl EventKey {
    /// Any event key, as text.
    pub fn new(key: impl Into<String>) -> Self {
        EventKey(Cow::Owned(key.into()))
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it reports records deleted (`contact.delete`): there is nothing left to fetch.
    pub fn is_delete(&self) -> bool {
        self.0.ends_with(".delete")
    }
}

impl fmt::Debug for EventKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventKey({:?})", self.as_str())
    }
}

impl fmt::Display for EventKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for EventKey {
    fn from(s: &str) -> Self {
        EventKey::new(s)
    }
}

impl From<String> for EventKey {
    fn from(s: String) -> Self {
        EventKey::new(s)
    }
}

/// One delivery: the records of one event key that changed, as Keap posts them (up to 1,000
/// per delivery). Only ids: fetch the records over the API.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// `event_key`.
    pub event_key: EventKey,
    /// `object_type` (`contact`); empty when Keap sent none.
    pub object_type: String,
    /// `object_keys`: the records, in Keap's order.
    pub objects: Vec<ChangedObject>,
    /// `api_url`; `None` when empty or absent.
    pub api_url: Option<String>,
    /// Fields Keap sent that this crate does not know, kept as they came.
    pub additional_properties: BTreeMap<String, serde_json::Value>,
}

/// One record a delivery names.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangedObject {
    /// `id`: a JSON number or text on the wire, kept as its text (`"123"`).
    pub id: String,
    /// `timestamp`, as Keap wrote it ([`DateTime::parse`] reads the usual shapes); `None`
    /// when absent or empty.
    pub timestamp: Option<DateTime>,
    /// `apiUrl`; `None` when empty (as Keap mostly sends it) or absent. Never follow it with
    /// credentials: it names a host of Keap's choosing.
    pub api_url: Option<String>,
    /// Fields Keap sent that this crate does not know.
    pub additional_properties: BTreeMap<String, serde_json::Value>,
}

impl Delivery {
    /// Parses a delivery body. The error says what is wrong, for the 400 answer.
    pub fn parse(body: &[u8]) -> Result<Delivery, String> {
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
        let serde_json::Value::Object(mut fields) = value else {
            return Err("the body is not a JSON object".to_owned());
        };
        let event_key = match fields.remove("event_key") {
            Some(serde_json::Value::String(k)) if !k.trim().is_empty() => EventKey::new(k),
            _ => return Err("`event_key` is missing or not text".to_owned()),
        };
        // Odd values of fields the delivery does not need are kept, not refused: a 400 counts
        // as a failed delivery, and four of them end the subscription.
        let object_type = text(&mut fields, "object_type").unwrap_or_default();
        let api_url = text(&mut fields, "api_url");
        let objects = match fields.remove("object_keys") {
            Some(serde_json::Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| ChangedObject::parse(item).map_err(|e| format!("`object_keys[{i}]`: {e}")))
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err("`object_keys` is missing or not a list".to_owned()),
        };
        Ok(Delivery { event_key, object_type, objects, api_url, additional_properties: fields.into_iter().collect() })
    }
}

impl ChangedObject {
    fn parse(value: serde_json::Value) -> Result<ChangedObject, String> {
        let serde_json::Value::Object(mut fields) = value else {
            return Err("not a JSON object".to_owned());
        };
        let id = match fields.remove("id") {
            // Integers only: a fraction or an exponent would be an id changed on the way.
            Some(serde_json::Value::Number(n)) if n.is_u64() || n.is_i64() => n.to_string(),
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s,
            _ => return Err("`id` is missing, empty, or neither an integer nor text".to_owned()),
        };
        // Text, or a number (Unix time, which `DateTime::parse` reads too).
        let timestamp = match fields.get("timestamp") {
            Some(serde_json::Value::Number(n)) => {
                let n = n.to_string();
                fields.remove("timestamp");
                Some(DateTime(n))
            }
            _ => text(&mut fields, "timestamp").map(DateTime),
        };
        let api_url = text(&mut fields, "apiUrl");
        Ok(ChangedObject { id, timestamp, api_url, additional_properties: fields.into_iter().collect() })
    }
}

/// The text of field `name`, taken out of `fields`: `None` when absent, `null` or empty. A
/// value of another type stays in `fields` (the unknown fields), so nothing is lost.
fn text(fields: &mut serde_json::Map<String, serde_json::Value>, name: &str) -> Option<String> {
    match fields.get(name) {
        Some(serde_json::Value::String(_)) => match fields.remove(name) {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s),
            _ => None,
        },
        Some(serde_json::Value::Null) => {
            fields.remove(name);
            None
        }
        _ => None,
    }
}

/// The hook URLs of one receiver: its public URL with, per event key, an unguessable token
/// (`https://example.com/keap/hooks?keap_event=contact.add&keap_token=…`).
///
/// Keap signs nothing it delivers: whoever knows a hook URL can post to it. The token makes
/// the URL unguessable, and is per event key, so one leaked URL does not let anyone forge
/// another event. It is an HMAC of the public URL and the event key under `url_key`, so
/// every process of a fleet given the same key and URL checks it without shared state, and
/// another deployment at another URL (staging) has other tokens even with the same key.
/// Changing the key or the URL changes every hook URL: run
/// [`Upkeep`](super::hook_upkeep::Upkeep) to subscribe the new ones; it lists the old ones in
/// `unrecognised` (Keap posts to them, is refused, and marks them `Inactive`: delete them with
/// [`delete_subscription`](super::hook_upkeep::delete_subscription)).
#[derive(Clone)]
pub struct HookUrls {
    public_url: String,
    key: ring::hmac::Key,
}

impl fmt::Debug for HookUrls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookUrls").field("public_url", &self.public_url).field("url_key", &"[redacted]").finish()
    }
}

impl HookUrls {
    /// Hook URLs at `public_url` (where Keap reaches the receiver: `http://` or `https://`,
    /// the latter in production, and no fragment; it may hold a query of its own), with tokens made with `url_key` (at least
    /// 32 characters of random text, kept like a password: [`HookUrls::generate_key`] makes
    /// one). Fails with [`Error::Config`] saying what to change.
    pub fn new(public_url: impl Into<String>, url_key: &Secret) -> Result<HookUrls, Error> {
        let public_url = public_url.into();
        let scheme_ok = public_url.starts_with("https://") || public_url.starts_with("http://");
        if !scheme_ok || public_url.contains('#') || public_url.contains(char::is_whitespace) {
            return Err(Error::Config(format!(
                "the hook URL `{}` must be an http(s) URL without spaces or `#` (Keap posts to it)",
                redact_url(&public_url)
            )));
        }
        let authority =
            public_url.split_once("://").map_or("", |(_, rest)| rest.split(['/', '?']).next().unwrap_or(""));
        if authority.contains('@') {
            // A user or password in the URL would be sent to Keap and shown wherever it is.
            return Err(Error::Config("the hook URL holds a user or password: give it without them".to_owned()));
        }
        if public_url.contains(&format!("{EVENT_PARAM}=")) || public_url.contains(&format!("{TOKEN_PARAM}=")) {
            return Err(Error::Config(format!(
                "the hook URL `{}` already holds `{EVENT_PARAM}` or `{TOKEN_PARAM}`: give the URL without them",
                redact_url(&public_url)
            )));
        }
        if url_key.expose().len() < 32 {
            return Err(Error::Config(
                "the hook URL key is shorter than 32 characters: use HookUrls::generate_key() once and keep it"
                    .to_owned(),
            ));
        }
        Ok(HookUrls { public_url, key: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, url_key.expose().as_bytes()) })
    }

    /// A fresh random key for [`new`](Self::new) (64 hex digits, from the system's random
    /// source). Make it once, keep it with the application's secrets, give every process the
    /// same one.
    pub fn generate_key() -> Result<Secret, Error> {
        let mut bytes = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
            .map_err(|_| Error::Config("the system's random source failed".to_owned()))?;
        Ok(Secret::new(hex(&bytes)))
    }

    /// The public URL the hook URLs start with.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The hook URL to subscribe `event` with.
    pub fn url_for(&self, event: &EventKey) -> String {
        let separator = if self.public_url.contains('?') { '&' } else { '?' };
        let event_text: String = percent_encoding::utf8_percent_encode(event.as_str(), QUERY_VALUE).collect();
        format!("{}{separator}{EVENT_PARAM}={event_text}&{TOKEN_PARAM}={}", self.public_url, self.token(event))
    }

    /// Whether `url` is this receiver's hook URL for `event`, with the right token (however
    /// the query is encoded).
    pub fn is_url_for(&self, url: &str, event: &EventKey) -> bool {
        self.is_ours(url) && self.check(query_of(url)).is_ok_and(|e| &e == event)
    }

    /// Whether `url` is its public URL with an event key and a token added (the token right
    /// or not).
    pub fn is_ours(&self, url: &str) -> bool {
        let Some((base, query)) = url.split_once('?') else { return false };
        let own: Vec<&str> =
            query.split('&').filter(|p| !p.starts_with(EVENT_PARAM) && !p.starts_with(TOKEN_PARAM)).collect();
        let rest = if own.is_empty() { base.to_owned() } else { format!("{base}?{}", own.join("&")) };
        rest == self.public_url && query_param(query, EVENT_PARAM).is_some()
    }

    fn token(&self, event: &EventKey) -> String {
        let message = format!("keap-hook\n{}\n{}", self.public_url, event.as_str());
        let tag = ring::hmac::sign(&self.key, message.as_bytes());
        hex(&tag.as_ref()[..TOKEN_HEX / 2])
    }

    /// The event key a request's query names, when its token is right for it.
    fn check(&self, query: &str) -> Result<EventKey, Refusal> {
        let event = query_param(query, EVENT_PARAM).ok_or(Refusal::Unauthorized)?;
        let token = query_param(query, TOKEN_PARAM).ok_or(Refusal::Unauthorized)?;
        let event = EventKey::new(event);
        let expected = self.token(&event);
        // Constant time: the comparison must not tell how much of a guess was right.
        let same = expected.len() == token.len()
            && expected.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if same {
            Ok(event)
        } else {
            Err(Refusal::Unauthorized)
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The query of a URL or request target (after `?`), or the text itself when it has none.
fn query_of(target: &str) -> &str {
    target.split_once('?').map_or(target, |(_, q)| q)
}

/// A query parameter's decoded value.
fn query_param(query: &str, name: &str) -> Option<String> {
    let query = query.split_once('?').map_or(query, |(_, q)| q);
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| percent_encoding::percent_decode_str(&v.replace('+', " ")).decode_utf8_lossy().into_owned())
    })
}

/// How the receiver answers Keap's handshake.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Verification {
    /// At once: the answer repeats the secret in its `X-Hook-Secret` header, and Keap marks
    /// the subscription `Verified` (the default).
    #[default]
    Immediate,
    /// Later: the answer is 200 without the secret (the subscription stays `Unverified`), the
    /// secret is kept in the receiver's [`PendingSecrets`], and
    /// [`verify_delayed`](super::hook_upkeep::verify_delayed) (or the upkeep) sends it back.
    Delayed,
}

/// Secrets of handshakes answered with [`Verification::Delayed`], by event key, until they
/// are sent back. Cheap to clone: clones share the secrets. One process's: in a fleet, the
/// process that runs the upkeep may not be the one Keap's handshake reached; keep the secret
/// from [`Received::Handshake`] yourself then.
#[derive(Clone, Default)]
pub struct PendingSecrets(Arc<Mutex<HashMap<EventKey, Secret>>>);

impl fmt::Debug for PendingSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<EventKey> = self.lock().keys().cloned().collect();
        f.debug_struct("PendingSecrets").field("events", &keys).finish()
    }
}

impl PendingSecrets {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<EventKey, Secret>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps the newest secret of `event`.
    pub fn insert(&self, event: EventKey, secret: Secret) {
        self.lock().insert(event, secret);
    }

    /// Takes the secret of `event`, if a handshake for it came.
    pub fn take(&self, event: &EventKey) -> Option<Secret> {
        self.lock().remove(event)
    }
}

/// What a request to the hook URL was, after the answer was decided.
#[derive(Debug)]
pub enum Received {
    /// Keap's handshake for a subscription of `event`.
    Handshake {
        /// The event key of the hook URL.
        event: EventKey,
        /// The secret (repeated in the answer, or kept for a delayed verification).
        secret: Secret,
        /// Whether the answer repeated it ([`Verification::Immediate`]).
        echoed: bool,
    },
    /// A delivery, acknowledged with 200: hand it on and fetch its records in the background
    /// (Keap counts an answer slower than 30 s as a failure).
    Delivery(Delivery),
    /// Refused: not answered 2xx, so Keap will send it again (a refusal's status is never
    /// 410, which would end the subscription).
    Refused(Refusal),
}

/// Why a request was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// Not a POST (405).
    Method,
    /// The query lacks a token, or it is wrong for the event key (403).
    Unauthorized,
    /// The body's `event_key` is not the one the URL's token is for (403).
    EventMismatch,
    /// The body is larger than the limit (413).
    TooLarge,
    /// The body is not a delivery (400); the text says what is wrong.
    Malformed(String),
    /// The application could not take the delivery now (503: Keap sends it again later).
    Busy,
}

impl Refusal {
    /// The status answered.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Method => 405,
            Refusal::Unauthorized | Refusal::EventMismatch => 403,
            Refusal::TooLarge => 413,
            Refusal::Malformed(_) => 400,
            Refusal::Busy => 503,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Method => f.write_str("hook requests are POSTs"),
            Refusal::Unauthorized => f.write_str("the hook URL's token is missing or wrong"),
            Refusal::EventMismatch => f.write_str("the delivery's event_key is not the one its URL is for"),
            Refusal::TooLarge => f.write_str("the body is larger than the receiver's limit"),
            Refusal::Malformed(why) => write!(f, "not a Keap delivery: {why}"),
            Refusal::Busy => f.write_str("the receiver cannot take deliveries now; send it again later"),
        }
    }
}

/// What to answer: status, headers and a short JSON body. Build the framework's response
/// from it (or use [`Receiver::handle_http`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status: 200, or a refusal's (never 410).
    pub status: u16,
    /// Headers to send (the handshake's `X-Hook-Secret`, `content-type`).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The handshake's secret is in a header: names only.
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("headers", &names)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

impl Answer {
    fn json(status: u16, message: &str) -> Answer {
        let body = serde_json::json!({ "message": message }).to_string().into_bytes();
        Answer { status, headers: vec![("content-type", "application/json".to_owned())], body }
    }
}

/// A request to the hook URL, as any server framework has it.
#[derive(Clone, Copy)]
pub struct HookRequest<'a> {
    /// `POST` (anything else is refused).
    pub method: &'a str,
    /// The request target's query (`keap_event=…&keap_token=…`), or the whole target.
    pub query: &'a str,
    /// The `X-Hook-Secret` header's value, when present.
    pub secret_header: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
}

impl fmt::Debug for HookRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The query holds the URL's token, the header the handshake's secret.
        f.debug_struct("HookRequest")
            .field("method", &self.method)
            .field("query", &redact_url(self.query))
            .field("secret_header", &self.secret_header.map(|_| "[redacted]"))
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// Answers Keap at the hook URL: the handshake with the secret repeated (or kept, see
/// [`Verification`]), a delivery parsed and acknowledged at once, anything else refused with
/// a 4xx that says why. Never panics on any input; never answers 410 (which would end the
/// subscription).
///
/// Call it from any server (`handle` with the parts, [`handle_http`](Self::handle_http) with
/// `http` types, or the `axum` feature's `hooks::axum::route`); hand each
/// [`Received::Delivery`] to a queue and answer: the records are fetched afterwards
/// ([`Changes`](super::hook_fetch::Changes)).
#[derive(Clone, Debug)]
pub struct Receiver {
    urls: HookUrls,
    verification: Verification,
    pending: PendingSecrets,
    max_body: usize,
}

impl Receiver {
    /// A receiver for the hook URLs of `urls`, verifying at once.
    pub fn new(urls: HookUrls) -> Receiver {
        Receiver { urls, verification: Verification::Immediate, pending: PendingSecrets::default(), max_body: MAX_BODY }
    }

    /// How to answer the handshake (default [`Verification::Immediate`]).
    pub fn verification(mut self, verification: Verification) -> Self {
        self.verification = verification;
        self
    }

    /// Where delayed handshakes' secrets go (share it with the upkeep).
    pub fn pending_secrets(mut self, pending: PendingSecrets) -> Self {
        self.pending = pending;
        self
    }

    /// The largest body accepted (default [`MAX_BODY`]); larger ones are answered 413.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The largest body it accepts.
    pub fn limit(&self) -> usize {
        self.max_body
    }

    /// The answer to a refused request, for refusals decided outside
    /// [`handle`](Self::handle) ([`Refusal::Busy`] when the application's queue is full).
    pub fn refusal(&self, why: &Refusal) -> Answer {
        // Anyone can send requests without the token: those are not worth a warning each.
        if *why == Refusal::Unauthorized || *why == Refusal::Method {
            tracing::debug!(status = why.status(), reason = %why, "keap hook request refused");
        } else {
            tracing::warn!(status = why.status(), reason = %why, "keap hook request refused");
        }
        Answer::json(why.status(), &why.to_string())
    }

    /// The hook URLs it answers.
    pub fn urls(&self) -> &HookUrls {
        &self.urls
    }

    /// The secrets of delayed handshakes.
    pub fn pending(&self) -> &PendingSecrets {
        &self.pending
    }

    /// Decides the answer to one request.
    pub fn handle(&self, request: HookRequest<'_>) -> (Answer, Received) {
        let refuse = |why: Refusal| (self.refusal(&why), Received::Refused(why));
        let event = match self.authorize(request.method, request.query) {
            Ok(event) => event,
            Err(why) => return refuse(why),
        };
        if let Some(secret) = request.secret_header {
            let secret = Secret::new(secret.trim());
            if secret.expose().is_empty() {
                return refuse(Refusal::Malformed(format!("an empty {SECRET_HEADER} header")));
            }
            // Repeated in a header, so it must be one: else Keap would never see it back.
            if http::HeaderValue::from_str(secret.expose()).is_err() {
                return refuse(Refusal::Malformed(format!(
                    "the {SECRET_HEADER} header holds characters a header cannot"
                )));
            }
            let echoed = self.verification == Verification::Immediate;
            let mut answer = Answer::json(200, "handshake answered");
            if echoed {
                answer.headers.push((SECRET_HEADER, secret.expose().to_owned()));
            } else {
                self.pending.insert(event.clone(), secret.clone());
            }
            tracing::info!(event = %event, echoed, "keap hook handshake answered");
            return (answer, Received::Handshake { event, secret, echoed });
        }
        if request.body.len() > self.max_body {
            return refuse(Refusal::TooLarge);
        }
        match Delivery::parse(request.body) {
            Ok(delivery) if delivery.event_key != event => refuse(Refusal::EventMismatch),
            Ok(delivery) => {
                tracing::debug!(event = %event, objects = delivery.objects.len(), "keap hook delivery received");
                (Answer::json(200, "received"), Received::Delivery(delivery))
            }
            Err(why) => refuse(Refusal::Malformed(why)),
        }
    }

    /// The event key of a request's URL, when its method is POST and its token right: what
    /// can be decided before its body is read ([`refuse_early`](Self::refuse_early)).
    fn authorize(&self, method: &str, query: &str) -> Result<EventKey, Refusal> {
        if !method.eq_ignore_ascii_case("POST") {
            return Err(Refusal::Method);
        }
        self.urls.check(query)
    }

    /// The answer to a request refused by its method or URL alone, or `None`: call it
    /// before reading the body, so that requests without the token cost no reading.
    pub fn refuse_early(&self, method: &str, query: &str) -> Option<Answer> {
        self.authorize(method, query).err().map(|why| self.refusal(&why))
    }

    /// [`handle`](Self::handle) for a request of the `http` crate (the type axum, hyper,
    /// poem and others build on), answering with its response type.
    pub fn handle_http<B: AsRef<[u8]>>(&self, request: &http::Request<B>) -> (http::Response<Vec<u8>>, Received) {
        // A header that is not text is not an empty one: say what it is.
        let secret = request.headers().get(SECRET_HEADER).map(|v| v.to_str().unwrap_or("\u{1}"));
        let (answer, received) = self.handle(HookRequest {
            method: request.method().as_str(),
            query: request.uri().query().unwrap_or(""),
            secret_header: secret,
            body: request.body().as_ref(),
        });
        (answer.into_http(), received)
    }
}

impl Answer {
    /// The answer as an `http` response.
    pub fn into_http(self) -> http::Response<Vec<u8>> {
        let mut response = http::Response::new(self.body);
        *response.status_mut() = http::StatusCode::from_u16(self.status).unwrap_or(http::StatusCode::BAD_REQUEST);
        for (name, value) in self.headers {
            if let Ok(value) = http::HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

#[cfg(test)]
#[path = "tests/hooks_receiver.rs"]
mod tests;
