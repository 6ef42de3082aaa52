//! Keap's `filter` parameter: one string with its own grammar. Clauses are `field==value`,
//! `field>value` (and `<`, `>=`, `<=`, `!=`) joined by `;`; a trailing `*` matches a prefix;
//! a list is comma-separated (`ids==1,2,3`). The query encoder percent-encodes the result.
//!
//! The grammar has no escape, so a value is never altered to fit it: a clause whose value
//! would read as grammar is recorded as refused, and sending the request fails with
//! [`Error::InvalidRequest`] naming it.

use super::error::Error;
use super::time::{midnight_utc, Timestamp};
use super::values::{Date, DateTime};
use std::borrow::Cow;
use std::time::SystemTime;

/// Builds a `filter` string: `Filter::new().eq("given_name", "Mary").starts_with("email", "mary")`.
/// Pass it where a builder takes a filter (`.filter(f)`), or pass raw text in Keap's grammar
/// instead (sent as written).
///
/// Values are written as they are, never cleaned. One the grammar cannot carry is refused and
/// the request fails with [`Error::InvalidRequest`] naming the clause: a `;` anywhere (it would
/// start another clause), a trailing `*` (it would make the value a prefix; use
/// [`starts_with`](Filter::starts_with)), a leading `=` (it would merge into the operator: `>`
/// and `=5` read `>=5`), a `,` inside an [`any_of`](Filter::any_of) item, an empty `any_of`, a
/// field name with grammar characters, and a date that does not parse.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    clauses: Vec<String>,
    /// Clauses the grammar cannot express, each with the reason.
    refused: Vec<String>,
}

/// A value a filter clause compares a field with. Implemented for strings, integers, floats,
/// `bool`, string enums, and the time types: [`SystemTime`], [`Timestamp`], [`DateTime`] and
/// [`Date`] are written the way Keap's filter docs demand, `2026-01-01T00:00:00.000Z` (UTC,
/// milliseconds; sub-millisecond precision is dropped; a `Date` is its midnight UTC, since
/// Keap rejects date-only values).
pub trait FilterValue {
    /// The value's text in Keap's grammar, or why it has none.
    fn filter_text(&self) -> Result<Cow<'_, str>, String>;
}

impl FilterValue for str {
    fn filter_text(&self) -> Result<Cow<'_, str>, String> {
        Ok(Cow::Borrowed(self))
    }
}

impl FilterValue for String {
    fn filter_text(&self) -> Result<Cow<'_, str>, String> {
        Ok(Cow::Borrowed(self))
    }
}

impl FilterValue for Cow<'_, str> {
    fn filter_text(&self) -> Result<Cow<'_, str>, String> {
        Ok(Cow::Borrowed(self))
    }
}

impl<T: FilterValue + ?Sized> FilterValue for &T {
    fn filter_text(&self) -> Result<Cow<'_, str>, String> {
        (**self).filter_text()
    }
}

macro_rules! display_value {
    ($($t:ty),*) => {$(
        impl FilterValue for $t {
            fn filter_text(&self) -> Result<Cow<'_, str>, String> {
                Ok(Cow::Owned(self.to_string()))
            }
        }
    )*};
}
display_value!(bool, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

macro_rules! float_value {
    ($($t:ty),*) => {$(
        impl FilterValue for $t {
            // Rust writes finite floats without an exponent; NaN and infinities mean nothing to Keap.
            fn filter_text(&self) -> Result<Cow<'_, str>, String> {
                if self.is_finite() {
                    Ok(Cow::Owned(self.to_string()))
                } else {
                    Err(format!("`{self}` is not a number Keap can compare with"))
                }
            }
        }
    )*};
}
float_value!(f32, f64);

impl FilterValue for Timestamp {
    fn filter_text(&self) -> Result<Cow<'_, str>, String> {
        // RFC 3339 has four-digit years only.
        const YEAR_0: i64 = -62_167_219_200;
        const YEAR_10000: i64 = 253_402_300_800;
        if (YEAR_0..YEAR_10000).contains(&self.unix_seconds()) {
            Ok(Cow::Owned(self.to_rfc3339_millis()))
        } else {
            Err(format!("`{self}` is outside the years 0000 to 9999"))
        }
    }
}

impl FilterValue for SystemTime {
    fn filter_text(&self) -> Result<Cow<'_, str>, String> {
        Ok(Timestamp::from_system_time(*self).filter_text()?.into_owned().into())
    }
}

impl FilterValue for DateTime {
    fn filter_text(&self) -> Result<Cow<'_, str>, String> {
        match self.parse() {
            Some(t) => Ok(t.filter_text()?.into_owned().into()),
            None => Err(format!("`{}` is not a date-time this crate can read", self.as_str())),
        }
    }
}

impl FilterValue for Date {
    fn filter_text(&self) -> Result<Cow<'_, str>, String> {
        match self.ymd() {
            Some((y, m, d)) => Ok(midnight_utc(y, m, d).filter_text()?.into_owned().into()),
            None => Err(format!("`{}` is not a date (YYYY-MM-DD)", self.as_str())),
        }
    }
}

/// Characters a field name cannot hold: they would read as an operator or a separator.
const FIELD_GRAMMAR: &[char] = &[';', '=', '<', '>', '!', ',', '*'];

/// Why `value` cannot be sent as one value (`first`: right after the operator), if it cannot.
fn value_problem(value: &str, first: bool) -> Option<&'static str> {
    if value.contains(';') {
        Some("a `;` in a value would start another clause")
    } else if value.contains(',') {
        // `a==x,y` means "x or y".
        Some("a `,` would make the value a list")
    } else if value.ends_with('*') {
        Some("a trailing `*` would make the value a prefix match")
    } else if first && value.starts_with('=') {
        Some("a leading `=` would merge into the operator")
    } else {
        None
    }
}

