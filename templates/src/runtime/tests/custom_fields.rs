use super::*;
use serde_json::json;

fn model() -> Arc<CustomFields> {
    let model = json!({"custom_fields": [
        {"id": "1", "label": "Favorite color", "field_name": "favoriteColor1", "field_type": "DROPDOWN",
         "options": [{"id": "Red", "label": "Red"}, {"id": "b", "label": "Blue"}]},
        {"id": "2", "label": "Renewal", "field_name": "renewal", "field_type": "DATE"},
        {"id": "3", "label": "Seats", "field_type": "WHOLE_NUMBER"},
        {"id": "4", "label": "Budget", "field_type": "CURRENCY"},
        {"id": "5", "label": "Newsletter", "field_type": "YES_NO"},
        {"id": "6", "label": "Interests", "field_type": "LIST_BOX",
         "options": [{"id": "x", "label": "Golf"}, {"id": "y", "label": "Chess"}]},
        {"id": "7", "label": "Note", "field_name": "note1", "field_type": "TEXT"},
        {"id": "8", "label": "Note", "field_name": "note2", "field_type": "TEXT_AREA"},
        {"id": 9, "label": "Legacy", "field_type": "Text"},
        {"label": "no id"}
    ]});
    Arc::new(CustomFields::from_model("contact", &model).unwrap())
}

fn write(values: Vec<(&str, CustomValue)>) -> Result<Vec<Value>, CustomFieldError> {
    model().write(values)
}

#[test]
fn names_are_labels_or_field_names_and_never_guessed() {
    let m = model();
    assert_eq!(m.fields().len(), 9, "a definition without an id is skipped");
    assert_eq!(m.field("Favorite color").unwrap().id(), "1");
    assert_eq!(m.field("favoriteColor1").unwrap().id(), "1");
    assert_eq!(m.field("favorite COLOR").unwrap().id(), "1", "case is ignored when that finds one");
    assert_eq!(m.field("note2").unwrap().id(), "8");
    assert_eq!(m.field("Legacy").unwrap().id(), "9", "v1's number id reads as text");
    let e = m.field("Note").unwrap_err();
    assert_eq!(e.kind(), CustomFieldErrorKind::Ambiguous);
    assert!(e.to_string().contains("`note1`, `note2`"), "{e}");
    let e = m.field("Favourite color").unwrap_err();
    assert_eq!(e.kind(), CustomFieldErrorKind::Unknown);
    assert!(e.to_string().contains("`Favorite color`") && e.to_string().contains("reload_custom_fields"), "{e}");
}

#[test]
fn values_are_written_as_their_type_takes_them_or_refused() {
    let sent = write(vec![
        ("Favorite color", "Blue".into()),
        ("Renewal", Date("2026-03-01".into()).into()),
        ("Seats", 12i64.into()),
        ("Budget", "1999.99".parse::<Amount>().unwrap().into()),
        ("Newsletter", true.into()),
        ("Interests", CustomValue::choices(["Golf", "Chess"])),
        ("note1", "hello".into()),
        ("Legacy", "old".into()),
    ])
    .unwrap();
    assert_eq!(
        sent,
        [
            json!({"id": "1", "content": "Blue"}),
            json!({"id": "2", "content": "2026-03-01"}),
            json!({"id": "3", "content": 12}),
            json!({"id": "4", "content": 1999.99}),
            json!({"id": "5", "content": 1}),
            json!({"id": "6", "content": "Golf,Chess"}),
            json!({"id": "7", "content": "hello"}),
            json!({"id": 9, "content": "old"}),
        ]
    );
    let refused = |name: &str, value: CustomValue| write(vec![(name, value)]).unwrap_err();
    assert_eq!(refused("Seats", "twelve".into()).kind(), CustomFieldErrorKind::WrongType);
    assert_eq!(refused("Newsletter", 1i64.into()).kind(), CustomFieldErrorKind::WrongType);
    assert_eq!(refused("Renewal", Date("03/01/2026".into()).into()).kind(), CustomFieldErrorKind::WrongType);
    let e = refused("Favorite color", "Green".into());
    assert_eq!(e.kind(), CustomFieldErrorKind::NoSuchOption);
    assert!(e.to_string().contains("`Red`, `Blue`"), "{e}");
    assert_eq!(
        refused("Interests", CustomValue::choices(["Golf", "Darts"])).kind(),
        CustomFieldErrorKind::NoSuchOption
    );
    assert_eq!(refused("Nope", "x".into()).kind(), CustomFieldErrorKind::Unknown);
    let long: Amount = "12345678901234567.89".parse().unwrap();
    assert_eq!(refused("Budget", long.into()).kind(), CustomFieldErrorKind::WrongType, "never rounded");
}

