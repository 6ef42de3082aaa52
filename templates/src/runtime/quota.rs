//! Keap's quotas: requests per second, per minute and per day. The client waits for room
//! before sending (first come, first served), learns from the quota headers Keap returns,
//! and fails fast rather than wait for the next day.

use super::clock::{epoch_ns, from_epoch_ms, from_epoch_ns, Clock};
use super::error::Error;
use super::window::Window;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

/// Limits per window and how long a request may wait for each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quota {
    limits: [Option<u32>; 3],
    max_wait: [Duration; 3],
    store_wait: Duration,
}

impl Default for Quota {
    /// [`Quota::api_key()`]: Keap's limits for a key, 5 per second, 120 per minute, 15,000
    /// per day.
    fn default() -> Self {
        Quota::api_key()
    }
}

impl Quota {
    /// Keap's limits for a Personal Access Token or Service Account Key, as its API-key
    /// article gives them: 5 per second, 120 per minute, 15,000 per day. The default for a
    /// client that authenticates with a key (or a plain bearer token).
    pub fn api_key() -> Self {
        Quota::custom(Some(5), Some(120), Some(15_000))
    }

    /// The higher key limits some of Keap's newer pages give: 10 per second, 240 per
    /// minute, 30,000 per day. Only if your account has them: Keap answers requests over
    /// its real limits with 429s.
    pub fn api_key_raised() -> Self {
        Quota::custom(Some(10), Some(240), Some(30_000))
    }

    /// Keap's limits for an OAuth2 app: 1,500 per minute, 150,000 per day. The default for
    /// a client that authenticates with [`Auth::oauth2`](super::Auth::oauth2).
    pub fn oauth2_app() -> Self {
        Quota::custom(None, Some(1_500), Some(150_000))
    }

    /// Your own limits; `None` leaves a window unlimited.
    pub fn custom(per_second: Option<u32>, per_minute: Option<u32>, per_day: Option<u32>) -> Self {
        Quota {
            limits: [per_second, per_minute, per_day],
            // Wait for the short windows; a full day is better reported than slept through.
            max_wait: [Duration::MAX, Duration::MAX, Duration::ZERO],
            store_wait: Duration::from_secs(10),
        }
    }

    /// These limits divided by `workers` (rounded down, at least 1 where a window has a
    /// limit): one worker's conservative share, for a fallback gate that must stay within
    /// the key's quota while the shared store is unreachable.
    pub fn share(mut self, workers: u32) -> Self {
        let workers = workers.max(1);
        for limit in self.limits.iter_mut().flatten() {
            *limit = (*limit / workers).max(1);
        }
        self
    }

    /// No local limits (the server's headers still apply).
    pub fn unlimited() -> Self {
        Quota::custom(None, None, None)
    }

    /// The longest a request may wait for room in `window` before failing with
    /// [`Error::QuotaExhausted`](super::Error::QuotaExhausted). Defaults: no limit for the
    /// second and minute windows, zero (fail fast) for the day.
    pub fn max_wait(mut self, window: Window, wait: Duration) -> Self {
        self.max_wait[window.index()] = wait;
        self
    }

    /// How long a request waits for an unreachable shared [`QuotaStore`] (Redis) before it
    /// fails with [`Error::QuotaStore`](super::Error::QuotaStore), nothing sent (default 10 s).
    /// [`LocalQuota`] is never unreachable.
    pub fn store_wait(mut self, wait: Duration) -> Self {
        self.store_wait = wait;
        self
    }

    /// The limit of a window, if any.
    pub fn limit(&self, window: Window) -> Option<u32> {
        self.limits[window.index()]
    }

    pub(crate) fn max_wait_for(&self, window: Window) -> Duration {
        self.max_wait[window.index()]
    }
}

/// What a window has left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// The window.
    pub window: Window,
    /// The configured limit, if any.
    pub limit: Option<u32>,
    /// Requests that may be sent now without waiting (the smaller of the local count and
    /// what the server last reported); `None` when neither limits the window.
    pub remaining: Option<u32>,
    /// When the window next frees room (now, when it has room or no limit).
    pub resets_at: SystemTime,
}

/// No room yet: wait until `until` for `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wait {
    /// The window that is full.
    pub window: Window,
    /// When it has room again.
    pub until: SystemTime,
}

