//! From a delivery to the records (the `hooks` feature): each changed record fetched once,
//! in the batch calls Keap offers, within the client's quota, with repeated deliveries
//! recognised in one process ([`LocalDedupe`]) or a fleet (`RedisDedupe`, with the `redis` feature).

use super::client::Transport;
use super::clock::{random_u64, Clock, TokioClock};
use super::error::Error;
use super::filter::Filter;
use super::hooks_receiver::Delivery;
use super::request::{Method, Request};
use serde::de::DeserializeOwned;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// A boxed future of the hooks traits.
pub type HookFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a [`RecordSource`] found for a batch of ids.
#[derive(Debug)]
pub struct Found<R> {
    /// Each record found, with its id.
    pub records: Vec<(String, R)>,
    /// Ids whose record could not be read, each with its error (a record that does not
    /// decode, a non-retryable error of a one-record call).
    pub failed: Vec<(String, Error)>,
}

impl<R> Default for Found<R> {
    fn default() -> Self {
        Found { records: Vec::new(), failed: Vec::new() }
    }
}

/// How records of one object type are fetched by id: [`ListByIds`] (a list filtered by ids,
/// many per request) or [`GetById`] (one request per record). The crate's `hooks::sources`
/// has one for each object type whose operations this crate has.
pub trait RecordSource: Send + Sync {
    /// The record's type.
    type Record: Send;
    /// The `object_type` of the deliveries it serves (`contact`).
    fn object_type(&self) -> &str;
    /// How many ids one call takes.
    fn batch_size(&self) -> usize;
    /// Fetches the records of `ids` (at most `batch_size`): each found one with its id, each
    /// that could not be read with its error. Ids in neither list count as gone (deleted
    /// since). An error for the whole batch (transport, quota, 5xx) is `Err`.
    fn fetch<'a>(
        &'a self,
        transport: &'a Transport,
        ids: &'a [String],
    ) -> HookFuture<'a, Result<Found<Self::Record>, Error>>;
}

/// Records fetched by a list operation filtered by ids (`GET /rest/v2/contacts?filter=ids==1,2`),
/// following its pages.
pub struct ListByIds<T> {
    operation: &'static str,
    object_type: &'static str,
    path: &'static str,
    filter_field: &'static str,
    items_field: &'static str,
    batch: usize,
    query: Vec<(&'static str, String)>,
    record: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for ListByIds<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListByIds")
            .field("operation", &self.operation)
            .field("path", &self.path)
            .field("filter_field", &self.filter_field)
            .field("batch", &self.batch)
            .finish()
    }
}

impl<T> ListByIds<T> {
    /// Records of `object_type` from `operation` at `path` (relative to the base URL), whose
    /// `filter` takes `filter_field==id1,id2` and whose answer lists them in `items_field`.
    pub fn new(
        operation: &'static str,
        object_type: &'static str,
        path: &'static str,
        filter_field: &'static str,
        items_field: &'static str,
    ) -> Self {
        ListByIds {
            operation,
            object_type,
            path,
            filter_field,
            items_field,
            batch: 100,
            query: Vec::new(),
            record: PhantomData,
        }
    }

    /// Adds a query parameter to every call: Keap's lists answer with a default set of
    /// fields, so ask for more with `.query("fields", "given_name,custom_fields")`.
    pub fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    /// Ids per request (default 100, at least 1).
    pub fn batch_size(mut self, ids: usize) -> Self {
        self.batch = ids.max(1);
        self
    }
}

/// Most pages one batch may take: a server that keeps handing out tokens is not followed
/// for ever.
const MAX_PAGES_PER_BATCH: usize = 100;

