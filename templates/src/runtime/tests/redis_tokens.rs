use super::*;

#[test]
fn a_pair_survives_the_round_trip() {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
    for tokens in [Tokens::new("at\"1", "rt\\1", Some(at)), Tokens::new("a", "r", None)] {
        assert_eq!(decode(&encode(&tokens)), Some(tokens));
    }
    assert_eq!(decode("{\"access_token\": 1}"), None);
}
