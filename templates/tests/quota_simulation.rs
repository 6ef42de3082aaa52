//! Quota in simulated time: tokio's paused clock lets a whole day of traffic from many
//! concurrent tasks run in well under a second, with no sleeping.
#![allow(clippy::disallowed_methods, reason = "tests measure simulated time with tokio's paused clock")]

use keapgen_runtime::runtime::{
    Budget, Clock, Decision, Error, LocalQuota, Observation, Quota, QuotaFuture, QuotaGate, QuotaStore, SleepFuture,
    StoreError, TokioClock, Window,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// 00:00 UTC on some day, plus `offset`.
fn midnight_plus(offset: Duration) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(20_000 * 86_400) + offset
}

/// Nanoseconds since the epoch: exact, so a span check cannot be fooled by rounding.
fn ns(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64
}

const MS: u64 = 1_000_000;

/// Most sends in any half-open span of `span` ns.
fn max_in_span(times: &[u64], span: u64) -> usize {
    let mut best = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end] - times[start] >= span {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

/// Runs `tasks` tasks that each send as fast as the gate lets them until it refuses; returns
/// the send times (sorted, epoch ns) and the errors that stopped each task.
async fn flood(quota: Quota, clock: Arc<TokioClock>, tasks: usize) -> (Vec<u64>, Vec<Error>) {
    let gate = Arc::new(QuotaGate::new(quota.clone(), Arc::new(LocalQuota::new(quota)), clock.clone(), None));
    let sent = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (gate, sent, clock) = (gate.clone(), sent.clone(), clock.clone());
            tokio::spawn(async move {
                loop {
                    match gate.acquire("op").await {
                        Ok(()) => sent.lock().unwrap().push(ns(clock.now())),
                        Err(e) => return e,
                    }
                    // Each request takes a little while on the wire.
                    clock.sleep(Duration::from_millis(30)).await;
                }
            })
        })
        .collect();
    let mut errors = Vec::new();
    for h in handles {
        errors.push(h.await.unwrap());
    }
    let mut times = sent.lock().unwrap().clone();
    times.sort();
    (times, errors)
}

#[tokio::test(start_paused = true)]
async fn a_day_of_fifty_tasks_never_exceeds_a_window_and_uses_the_quota() {
    let start = midnight_plus(Duration::from_secs(3600));
    let clock = Arc::new(TokioClock::starting_at(start));
    let (times, errors) = flood(Quota::default(), clock.clone(), 50).await;

    assert!(max_in_span(&times, 1_000 * MS) <= 5, "more than 5 in a second");
    assert!(max_in_span(&times, 60_000 * MS) <= 120, "more than 120 in a minute");
    assert_eq!(times.len(), 15_000, "the day's quota is used in full, and not exceeded");
    // The minute window binds: at 120/min the last of 15,000 goes out 124 minutes after
    // the first, at best.
    let took_min = (times[times.len() - 1] - times[0]) as f64 / (60_000 * MS) as f64;
    let efficiency = ((15_000 - 120) as f64 / 120.0) / took_min;
    assert!(efficiency >= 0.95, "throughput {efficiency:.3} of what the limits allow ({took_min:.1} min)");
    println!("15,000 requests in {took_min:.1} simulated minutes: {:.1}% of the best possible", efficiency * 100.0);
    // Then every task is told when the day resets, instead of sleeping until then.
    let next_day = midnight_plus(Duration::from_secs(86_400));
    for e in errors {
        assert!(matches!(e, Error::QuotaExhausted { window: Window::Day, resets_at } if resets_at == next_day), "{e}");
    }
}

#[tokio::test(start_paused = true)]
async fn the_day_resets_at_midnight_utc() {
    let clock = Arc::new(TokioClock::starting_at(midnight_plus(Duration::from_secs(86_400 - 2))));
    let quota = Quota::custom(None, None, Some(3)).max_wait(Window::Day, Duration::from_secs(10));
    let (times, errors) = flood(quota, clock, 2).await;
    // Three before midnight, then the gate waits for the new day and lets three more through.
    let midnight = ns(midnight_plus(Duration::from_secs(86_400)));
    assert_eq!(times.iter().filter(|t| **t < midnight).count(), 3);
    assert_eq!(times.iter().filter(|t| **t >= midnight).count(), 3);
    assert!(errors.iter().all(|e| matches!(e, Error::QuotaExhausted { window: Window::Day, .. })));
}

#[tokio::test(start_paused = true)]
async fn waiting_is_first_come_first_served() {
    let clock = Arc::new(TokioClock::starting_at(midnight_plus(Duration::ZERO)));
    let quota = Quota::custom(Some(1), None, None);
    let gate = Arc::new(QuotaGate::new(quota.clone(), Arc::new(LocalQuota::new(quota)), clock.clone(), None));
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for i in 0..10 {
        let (gate, order) = (gate.clone(), order.clone());
        handles.push(tokio::spawn(async move {
            gate.acquire("op").await.unwrap();
            order.lock().unwrap().push(i);
        }));
        // Each task queues before the next one starts.
        tokio::task::yield_now().await;
    }
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(*order.lock().unwrap(), (0..10).collect::<Vec<_>>());
}

