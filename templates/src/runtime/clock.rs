//! Time, injectable: quota windows and backoff read the clock and sleep through this trait,
//! so tests run a simulated day in milliseconds.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

/// A boxed sleep; only allocated when a request actually has to wait.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A time source and a way to wait.
pub trait Clock: Send + Sync + 'static {
    /// The current wall-clock time (the day window resets at 00:00 UTC of this clock).
    fn now(&self) -> SystemTime;
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

/// Real time, read through tokio's clock so that a runtime with paused time (tokio's
/// `start_paused`) simulates it: the wall time is the time at creation plus tokio's elapsed
/// time.
#[derive(Debug)]
pub struct TokioClock {
    wall: SystemTime,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// A clock starting now.
    pub fn new() -> Self {
        TokioClock { wall: SystemTime::now(), start: tokio::time::Instant::now() }
    }

    /// A clock whose wall time starts at `wall` (for simulations).
    pub fn starting_at(wall: SystemTime) -> Self {
        TokioClock { wall, start: tokio::time::Instant::now() }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    fn now(&self) -> SystemTime {
        self.wall + self.start.elapsed()
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Nanoseconds since the Unix epoch (0 before it, saturating in 2554): exact, where
/// milliseconds would round a window short.
pub(crate) fn epoch_ns(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs().saturating_mul(1_000_000_000).saturating_add(u64::from(d.subsec_nanos())))
}

/// The time `ns` nanoseconds after the Unix epoch.
pub(crate) fn from_epoch_ns(ns: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_nanos(ns)
}

/// The time `ms` milliseconds after the Unix epoch.
pub(crate) fn from_epoch_ms(ms: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
}

/// A pseudo-random number in `0..bound` for jitter, without a random-number crate: std's
/// hasher keys are random per process and per `RandomState`.
pub(crate) fn jitter(bound: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    if bound == 0 {
        return 0;
    }
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(bound);
    h.finish() % bound
}
