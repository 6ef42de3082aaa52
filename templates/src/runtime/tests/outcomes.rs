use super::*;

fn answer(body: serde_json::Value) -> Response<serde_json::Value> {
    Response::new(200, Default::default(), body)
}

#[test]
fn failed_records_fail_the_call_and_name_each_one() {
    let body = serde_json::json!({"results": {"1": "SUCCESS", "2": "DUPLICATE", "3": "CONTACT_NOT_FOUND"}});
    match per_record("applyTags", answer(body)) {
        Err(Error::PartlyFailed(f)) => {
            assert_eq!(f.failed, [("3".to_string(), "CONTACT_NOT_FOUND".to_string())]);
            assert_eq!(f.succeeded.len(), 2);
            let text = f.to_string();
            assert!(text.contains("1 of 3 records failed: 3 CONTACT_NOT_FOUND"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    let top_level = serde_json::json!({"7": "FAILURE", "8": "SUCCESS"});
    assert!(matches!(per_record("op", answer(top_level)), Err(Error::PartlyFailed(_))));
}

#[test]
fn all_succeeded_or_already_so_passes() {
    let body = serde_json::json!({"add_to_sequence_results": {"1": "SUCCESS", "2": "ALREADY_IN_SEQUENCE"}});
    assert!(per_record("op", answer(body)).is_ok());
    assert!(per_record("op", answer(serde_json::json!({}))).is_ok());
}
