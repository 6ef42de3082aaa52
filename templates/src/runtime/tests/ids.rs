use super::*;

enum Contact {}
impl Record for Contact {
    const NAME: &'static str = "contact";
}

#[test]
fn ids_read_text_or_numbers_and_refuse_the_rest() {
    let text: Id<Contact> = serde_json::from_str("\"101\"").unwrap();
    let number: Id<Contact> = serde_json::from_str("101").unwrap();
    let float: Id<Contact> = serde_json::from_str("101.0").unwrap();
    assert_eq!((text.as_str(), number.as_str(), float.as_str()), ("101", "101", "101"));
    let err = serde_json::from_str::<Id<Contact>>("true").unwrap_err().to_string();
    assert!(err.contains("contact id"), "{err}");
    assert!(serde_json::from_str::<Id<Contact>>("101.5").is_err());

    let v1: NumId<Contact> = serde_json::from_str("\"101\"").unwrap();
    assert_eq!(v1.get(), 101);
    assert_eq!(serde_json::from_str::<NumId<Contact>>("101.0").unwrap().get(), 101);
    let err = serde_json::from_str::<NumId<Contact>>("\"abc\"").unwrap_err().to_string();
    assert!(err.contains("`abc` is not a number") && err.contains("contact"), "{err}");
    assert!(serde_json::from_str::<NumId<Contact>>("1e30").is_err());
}

#[test]
fn ids_travel_as_their_api_writes_them() {
    assert_eq!(serde_json::to_string(&Id::<Contact>::new("101")).unwrap(), "\"101\"");
    assert_eq!(serde_json::to_string(&NumId::<Contact>::new(101)).unwrap(), "101");
    assert_eq!(Id::<Contact>::from(101).to_param().unwrap(), "101");
    assert_eq!(NumId::<Contact>::new(7).to_param().unwrap(), "7");
    assert_eq!(format!("{:?}", Id::<Contact>::new("9")), "Id<contact>(\"9\")");
}

#[test]
fn v1_and_v2_ids_convert_explicitly() {
    // Only a number's own text converts, so text to number and back is the same id.
    for odd in ["0101", "+101", " 101", "101 ", "1e2", ""] {
        assert!(NumId::<Contact>::try_from(&Id::<Contact>::new(odd)).is_err(), "{odd:?}");
    }
    assert_eq!("-5".parse::<NumId<Contact>>().unwrap().get(), -5);
    let v1 = NumId::<Contact>::new(101);
    let v2 = Id::from(v1);
    assert_eq!(v2.as_str(), "101");
    assert_eq!(NumId::try_from(&v2).unwrap(), v1);
    let opaque = Id::<Contact>::new("c_9f2");
    let err = NumId::try_from(opaque).unwrap_err();
    assert_eq!(err.to_string(), "`c_9f2` is not a number, so it is not a REST v1 contact id");
}
