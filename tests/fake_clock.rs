//! A clock for the HTTP tests: time moves only when someone sleeps, and every sleep is
//! recorded, so waits are checked without waiting.
#![allow(dead_code, reason = "each test binary uses its own part of it")]

use keap::runtime::{Clock, SleepFuture};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Time that moves only when someone sleeps.
pub struct FakeClock {
    pub now: Mutex<SystemTime>,
    pub slept: Mutex<Vec<Duration>>,
}

impl FakeClock {
    pub fn new() -> Arc<FakeClock> {
        Arc::new(FakeClock {
            now: Mutex::new(UNIX_EPOCH + Duration::from_secs(1_800_000_000)),
            slept: Mutex::default(),
        })
    }
    pub fn ms(&self) -> u64 {
        self.now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
    }
    pub fn slept(&self) -> Duration {
        self.slept.lock().unwrap().iter().sum()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap()
    }
    fn sleep(&self, d: Duration) -> SleepFuture {
        *self.now.lock().unwrap() += d;
        self.slept.lock().unwrap().push(d);
        Box::pin(async {})
    }
}