/// What the server said about one window in a response's headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observation {
    /// The window.
    pub window: Window,
    /// Requests it still allows.
    pub available: u32,
    /// When it resets (Keap's `expiry-time`), if given.
    pub expires: Option<SystemTime>,
}

/// What a [`QuotaStore`] decides for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Every window had room; the request is recorded: send it now.
    Send,
    /// A window is full: nothing was recorded; ask again at `until`.
    Wait(Wait),
}

/// Why a shared [`QuotaStore`] could not answer (Redis unreachable, a timeout); shown in
/// [`Error::QuotaStore`](super::Error::QuotaStore), so keep secrets out of it.
pub type StoreError = Box<dyn std::error::Error + Send + Sync>;

/// What a [`QuotaStore`] call returns: ready at once for an in-process store (no allocation,
/// so [`LocalQuota`] costs what a mutex costs), or a boxed future for one across a network.
pub enum QuotaFuture<'a, T> {
    /// The answer, already known.
    Ready(Option<T>),
    /// The answer, after a round trip.
    Pending(Pin<Box<dyn Future<Output = T> + Send + 'a>>),
}

impl<T> QuotaFuture<'_, T> {
    /// An answer known at once.
    pub fn ready(value: T) -> Self {
        QuotaFuture::Ready(Some(value))
    }
}

impl<'a, T> QuotaFuture<'a, T> {
    /// An answer `future` will give.
    pub fn pending(future: impl Future<Output = T> + Send + 'a) -> Self {
        QuotaFuture::Pending(Box::pin(future))
    }
}

impl<T: Unpin> Future for QuotaFuture<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.get_mut() {
            QuotaFuture::Ready(value) => Poll::Ready(value.take().expect("a QuotaFuture is polled after it finished")),
            QuotaFuture::Pending(future) => future.as_mut().poll(cx),
        }
    }
}

/// Where quota state lives: [`LocalQuota`] in this process (the default), or a store the
/// processes of a fleet share (the `redis` feature's `RedisQuota`), which may fail.
///
/// `now` is the client's clock; a shared store may decide by its own (Redis's) clock, so
/// that skew between machines cannot let a window overflow.
pub trait QuotaStore: Send + Sync + 'static {
    /// Records a request if every window has room, or says how long to wait.
    fn try_acquire(&self, now: SystemTime) -> QuotaFuture<'_, Result<Decision, StoreError>>;
    /// Takes in what the server reported.
    fn observe(&self, now: SystemTime, observation: Observation) -> QuotaFuture<'_, Result<(), StoreError>>;
    /// Sends nothing before `until` (a `Retry-After`).
    fn pause_until(&self, now: SystemTime, until: SystemTime) -> QuotaFuture<'_, Result<(), StoreError>>;
    /// Every window's budget.
    fn budget(&self, now: SystemTime) -> QuotaFuture<'_, Result<Vec<Budget>, StoreError>>;
}

/// Quota state for one process: sliding logs for the second and minute windows (so no
/// span of that length ever holds more than the limit, whatever the server's alignment), a
/// counter for the UTC day, and caps learned from the server.
pub struct LocalQuota {
    quota: Quota,
    state: Mutex<State>,
}

/// Times are nanoseconds since the epoch: exact, so rounding can never shorten a window and
/// let one more request into it (`u64` lasts until 2554).
#[derive(Default)]
struct State {
    /// Send times within the last second and minute.
    logs: [VecDeque<u64>; 2],
    /// (day number, requests that day).
    day: (u64, u32),
    /// Server-reported caps per window.
    caps: [Option<Cap>; 3],
    paused_until: u64,
}

#[derive(Clone, Copy, Debug)]
struct Cap {
    available: u32,
    sent: u32,
    expires: u64,
}

impl LocalQuota {
    /// The limits it keeps.
    pub(crate) fn limits(&self) -> [Option<u32>; 3] {
        self.quota.limits
    }
}

impl Quota {
    /// Requests per second, minute and day (`None`: no limit).
    pub(crate) fn limits(&self) -> [Option<u32>; 3] {
        self.limits
    }
}

