//! Generated string enums order by wire text, so a value Keap adds (which shifts the spec's
//! order of values) changes no comparison between the values a program already has.

#[derive(Clone, Debug, PartialEq, Eq)]
enum Stage {
    Won,
    Lost,
    Open,
    Unknown(String),
}

impl Stage {
    const VALUES: &'static [(Self, &'static str)] =
        &[(Stage::Won, "WON"), (Stage::Lost, "LOST"), (Stage::Open, "OPEN")];
}

keapgen_runtime::__keap_string_enum!(Stage);

#[test]
fn order_is_the_wire_texts_not_the_specs() {
    let mut stages = vec![Stage::Won, Stage::Unknown("DRAFT".into()), Stage::Open, Stage::Lost];
    stages.sort();
    assert_eq!(stages, [Stage::Unknown("DRAFT".into()), Stage::Lost, Stage::Open, Stage::Won]);
}

#[test]
fn equal_ordering_means_equal_values() {
    use std::cmp::Ordering;
    // An `Unknown` holding a listed value's text is another value (built by hand only).
    let by_hand = Stage::Unknown("WON".into());
    assert_ne!(Stage::Won, by_hand);
    assert_eq!(Stage::Won.cmp(&by_hand), Ordering::Less);
    assert_eq!(Stage::Won.cmp(&Stage::Won), Ordering::Equal);
    assert_eq!(Stage::Won.partial_cmp(&Stage::Lost), Some(Ordering::Greater));
}
