//! How generated structs travel as JSON objects, written once here instead of derived per
//! struct: decoding reads the object, then each field is taken by name with its (lenient)
//! decoder, in one line per field; errors say where (`at `items[3].id`: ...`).
//!
//! Behaviour matches serde's derive with `#[serde(default, deserialize_with = ...)]` on every
//! field: a missing field is its default, unknown fields are ignored (or kept in the struct's
//! map of extra properties), and a field that cannot be decoded fails the whole value.

use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Display;
use std::marker::PhantomData;

/// A JSON object being decoded into a struct, field by field, failing with `E` (the
/// deserializer's error).
#[doc(hidden)]
pub struct Fields<E> {
    object: Map<String, Value>,
    error: PhantomData<E>,
}

impl<E: serde::de::Error> Fields<E> {
    /// Reads the object.
    pub fn read<'de, D: Deserializer<'de, Error = E>>(d: D) -> Result<Self, E> {
        Map::<String, Value>::deserialize(d).map(|object| Fields { object, error: PhantomData })
    }

    /// The field `key`: its default when missing, else what `decode` makes of it.
    pub fn get<T: Default>(&mut self, key: &str, decode: fn(Value) -> Result<T, serde_json::Error>) -> Result<T, E> {
        match self.object.remove(key) {
            None => Ok(T::default()),
            Some(v) => decode(v).map_err(|e| within(key, &e)),
        }
    }

    /// The field `key`, which must be there.
    pub fn require<T>(&mut self, key: &str, decode: fn(Value) -> Result<T, serde_json::Error>) -> Result<T, E> {
        match self.object.remove(key) {
            None => Err(E::missing_field_named(key)),
            Some(v) => decode(v).map_err(|e| within(key, &e)),
        }
    }

    /// The fields not taken yet (`additionalProperties`), each decoded as `T`.
    pub fn rest<T: DeserializeOwned>(self) -> Result<BTreeMap<String, T>, E> {
        self.object.into_iter().map(|(k, v)| T::deserialize(v).map_err(|e| within(&k, &e)).map(|t| (k, t))).collect()
    }
}

/// `missing field `key`` for a key known only at run time (serde's own takes a `'static`).
trait MissingField: serde::de::Error {
    fn missing_field_named(key: &str) -> Self {
        Self::custom(format_args!("missing field `{key}`"))
    }
}

impl<E: serde::de::Error> MissingField for E {}

/// Serde's own decoding, as a field decoder.
#[doc(hidden)]
pub fn plain<T: DeserializeOwned>(v: Value) -> Result<T, serde_json::Error> {
    T::deserialize(v)
}

/// The error `inner` raised inside `segment` (a field name, or `[3]` for a list item):
/// `at `segment.inner_path`: message`. A path the inner error already has is kept.
#[doc(hidden)]
pub fn within<E: serde::de::Error>(segment: &str, inner: &dyn Display) -> E {
    let text = inner.to_string();
    match split_path(&text) {
        Some((path, message)) => E::custom(format_args!("at `{}`: {message}", join(segment, path))),
        None => E::custom(format_args!("at `{segment}`: {text}")),
    }
}

/// `segment` followed by `path`: `a` + `b` is `a.b`, `a` + `[3].b` is `a[3].b`.
pub(super) fn join(segment: &str, path: &str) -> String {
    match (segment, path) {
        (s, "" | ".") => s.to_string(),
        ("" | ".", p) => p.to_string(),
        (s, p) if p.starts_with('[') => format!("{s}{p}"),
        (s, p) => format!("{s}.{p}"),
    }
}

/// The path and message of an error made by [`within`].
pub(super) fn split_path(text: &str) -> Option<(&str, &str)> {
    text.strip_prefix("at `")?.split_once("`: ")
}

/// The JSON pointer of a path (`items[3].id` → `/items/3/id`).
pub(super) fn pointer(path: &str) -> String {
    let mut out = String::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (name, indexes) = part.split_once('[').map_or((part, ""), |(n, rest)| (n, rest));
        if !name.is_empty() {
            out.push('/');
            out.push_str(&name.replace('~', "~0").replace('/', "~1"));
        }
        for index in indexes.split('[').map(|i| i.trim_end_matches(']')).filter(|i| !i.is_empty()) {
            out.push('/');
            out.push_str(index);
        }
    }
    out
}

/// Decodes a list item by item, so an error names the item's index; `null` items are
/// skipped when `skip_null`.
pub(super) fn items<'de, D, T>(d: D, skip_null: bool) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let Some(values) = Option::<Vec<Value>>::deserialize(d)? else { return Ok(None) };
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        if skip_null && v.is_null() {
            continue;
        }
        out.push(T::deserialize(v).map_err(|e| within::<D::Error>(&format!("[{i}]"), &e))?);
    }
    Ok(Some(out))
}

#[cfg(test)]
#[path = "tests/object.rs"]
mod tests;