impl LocalQuota {
    /// State for these limits.
    pub fn new(quota: Quota) -> Self {
        let mut state = State::default();
        for (i, w) in [Window::Second, Window::Minute].into_iter().enumerate() {
            state.logs[i] = VecDeque::with_capacity(quota.limit(w).unwrap_or(0).min(100_000) as usize);
        }
        LocalQuota { quota, state: Mutex::new(state) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent counters; keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn next_midnight(now: u64) -> u64 {
    (now / Window::Day.span_ns() + 1) * Window::Day.span_ns()
}

impl State {
    fn expire(&mut self, now: u64) {
        for (i, w) in [Window::Second, Window::Minute].into_iter().enumerate() {
            let log = &mut self.logs[i];
            // A send at `t` leaves the window at `t + span` exactly: no span that long holds more.
            while log.front().is_some_and(|t| t + w.span_ns() <= now) {
                log.pop_front();
            }
        }
        let today = now / Window::Day.span_ns();
        if self.day.0 != today {
            self.day = (today, 0);
        }
        for cap in &mut self.caps {
            if cap.is_some_and(|c| c.expires <= now) {
                *cap = None;
            }
        }
    }

    /// Requests `window` allows now (`None`: no limit), and when it next frees room.
    fn room(&self, quota: &Quota, window: Window, now: u64) -> (Option<u32>, u64) {
        let (mut room, mut reset) = match (window, quota.limit(window)) {
            (_, None) => (None, now),
            (Window::Day, Some(limit)) => (Some(limit.saturating_sub(self.day.1)), next_midnight(now)),
            (w, Some(limit)) => {
                let log = &self.logs[w.index()];
                let used = log.len() as u32;
                (Some(limit.saturating_sub(used)), log.front().map_or(now, |t| t + w.span_ns()))
            }
        };
        if let Some(cap) = self.caps[window.index()] {
            let left = cap.available.saturating_sub(cap.sent);
            if room.is_none_or(|r| left < r) {
                room = Some(left);
                reset = cap.expires;
            }
        }
        (room, reset.max(now))
    }
}

/// The same calls as [`QuotaStore`], answered at once.
impl LocalQuota {
    /// Records a request at `now` if every window has room, or says how long to wait.
    pub fn try_acquire(&self, now: SystemTime) -> Result<(), Wait> {
        let now = epoch_ns(now);
        let mut s = self.lock();
        s.expire(now);
        if s.paused_until > now {
            let window = Window::of_pause(Duration::from_nanos(s.paused_until - now));
            return Err(Wait { window, until: from_epoch_ns(s.paused_until) });
        }
        // The window that frees up last decides the wait.
        let mut wait: Option<(Window, u64)> = None;
        for w in Window::ALL {
            let (room, reset) = s.room(&self.quota, w, now);
            if room == Some(0) && wait.is_none_or(|(_, until)| until < reset) {
                wait = Some((w, reset));
            }
        }
        if let Some((window, until)) = wait {
            return Err(Wait { window, until: from_epoch_ns(until) });
        }
        for (i, w) in [Window::Second, Window::Minute].into_iter().enumerate() {
            if self.quota.limit(w).is_some() {
                s.logs[i].push_back(now);
            }
        }
        s.day.1 += 1;
        for cap in s.caps.iter_mut().flatten() {
            cap.sent += 1;
        }
        Ok(())
    }

    /// Takes in what the server reported: it only ever lowers a window's budget.
    pub fn observe(&self, now: SystemTime, o: Observation) {
        let now = epoch_ns(now);
        let mut s = self.lock();
        s.expire(now);
        let (room, _) = s.room(&self.quota, o.window, now);
        // Only ever lower the budget: the configured limits stay a ceiling.
        if room.is_none_or(|r| o.available < r) {
            let expires = o.expires.map(epoch_ns).filter(|e| *e > now).unwrap_or(match o.window {
                Window::Day => next_midnight(now),
                w => now + w.span_ns(),
            });
            s.caps[o.window.index()] = Some(Cap { available: o.available, sent: 0, expires });
        }
    }

    /// Sends nothing before `until`.
    pub fn pause_until(&self, until: SystemTime) {
        let mut s = self.lock();
        s.paused_until = s.paused_until.max(epoch_ns(until));
    }

    /// Every window's budget.
    pub fn budget(&self, now: SystemTime) -> Vec<Budget> {
        let now = epoch_ns(now);
        let mut s = self.lock();
        s.expire(now);
        Window::ALL
            .into_iter()
            .map(|w| {
                let (room, reset) = s.room(&self.quota, w, now);
                Budget { window: w, limit: self.quota.limit(w), remaining: room, resets_at: from_epoch_ns(reset) }
            })
            .collect()
    }
}

impl QuotaStore for LocalQuota {
    fn try_acquire(&self, now: SystemTime) -> QuotaFuture<'_, Result<Decision, StoreError>> {
        QuotaFuture::ready(Ok(match LocalQuota::try_acquire(self, now) {
            Ok(()) => Decision::Send,
            Err(wait) => Decision::Wait(wait),
        }))
    }

    fn observe(&self, now: SystemTime, observation: Observation) -> QuotaFuture<'_, Result<(), StoreError>> {
        LocalQuota::observe(self, now, observation);
        QuotaFuture::ready(Ok(()))
    }

    fn pause_until(&self, _now: SystemTime, until: SystemTime) -> QuotaFuture<'_, Result<(), StoreError>> {
        LocalQuota::pause_until(self, until);
        QuotaFuture::ready(Ok(()))
    }

