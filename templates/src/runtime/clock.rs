//! Time, injectable: quota windows and backoff read the clock and sleep through this trait,
//! so tests run a simulated day in milliseconds.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
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
//
// The one implementation of `Clock` on real time: the only code of the runtime allowed to
// read the system's and tokio's clocks and timers (`templates/clippy.toml` forbids them
// elsewhere).
#[derive(Debug)]
pub struct TokioClock {
    wall: SystemTime,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// A clock starting now.
    #[allow(clippy::disallowed_methods, reason = "the real clock itself")]
    pub fn new() -> Self {
        TokioClock { wall: SystemTime::now(), start: tokio::time::Instant::now() }
    }

    /// A clock whose wall time starts at `wall` (for simulations).
    #[allow(clippy::disallowed_methods, reason = "the real clock itself")]
    pub fn starting_at(wall: SystemTime) -> Self {
        TokioClock { wall, start: tokio::time::Instant::now() }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

#[allow(clippy::disallowed_methods, reason = "the real clock itself")]
impl Clock for TokioClock {
    fn now(&self) -> SystemTime {
        self.wall + self.start.elapsed()
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// `clock` slept `limit` before the future finished.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TimedOut;

/// `future`'s output, or [`TimedOut`] once `clock` has slept `limit`. The future is polled
/// first, so one that is ready is never timed out.
///
/// A limit on work that really happens (a hook of the application, a Redis command) belongs
/// on a [`TokioClock`]: an injected clock whose sleeps end at once (a test's) would end that
/// work before it could answer.
pub(crate) async fn timeout<F: Future>(clock: &dyn Clock, limit: Duration, future: F) -> Result<F::Output, TimedOut> {
    let mut future = std::pin::pin!(future);
    let mut sleep = clock.sleep(limit);
    std::future::poll_fn(move |cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        sleep.as_mut().poll(cx).map(|()| Err(TimedOut))
    })
    .await
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

/// A pseudo-random number in `0..bound` for jitter.
pub(crate) fn jitter(bound: u64) -> u64 {
    if bound == 0 {
        return 0;
    }
    random_u64() % bound
}

/// A pseudo-random number, without a random-number crate (nor the time): std's hasher keys
/// are random per process, and each `RandomState` differs from the one before.
pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new().build_hasher().finish()
}

#[cfg(test)]
#[path = "tests/clock.rs"]
mod tests;