impl<T: DeserializeOwned + Send + 'static> RecordSource for ListByIds<T> {
    type Record = T;

    fn object_type(&self) -> &str {
        self.object_type
    }

    fn batch_size(&self) -> usize {
        self.batch
    }

    fn fetch<'a>(&'a self, transport: &'a Transport, ids: &'a [String]) -> HookFuture<'a, Result<Found<T>, Error>> {
        Box::pin(async move {
            let mut found = Found::default();
            let mut token: Option<String> = None;
            for _ in 0..MAX_PAGES_PER_BATCH {
                let mut req = Request::new(Method::GET, self.operation, self.path, self.path.to_owned());
                req.filter("filter", &Some(Filter::new().any_of(self.filter_field, ids).into()));
                req.query("page_size", &self.batch.to_string());
                for (name, value) in &self.query {
                    req.query(name, value);
                }
                if let Some(t) = &token {
                    req.query("page_token", t);
                }
                let page = transport.send_json::<serde_json::Value>(req).await?.into_inner();
                let items = match page.get(self.items_field) {
                    Some(serde_json::Value::Array(items)) => items.clone(),
                    None | Some(serde_json::Value::Null) => Vec::new(),
                    Some(_) => return Err(decode(self.operation, self.items_field, "not a list".to_owned())),
                };
                for (i, item) in items.into_iter().enumerate() {
                    let at = format!("{}[{i}]", self.items_field);
                    // Without an id a record cannot be told apart: the batch fails, loudly.
                    let id = record_id(&item).ok_or_else(|| decode(self.operation, &at, "no `id`".to_owned()))?;
                    match serde_json::from_value(item) {
                        Ok(record) => found.records.push((id, record)),
                        Err(e) => found.failed.push((id, decode(self.operation, &at, e.to_string()))),
                    }
                }
                match page.get("next_page_token").and_then(|t| t.as_str()).filter(|t| !t.is_empty()) {
                    Some(next) if token.as_deref() == Some(next) => {
                        return Err(Error::Pagination { operation: self.operation, token: next.to_owned() })
                    }
                    Some(next) => token = Some(next.to_owned()),
                    None => return Ok(found),
                }
            }
            Err(Error::Pagination { operation: self.operation, token: token.unwrap_or_default() })
        })
    }
}

/// Records fetched one request each (`GET /rest/v2/companies/{id}`); a 404 counts as gone.
pub struct GetById<T> {
    operation: &'static str,
    object_type: &'static str,
    /// The path with `{id}` where the id goes.
    path: &'static str,
    query: Vec<(&'static str, String)>,
    record: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for GetById<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetById").field("operation", &self.operation).field("path", &self.path).finish()
    }
}

impl<T> GetById<T> {
    /// Records of `object_type` from `operation` at `path`, which holds `{id}`.
    pub fn new(operation: &'static str, object_type: &'static str, path: &'static str) -> Self {
        GetById { operation, object_type, path, query: Vec::new(), record: PhantomData }
    }

    /// Adds a query parameter to every call (`.query("optional_properties", "custom_fields")`).
    pub fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }
}

impl<T: DeserializeOwned + Send + 'static> RecordSource for GetById<T> {
    type Record = T;

    fn object_type(&self) -> &str {
        self.object_type
    }

    fn batch_size(&self) -> usize {
        1
    }

    fn fetch<'a>(&'a self, transport: &'a Transport, ids: &'a [String]) -> HookFuture<'a, Result<Found<T>, Error>> {
        Box::pin(async move {
            let mut found = Found::default();
            for id in ids {
                let path = self.path.replace("{id}", &super::request::encode_path(id));
                let mut req = Request::new(Method::GET, self.operation, self.path, path);
                for (name, value) in &self.query {
                    req.query(name, value);
                }
                match transport.send_json::<T>(req).await {
                    Ok(record) => found.records.push((id.clone(), record.into_inner())),
                    Err(e) if e.status() == Some(404) => {}
                    // A batch-wide trouble (transport, quota, 5xx) fails the call; what is
                    // about this record alone (400, 403, a body that does not decode) fails it.
                    Err(e) if e.is_retryable() => return Err(e),
                    Err(e) => found.failed.push((id.clone(), e)),
                }
            }
            Ok(found)
        })
    }
}