/// Time that moves only when someone sleeps, by exactly as long as they sleep: a clock whose
/// readings keep whatever sub-millisecond phase it started with.
struct SteppedClock(Mutex<SystemTime>);

impl Clock for SteppedClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
    fn sleep(&self, duration: Duration) -> SleepFuture {
        *self.0.lock().unwrap() += duration;
        Box::pin(async {})
    }
}

#[tokio::test]
async fn no_second_holds_more_than_five_whatever_the_clock_phase() {
    for phase in [1, 100_000, 500_000, 900_000, 999_999].map(Duration::from_nanos) {
        let clock = Arc::new(SteppedClock(Mutex::new(midnight_plus(Duration::from_secs(3600) + phase))));
        let quota = Quota::default();
        let gate = Arc::new(QuotaGate::new(quota.clone(), Arc::new(LocalQuota::new(quota)), clock.clone(), None));
        let sent = Arc::new(Mutex::new(Vec::new()));
        let tasks: Vec<_> = (0..4u64)
            .map(|task| {
                let (gate, sent, clock) = (gate.clone(), sent.clone(), clock.clone());
                tokio::spawn(async move {
                    for _ in 0..30 {
                        gate.acquire("op").await.unwrap();
                        sent.lock().unwrap().push(ns(clock.now()));
                        // Requests take odd, sub-millisecond times on the wire.
                        clock.sleep(Duration::from_nanos(37_000 + task * 211_111)).await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let mut times = sent.lock().unwrap().clone();
        times.sort();
        assert_eq!(times.len(), 120);
        let most = max_in_span(&times, 1_000 * MS);
        assert!(most <= 5, "phase {phase:?}: {most} requests within one second");
    }
}

/// A store that fails its first `failures` calls, then lets everything through.
struct Flaky {
    failures: Mutex<u32>,
    calls: Mutex<u32>,
}

impl QuotaStore for Flaky {
    fn try_acquire(&self, _now: SystemTime) -> QuotaFuture<'_, Result<Decision, StoreError>> {
        *self.calls.lock().unwrap() += 1;
        let mut left = self.failures.lock().unwrap();
        if *left == 0 {
            return QuotaFuture::ready(Ok(Decision::Send));
        }
        *left -= 1;
        QuotaFuture::pending(async { Err("Redis at 127.0.0.1:1: connection refused".into()) })
    }
    fn observe(&self, _: SystemTime, _: Observation) -> QuotaFuture<'_, Result<(), StoreError>> {
        QuotaFuture::ready(Ok(()))
    }
    fn pause_until(&self, _: SystemTime, _: SystemTime) -> QuotaFuture<'_, Result<(), StoreError>> {
        QuotaFuture::ready(Ok(()))
    }
    fn budget(&self, _: SystemTime) -> QuotaFuture<'_, Result<Vec<Budget>, StoreError>> {
        QuotaFuture::ready(Err("down".into()))
    }
}

fn gate(failures: u32, store_wait: Duration) -> (QuotaGate, Arc<Flaky>) {
    let store = Arc::new(Flaky { failures: Mutex::new(failures), calls: Mutex::new(0) });
    let clock = Arc::new(TokioClock::new());
    (QuotaGate::new(Quota::unlimited().store_wait(store_wait), store.clone(), clock, None), store)
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_store_is_waited_for_then_named_in_the_error() {
    let (g, store) = gate(u32::MAX, Duration::from_secs(10));
    let started = tokio::time::Instant::now();
    let e = g.acquire("op").await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(10), "waits exactly store_wait");
    match &e {
        Error::QuotaStore { message, waited } => {
            assert!(message.contains("Redis at 127.0.0.1:1"), "{message}");
            assert_eq!(*waited, Duration::from_secs(10));
        }
        other => panic!("{other:?}"),
    }
    assert!(e.is_retryable() && !e.maybe_sent());
    // Backoff from 100 ms to 1 s: a down store is not hammered.
    let calls = *store.calls.lock().unwrap();
    assert!((10..=20).contains(&calls), "{calls} tries in 10 s");
}

#[tokio::test(start_paused = true)]
async fn requests_queued_behind_an_outage_do_not_each_wait_it_out() {
    let (g, _) = gate(u32::MAX, Duration::from_secs(10));
    let g = Arc::new(g);
    let started = tokio::time::Instant::now();
    let callers: Vec<_> = (0..5)
        .map(|_| {
            let g = g.clone();
            tokio::spawn(async move { (g.acquire("op").await, started.elapsed()) })
        })
        .collect();
    for caller in callers {
        let (result, took) = caller.await.unwrap();
        assert!(matches!(result, Err(Error::QuotaStore { .. })));
        assert!(took <= Duration::from_secs(11), "a queued request waited {took:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_store_that_comes_back_lets_the_request_through() {
    let (g, store) = gate(3, Duration::from_secs(10));
    g.acquire("op").await.unwrap();
    assert_eq!(*store.calls.lock().unwrap(), 4);
    assert!(matches!(g.budget().await, Err(Error::QuotaStore { .. })));
}
