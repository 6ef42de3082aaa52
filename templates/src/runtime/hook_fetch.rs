//! From a delivery to the records (the `hooks` feature): each changed record fetched once,
//! in the batch calls Keap offers, within the client's quota, with repeated deliveries
//! recognised in one process ([`LocalDedupe`]) or a fleet (`RedisDedupe`, with the `redis` feature).

use super::client::Transport;
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
use std::time::{Duration, Instant};

/// A boxed future of the hooks traits.
pub type HookFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Records found, each with its id.
pub type Found<R> = Vec<(String, R)>;

/// Per event: who holds it (`None` once done) and until when.
type EventStates = HashMap<String, (Option<String>, Instant)>;

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
    /// Fetches the records of `ids` (at most `batch_size`): each found one with its id. Ids
    /// not in the answer count as gone (deleted since).
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
        ListByIds { operation, object_type, path, filter_field, items_field, batch: 100, record: PhantomData }
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
            let mut found = Vec::with_capacity(ids.len());
            let mut token: Option<String> = None;
            for _ in 0..MAX_PAGES_PER_BATCH {
                let mut req = Request::new(Method::GET, self.operation, self.path, self.path.to_owned());
                req.filter("filter", &Some(Filter::new().any_of(self.filter_field, ids).into()));
                req.query("page_size", &self.batch.to_string());
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
                    let id = record_id(&item).ok_or_else(|| decode(self.operation, &at, "no `id`".to_owned()))?;
                    let record =
                        serde_json::from_value(item).map_err(|e| decode(self.operation, &at, e.to_string()))?;
                    found.push((id, record));
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
        GetById { operation, object_type, path, record: PhantomData }
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
            let mut found = Vec::with_capacity(ids.len());
            for id in ids {
                let path = self.path.replace("{id}", &super::request::encode_path(id));
                let req = Request::new(Method::GET, self.operation, self.path, path);
                match transport.send_json::<T>(req).await {
                    Ok(record) => found.push((id.clone(), record.into_inner())),
                    Err(e) if e.status() == Some(404) => {}
                    Err(e) => return Err(e),
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

/// Remembers which events were fetched, so that a delivery Keap sends again (its
/// acknowledgement was lost) is fetched once. An event is claimed before its record is
/// fetched, completed after, released when the fetch failed (so a later delivery fetches
/// it). [`LocalDedupe`] serves one process, `RedisDedupe` (with the `redis` feature) a fleet.
pub trait Dedupe: Send + Sync + fmt::Debug {
    /// Claims each event for `holder` for `lease`: `true` for the ones claimed now, `false`
    /// for ones done or held by another holder.
    fn claim<'a>(
        &'a self,
        holder: &'a str,
        events: &'a [String],
        lease: Duration,
    ) -> HookFuture<'a, Result<Vec<bool>, Error>>;
    /// Marks `holder`'s events done, remembered for `keep`.
    fn complete<'a>(
        &'a self,
        holder: &'a str,
        events: &'a [String],
        keep: Duration,
    ) -> HookFuture<'a, Result<(), Error>>;
    /// Gives `holder`'s claims back.
    fn release<'a>(&'a self, holder: &'a str, events: &'a [String]) -> HookFuture<'a, Result<(), Error>>;
}

/// [`Dedupe`] in this process's memory: each event's state until it expires. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct LocalDedupe {
    events: Arc<Mutex<EventStates>>,
}

impl LocalDedupe {
    /// An empty one.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, EventStates> {
        self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Dedupe for LocalDedupe {
    fn claim<'a>(
        &'a self,
        holder: &'a str,
        events: &'a [String],
        lease: Duration,
    ) -> HookFuture<'a, Result<Vec<bool>, Error>> {
        Box::pin(async move {
            let now = Instant::now();
            let mut map = self.lock();
            // Expired entries go as the map grows: memory follows the events of `keep`.
            if map.len() > 1024 {
                map.retain(|_, (_, until)| *until > now);
            }
            Ok(events
                .iter()
                .map(|e| match map.get(e) {
                    Some((_, until)) if *until > now => false,
                    _ => {
                        map.insert(e.clone(), (Some(holder.to_owned()), now + lease));
                        true
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
            let until = Instant::now() + keep;
            let mut map = self.lock();
            for e in events {
                map.insert(e.clone(), (None, until));
            }
            Ok(())
        })
    }

    fn release<'a>(&'a self, holder: &'a str, events: &'a [String]) -> HookFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let mut map = self.lock();
            for e in events {
                if map.get(e).is_some_and(|(h, _)| h.as_deref() == Some(holder)) {
                    map.remove(e);
                }
            }
            Ok(())
        })
    }
}

/// What [`Changes::fetch`] found for one delivery.
#[derive(Debug)]
pub struct Fetched<R> {
    /// The records fetched now, with their ids, each once.
    pub records: Vec<(String, R)>,
    /// Ids of a `*.delete` event: nothing to fetch, the records are gone.
    pub deleted: Vec<String>,
    /// Ids Keap no longer has (deleted after the event).
    pub missing: Vec<String>,
    /// Ids of events fetched before (a delivery sent again) or being fetched by another
    /// process now: not fetched here.
    pub repeated: Vec<String>,
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
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{}-{nanos}-{n}", std::process::id())
}