fn record_id(item: &serde_json::Value) -> Option<String> {
    match item.get("id")? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn decode(operation: &'static str, path: &str, message: String) -> Error {
    Error::Decode { operation, status: 200, path: path.to_owned(), message, snippet: String::new() }
}

/// What [`Dedupe::claim`] found for one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Claimed now, for the caller to fetch.
    Claimed,
    /// Fetched before: nothing to do.
    Done,
    /// Claimed by another fetch now (another process, or a concurrent call) until its lease
    /// ends.
    Held,
}

/// Remembers which events were fetched, so that a delivery Keap sends again (its
/// acknowledgement was lost) is fetched once. An event is claimed before its record is
/// fetched, completed after, released when the fetch failed (so a later delivery fetches
/// it). [`LocalDedupe`] serves one process, `RedisDedupe` (with the `redis` feature) a fleet.
pub trait Dedupe: Send + Sync + fmt::Debug {
    /// Claims each event not done nor held for `holder`, for `lease`; one answer per event,
    /// in order.
    fn claim<'a>(
        &'a self,
        holder: &'a str,
        events: &'a [String],
        lease: Duration,
    ) -> HookFuture<'a, Result<Vec<Claim>, Error>>;
    /// Marks `holder`'s events done, remembered for `keep`.
    fn complete<'a>(
        &'a self,
        holder: &'a str,
        events: &'a [String],
        keep: Duration,
    ) -> HookFuture<'a, Result<(), Error>>;
    /// Gives `holder`'s claims back (a claim another holder took after the lease stays).
    fn release<'a>(&'a self, holder: &'a str, events: &'a [String]) -> HookFuture<'a, Result<(), Error>>;
}

/// Most events a [`LocalDedupe`] keeps; past it, done events are forgotten (which at worst
/// fetches a record again) before their time.
const LOCAL_CAP: usize = 1_000_000;

/// [`Dedupe`] in this process's memory: each event's state until it expires, at most a
/// million of them (about 100 MB), expired ones dropped once a minute. Cheap to clone.
///
/// Leases and the time done events are kept run on a [`Clock`]: tokio's ([`TokioClock`]),
/// or the one given to [`with_clock`](Self::with_clock); [`Changes::new`] gives it the
/// client's.
#[derive(Clone)]
pub struct LocalDedupe {
    events: Arc<Mutex<EventStates>>,
    clock: Arc<dyn Clock>,
}

/// The events, and when expired ones were last dropped.
#[derive(Debug, Default)]
struct EventStates {
    events: HashMap<String, (Option<String>, SystemTime)>,
    purged: Option<SystemTime>,
}

impl fmt::Debug for LocalDedupe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `try_lock`: a `Debug` called while the map is held must not deadlock.
        let events = self.events.try_lock().map(|s| s.events.len()).ok();
        f.debug_struct("LocalDedupe").field("events", &events).finish_non_exhaustive()
    }
}

impl Default for LocalDedupe {
    fn default() -> Self {
        Self::with_clock(Arc::new(TokioClock::new()))
    }
}

