//! Value types and conversions shared by all generated types and operations.

use serde::{Deserialize, Deserializer, Serialize};
use std::borrow::Cow;
use std::fmt;

/// A `date-time` string as the server sent it. Kept verbatim: Keap sends several formats,
/// and a response must never fail to decode because of one. [`DateTime::parse`] reads the
/// instant; `DateTime::from(SystemTime::now())` writes one for a request
/// (`2026-01-01T00:00:00.000Z`: UTC, milliseconds).
///
/// There is no `<` on `DateTime`: its text would order `17:00:00Z` before `18:00:00+02:00`,
/// which is an hour earlier. Compare what [`parse`](DateTime::parse) returns, since
/// [`Timestamp`](super::Timestamp)s order by instant (to sort contacts by creation:
/// `sort_by_key(|c| c.create_time.as_ref().and_then(DateTime::parse))`, unreadable and missing
/// dates first). Equality is still of the text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DateTime(pub String);

/// A `date` string (`YYYY-MM-DD`) as the server sent it; [`Date::ymd`] reads its parts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(pub String);

macro_rules! string_newtype {
    ($($t:ident),*) => {$(
        impl $t {
            /// The text as sent or received.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl From<&str> for $t {
            fn from(s: &str) -> Self {
                $t(s.to_owned())
            }
        }
        impl From<String> for $t {
            fn from(s: String) -> Self {
                $t(s)
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl ToParam for $t {
            fn to_param(&self) -> Option<Cow<'_, str>> {
                Some(Cow::Borrowed(&self.0))
            }
        }
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            // Epoch numbers and other scalars are kept as text rather than refused.
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                deserialize_scalar_string(d).map($t)
            }
        }
    )*};
}
string_newtype!(DateTime, Date);

/// A file to upload in a `multipart/form-data` request: bytes in memory
/// ([`new`](Self::new)), a file on disk ([`from_path`](Self::from_path), read in chunks for
/// each attempt), or a stream of known length ([`from_stream`](Self::from_stream), sent once).
#[derive(Clone)]
pub struct FilePart {
    /// The file name sent to the server.
    pub file_name: String,
    /// The MIME type; `application/octet-stream` unless set.
    pub content_type: String,
    /// The contents, when in memory (empty for a path or a stream).
    pub bytes: Vec<u8>,
    /// Where the contents come from when not in memory.
    pub(crate) source: Option<super::upload::FileSource>,
}

impl FilePart {
    /// A file with a name and contents.
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        FilePart {
            file_name: file_name.into(),
            content_type: "application/octet-stream".into(),
            bytes: bytes.into(),
            source: None,
        }
    }

    /// A file on disk, sent in chunks and never read whole; its name is the path's last
    /// part. Its length is read now; a file that has another length when sent fails the
    /// request. Each attempt reads it again, so a request that may be retried is.
    pub fn from_path(path: impl Into<std::path::PathBuf>) -> std::io::Result<Self> {
        let path = path.into();
        let len = std::fs::metadata(&path)
            .map_err(|e| std::io::Error::new(e.kind(), format!("cannot read `{}`: {e}", path.display())))?
            .len();
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let source = super::upload::FileSource::Path(std::sync::Arc::new(path), len);
        Ok(FilePart { source: Some(source), ..FilePart::new(file_name, Vec::new()) })
    }

    /// A stream of `len` bytes, sent as it comes. A stream can be read once: the request is
    /// sent once, never retried (not even after a refreshed OAuth2 token); a stream that
    /// gives more or fewer than `len` bytes fails the request.
    pub fn from_stream(
        file_name: impl Into<String>,
        len: u64,
        stream: impl super::Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static,
    ) -> Self {
        let cell = std::sync::Arc::new(std::sync::Mutex::new(Some(Box::pin(stream) as super::upload::ByteStream)));
        let source = super::upload::FileSource::Stream(cell, len);
        FilePart { source: Some(source), ..FilePart::new(file_name, Vec::new()) }
    }

    /// Sets the MIME type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// The contents' length in bytes.
    pub fn len(&self) -> u64 {
        self.source.as_ref().map_or(self.bytes.len() as u64, super::upload::FileSource::len)
    }

    /// Whether the contents are empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PartialEq for FilePart {
    /// Same name, type and contents (a path by its path, a stream only with itself).
    fn eq(&self, other: &Self) -> bool {
        use super::upload::FileSource::{Path, Stream};
        let same_source = match (&self.source, &other.source) {
            (None, None) => self.bytes == other.bytes,
            (Some(Path(a, _)), Some(Path(b, _))) => a == b,
            (Some(Stream(a, _)), Some(Stream(b, _))) => std::sync::Arc::ptr_eq(a, b),
            _ => false,
        };
        self.file_name == other.file_name && self.content_type == other.content_type && same_source
    }
}

