use super::*;

fn at(t: &str) -> Option<(i64, u32, i16)> {
    DateTime(t.into()).parse().map(|x| (x.unix_seconds(), x.nanos(), x.offset_minutes()))
}

#[test]
fn reads_the_formats_keap_sends() {
    // 2024-03-18T17:00:00Z
    let t = 1_710_781_200;
    assert_eq!(at("2024-03-18T17:00:00Z"), Some((t, 0, 0)));
    assert_eq!(at("2024-03-18T17:00:00.123Z"), Some((t, 123_000_000, 0)));
    assert_eq!(at("2024-03-18T18:00:00+01:00"), Some((t, 0, 60)));
    assert_eq!(at("2024-03-18T10:00:00.000-0700"), Some((t, 0, -420)));
    assert_eq!(at("2024-03-18 17:00"), Some((t, 0, 0)));
    assert_eq!(at("2024-03-18T17:00:00"), Some((t, 0, 0)));
    assert_eq!(at("2024-03-18"), Some((t - 17 * 3600, 0, 0)));
    assert_eq!(at("1710781200"), Some((t, 0, 0)));
    assert_eq!(at("1710781200500"), Some((t, 500_000_000, 0)));
    assert_eq!(at("1969-12-31T23:59:59Z"), Some((-1, 0, 0)));
    assert_eq!(at(" 2000-02-29T00:00:00Z "), Some((951_782_400, 0, 0)));
}

#[test]
fn refuses_what_is_not_a_time() {
    for bad in [
        "",
        "soon",
        "2024-02-30T00:00:00Z",
        "2023-13-01",
        "2024-03-18T25:00:00Z",
        "2024-03-18T17:00:00+5",
        "2024-03-18X17:00",
    ] {
        assert_eq!(at(bad), None, "{bad}");
    }
}

#[test]
fn writes_rfc_3339_and_round_trips() {
    for text in [
        "2024-03-18T17:00:00Z",
        "2024-03-18T18:00:00.5+01:00",
        "1901-01-01T00:00:00-05:30",
        "2100-12-31T23:59:59.000000001Z",
    ] {
        let t = DateTime(text.into()).parse().unwrap();
        assert_eq!(t.to_string(), text);
        assert_eq!(Timestamp::from_system_time(t.to_system_time()).unix_millis(), t.unix_millis());
    }
}

#[test]
fn requests_get_utc_with_exactly_three_fraction_digits() {
    let at = |t: SystemTime| DateTime::from(t).0;
    let t = UNIX_EPOCH + Duration::from_secs(1_710_781_200);
    assert_eq!(at(t), "2024-03-18T17:00:00.000Z");
    assert_eq!(at(t + Duration::from_nanos(123_456_789)), "2024-03-18T17:00:00.123Z", "sub-ms dropped");
    assert_eq!(at(t + Duration::from_nanos(999_999)), "2024-03-18T17:00:00.000Z");
    assert_eq!(at(UNIX_EPOCH - Duration::from_millis(1500)), "1969-12-31T23:59:58.500Z");
    // A timestamp read in another offset is written in UTC.
    let local = DateTime::from("2024-03-18T18:00:00.5+01:00").parse().unwrap();
    assert_eq!(DateTime::from(local).0, "2024-03-18T17:00:00.500Z");
    assert_eq!(local.to_string(), "2024-03-18T18:00:00.5+01:00", "Display keeps the offset");
}

/// Whether `T` has a `PartialOrd` impl, decided where `T` is concrete: the inherent method
/// exists only when the bound holds, otherwise the trait's fallback answers.
struct Probe<T>(std::marker::PhantomData<T>);
trait Unordered {
    fn ordered(&self) -> bool {
        false
    }
}
impl<T> Unordered for Probe<T> {}
impl<T: PartialOrd> Probe<T> {
    fn ordered(&self) -> bool {
        true
    }
}

#[test]
fn date_times_have_no_order_that_can_lie() {
    // 17:00Z is an hour after 18:00+02:00 (16:00Z), though its text sorts first.
    let (five, four) = (DateTime::from("2024-03-18T17:00:00Z"), DateTime::from("2024-03-18T18:00:00+02:00"));
    assert!(five.parse().unwrap() > four.parse().unwrap(), "timestamps order by instant");
    assert!(!Probe::<DateTime>(std::marker::PhantomData).ordered(), "DateTime must not order by its text");
    assert!(Probe::<Timestamp>(std::marker::PhantomData).ordered());
}

#[test]
fn dates_have_parts() {
    assert_eq!(Date("2024-02-29".into()).ymd(), Some((2024, 2, 29)));
    assert_eq!(Date("2023-02-29".into()).ymd(), None);
    assert_eq!(Date::from_ymd(2024, 3, 1).unwrap().as_str(), "2024-03-01");
    assert_eq!(Date::from_ymd(2024, 4, 31), None);
}
