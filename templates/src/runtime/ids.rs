//! Ids that cannot be swapped: the id of a contact and the id of a tag are different types,
//! so a call that takes a contact id refuses a tag id, a title or a bare number at compile
//! time. Keap writes one record's id two ways: REST v2 as text (`"101"`, [`Id`]), REST v1 as
//! a number (`101`, [`NumId`]); the two convert explicitly, a number to text always, text
//! to a number only when it is one.

use super::values::ToParam;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// A kind of Keap record that has ids: a marker type such as `keap::ids::Contact`, never a
/// value.
pub trait Record {
    /// The record's name in messages (`contact`).
    const NAME: &'static str;
}

/// The id of a `R` (a contact, a tag, ...) as text, the way Keap's REST v2 writes it
/// (`"101"`).
///
/// Made with [`Id::new`] or `"101".parse()` from text, `Id::from(101)` from a number, and
/// `Id::from(v1_id)` from REST v1's [`NumId`]; there is no conversion from a bare `&str`, so
/// text must be named as an id where a call takes one. Decoding accepts text or a number (Keap
/// sends both); it is sent as text.
pub struct Id<R> {
    text: String,
    record: PhantomData<fn() -> R>,
}

/// The id of a `R` as a number, the way Keap's REST v1 writes it (`101`).
///
/// `NumId::from(101)` makes one; `NumId::try_from(v2_id)` reads REST v2's text [`Id`] and
/// fails when the text is not a number. Decoding accepts a number, an integer written as a
/// float (`101.0`) or numeric text (`"101"`), and refuses anything else; it is sent as a
/// number.
pub struct NumId<R> {
    number: i64,
    record: PhantomData<fn() -> R>,
}

/// Text that is not a REST v1 (numeric) id: from `NumId::try_from` or `str::parse`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdError {
    record: &'static str,
    text: String,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a number, so it is not a REST v1 {} id", self.text, self.record)
    }
}

impl std::error::Error for IdError {}

impl<R> Id<R> {
    /// An id from its text, as Keap gave it.
    pub fn new(text: impl Into<String>) -> Self {
        Id { text: text.into(), record: PhantomData }
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The id's text, owned.
    pub fn into_string(self) -> String {
        self.text
    }
}

impl<R> NumId<R> {
    /// An id from its number.
    pub const fn new(number: i64) -> Self {
        NumId { number, record: PhantomData }
    }

    /// The id's number.
    pub const fn get(self) -> i64 {
        self.number
    }
}

// Written out rather than derived: a derive would ask the marker `R` (an empty enum) for
// `Clone`, `Eq` and the rest.
impl<R> Clone for Id<R> {
    fn clone(&self) -> Self {
        Id::new(self.text.clone())
    }
}

impl<R> Clone for NumId<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for NumId<R> {}

impl<R> PartialEq for Id<R> {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl<R> Eq for Id<R> {}

// Comparing with text reads well in checks (`id == "7"`) and cannot swap anything: it only
// compares, it never makes an id.
impl<R> PartialEq<str> for Id<R> {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl<R> PartialEq<&str> for Id<R> {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl<R> PartialEq for NumId<R> {
    fn eq(&self, other: &Self) -> bool {
        self.number == other.number
    }
}

impl<R> Eq for NumId<R> {}

impl<R> PartialEq<i64> for NumId<R> {
    fn eq(&self, other: &i64) -> bool {
        self.number == *other
    }
}

impl<R> Hash for Id<R> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl<R> Hash for NumId<R> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.number.hash(state);
    }
}

impl<R> PartialOrd for Id<R> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// By text, for sorted maps and sets (`"10"` before `"9"`); not Keap's creation order.
impl<R> Ord for Id<R> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.text.cmp(&other.text)
    }
}

impl<R> PartialOrd for NumId<R> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<R> Ord for NumId<R> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.number.cmp(&other.number)
    }
}

impl<R: Record> fmt::Debug for Id<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id<{}>({:?})", R::NAME, self.text)
    }
}

impl<R: Record> fmt::Debug for NumId<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NumId<{}>({})", R::NAME, self.number)
    }
}

impl<R> fmt::Display for Id<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl<R> fmt::Display for NumId<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number)
    }
}

impl<R> AsRef<str> for Id<R> {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl<R> std::str::FromStr for Id<R> {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Id::new(s))
    }
}

impl<R: Record> std::str::FromStr for NumId<R> {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Only the number's own text (`101`, not `0101`, `+101` or ` 101`), so that text to
        // number and back gives the same id.
        let refused = || IdError { record: R::NAME, text: s.to_owned() };
        let n: i64 = s.parse().map_err(|_| refused())?;
        if n.to_string() != s {
            return Err(refused());
        }
        Ok(NumId::new(n))
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl<R> From<$t> for Id<R> {
            fn from(n: $t) -> Self {
                Id::new(n.to_string())
            }
        }
    )*};
}

from_integer!(i32, i64, u32, u64);

impl<R> From<i64> for NumId<R> {
    fn from(n: i64) -> Self {
        NumId::new(n)
    }
}

impl<R> From<i32> for NumId<R> {
    fn from(n: i32) -> Self {
        NumId::new(n.into())
    }
}

/// A REST v1 id as REST v2 writes it: always possible.
impl<R> From<NumId<R>> for Id<R> {
    fn from(n: NumId<R>) -> Self {
        Id::new(n.number.to_string())
    }
}

/// A REST v2 id as REST v1 writes it: only when its text is a number.
impl<R: Record> TryFrom<Id<R>> for NumId<R> {
    type Error = IdError;

    fn try_from(id: Id<R>) -> Result<Self, Self::Error> {
        id.text.parse()
    }
}

impl<R: Record> TryFrom<&Id<R>> for NumId<R> {
    type Error = IdError;

    fn try_from(id: &Id<R>) -> Result<Self, Self::Error> {
        id.text.parse()
    }
}

impl<R> ToParam for Id<R> {
    fn to_param(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(&self.text))
    }
}

impl<R> ToParam for NumId<R> {
    fn to_param(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.number.to_string()))
    }
}

impl<R> Serialize for Id<R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<R> Serialize for NumId<R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.number)
    }
}

/// Text, or a number kept as its digits (Keap sends ids both ways, whatever the spec says);
/// anything else is an error naming the record, never an id made up.
impl<'de, R: Record> Deserialize<'de> for Id<R> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(Id::new(s)),
            serde_json::Value::Number(n) if !n.is_f64() => Ok(Id::new(n.to_string())),
            serde_json::Value::Number(n) => super::values::exact_number::<i64>(&n)
                .map(Id::from)
                .map_err(|why| D::Error::custom(format!("{} id: {why}", R::NAME))),
            other => Err(D::Error::custom(format!("{other} is not a {} id", R::NAME))),
        }
    }
}

/// A number, an integer written as a float or numeric text; anything else is an error
/// naming the record.
impl<'de, R: Record> Deserialize<'de> for NumId<R> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Number(n) => super::values::exact_number::<i64>(&n)
                .map(NumId::new)
                .map_err(|why| D::Error::custom(format!("{} id: {why}", R::NAME))),
            serde_json::Value::String(s) => s.parse().map_err(D::Error::custom),
            other => Err(D::Error::custom(format!("{other} is not a {} id", R::NAME))),
        }
    }
}

#[cfg(test)]
#[path = "tests/ids.rs"]
mod tests;