impl Eq for FilePart {}

impl fmt::Debug for FilePart {
    // The contents may be large or private: show their size only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilePart")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.len())
            .finish()
    }
}

/// A value that can be written into a path, query string, header or form field.
/// `None` means "leave the parameter out".
pub trait ToParam {
    /// The text form of the value, or `None` to omit it.
    fn to_param(&self) -> Option<Cow<'_, str>>;
}

impl ToParam for str {
    fn to_param(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(self))
    }
}

impl ToParam for String {
    fn to_param(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(self))
    }
}

macro_rules! display_param {
    ($($t:ty),*) => {$(
        impl ToParam for $t {
            fn to_param(&self) -> Option<Cow<'_, str>> {
                Some(Cow::Owned(self.to_string()))
            }
        }
    )*};
}
display_param!(bool, i32, i64, u32, u64, f32, f64);

impl ToParam for serde_json::Value {
    fn to_param(&self) -> Option<Cow<'_, str>> {
        match self {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(Cow::Borrowed(s)),
            other => Some(Cow::Owned(other.to_string())),
        }
    }
}

impl<T: ToParam + ?Sized> ToParam for &T {
    fn to_param(&self) -> Option<Cow<'_, str>> {
        (**self).to_param()
    }
}

impl<T: ToParam> ToParam for Option<T> {
    fn to_param(&self) -> Option<Cow<'_, str>> {
        self.as_ref().and_then(ToParam::to_param)
    }
}

/// A list of values for a parameter sent comma-joined or repeated.
pub trait ToParams {
    /// The text forms of the values; empty to omit the parameter.
    fn to_params(&self) -> Vec<Cow<'_, str>>;
}

impl<T: ToParam> ToParams for [T] {
    fn to_params(&self) -> Vec<Cow<'_, str>> {
        self.iter().filter_map(ToParam::to_param).collect()
    }
}

impl<T: ToParam> ToParams for Vec<T> {
    fn to_params(&self) -> Vec<Cow<'_, str>> {
        self.as_slice().to_params()
    }
}

impl<T: ToParam> ToParams for Option<Vec<T>> {
    fn to_params(&self) -> Vec<Cow<'_, str>> {
        self.as_deref().map(<[T]>::to_params).unwrap_or_default()
    }
}

/// Decodes a required field so that `null` reads as the type's default instead of failing.
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Decodes a string field that may arrive as a number (Keap's ids do) or `null` (read as
/// empty).
pub fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    deserialize_scalar_string(d)
}

/// Decodes an optional string field that may arrive as a number; `null` is `None`, and an
/// object or array is kept as its JSON text rather than refused.
pub fn lenient_option_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

/// Decodes an optional list of strings whose items may arrive as numbers (`[123]` ids);
/// `null` items are skipped (an id is never made up from a `null`).
pub fn lenient_option_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    Ok(Option::<Vec<serde_json::Value>>::deserialize(d)?.map(|items| {
        items
            .into_iter()
            .filter_map(|v| match v {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s),
                other => Some(other.to_string()),
            })
            .collect()
    }))
}

