use super::*;
use reqwest::header::HeaderMap;

fn at(ms: u64) -> SystemTime {
    from_epoch_ms(ms)
}

#[test]
fn sliding_windows_never_exceed_their_limit() {
    let q = LocalQuota::new(Quota::custom(Some(2), Some(3), None));
    assert!(q.try_acquire(at(0)).is_ok());
    assert!(q.try_acquire(at(10)).is_ok());
    assert_eq!(q.try_acquire(at(20)), Err(Wait { window: Window::Second, until: at(1000) }));
    assert!(q.try_acquire(at(1000)).is_ok());
    // The minute window is now full until the first request is a minute old.
    assert_eq!(q.try_acquire(at(1500)), Err(Wait { window: Window::Minute, until: at(60_000) }));
}

/// Most of `times` (sorted) in any half-open span of `span`.
fn most_in_span(times: &[SystemTime], span: Duration) -> usize {
    let mut start = 0;
    (0..times.len())
        .map(|end| {
            while times[end].duration_since(times[start]).unwrap() >= span {
                start += 1;
            }
            end - start + 1
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn no_span_holds_more_than_the_limit_at_any_sub_millisecond_phase() {
    let base = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    for phase_ns in [0, 1, 100_000, 500_000, 900_000, 999_999] {
        let q = LocalQuota::new(Quota::custom(Some(5), Some(40), None));
        let mut now = base + Duration::from_nanos(phase_ns);
        let mut sent = Vec::new();
        // A client that sends the moment it is allowed to; bounded, whatever the quota says.
        for _ in 0..200 {
            match q.try_acquire(now) {
                Ok(()) => sent.push(now),
                Err(wait) => {
                    assert!(wait.until > now, "a wait must move time forward");
                    now = wait.until;
                }
            }
            // Some sends happen a sub-millisecond later than the last one.
            now += Duration::from_nanos(phase_ns / 3);
        }
        assert!(sent.len() >= 40, "phase {phase_ns} ns: only {} sent", sent.len());
        let (second, minute) =
            (most_in_span(&sent, Duration::from_secs(1)), most_in_span(&sent, Duration::from_secs(60)));
        assert!(second <= 5, "phase {phase_ns} ns: {second} requests within one second");
        assert!(minute <= 40, "phase {phase_ns} ns: {minute} requests within one minute");
    }
}

#[test]
fn the_day_resets_at_utc_midnight() {
    let q = LocalQuota::new(Quota::custom(None, None, Some(1)));
    let late = 86_400_000 * 3 - 5;
    assert!(q.try_acquire(at(late)).is_ok());
    assert_eq!(q.try_acquire(at(late + 1)), Err(Wait { window: Window::Day, until: at(86_400_000 * 3) }));
    assert!(q.try_acquire(at(86_400_000 * 3)).is_ok());
}

#[test]
fn server_reports_only_lower_the_budget() {
    let q = LocalQuota::new(Quota::custom(None, Some(100), None));
    q.observe(at(0), Observation { window: Window::Minute, available: 1, expires: Some(at(30_000)) });
    assert!(q.try_acquire(at(1)).is_ok());
    assert_eq!(q.try_acquire(at(2)), Err(Wait { window: Window::Minute, until: at(30_000) }));
    assert!(q.try_acquire(at(30_000)).is_ok());
    q.observe(at(30_001), Observation { window: Window::Minute, available: 5000, expires: None });
    let minute = q.budget(at(30_002))[1];
    assert_eq!(minute.remaining, Some(98));
}

#[test]
fn an_unlimited_window_says_so() {
    let q = LocalQuota::new(Quota::custom(Some(5), None, None));
    assert!(q.try_acquire(at(0)).is_ok());
    let budget = q.budget(at(1));
    assert_eq!(budget.iter().map(|b| b.remaining).collect::<Vec<_>>(), [Some(4), None, None]);
    // A server report limits a window the configuration leaves open.
    q.observe(at(2), Observation { window: Window::Day, available: 7, expires: None });
    assert_eq!(q.budget(at(3))[2].remaining, Some(7));
}

#[test]
fn a_share_divides_every_limit_and_keeps_at_least_one() {
    let q = Quota::api_key_raised().share(4);
    assert_eq!(
        [q.limit(Window::Second), q.limit(Window::Minute), q.limit(Window::Day)],
        [Some(2), Some(60), Some(7500)]
    );
    let q = Quota::custom(Some(3), None, Some(10)).share(100);
    assert_eq!([q.limit(Window::Second), q.limit(Window::Minute), q.limit(Window::Day)], [Some(1), None, Some(1)]);
}

#[test]
fn reads_keap_headers_blank_and_piped() {
    let mut h = HeaderMap::new();
    h.insert("X-Keap-Product-Quota-Available", "14000".parse().unwrap());
    h.insert("x-keap-product-quota-time-unit", "Day".parse().unwrap());
    h.insert("x-keap-product-quota-expiry-time", "1700000000000".parse().unwrap());
    h.insert("x-keap-product-throttle-available", "".parse().unwrap());
    h.insert("x-keap-tenant-throttle-available", "9|240000".parse().unwrap());
    h.insert("x-keap-tenant-throttle-time-unit", "minute|day".parse().unwrap());
    let mut seen = Vec::new();
    observations(&h, |o| seen.push(o));
    assert_eq!(
        seen,
        vec![
            Observation { window: Window::Day, available: 14000, expires: Some(at(1_700_000_000_000)) },
            Observation { window: Window::Minute, available: 9, expires: None },
            Observation { window: Window::Day, available: 240000, expires: None },
        ]
    );
}