impl Filter {
    /// An empty filter.
    pub fn new() -> Self {
        Filter::default()
    }

    /// Records `field`, `op` and the value text; `written` is the value as it would be sent
    /// (a prefix carries its `*`), `problem` what keeps it from being sent.
    fn push(mut self, field: &str, op: &str, written: &str, problem: Option<String>) -> Self {
        let clause = format!("{field}{op}{written}");
        let problem = if field.is_empty() {
            Some("the field name is empty".to_owned())
        } else if field.contains(FIELD_GRAMMAR) {
            Some("the field name holds grammar characters".to_owned())
        } else {
            problem
        };
        match problem {
            Some(why) => self.refused.push(format!("`{clause}` ({why})")),
            None => self.clauses.push(clause),
        }
        self
    }

    fn single(self, field: &str, op: &str, value: impl FilterValue) -> Self {
        match value.filter_text() {
            Ok(text) => {
                let problem = value_problem(&text, true).map(str::to_owned);
                self.push(field, op, &text, problem)
            }
            Err(why) => self.push(field, op, "…", Some(why)),
        }
    }

    /// `field==value`.
    pub fn eq(self, field: &str, value: impl FilterValue) -> Self {
        self.single(field, "==", value)
    }

    /// `field!=value`.
    pub fn ne(self, field: &str, value: impl FilterValue) -> Self {
        self.single(field, "!=", value)
    }

    /// `field>value` (numbers, dates).
    pub fn gt(self, field: &str, value: impl FilterValue) -> Self {
        self.single(field, ">", value)
    }

    /// `field>=value`.
    pub fn ge(self, field: &str, value: impl FilterValue) -> Self {
        self.single(field, ">=", value)
    }

    /// `field<value`.
    pub fn lt(self, field: &str, value: impl FilterValue) -> Self {
        self.single(field, "<", value)
    }

    /// `field<=value`.
    pub fn le(self, field: &str, value: impl FilterValue) -> Self {
        self.single(field, "<=", value)
    }

    /// `field==prefix*`: values starting with `prefix`. A `*` inside the prefix is sent as it
    /// is; one at its end is refused (`a**` has no clear meaning).
    pub fn starts_with(self, field: &str, prefix: impl FilterValue) -> Self {
        match prefix.filter_text() {
            Ok(text) => {
                let problem = value_problem(&text, true).map(str::to_owned);
                self.push(field, "==", &format!("{text}*"), problem)
            }
            Err(why) => self.push(field, "==", "…*", Some(why)),
        }
    }

    /// `field==a,b,c`: any of the values (at least one).
    pub fn any_of<V: FilterValue>(self, field: &str, values: impl IntoIterator<Item = V>) -> Self {
        let mut items = Vec::new();
        let mut problem = None;
        for v in values {
            match v.filter_text() {
                Ok(text) => {
                    let why = if text.contains(',') {
                        Some("a `,` inside a list item would split it")
                    } else {
                        value_problem(&text, items.is_empty())
                    };
                    problem = problem.or(why.map(str::to_owned));
                    items.push(text.into_owned());
                }
                Err(why) => {
                    problem = problem.or(Some(why));
                    items.push("…".to_owned());
                }
            }
        }
        if items.is_empty() {
            problem = Some("a list needs at least one value".to_owned());
        }
        self.push(field, "==", &items.join(","), problem)
    }

    /// Whether no clause was added (refused ones count).
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty() && self.refused.is_empty()
    }

    /// The filter in Keap's grammar, or [`Error::InvalidRequest`] naming every clause the
    /// grammar cannot express. There is no `Display` or `String` conversion, since either
    /// would have to drop or alter those clauses silently.
    pub fn to_text(&self) -> Result<String, Error> {
        self.encode().map_err(Error::invalid)
    }

    /// The text, or why there is none.
    pub(crate) fn encode(&self) -> Result<String, String> {
        if self.refused.is_empty() {
            Ok(self.clauses.join(";"))
        } else {
            Err(format!("Keap's filter grammar has no escape and cannot express {}", self.refused.join(", ")))
        }
    }
}

/// What a `filter` parameter takes: a [`Filter`], or raw text in Keap's grammar sent exactly as
/// written. `From` conversions let builders take `impl Into<FilterArg>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterArg {
    /// Text in Keap's grammar, sent unchanged (its author answers for its meaning), but
    /// refused when it looks percent-encoded (`%3D%3D`, `%2A`), which would be encoded twice.
    Raw(String),
    /// A built filter; a clause it could not write fails the request with
    /// [`Error::InvalidRequest`] before anything is sent. An empty one sends no parameter.
    Built(Filter),
}

impl From<&str> for FilterArg {
    fn from(text: &str) -> Self {
        FilterArg::Raw(text.to_owned())
    }
}

impl From<String> for FilterArg {
    fn from(text: String) -> Self {
        FilterArg::Raw(text)
    }
}

impl From<&String> for FilterArg {
    fn from(text: &String) -> Self {
        FilterArg::Raw(text.clone())
    }
}

impl From<Filter> for FilterArg {
    fn from(filter: Filter) -> Self {
        FilterArg::Built(filter)
    }
}

impl From<&Filter> for FilterArg {
    fn from(filter: &Filter) -> Self {
        FilterArg::Built(filter.clone())
    }
}

#[cfg(test)]
#[path = "tests/filter.rs"]
mod tests;
