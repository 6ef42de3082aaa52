use super::*;

#[test]
fn params_skip_none_and_join_lists() {
    assert_eq!(None::<i32>.to_param(), None);
    assert_eq!(Some(5).to_param().as_deref(), Some("5"));
    let v: Option<Vec<String>> = Some(vec!["a".into(), "b".into()]);
    assert_eq!(v.to_params(), vec!["a", "b"]);
}

#[test]
fn null_reads_as_default() {
    #[derive(Deserialize)]
    struct S {
        #[serde(default, deserialize_with = "null_as_default")]
        n: i64,
    }
    let s: S = serde_json::from_str(r#"{"n":null}"#).unwrap();
    assert_eq!(s.n, 0);
    let s: S = serde_json::from_str("{}").unwrap();
    assert_eq!(s.n, 0);
}

#[test]
fn strings_tolerate_numbers_and_nulls() {
    #[derive(Deserialize)]
    struct S {
        #[serde(default, deserialize_with = "lenient_string")]
        id: String,
        #[serde(default, deserialize_with = "lenient_option_string")]
        owner: Option<String>,
        at: Option<DateTime>,
    }
    let s: S = serde_json::from_str(r#"{"id":1001,"owner":7,"at":1700000000}"#).unwrap();
    assert_eq!((s.id.as_str(), s.owner.as_deref(), s.at.unwrap().as_str()), ("1001", Some("7"), "1700000000"));
    let s: S = serde_json::from_str(r#"{"id":null,"owner":null}"#).unwrap();
    assert_eq!((s.id.as_str(), s.owner), ("", None));
}

#[test]
fn null_items_in_lists_are_skipped_not_invented_or_fatal() {
    #[derive(Deserialize, Debug)]
    struct Email {
        email: Option<String>,
    }
    #[derive(Deserialize)]
    struct S {
        #[serde(default, deserialize_with = "lenient_option_strings")]
        tag_ids: Option<Vec<String>>,
        #[serde(default, deserialize_with = "lenient_option_vec")]
        email_addresses: Option<Vec<Email>>,
        #[serde(default, deserialize_with = "lenient_vec")]
        at: Vec<DateTime>,
    }
    let s: S = serde_json::from_str(
        r#"{"tag_ids":[null,7],"email_addresses":[null,{"email":"a@b.c"}],"at":[null,"2024-01-01"]}"#,
    )
    .unwrap();
    assert_eq!(s.tag_ids.unwrap(), ["7"]);
    let emails = s.email_addresses.unwrap();
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].email.as_deref(), Some("a@b.c"));
    assert_eq!(s.at, [DateTime::from("2024-01-01")]);
    let s: S = serde_json::from_str(r#"{"tag_ids":null,"email_addresses":null,"at":null}"#).unwrap();
    assert!(s.tag_ids.is_none() && s.email_addresses.is_none() && s.at.is_empty());
}

#[test]
fn numbers_tolerate_strings() {
    #[derive(Deserialize)]
    struct S {
        #[serde(default, deserialize_with = "lenient_number")]
        n: i32,
        #[serde(default, deserialize_with = "lenient_option_number")]
        x: Option<f64>,
    }
    let s: S = serde_json::from_str(r#"{"n":"-2","x":"1.5"}"#).unwrap();
    assert_eq!((s.n, s.x), (-2, Some(1.5)));
    let s: S = serde_json::from_str(r#"{"n":null,"x":""}"#).unwrap();
    assert_eq!((s.n, s.x), (0, None));
    let e = serde_json::from_str::<S>(r#"{"x":"n/a"}"#).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.starts_with("`n/a` is not a number"), "{e}");
}

/// Every odd value the issue names, into every numeric shape: exact, or an error that
/// says so; never `None` or zero in silence.
#[test]
fn numbers_are_exact_or_refused_never_lost() {
    fn one<T: std::str::FromStr + std::fmt::Display>(json: &str) -> Result<Option<T>, String> {
        let v: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        lenient_option_number::<_, T>(v).map_err(|e| e.to_string())
    }
    fn show<T: std::fmt::Display>(r: Result<Option<T>, String>) -> String {
        match r {
            Ok(Some(v)) => v.to_string(),
            Ok(None) => "None".into(),
            Err(e) => format!("error: {e}"),
        }
    }
    let huge = "123456789012345678901234567890";
    let cases: [(&str, [&str; 4]); 7] = [
        // JSON        i32        i64        f32        f64
        ("6067.0", ["6067", "6067", "6067", "6067"]),
        ("60.67", ["error", "error", "60.67", "60.67"]),
        (r#""60.67""#, ["error", "error", "60.67", "60.67"]),
        ("1e3", ["1000", "1000", "1000", "1000"]),
        // Beyond u64, serde_json reads it as the nearest float: only a float field takes it.
        (huge, ["error", "error", "error", "123456789012345680000000000000"]),
        ("3000000000", ["error", "3000000000", "3000000000", "3000000000"]),
        ("true", ["error", "error", "error", "error"]),
    ];
    for (json, [i32_, i64_, f32_, f64_]) in cases {
        let got = [show(one::<i32>(json)), show(one::<i64>(json)), show(one::<f32>(json)), show(one::<f64>(json))];
        for (got, want) in got.iter().zip([i32_, i64_, f32_, f64_]) {
            assert!(got == want || (want == "error" && got.starts_with("error: ")), "{json}: got {got}, want {want}");
            assert_ne!(got, "None", "{json} was lost");
        }
    }
    let e = show(one::<i64>("60.67"));
    assert_eq!(e, "error: 60.67 does not fit i64 exactly; it is not rounded");
    // 2^53 + 1 cannot be told from 2^53 once read as a float: refused, not guessed.
    assert!(show(one::<i64>("9007199254740993.0")).starts_with("error"));
    assert_eq!(show(one::<i64>("9007199254740993")), "9007199254740993");
    assert!(show(one::<f64>("9007199254740993")).starts_with("error"));
    assert_eq!(show(one::<i64>("null")), "None");
}

#[test]
fn file_part_debug_hides_contents() {
    let f = FilePart::new("a.txt", b"secret".to_vec());
    assert!(!format!("{f:?}").contains("secret"));
}