    fn budget(&self, now: SystemTime) -> QuotaFuture<'_, Result<Vec<Budget>, StoreError>> {
        QuotaFuture::ready(Ok(LocalQuota::budget(self, now)))
    }
}

/// Told of each wait: the operationId, the full window, how long. The gate reports through
/// this rather than the client's events, so this module depends on nothing above it.
pub type OnWait = Arc<dyn Fn(&'static str, Window, Duration) + Send + Sync>;

/// Lets requests through when every window has room: in turn (tokio's mutex is fair, so
/// first come, first served), waiting up to the quota's `max_wait` and failing fast beyond.
pub struct QuotaGate {
    pub(crate) quota: Quota,
    pub(crate) store: Arc<dyn QuotaStore>,
    clock: Arc<dyn Clock>,
    on_wait: Option<OnWait>,
    turn: tokio::sync::Mutex<()>,
    /// Since when the store has failed every call, and when it was last tried.
    outage: Mutex<Option<Outage>>,
}

#[derive(Clone)]
struct Outage {
    since: SystemTime,
    last_try: SystemTime,
    /// What the store said last.
    message: String,
}

impl QuotaGate {
    /// A gate over `store`, waiting by `clock`, telling `on_wait` of every wait.
    pub fn new(quota: Quota, store: Arc<dyn QuotaStore>, clock: Arc<dyn Clock>, on_wait: Option<OnWait>) -> Self {
        QuotaGate { quota, store, clock, on_wait, turn: tokio::sync::Mutex::new(()), outage: Mutex::new(None) }
    }

    /// Waits until a request may be sent and records it, or fails with
    /// [`Error::QuotaExhausted`] when the wait would be longer than allowed, or with
    /// [`Error::QuotaStore`] when the store stays unreachable for the quota's `store_wait`.
    /// Nothing is sent without a [`Decision::Send`]. Once the store has been unreachable for
    /// `store_wait`, it is tried once a second, and requests in between fail at once.
    pub async fn acquire(&self, operation: &'static str) -> Result<(), Error> {
        let _turn = self.turn.lock().await;
        let mut failures = 0u32;
        loop {
            let now = self.clock.now();
            let outage = self.outage.lock().unwrap_or_else(|e| e.into_inner()).clone();
            // Down for longer than `store_wait`: one try a second; requests between fail at
            // once instead of each waiting out the store in turn.
            if let Some(o) = outage.filter(|o| self.down_for(o.since, now) >= self.quota.store_wait) {
                if self.down_for(o.last_try, now) < Duration::from_secs(1) {
                    return Err(self.unreachable(operation, &o.message, o.since, now));
                }
            }
            let wait = match self.store.try_acquire(now).await {
                Ok(decision) => {
                    *self.outage.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    match decision {
                        Decision::Send => return Ok(()),
                        Decision::Wait(wait) => wait,
                    }
                }
                Err(e) => {
                    let now = self.clock.now();
                    let since = {
                        let mut o = self.outage.lock().unwrap_or_else(|e| e.into_inner());
                        let o = o.get_or_insert(Outage { since: now, last_try: now, message: String::new() });
                        o.last_try = now;
                        o.message = e.to_string();
                        o.since
                    };
                    let left = self.quota.store_wait.saturating_sub(self.down_for(since, now));
                    if left.is_zero() {
                        return Err(self.unreachable(operation, &e.to_string(), since, now));
                    }
                    failures += 1;
                    tracing::debug!(operation, error = %e, "keap: quota store unreachable, trying again");
                    // 100 ms, doubling to 1 s: a store that is back is found soon, one that is
                    // down is not hammered.
                    let backoff = Duration::from_millis(50u64 << failures.min(5)).min(Duration::from_secs(1));
                    self.clock.sleep(backoff.min(left)).await;
                    continue;
                }
            };
            let delay = wait.until.duration_since(now).unwrap_or_default();
            if delay > self.quota.max_wait_for(wait.window) {
                tracing::warn!(operation, window = %wait.window, "keap: quota exhausted, not sending");
                return Err(Error::QuotaExhausted { window: wait.window, resets_at: wait.until });
            }
            tracing::debug!(operation, window = %wait.window, wait_ms = delay.as_millis() as u64, "keap: waiting for quota");
            if let Some(f) = &self.on_wait {
                f(operation, wait.window, delay);
            }
            self.clock.sleep(delay).await;
        }
    }

    fn down_for(&self, since: SystemTime, now: SystemTime) -> Duration {
        now.duration_since(since).unwrap_or_default()
    }

    fn unreachable(&self, operation: &'static str, message: &str, since: SystemTime, now: SystemTime) -> Error {
        tracing::warn!(operation, error = message, "keap: quota store unreachable, not sending");
        Error::QuotaStore { message: message.to_owned(), waited: self.down_for(since, now) }
    }

    /// Tells the store what the server reported. A store that cannot take it in is not an
    /// error for the request that has already been answered: it is logged.
    pub async fn observe(&self, observation: Observation) {
        if let Err(e) = self.store.observe(self.clock.now(), observation).await {
            tracing::warn!(error = %e, "keap: the quota store could not record the server's quota headers");
        }
    }

    /// Holds every request until `until` (a `Retry-After`); logged if the store cannot.
    pub async fn pause_until(&self, until: SystemTime) {
        if let Err(e) = self.store.pause_until(self.clock.now(), until).await {
            tracing::warn!(error = %e, "keap: the quota store could not record a Retry-After pause");
        }
    }

    /// What each window has left.
    pub async fn budget(&self) -> Result<Vec<Budget>, Error> {
        self.store
            .budget(self.clock.now())
            .await
            .map_err(|e| Error::QuotaStore { message: e.to_string(), waited: Duration::ZERO })
    }
}

/// Header name prefixes Keap reports quotas under, with the window each means when its
/// `time-unit` is missing.
const QUOTA_HEADERS: [(&str, Window); 3] = [
    ("x-keap-product-quota-", Window::Day),
    ("x-keap-product-throttle-", Window::Minute),
    ("x-keap-tenant-throttle-", Window::Minute),
];

/// Reads Keap's quota headers. Values may be blank or pipe-separated (`minute|day` with
/// `120|15000`); whatever does not parse is skipped. One pass over the headers, no
/// allocation: this runs on every response.
pub fn observations(headers: &reqwest::header::HeaderMap, mut each: impl FnMut(Observation)) {
    // Per family: available, time-unit, expiry-time.
    let mut found: [[Option<&str>; 3]; 3] = [[None; 3]; 3];
    for (name, value) in headers {
        // Header names are stored lower-case, so a prefix test is a case-insensitive match.
        let Some(rest) = name.as_str().strip_prefix("x-keap-") else { continue };
        for (family, (prefix, _)) in QUOTA_HEADERS.iter().enumerate() {
            let Some(field) = rest.strip_prefix(&prefix["x-keap-".len()..]) else { continue };
            let slot = match field {
                "available" => 0,
                "time-unit" => 1,
                "expiry-time" => 2,
                _ => continue,
            };
            found[family][slot] = value.to_str().ok();
        }
    }
    for (family, (_, default_window)) in QUOTA_HEADERS.iter().enumerate() {
        let [Some(available), units, expiry] = found[family] else { continue };
        let mut units = units.unwrap_or("").split('|');
        let mut expiry = expiry.unwrap_or("").split('|');
        for value in available.split('|') {
            let unit = units.next().unwrap_or("");
            let exp = expiry.next().unwrap_or("");
            let Ok(available) = value.trim().parse::<i64>() else { continue };
            let window = if unit.trim().is_empty() { Some(*default_window) } else { Window::parse(unit) };
            let Some(window) = window else { continue };
            let expires = exp.trim().parse::<u64>().ok().filter(|ms| *ms > 0).map(from_epoch_ms);
            each(Observation { window, available: available.clamp(0, u32::MAX as i64) as u32, expires });
        }
    }
}

#[cfg(test)]
#[path = "tests/quota.rs"]
mod tests;
