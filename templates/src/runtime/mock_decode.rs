//! Reading a received request back into an operation's typed parameters: path templates
//! matched, query and header text turned into values by the same `Deserialize` impls the
//! client's types use for JSON, and JSON compared partially.

use super::mock_wire::Received;
use percent_encoding::percent_decode_str;
use serde::de::value::Error as DeError;
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

/// A request seen through one operation's path template: generated `Operation::params`
/// reads it with one call per parameter.
#[derive(Debug)]
pub struct Incoming<'a> {
    request: &'a Received,
    /// Path parameters by the name in the template's braces, percent-decoded.
    path: Vec<(&'static str, String)>,
}

impl<'a> Incoming<'a> {
    /// The request seen through `template`, if its method and path fit it.
    pub(crate) fn new(request: &'a Received, method: &str, template: &'static str) -> Option<Self> {
        if !request.method.eq_ignore_ascii_case(method) {
            return None;
        }
        let path = match_template(template, &request.path)?;
        Some(Incoming { request, path })
    }

    /// The request itself.
    pub fn raw(&self) -> &Received {
        self.request
    }

    pub(crate) fn query_text(&self, name: &str) -> Option<&'a str> {
        self.request.query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn path_text(&self, name: &str) -> Option<&str> {
        self.path.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    /// A path parameter (`{contact_id}`).
    pub fn path<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, String> {
        self.path_text(name).map(|t| text(name, t)).transpose()
    }

    /// A path parameter holding a comma-joined list.
    pub fn path_list<T: DeserializeOwned>(&self, name: &str) -> Result<Option<Vec<T>>, String> {
        self.path_text(name).map(|t| split(name, t)).transpose()
    }

    /// A query parameter (its last occurrence).
    pub fn query<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, String> {
        self.query_text(name).map(|t| text(name, t)).transpose()
    }

    /// A query parameter holding a comma-joined list.
    pub fn query_csv<T: DeserializeOwned>(&self, name: &str) -> Result<Option<Vec<T>>, String> {
        self.query_text(name).map(|t| split(name, t)).transpose()
    }

    /// A query parameter repeated once per value.
    pub fn query_repeat<T: DeserializeOwned>(&self, name: &str) -> Result<Option<Vec<T>>, String> {
        let values: Vec<&str> = self.request.query.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect();
        if values.is_empty() {
            return Ok(None);
        }
        values.into_iter().map(|t| text(name, t)).collect::<Result<_, _>>().map(Some)
    }

    /// A query parameter holding JSON text.
    pub fn query_json<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, String> {
        self.query_text(name).map(|t| json(name, t)).transpose()
    }

    /// A query parameter holding JSON text, repeated once per value.
    pub fn query_json_each<T: DeserializeOwned>(&self, name: &str) -> Result<Option<Vec<T>>, String> {
        let values: Vec<&str> = self.request.query.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect();
        if values.is_empty() {
            return Ok(None);
        }
        values.into_iter().map(|t| json(name, t)).collect::<Result<_, _>>().map(Some)
    }

    /// A header.
    pub fn header<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, String> {
        self.request.header(name).map(|t| text(name, t)).transpose()
    }

    /// A header holding a comma-joined list.
    pub fn header_csv<T: DeserializeOwned>(&self, name: &str) -> Result<Option<Vec<T>>, String> {
        self.request.header(name).map(|t| split(name, t)).transpose()
    }

    /// A header holding JSON text.
    pub fn header_json<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, String> {
        self.request.header(name).map(|t| json(name, t)).transpose()
    }
}

fn text<T: DeserializeOwned>(name: &str, value: &str) -> Result<T, String> {
    T::deserialize(Text(value)).map_err(|e| format!("`{name}` = {value:?}: {e}"))
}

fn split<T: DeserializeOwned>(name: &str, value: &str) -> Result<Vec<T>, String> {
    if value.is_empty() {
        return Ok(Vec::new());
    }
    value.split(',').map(|v| text(name, v)).collect()
}

fn json<T: DeserializeOwned>(name: &str, value: &str) -> Result<T, String> {
    serde_json::from_str(value).map_err(|e| format!("`{name}` = {value:?}: {e}"))
}

/// Matches a path against a template (`/rest/v2/contacts/{contact_id}:merge`), returning
/// the placeholders' values, percent-decoded. Placeholders never span a `/`.
pub(crate) fn match_template(template: &'static str, path: &str) -> Option<Vec<(&'static str, String)>> {
    let t: Vec<&'static str> = template.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut out = Vec::new();
    for (t, p) in t.into_iter().zip(p) {
        match_segment(t, p, &mut out)?;
    }
    Some(out)
}

/// One segment: literal text around at most a few placeholders, each taking the shortest
/// text that lets the rest match.
fn match_segment(template: &'static str, segment: &str, out: &mut Vec<(&'static str, String)>) -> Option<()> {
    let Some(open) = template.find('{') else {
        return (percent_decode_str(segment).decode_utf8().ok()? == template).then_some(());
    };
    let close = open + template[open..].find('}')?;
    let (prefix, name, rest) = (&template[..open], &template[open + 1..close], &template[close + 1..]);
    let segment = segment.strip_prefix(prefix)?;
    // The placeholder's value ends where the rest of the template next matches.
    let literal_end = rest.find('{').unwrap_or(rest.len());
    let literal = &rest[..literal_end];
    let mut from = 0;
    loop {
        let at = if literal.is_empty() && literal_end == rest.len() {
            segment.len()
        } else {
            from + segment[from..].find(literal)?
        };
        let value = &segment[..at];
        let mut attempt = Vec::new();
        if !value.is_empty() && match_segment(rest, &segment[at..], &mut attempt).is_some() {
            out.push((name, percent_decode_str(value).decode_utf8().ok()?.into_owned()));
            out.append(&mut attempt);
            return Some(());
        }
        if at >= segment.len() {
            return None;
        }
        from = at + 1;
    }
}

/// Whether `got` holds everything `want` says: objects field by field (`want`'s fields
/// only), lists item by item with the same length, anything else equal.
pub(crate) fn json_includes(got: &serde_json::Value, want: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => w.iter().all(|(k, w)| g.get(k).is_some_and(|g| json_includes(g, w))),
        (Value::Array(g), Value::Array(w)) => g.len() == w.len() && g.iter().zip(w).all(|(g, w)| json_includes(g, w)),
        (Value::Number(g), Value::Number(w)) => g == w || g.as_f64().is_some_and(|g| Some(g) == w.as_f64()),
        _ => got == want,
    }
}

/// A parameter's text as a serde value: numbers and booleans parse from it, strings and
/// unit enum variants are it, `Option`s are `Some`.
struct Text<'a>(&'a str);

macro_rules! parse_as {
    ($($method:ident => $visit:ident,)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            match self.0.trim().parse() {
                Ok(v) => visitor.$visit(v),
                Err(_) => Err(de::Error::invalid_value(de::Unexpected::Str(self.0), &visitor)),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Text<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(self.0)
    }

    parse_as! {
        deserialize_bool => visit_bool,
        deserialize_i8 => visit_i8,
        deserialize_i16 => visit_i16,
        deserialize_i32 => visit_i32,
        deserialize_i64 => visit_i64,
        deserialize_u8 => visit_u8,
        deserialize_u16 => visit_u16,
        deserialize_u32 => visit_u32,
        deserialize_u64 => visit_u64,
        deserialize_f32 => visit_f32,
        deserialize_f64 => visit_f64,
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_enum(IntoDeserializer::<DeError>::into_deserializer(self.0))
    }

    forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

#[cfg(test)]
#[path = "tests/mock_decode.rs"]
mod tests;
