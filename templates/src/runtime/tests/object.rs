use super::*;

#[derive(Debug, Default, PartialEq)]
struct Inner {
    id: i64,
}
impl<'de> Deserialize<'de> for Inner {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut f = Fields::read(d)?;
        Ok(Self { id: f.get("id", plain)? })
    }
}

#[derive(Debug, Default, PartialEq)]
struct Outer {
    name: Option<String>,
    items: Vec<Inner>,
    extra: BTreeMap<String, Value>,
}
impl<'de> Deserialize<'de> for Outer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut f = Fields::read(d)?;
        Ok(Self {
            name: f.get("name", plain)?,
            items: f.get("items", |v| items(v, true).map(Option::unwrap_or_default))?,
            extra: f.rest()?,
        })
    }
}

#[test]
fn fields_default_when_missing_and_the_rest_is_kept() {
    let o: Outer = serde_json::from_str(r#"{"items": [{"id": 1}, null, {}], "x": true}"#).unwrap();
    assert_eq!(o.name, None);
    assert_eq!(o.items, [Inner { id: 1 }, Inner { id: 0 }]);
    assert_eq!(o.extra, BTreeMap::from([("x".to_string(), Value::Bool(true))]));
}

#[test]
fn errors_say_where_down_to_the_item() {
    let e = serde_json::from_str::<Outer>(r#"{"items": [{"id": 1}, {"id": "one"}]}"#).unwrap_err().to_string();
    assert!(e.starts_with("at `items[1].id`: invalid type: string \"one\", expected i64"), "{e}");
    assert_eq!(pointer("items[1].id"), "/items/1/id");
    assert_eq!(pointer("[0][2].a~b/c"), "/0/2/a~0b~1c");
    assert_eq!(join(".", "a"), "a");
    assert_eq!(join("a", "[1]"), "a[1]");
}