/// Decodes a required list of strings whose items may arrive as numbers; `null` is empty.
pub fn lenient_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(lenient_option_strings(d)?.unwrap_or_default())
}

/// Decodes an optional list whose items may be `null`: those are skipped, so one `null`
/// neither fails the response nor turns into a made-up value. An item that does not decode
/// fails the list, naming its index.
pub fn lenient_option_vec<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    super::object::items(d, true)
}

/// Decodes a required list whose items may be `null` (skipped); a `null` list is empty.
pub fn lenient_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    Ok(lenient_option_vec(d)?.unwrap_or_default())
}

/// Decodes an optional number that may arrive as a string (`"-2"`), as an integer written
/// as a float (`6067.0`, `1e3`) or as text of either. `null` and an empty string are `None`.
/// A value that does not fit `T` exactly (`60.67` or `1e30` for an integer, `true`, an
/// object) fails the decode, naming the field: a value is never turned into `None`, zero or
/// a rounded number in silence.
pub fn lenient_option_number<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr + std::fmt::Display,
{
    use serde::de::Error as _;
    let number = match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(serde_json::Value::String(s)) => serde_json::from_str::<serde_json::Number>(s.trim())
            .map_err(|_| D::Error::custom(format!("`{s}` is not a number")))?,
        Some(serde_json::Value::Number(n)) => n,
        Some(other) => return Err(D::Error::custom(format!("{other} is not a number"))),
    };
    exact_number(&number).map(Some).map_err(D::Error::custom)
}

/// `n` as `T` if `T` holds it exactly, else why not. Integers written as floats (`6067.0`,
/// `1e3`) count as integers below 2^53, where a float holds every integer; a float fits a
/// float type when it prints back the same (so `60.67` fits `f32`, `0.1234567891` does not).
/// An integer beyond `u64` arrives as a float already, and fits only a float type.
pub(crate) fn exact_number<T: std::str::FromStr + std::fmt::Display>(n: &serde_json::Number) -> Result<T, String> {
    let float = n.as_f64().filter(|_| n.is_f64());
    // Below 2^53 every integer is exact in an f64, so its integer text is the value written.
    let text = match float {
        Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => format!("{}", f as i64),
        _ => n.to_string(),
    };
    let not_fit = || format!("{n} does not fit {} exactly; it is not rounded", short_type_name::<T>());
    let value: T = text.parse().map_err(|_| not_fit())?;
    let back = value.to_string();
    let exact = match float {
        Some(f) => back.parse::<f64>().ok() == Some(f),
        None => back == text,
    };
    if exact {
        Ok(value)
    } else {
        Err(not_fit())
    }
}

/// `i64`, `ContactStatus`: a type's name without its module path.
fn short_type_name<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    name.rsplit("::").next().unwrap_or(name)
}

/// Decodes a required number as [`lenient_option_number`] does; `null` or a missing value
/// reads as zero, and a value that does not fit fails the decode.
pub fn lenient_number<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr + std::fmt::Display + Default,
{
    Ok(lenient_option_number(d)?.unwrap_or_default())
}

/// Reads an integer written as a number (`5`, `5.0`) or as a numeric string (`"5"`).
pub fn deserialize_integer<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    use serde::de::Error as _;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
            .ok_or_else(|| D::Error::custom(format!("{n} is not an integer"))),
        serde_json::Value::String(s) => {
            s.trim().parse().map_err(|_| D::Error::custom(format!("`{s}` is not an integer")))
        }
        other => Err(D::Error::custom(format!("{other} is not an integer"))),
    }
}

/// Reads any JSON scalar as a string: enum values sometimes arrive as numbers or booleans.
pub fn deserialize_scalar_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct Scalar;
    impl serde::de::Visitor<'_> for Scalar {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string, number or boolean")
        }
        fn visit_str<E>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_i64<E>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_bool<E>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_unit<E>(self) -> Result<String, E> {
            Ok(String::new())
        }
    }
    d.deserialize_any(Scalar)
}

#[cfg(test)]
#[path = "tests/values.rs"]
mod tests;