impl Changes {
    /// Fetches through `transport` (`client.transport()`), remembering events in this
    /// process ([`LocalDedupe`]); give a fleet `RedisDedupe` (with the `redis` feature).
    pub fn new(transport: &Transport) -> Changes {
        Changes {
            transport: transport.clone(),
            dedupe: Arc::new(LocalDedupe::new()),
            lease: Duration::from_secs(300),
            keep: Duration::from_secs(24 * 3600),
        }
    }

    /// Where fetched events are remembered.
    pub fn dedupe(mut self, dedupe: impl Dedupe + 'static) -> Changes {
        self.dedupe = Arc::new(dedupe);
        self
    }

    /// How long an event stays claimed while its record is fetched (default 5 min); after
    /// it, a process that crashed mid-fetch no longer holds it.
    pub fn lease(mut self, lease: Duration) -> Changes {
        self.lease = lease;
        self
    }

    /// How long a fetched event is remembered (default 24 h; Keap's retries end within
    /// about 40 min).
    pub fn keep(mut self, keep: Duration) -> Changes {
        self.keep = keep;
        self
    }

    /// Fetches the records `delivery` names with `source`, each event (record and timestamp)
    /// once: an event fetched before, or claimed by another process, is reported in
    /// `repeated`. When a fetch fails, nothing of this delivery counts as fetched (its claims
    /// are given back), so handling it again later fetches it all; no event is lost silently.
    /// (When only marking the events done fails, after the records came, the records are
    /// returned and a warning logged; the events stay claimed for the lease.)
    ///
    /// An event is a record and the timestamp Keap gives it, in whole seconds: two changes of
    /// one record in the same second are one event, and its fetch, which comes after both
    /// (Keap delivers 30 s or more after a change), sees the later.
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
        // One event per record and timestamp: a later change of the same record is new.
        let mut seen = BTreeSet::new();
        let (mut ids, mut events) = (Vec::new(), Vec::new());
        for o in &delivery.objects {
            let at = o.timestamp.as_ref().map_or("", |t| t.as_str());
            let event = format!("{}|{}|{}", delivery.event_key, o.id, at);
            if seen.insert(event.clone()) {
                ids.push(o.id.clone());
                events.push(event);
            }
        }
        let holder = holder();
        let claimed = self.dedupe.claim(&holder, &events, self.lease).await?;
        let mut fetched =
            Fetched { records: Vec::new(), deleted: Vec::new(), missing: Vec::new(), repeated: Vec::new() };
        let (mut todo, mut held) = (Vec::new(), Vec::new());
        for ((id, event), mine) in ids.into_iter().zip(events).zip(claimed) {
            if mine {
                held.push(event);
                todo.push(id);
            } else {
                fetched.repeated.push(id);
            }
        }
        if delivery.event_key.is_delete() {
            fetched.deleted = todo;
        } else {
            // A record changed twice in one delivery is fetched once.
            let mut unique: Vec<String> = Vec::new();
            let mut once = BTreeSet::new();
            for id in todo {
                if once.insert(id.clone()) {
                    unique.push(id);
                }
            }
            for batch in unique.chunks(source.batch_size().max(1)) {
                match source.fetch(&self.transport, batch).await {
                    Ok(records) => {
                        let mut wanted: BTreeSet<&String> = batch.iter().collect();
                        for (id, record) in records {
                            if wanted.remove(&id) {
                                fetched.records.push((id, record));
                            }
                        }
                        fetched.missing.extend(wanted.into_iter().cloned());
                    }
                    Err(e) => {
                        // Given back, so that the next delivery of these events fetches them.
                        if let Err(release) = self.dedupe.release(&holder, &held).await {
                            tracing::warn!(error = %release, "keap hooks: claims not given back; they lapse with their lease");
                        }
                        return Err(e);
                    }
                }
            }
        }
        // The records are returned even when the store fails now: it may have marked them
        // done all the same (a timed-out command), and then a retry would find them repeated.
        // They stay claimed until the lease ends; a delivery after that fetches them again.
        if let Err(e) = self.dedupe.complete(&holder, &held, self.keep).await {
            tracing::warn!(error = %e, "keap hooks: fetched events not marked done; a repeat after the lease fetches them again");
        }
        Ok(fetched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_claimed_or_done_event_is_not_claimed_again_and_a_released_one_is() {
        let d = LocalDedupe::new();
        let events = vec!["a".to_owned(), "b".to_owned()];
        let lease = Duration::from_secs(60);
        assert_eq!(d.claim("one", &events, lease).await.unwrap(), [true, true]);
        assert_eq!(d.claim("two", &events, lease).await.unwrap(), [false, false]);
        d.release("two", &events).await.unwrap();
        assert_eq!(d.claim("two", &events, lease).await.unwrap(), [false, false], "not two's to release");
        d.release("one", &events[..1]).await.unwrap();
        d.complete("one", &events[1..], lease).await.unwrap();
        assert_eq!(d.claim("two", &events, lease).await.unwrap(), [true, false]);
        assert_eq!(d.claim("three", &events, Duration::ZERO).await.unwrap(), [false, false]);
    }
}