#[test]
fn values_read_by_their_type_and_a_misfit_is_an_error_not_none() {
    let m = model();
    let record = Some(vec![
        json!({"id": "1", "content": "b"}),
        json!({"id": "2", "content": "2026-03-01"}),
        json!({"id": 3, "content": 12.0}),
        json!({"id": "4", "content": "60.67"}),
        json!({"id": "5", "content": "Yes"}),
        json!({"id": "6", "content": "x, Chess"}),
        json!({"id": "7", "content": null}),
        json!({"id": "8", "content": 1.5}),
        json!({"id": "99", "content": "defined later"}),
    ]);
    let values = m.read(&record).unwrap();
    let get = |name: &str| values.get(name).unwrap();
    assert_eq!(get("Favorite color"), Some(CustomValue::Choice("Blue".into())), "an option id reads as its label");
    assert_eq!(get("Renewal").unwrap().as_date().map(Date::as_str), Some("2026-03-01"));
    assert_eq!(get("Seats").unwrap().as_i64(), Some(12));
    assert_eq!(get("Budget").unwrap().as_amount(), Some("60.67".parse().unwrap()));
    assert_eq!(get("Newsletter").unwrap().as_bool(), Some(true));
    assert_eq!(get("Interests"), Some(CustomValue::choices(["Golf", "Chess"])));
    assert_eq!(get("note1"), None, "null is no value");
    assert_eq!(get("Legacy"), None, "absent is no value");
    assert_eq!(get("note2"), Some(CustomValue::Text("1.5".into())));
    assert_eq!(values.raw().filter(|(field, _)| field.is_none()).count(), 1, "an unknown id is kept");

    let odd = m.read(&Some(vec![json!({"id": "3", "content": 12.5}), json!({"id": "5", "content": "maybe"})])).unwrap();
    for name in ["Seats", "Newsletter"] {
        let e = odd.get(name).unwrap_err();
        assert_eq!(e.kind(), CustomFieldErrorKind::Unreadable, "{name}");
    }
    assert!(odd.get("Seats").unwrap_err().to_string().contains("12.5"));

    let none: Option<Vec<Value>> = None;
    let missing = m.read(&none).unwrap();
    assert!(!missing.were_sent());
    assert_eq!(missing.get("Seats").unwrap_err().kind(), CustomFieldErrorKind::NotSent);
}

#[test]
fn write_over_keeps_the_fields_not_named() {
    let m = model();
    let current = Some(vec![json!({"id": "1", "content": "Red"}), json!({"id": "3", "content": 4})]);
    let sent: Vec<Value> = m.write_over(&current, [("Seats", 5i64)]).unwrap();
    assert_eq!(sent, [json!({"id": "1", "content": "Red"}), json!({"id": "3", "content": 5})]);
    let none: Option<Vec<Value>> = None;
    let e = m.write_over::<_, Value, _>(&none, [("Seats", 5i64)]).unwrap_err();
    assert_eq!(e.kind(), CustomFieldErrorKind::NotSent);
}

#[test]
fn nothing_is_picked_in_silence() {
    let model = json!({"custom_fields": [
        {"id": "1", "label": "Old status", "field_name": "Status", "field_type": "TEXT"},
        {"id": "2", "label": "Status", "field_name": "Status2", "field_type": "DROPDOWN",
         "options": [{"id": "Red", "label": "Crimson"}, {"id": "Red2", "label": "Red"}]},
        {"id": "3", "label": "Interests", "field_type": "LIST_BOX",
         "options": [{"id": "a", "label": "Red, dark"}, {"id": "b", "label": "Blue"}]},
        {"id": "4", "label": "When", "field_type": "DATE_TIME"},
        {"id": "5", "label": "Day", "field_type": "DATE"}
    ]});
    let m = Arc::new(CustomFields::from_model("contact", &model).unwrap());
    // A renamed field keeps its field name: a name two fields answer to is refused.
    assert_eq!(m.field("Status").unwrap_err().kind(), CustomFieldErrorKind::Ambiguous);
    assert_eq!(m.field("Status2").unwrap().id(), "2");
    // An option is its label first; an id that is another's old label does not win.
    let sent: Vec<Value> = m.write([("Status2", "Red")]).unwrap();
    assert_eq!(sent, [json!({"id": "2", "content": "Red"})]);
    let read = m.read(&Some(vec![json!({"id": "2", "content": "Red"})])).unwrap();
    assert_eq!(read.get("Status2").unwrap(), Some(CustomValue::Choice("Red".into())));
    // A list box's label with a comma cannot travel; a part no option answers to fails.
    let e = m.write::<Value, _>([("Interests", CustomValue::choices(["Red, dark"]))]).unwrap_err();
    assert_eq!(e.kind(), CustomFieldErrorKind::WrongType);
    let read = m.read(&Some(vec![json!({"id": "3", "content": "Blue,Green"})])).unwrap();
    assert_eq!(read.get("Interests").unwrap_err().kind(), CustomFieldErrorKind::Unreadable);
    // Dates are exactly a date, date-times one Keap reads, sent in Keap's form.
    for bad in ["2027-01-31T09:00Z", " 2027-01-31", "31/01/2027"] {
        let e = m.write::<Value, _>([("Day", Date(bad.into()))]).unwrap_err();
        assert_eq!(e.kind(), CustomFieldErrorKind::WrongType, "{bad}");
    }
    let e = m.write::<Value, _>([("When", DateTime("tomorrow".into()))]).unwrap_err();
    assert_eq!(e.kind(), CustomFieldErrorKind::WrongType);
    let sent: Vec<Value> = m.write([("When", DateTime("2027-01-31 09:00".into()))]).unwrap();
    assert_eq!(sent, [json!({"id": "4", "content": "2027-01-31T09:00:00.000Z"})]);
    // Emptying a field of any type; one field named twice is refused.
    let sent: Vec<Value> = m.write([("Day", CustomValue::Empty), ("Status2", CustomValue::Empty)]).unwrap();
    assert_eq!(sent, [json!({"id": "5", "content": null}), json!({"id": "2", "content": null})]);
    let e = m.write::<Value, _>([("Status2", "Red"), ("status2", "Crimson")]).unwrap_err();
    assert!(e.to_string().contains("twice"), "{e}");
}

#[test]
fn a_model_that_is_not_one_is_an_error() {
    let e = CustomFields::from_model("contact", &json!({"custom_fields": "x"})).unwrap_err();
    assert_eq!(e.kind(), CustomFieldErrorKind::Model);
    assert!(CustomFields::from_model("contact", &json!({})).unwrap().fields().is_empty());
}
