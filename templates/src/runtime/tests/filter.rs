use super::super::{Method, Request};
use super::*;
use std::time::{Duration, UNIX_EPOCH};

fn text(f: Filter) -> String {
    f.to_text().unwrap()
}

fn refused(f: Filter) -> String {
    match f.to_text() {
        Err(Error::InvalidRequest(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn builds_keap_filter_strings() {
    let f = Filter::new()
        .eq("given_name", "Mary")
        .starts_with("email", "mary")
        .ge("create_time", "2024-01-01T00:00:00.000Z")
        .lt("score", 10)
        .ne("active", false)
        .le("amount", 9.5)
        .any_of("ids", [1, 2, 3]);
    assert_eq!(
        text(f),
        "given_name==Mary;email==mary*;create_time>=2024-01-01T00:00:00.000Z;score<10;active!=false;amount<=9.5;ids==1,2,3"
    );
    assert_eq!(text(Filter::new().eq("id", 5)), "id==5");
    assert_eq!(text(Filter::new()), "");
}

#[test]
fn values_are_never_altered() {
    // What the grammar can carry is sent as written ...
    assert_eq!(text(Filter::new().starts_with("email", "a*b")), "email==a*b*");
    assert_eq!(text(Filter::new().eq("name", "O'Brien Jr. *x")), "name==O'Brien Jr. *x");
    assert_eq!(text(Filter::new().eq("source", "Email Marketing")), "source==Email Marketing");
    assert_eq!(text(Filter::new().any_of("tags", ["a*b", "=c"])), "tags==a*b,=c");
    // ... and what it cannot is refused, naming the clause, instead of being cleaned.
    for (f, clause) in [
        (Filter::new().eq("given_name", "O;Brien"), "`given_name==O;Brien`"),
        (Filter::new().eq("name", "Follow*"), "`name==Follow*`"),
        (Filter::new().starts_with("email", "a*"), "`email==a**`"),
        (Filter::new().gt("score", "=5"), "`score>=5`"),
        (Filter::new().any_of("names", ["Smith, John", "Ada"]), "`names==Smith, John,Ada`"),
        (Filter::new().any_of("ids", Vec::<i32>::new()), "`ids==`"),
        (Filter::new().eq("a;b", 1), "`a;b==1`"),
        (Filter::new().eq("", 1), "`==1`"),
        (Filter::new().gt("score", f64::NAN), "`score>…`"),
    ] {
        let why = refused(f);
        assert!(why.contains(clause), "{why} should name {clause}");
    }
    // Refused clauses keep the rest from being sent alone.
    let f = Filter::new().eq("id", 1).eq("given_name", "O;Brien");
    assert!(!f.is_empty());
    assert!(refused(f).contains("given_name==O;Brien"));
    assert!(refused(Filter::new().eq("family_name", "Smith, Jr")).contains("would make the value a list"));
}

#[test]
fn string_enums_are_values() {
    #[derive(Clone, Debug, PartialEq, Eq)]
    enum Priority {
        Critical,
        Unknown(String),
    }
    impl Priority {
        const VALUES: &'static [(Self, &'static str)] = &[(Priority::Critical, "CRITICAL")];
    }
    crate::__keap_string_enum!(Priority);
    let f = Filter::new().eq("priority", Priority::Critical).ne("priority", Priority::Unknown("LOW".into()));
    assert_eq!(text(f), "priority==CRITICAL;priority!=LOW");
}

#[test]
fn times_are_written_as_keap_demands() {
    let t = UNIX_EPOCH + Duration::from_nanos(1_767_225_600_123_456_789);
    let f = Filter::new()
        .ge("update_time", t)
        .lt("create_time", Timestamp::from_system_time(t))
        .le("due_time", DateTime::from("2026-01-01T01:00:00+01:00"))
        .eq("birth_date", Date::from("2026-01-01"))
        .any_of("at", [UNIX_EPOCH]);
    assert_eq!(
        text(f),
        "update_time>=2026-01-01T00:00:00.123Z;create_time<2026-01-01T00:00:00.123Z;\
         due_time<=2026-01-01T00:00:00.000Z;birth_date==2026-01-01T00:00:00.000Z;at==1970-01-01T00:00:00.000Z"
    );
    // A date whose text does not parse is refused, not sent as something odd.
    let why = refused(Filter::new().gt("update_time", DateTime::from("next tuesday")));
    assert!(why.contains("`update_time>…`") && why.contains("next tuesday"), "{why}");
    assert!(refused(Filter::new().eq("d", Date::from("2026-02-30"))).contains("2026-02-30"));
}

#[test]
fn requests_carry_filters_or_refuse_before_sending() {
    let new = || Request::new(Method::GET, "op", "/x", "/x".into());
    // Sent as a query value, the grammar's characters are percent-encoded.
    let mut req = new();
    req.filter("filter", &Some(Filter::new().eq("email", "a+b@x.com").gt("id", 5).into()));
    assert_eq!(req.query_string(), "filter=email%3D%3Da%2Bb@x.com%3Bid%3E5");
    assert!(req.error.is_none());
    // Raw text passes unchanged, whatever it holds.
    let mut req = new();
    req.filter("filter", &Some("given_name==O;Brien*".into()));
    assert_eq!(req.query_pairs()[0].1, "given_name==O;Brien*");
    // Absent and empty filters send nothing.
    let mut req = new();
    req.filter("filter", &None);
    req.filter("filter", &Some((&Filter::new()).into()));
    assert_eq!(req.query_string(), "");
    // A clause the grammar cannot express fails the request, naming the clause.
    let mut req = new();
    req.filter("filter", &Some(Filter::new().eq("given_name", "O;Brien").into()));
    assert!(req.query_pairs().is_empty(), "nothing half-written");
    match &req.error {
        Some(Error::InvalidRequest(why)) => {
            assert!(why.contains("`filter`") && why.contains("`given_name==O;Brien`"), "{why}")
        }
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}
