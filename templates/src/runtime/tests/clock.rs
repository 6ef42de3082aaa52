use super::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// A clock whose sleeps end once `rung` is set (and at once if it is set already).
struct Alarm {
    rung: std::sync::Arc<AtomicBool>,
}

impl Clock for Alarm {
    fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH
    }

    fn sleep(&self, _: Duration) -> SleepFuture {
        let rung = self.rung.clone();
        Box::pin(std::future::poll_fn(move |cx| {
            if rung.load(Ordering::SeqCst) {
                Poll::Ready(())
            } else {
                // Woken again soon: the test sets `rung` between polls.
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }))
    }
}

#[tokio::test]
async fn timeout_ends_a_wait_when_the_clocks_sleep_ends_and_not_before() {
    let rung = std::sync::Arc::new(AtomicBool::new(true));
    let alarm = Alarm { rung: rung.clone() };
    let limit = Duration::from_secs(1);
    // Ready work wins, even against a sleep that is over already.
    assert_eq!(timeout(&alarm, limit, async { 5 }).await, Ok(5));
    assert_eq!(timeout(&alarm, limit, std::future::pending::<()>()).await, Err(TimedOut));
    // Until the clock's sleep ends, the work may take its time.
    rung.store(false, Ordering::SeqCst);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let waited = tokio::spawn(async move { timeout(&alarm, limit, rx).await });
    tokio::task::yield_now().await;
    assert!(!waited.is_finished());
    tx.send("done").unwrap();
    assert_eq!(waited.await.unwrap().map(Result::unwrap), Ok("done"));
}

#[tokio::test(start_paused = true)]
async fn timeout_on_tokios_clock_follows_paused_time() {
    let clock = TokioClock::new();
    let start = clock.now();
    let work = |secs| clock.sleep(Duration::from_secs(secs));
    assert_eq!(timeout(&clock, Duration::from_secs(10), work(5)).await, Ok(()));
    assert_eq!(timeout(&clock, Duration::from_secs(1), work(5)).await, Err(TimedOut));
    assert_eq!(clock.now().duration_since(start).unwrap(), Duration::from_secs(6), "5 s, then the 1 s limit");
}

#[test]
fn random_numbers_differ_from_one_call_to_the_next() {
    let drawn: std::collections::BTreeSet<u64> = (0..100).map(|_| random_u64()).collect();
    assert_eq!(drawn.len(), 100);
    assert!((0..100).all(|_| jitter(10) < 10) && jitter(0) == 0);
}