impl LocalDedupe {
    /// An empty one, on tokio's clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty one whose leases and kept events expire on `clock` (a client's, a test's).
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        LocalDedupe { events: Arc::default(), clock }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, EventStates> {
        self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// `now + d`, or far in the future when that does not fit.
fn later(now: SystemTime, d: Duration) -> SystemTime {
    now.checked_add(d).unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

impl Dedupe for LocalDedupe {
    fn claim<'a>(
        &'a self,
        holder: &'a str,
        events: &'a [String],
        lease: Duration,
    ) -> HookFuture<'a, Result<Vec<Claim>, Error>> {
        Box::pin(async move {
            let now = self.clock.now();
            let mut state = self.lock();
            // Expired entries go once a minute, not at every claim: the cost stays flat.
            if state.purged.is_none_or(|at| now.duration_since(at).unwrap_or_default() > Duration::from_secs(60)) {
                state.events.retain(|_, (_, until)| *until > now);
                state.purged = Some(now);
            }
            if state.events.len() + events.len() > LOCAL_CAP {
                let excess = state.events.len() + events.len() - LOCAL_CAP;
                let done: Vec<String> = state
                    .events
                    .iter()
                    .filter(|(_, (h, _))| h.is_none())
                    .map(|(k, _)| k.clone())
                    .take(excess)
                    .collect();
                for k in done {
                    state.events.remove(&k);
                }
            }
            Ok(events
                .iter()
                .map(|e| match state.events.get(e) {
                    Some((None, until)) if *until > now => Claim::Done,
                    Some((Some(h), until)) if *until > now && h != holder => Claim::Held,
                    _ => {
                        state.events.insert(e.clone(), (Some(holder.to_owned()), later(now, lease)));
                        Claim::Claimed
                    }
                })
                .collect())
        })
    }

    fn complete<'a>(
        &'a self,
        _holder: &'a str,
        events: &'a [String],
        keep: Duration,
    ) -> HookFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let until = later(self.clock.now(), keep);
            let mut state = self.lock();
            for e in events {
                state.events.insert(e.clone(), (None, until));
            }
            Ok(())
        })
    }

    fn release<'a>(&'a self, holder: &'a str, events: &'a [String]) -> HookFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let mut state = self.lock();
            for e in events {
                if state.events.get(e).is_some_and(|(h, _)| h.as_deref() == Some(holder)) {
                    state.events.remove(e);
                }
            }
            Ok(())
        })
    }
}

/// What [`Changes::fetch`] found for one delivery. Every id of the delivery is in exactly
/// one of the lists.
#[derive(Debug)]
pub struct Fetched<R> {
    /// The records fetched now, with their ids, each once.
    pub records: Vec<(String, R)>,
    /// Ids of a `*.delete` event: nothing to fetch, the records are gone.
    pub deleted: Vec<String>,
    /// Ids Keap no longer has (deleted after the event).
    pub missing: Vec<String>,
    /// Ids of events fetched before (a delivery Keap sent again): nothing to do.
    pub repeated: Vec<String>,
    /// Ids of events another fetch holds now (another process, or a concurrent call). If it
    /// fails, it gives them back; if its process dies, they lapse after the lease
    /// ([`Changes::lease`]). To be sure, handle the delivery again after the lease: what the
    /// other fetch completed is `repeated` then.
    pub in_flight: Vec<String>,
    /// Ids whose record could not be fetched or read (a record that does not decode, a
    /// non-retryable error of a one-record call), each with its error; given back, so handling
    /// the delivery again tries them again.
    pub failed: Vec<(String, Error)>,
}

/// Turns deliveries into records: fetched through the client (its credentials and quota),
/// in batches, each event once in the [`Dedupe`]'s reach. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Changes {
    transport: Transport,
    dedupe: Arc<dyn Dedupe>,
    lease: Duration,
    keep: Duration,
}

/// A process-unique holder name for claims.
fn holder() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{:016x}-{n}", std::process::id(), random_u64())
}

/// Events claimed per call of the store: a delivery of 100,000 ids is not one Redis script.
const CLAIM_CHUNK: usize = 1000;

/// An id as Keap's records carry it: trimmed, an integer without leading zeros.
fn canonical_id(id: &str) -> String {
    let id = id.trim();
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        let digits = id.trim_start_matches('0');
        return if digits.is_empty() { "0".to_owned() } else { digits.to_owned() };
    }
    id.to_owned()
}

impl Changes {
    /// Fetches through `transport` (`client.transport()`), remembering events in this
    /// process ([`LocalDedupe`], on the client's clock); give a fleet `RedisDedupe` (with the
    /// `redis` feature).
    pub fn new(transport: &Transport) -> Changes {
        Changes {
            transport: transport.clone(),
            dedupe: Arc::new(LocalDedupe::with_clock(transport.clock())),
            lease: Duration::from_secs(300),
            keep: Duration::from_secs(2 * 3600),
        }
    }

