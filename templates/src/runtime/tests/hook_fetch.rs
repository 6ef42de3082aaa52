use super::*;

#[tokio::test]
async fn a_claimed_or_done_event_is_not_claimed_again_and_a_released_one_is() {
    use Claim::{Claimed, Done, Held};
    let d = LocalDedupe::new();
    let events = vec!["a".to_owned(), "b".to_owned()];
    let lease = Duration::from_secs(60);
    assert_eq!(d.claim("one", &events, lease).await.unwrap(), [Claimed, Claimed]);
    assert_eq!(d.claim("two", &events, lease).await.unwrap(), [Held, Held]);
    assert_eq!(d.claim("one", &events, lease).await.unwrap(), [Claimed, Claimed], "a holder's own claim");
    d.release("two", &events).await.unwrap();
    assert_eq!(d.claim("two", &events, lease).await.unwrap(), [Held, Held], "not two's to release");
    d.release("one", &events[..1]).await.unwrap();
    d.complete("one", &events[1..], lease).await.unwrap();
    assert_eq!(d.claim("two", &events, lease).await.unwrap(), [Claimed, Done]);
    assert_eq!(d.claim("three", &events, Duration::MAX).await.unwrap(), [Held, Done], "no overflow");
}

#[tokio::test(start_paused = true)]
async fn leases_and_done_events_expire_on_the_dedupes_clock() {
    use Claim::{Claimed, Done, Held};
    // tokio's clock, paused: a minute passes in no time.
    let d = LocalDedupe::new();
    let (a, b) = (vec!["a".to_owned()], vec!["b".to_owned()]);
    let minute = Duration::from_secs(60);
    assert_eq!(d.claim("one", &a, minute).await.unwrap(), [Claimed]);
    d.complete("one", &b, minute * 2).await.unwrap();
    tokio::time::advance(minute + Duration::from_secs(1)).await;
    assert_eq!(d.claim("two", &a, minute).await.unwrap(), [Claimed], "one's lease is over");
    assert_eq!(d.claim("two", &b, minute).await.unwrap(), [Done], "kept two minutes");
    tokio::time::advance(minute - Duration::from_secs(1)).await;
    assert_eq!(d.claim("three", &b, minute).await.unwrap(), [Claimed], "forgotten after two minutes");
    assert_eq!(d.claim("three", &a, minute).await.unwrap(), [Held], "two's lease runs from its claim");
}

#[test]
fn ids_are_compared_as_keap_writes_them_and_objects_without_time_are_events_of_their_delivery() {
    assert_eq!(canonical_id(" 0042 "), "42");
    assert_eq!(canonical_id("000"), "0");
    assert_eq!(canonical_id("abc"), "abc");
    let parse = |body: &str| Delivery::parse(body.as_bytes()).unwrap();
    let one = parse(r#"{"event_key":"contact.edit","object_keys":[{"id":5},{"id":"05"}]}"#);
    let (ids, events) = events_of(&one);
    assert_eq!(ids, ["5"], "the same record twice is one event");
    assert!(events[0].starts_with("contact.edit|5|delivery:"), "{events:?}");
    let other = parse(r#"{"event_key":"contact.edit","object_keys":[{"id":5},{"id":6}]}"#);
    assert_ne!(events_of(&other).1[0], events[0], "another delivery without times is another event");
    let timed = parse(r#"{"event_key":"contact.edit","object_keys":[{"id":5,"timestamp":"2018-03-29T10:55:37Z"}]}"#);
    assert_eq!(events_of(&timed).1, ["contact.edit|5|2018-03-29T10:55:37Z"]);
}
