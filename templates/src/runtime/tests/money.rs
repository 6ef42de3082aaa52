use super::*;

fn a(text: &str) -> Amount {
    text.parse().unwrap()
}

#[test]
fn sums_are_exact_and_keep_their_decimals_on_the_wire() {
    let total = a("1.10") + a("2.20");
    assert_eq!(total.to_string(), "3.30");
    assert_eq!(serde_json::to_string(&total).unwrap(), "3.30");
    assert_eq!(serde_json::to_value(total).unwrap(), serde_json::json!(3.3));
    assert_eq!(total, a("3.3"));
    assert_eq!((a("19.99") * 3).to_string(), "59.97");
    assert_eq!([a("0.1"), a("0.2")].iter().sum::<Amount>(), a("0.3"));
}

#[test]
fn round_trips_are_exact() {
    for text in ["60.67", "0.05", "-0.05", "60", "1000000000000.01", "0"] {
        let v: Amount = serde_json::from_str(text).unwrap();
        assert_eq!(v.to_string(), text, "number {text}");
        assert_eq!(serde_json::to_string(&v).unwrap(), text);
        let v: Amount = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        assert_eq!(v.to_string(), text, "text {text}");
    }
    // A JSON number keeps its value; text keeps its decimals too.
    assert_eq!(serde_json::from_str::<Amount>("3.30").unwrap(), a("3.30"));
    assert_eq!(serde_json::from_str::<Amount>("\"3.30\"").unwrap().to_string(), "3.30");
    assert_eq!(a("1e3").to_string(), "1000");
    // Extremes a mock server sends: kept exactly, however long their text.
    let max: Amount = serde_json::from_str("-1.7976931348623157e+308").unwrap();
    assert_eq!(max.to_string().len(), 310);
    assert_eq!(max.to_f64(), -f64::MAX);
    assert!(max < a("0") && max.checked_add(a("1")).is_none());
    assert!("1e999".parse::<Amount>().is_err());
    assert_eq!(a("6.067E1"), a("60.67"));
    assert!(serde_json::from_str::<Amount>("true").is_err());
    assert!("12.3.4".parse::<Amount>().is_err() && "".parse::<Amount>().is_err() && "$5".parse::<Amount>().is_err());
}

#[test]
fn units_convert_exactly_or_not_at_all() {
    assert_eq!(a("19.99").to_minor(2).unwrap(), MinorUnits::new(1999));
    assert_eq!(a("60.67").to_minor(2).unwrap().get(), 6067);
    assert_eq!(a("60.6").to_minor(2).unwrap().get(), 6060);
    assert_eq!(a("60.670").to_minor(2).unwrap().get(), 6067);
    assert!(a("60.675").to_minor(2).is_err());
    assert_eq!(MinorUnits::new(6067).to_amount(2), a("60.67"));
    assert_eq!(MinorUnits::new(6067).to_amount(2).to_string(), "60.67");
    assert_eq!(MinorUnits::new(500).to_amount(0), Amount::from_units(500));
    assert_eq!(MinorUnits::new(6067).to_amount_in("usd").unwrap(), a("60.67"));
    assert_eq!(MinorUnits::new(6067).to_amount_in("JPY").unwrap(), a("6067"));
    assert_eq!(MinorUnits::new(6067).to_amount_in("KWD").unwrap(), a("6.067"));
    assert!(MinorUnits::new(6067).to_amount_in("$").is_err());
    assert_eq!(Amount::try_from_f64(60.67).unwrap(), a("60.67"));
    assert!(Amount::try_from_f64(f64::NAN).is_err());
    assert_eq!(a("0.125").round(2), a("0.13"));
    assert_eq!(a("-0.125").round(2), a("-0.13"));
    assert_eq!(a("0.124").round(2), a("0.12"));
}

#[test]
fn minor_units_are_whole_or_refused() {
    let m: MinorUnits = serde_json::from_str("6067.0").unwrap();
    assert_eq!(m.get(), 6067);
    let e = serde_json::from_str::<MinorUnits>("60.67").unwrap_err().to_string();
    assert!(e.contains("60.67 does not fit MinorUnits exactly"), "{e}");
    assert_eq!(serde_json::to_string(&MinorUnits::new(6067)).unwrap(), "6067");
}

#[test]
fn equal_values_hash_alike_and_order_by_value() {
    use std::collections::HashSet;
    let set: HashSet<Amount> = [a("3.3"), a("3.30"), a("3.300")].into_iter().collect();
    assert_eq!(set.len(), 1);
    assert!(a("-1") < a("0.01") && a("0.1") > a("0.09"));
}