    /// Where fetched events are remembered.
    pub fn dedupe(mut self, dedupe: impl Dedupe + 'static) -> Changes {
        self.dedupe = Arc::new(dedupe);
        self
    }

    /// How long an event stays claimed while its record is fetched (default 5 min); after
    /// it, a process that died mid-fetch no longer holds it. A fetch that takes longer (a
    /// quota used up for minutes) may be repeated by another process.
    pub fn lease(mut self, lease: Duration) -> Changes {
        self.lease = lease;
        self
    }

    /// How long a fetched event is remembered (default 2 h; Keap's retries of a delivery
    /// end within about 40 min).
    pub fn keep(mut self, keep: Duration) -> Changes {
        self.keep = keep;
        self
    }

    /// Fetches the records `delivery` names with `source`, each event once: one fetched
    /// before is `repeated`, one another fetch holds now `in_flight`, one whose record cannot
    /// be read `failed` (see [`Fetched`]).
    ///
    /// An event is a record and the timestamp Keap gives it, in whole seconds: two changes of
    /// one record in the same second are one event, and its fetch, which comes after both
    /// (Keap delivers 30 s or more after a change), sees the later. An object without a
    /// timestamp is an event of this delivery alone (Keap sends a delivery again byte for
    /// byte, so a repeat is still recognised).
    ///
    /// When the fetch fails (a transport error, a quota used up, a 5xx), nothing of this
    /// delivery counts as fetched: its claims are given back, so handling it again fetches it
    /// all. When giving them back fails too, the error says so: they lapse after the lease, and
    /// handling the delivery again after that fetches them. When only marking the events done
    /// fails, after the records came, the records are returned and a warning logged; the events
    /// stay claimed for the lease. No event is lost silently.
    ///
    /// Fails with [`Error::InvalidRequest`] when the delivery's `object_type` is not the
    /// source's (its ids would name other records).
    pub async fn fetch<S: RecordSource>(&self, delivery: &Delivery, source: &S) -> Result<Fetched<S::Record>, Error> {
        if !delivery.object_type.is_empty() && !delivery.object_type.eq_ignore_ascii_case(source.object_type()) {
            return Err(Error::invalid(format!(
                "a `{}` delivery ({}) given a source of `{}` records: its ids name other records",
                delivery.object_type,
                delivery.event_key,
                source.object_type()
            )));
        }
        let mut fetched = Fetched {
            records: Vec::new(),
            deleted: Vec::new(),
            missing: Vec::new(),
            repeated: Vec::new(),
            in_flight: Vec::new(),
            failed: Vec::new(),
        };
        let (ids, events) = events_of(delivery);
        let holder = holder();
        let mut claims = Vec::with_capacity(events.len());
        for chunk in events.chunks(CLAIM_CHUNK) {
            let claimed = self.dedupe.claim(&holder, chunk, self.lease).await.and_then(|answers| {
                if answers.len() == chunk.len() {
                    Ok(answers)
                } else {
                    let (got, wanted) = (answers.len(), chunk.len());
                    Err(Error::HookStore(format!("the dedupe store answered {got} claims for {wanted} events")))
                }
            });
            // A failed claim may have taken effect (a timed-out command): given back as well.
            let answers = match claimed {
                Ok(answers) => answers,
                Err(e) => return Err(self.give_back(&holder, &events[..claims.len() + chunk.len()], e).await),
            };
            claims.extend(answers);
        }
        // Each claimed event by id (one record may change twice in a delivery: fetched once).
        let mut held: HashMap<String, Vec<String>> = HashMap::new();
        for ((id, event), claim) in ids.into_iter().zip(events).zip(claims) {
            match claim {
                Claim::Claimed => held.entry(id).or_default().push(event),
                Claim::Done => fetched.repeated.push(id),
                Claim::Held => fetched.in_flight.push(id),
            }
        }
        let mut todo: Vec<String> = held.keys().cloned().collect();
        todo.sort();
        let events_of_ids = |ids: &[String]| -> Vec<String> { ids.iter().flat_map(|id| held[id].clone()).collect() };
        if delivery.event_key.is_delete() {
            fetched.deleted = todo.clone();
        } else {
            for batch in todo.chunks(source.batch_size().max(1)) {
                match source.fetch(&self.transport, batch).await {
                    Ok(found) => {
                        let mut wanted: BTreeSet<&String> = batch.iter().collect();
                        for (id, record) in found.records {
                            let id = canonical_id(&id);
                            if let Some(id) = wanted.take(&id) {
                                fetched.records.push((id.clone(), record));
                            }
                        }
                        for (id, e) in found.failed {
                            if let Some(id) = wanted.take(&canonical_id(&id)) {
                                fetched.failed.push((id.clone(), e));
                            }
                        }
                        fetched.missing.extend(wanted.into_iter().cloned());
                    }
                    Err(e) => return Err(self.give_back(&holder, &events_of_ids(&todo), e).await),
                }
            }
        }
        let failed: Vec<String> = fetched.failed.iter().map(|(id, _)| id.clone()).collect();
        if !failed.is_empty() {
            if let Err(e) = self.dedupe.release(&holder, &events_of_ids(&failed)).await {
                tracing::warn!(error = %e, "keap hooks: failed events not given back; they lapse with their lease");
            }
        }
        let done: Vec<String> = todo.iter().filter(|id| !failed.contains(id)).cloned().collect();
        // The records are returned even when the store fails now: it may have marked them
        // done all the same (a timed-out command), and then a retry would find them repeated.
        if let Err(e) = self.dedupe.complete(&holder, &events_of_ids(&done), self.keep).await {
            tracing::warn!(error = %e, "keap hooks: fetched events not marked done; a repeat after the lease fetches them again");
        }
        Ok(fetched)
    }

