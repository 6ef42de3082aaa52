use super::*;
use serde_json::json;

#[test]
fn templates_match_segments_and_custom_verbs() {
    let m = |t, p| match_template(t, p);
    assert_eq!(m("/rest/v2/contacts/{contact_id}", "/rest/v2/contacts/12"), Some(vec![("contact_id", "12".into())]));
    assert_eq!(m("/rest/v2/contacts/{contact_id}", "/rest/v2/contacts/12/x"), None);
    assert_eq!(m("/rest/v2/contacts/{contact_id}", "/rest/v2/contacts/"), None, "an empty id is no id");
    assert_eq!(m("/rest/v2/contacts/{id}:merge", "/rest/v2/contacts/7:merge"), Some(vec![("id", "7".into())]));
    assert_eq!(m("/rest/v2/contacts/{id}:merge", "/rest/v2/contacts/7"), None);
    assert_eq!(m("/rest/v2/contacts/model", "/rest/v2/contacts/model"), Some(vec![]));
    assert_eq!(m("/rest/v1/files/{name}", "/rest/v1/files/a%20b%3Ac"), Some(vec![("name", "a b:c".into())]));
}

#[test]
fn text_reads_numbers_booleans_strings_options_and_enums() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    enum Order {
        #[serde(rename = "asc")]
        Asc,
    }
    assert_eq!(text::<i32>("n", "42"), Ok(42));
    assert_eq!(text::<Option<bool>>("b", "true"), Ok(Some(true)));
    assert_eq!(text::<String>("s", "a b"), Ok("a b".to_owned()));
    assert_eq!(text::<Order>("o", "asc"), Ok(Order::Asc));
    assert!(text::<i32>("page_size", "ten").unwrap_err().contains("`page_size` = \"ten\""));
    assert_eq!(split::<u8>("l", "1,2,3"), Ok(vec![1, 2, 3]));
}

#[test]
fn json_inclusion_is_partial_for_objects_and_whole_for_lists() {
    let got = json!({"a": 1, "b": {"c": [1, 2], "d": "x"}});
    assert!(json_includes(&got, &json!({"b": {"d": "x"}})));
    assert!(json_includes(&got, &json!({})));
    assert!(!json_includes(&got, &json!({"b": {"c": [1]}})), "a list is compared whole");
    assert!(!json_includes(&got, &json!({"e": null})), "a field the request lacks");
    assert!(json_includes(&json!({"n": 3.0}), &json!({"n": 3})));
}