    /// Gives the claims of a fetch that failed with `error` back; the error to return.
    async fn give_back(&self, holder: &str, events: &[String], error: Error) -> Error {
        match self.dedupe.release(holder, events).await {
            Ok(()) => error,
            Err(release) => Error::HookStore(format!(
                "{error}; and its events could not be given back ({release}): they stay claimed for {} s, \
                 handle the delivery again after that",
                self.lease.as_secs()
            )),
        }
    }
}

/// The ids of a delivery's objects (canonical) and their events, one per object and
/// timestamp, in order, without repeats.
fn events_of(delivery: &Delivery) -> (Vec<String>, Vec<String>) {
    // Objects without a timestamp are events of this delivery: named by a digest of it all.
    let digest = delivery.objects.iter().any(|o| o.timestamp.is_none()).then(|| {
        let mut text = String::from(delivery.event_key.as_str());
        for o in &delivery.objects {
            text.push('\n');
            text.push_str(&o.id);
            text.push(' ');
            text.push_str(o.timestamp.as_ref().map_or("", |t| t.as_str()));
        }
        let sum = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
        sum.as_ref()[..12].iter().map(|b| format!("{b:02x}")).collect::<String>()
    });
    let mut seen = BTreeSet::new();
    let (mut ids, mut events) = (Vec::new(), Vec::new());
    for o in &delivery.objects {
        let id = canonical_id(&o.id);
        let at = match (&o.timestamp, &digest) {
            (Some(t), _) => t.as_str().to_owned(),
            (None, Some(d)) => format!("delivery:{d}"),
            (None, None) => String::new(),
        };
        let event = format!("{}|{id}|{at}", delivery.event_key);
        if seen.insert(event.clone()) {
            ids.push(id);
            events.push(event);
        }
    }
    (ids, events)
}

#[cfg(test)]
#[path = "tests/hook_fetch.rs"]
mod tests;
