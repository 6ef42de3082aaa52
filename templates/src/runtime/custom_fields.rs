//! Custom fields by name: a record type's definitions (from its `/model`), read and written
//! by label or field name, each value typed by its field's type.
//!
//! Generated code loads the definitions (`client.contact().custom_fields()`), caches them in
//! the client ([`Transport::custom_fields`](super::Transport::custom_fields)), and hands
//! records' `custom_fields` lists to [`CustomFields::read`]; [`CustomFields::write`] makes
//! such a list from names and values, refusing what Keap would refuse before anything is
//! sent. Both work on any list type that serializes as Keap's `{"id", "content"}` pairs, so
//! this module knows nothing of the generated types.

use super::error::{CustomFieldError, CustomFieldErrorKind};
use super::{Amount, Date, DateTime};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

/// What a custom field holds, by its type in Keap's model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldKind {
    /// `TEXT`, `TEXT_AREA`, `EMAIL`, `PHONE_NUMBER`, `WEBSITE`, `NAME`, `STATE`,
    /// `SOCIAL_SECURITY_NUMBER`, `DRILLDOWN`: text ([`CustomValue::Text`]).
    Text,
    /// `WHOLE_NUMBER`, `YEAR`, `MONTH` and `DAY_OF_WEEK` (Keap's filter docs call the last
    /// three numeric): a whole number ([`CustomValue::Whole`]).
    Whole,
    /// `DECIMAL_NUMBER`, `CURRENCY`, `PERCENT`: an exact decimal ([`CustomValue::Decimal`]).
    Decimal,
    /// `DATE`: a date, `YYYY-MM-DD` ([`CustomValue::Date`]).
    Date,
    /// `DATE_TIME`: a date and time ([`CustomValue::DateTime`]).
    DateTime,
    /// `YES_NO`: yes or no ([`CustomValue::YesNo`]).
    YesNo,
    /// `DROPDOWN`, `RADIO`: one of the field's options, by label ([`CustomValue::Choice`]).
    Choice,
    /// `LIST_BOX`: some of the field's options, by label ([`CustomValue::Choices`]).
    Choices,
    /// `USER`: a Keap user's id ([`CustomValue::Whole`]).
    User,
    /// `USER_LIST_BOX`: Keap users' ids ([`CustomValue::Users`]).
    Users,
    /// A type this crate does not know: read as [`CustomValue::Raw`], written only as
    /// [`CustomValue::Raw`].
    Other,
}

impl FieldKind {
    /// The kind of Keap's type name (v2's `DROPDOWN` or v1's `Dropdown`).
    pub fn of(field_type: &str) -> FieldKind {
        let normal: String = field_type.chars().filter(|c| *c != '_').flat_map(char::to_lowercase).collect();
        match normal.as_str() {
            "text"
            | "textarea"
            | "email"
            | "phonenumber"
            | "website"
            | "name"
            | "state"
            | "socialsecuritynumber"
            | "drilldown" => FieldKind::Text,
            "wholenumber" | "year" | "month" | "dayofweek" => FieldKind::Whole,
            "decimalnumber" | "currency" | "percent" => FieldKind::Decimal,
            "date" => FieldKind::Date,
            "datetime" => FieldKind::DateTime,
            "yesno" => FieldKind::YesNo,
            "dropdown" | "radio" => FieldKind::Choice,
            "listbox" => FieldKind::Choices,
            "user" => FieldKind::User,
            "userlistbox" => FieldKind::Users,
            _ => FieldKind::Other,
        }
    }
}

/// One option of a choice field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldOption {
    /// The option's id (Keap often makes it the label itself).
    pub id: String,
    /// The text users see.
    pub label: String,
}

/// One custom field's definition.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomField {
    id: Value,
    label: String,
    field_name: Option<String>,
    field_type: String,
    kind: FieldKind,
    options: Vec<FieldOption>,
}

impl CustomField {
    /// The field's id, as text (v2 writes it as text, v1 as a number).
    pub fn id(&self) -> String {
        scalar_text(&self.id).unwrap_or_default()
    }
    /// The label users see in Keap.
    pub fn label(&self) -> &str {
        &self.label
    }
    /// The field's database name (`favoriteColor1`), the name filters use; not every model
    /// has one.
    pub fn field_name(&self) -> Option<&str> {
        self.field_name.as_deref()
    }
    /// Keap's type name, as the model writes it (`DROPDOWN`).
    pub fn field_type(&self) -> &str {
        &self.field_type
    }
    /// What the field holds.
    pub fn kind(&self) -> FieldKind {
        self.kind
    }
    /// The options of a choice field, in the model's order.
    pub fn options(&self) -> &[FieldOption] {
        &self.options
    }
}

/// A custom field's value, typed by its field's [`FieldKind`].
///
/// Made with `From` where the type says it: `"text"`, `42i64`, `true`, an
/// [`Amount`], a [`Date`], a [`DateTime`] (or a `SystemTime`). A choice is given by its
/// label: as text, or [`CustomValue::choices`] for a list box.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CustomValue {
    /// Text; also accepted for a choice field, as the option's label.
    Text(String),
    /// A whole number (and a user's id).
    Whole(i64),
    /// An exact decimal (currency in its main unit, a percent as written: `12.5` is 12.5%).
    Decimal(Amount),
    /// A date, `YYYY-MM-DD`, kept as Keap wrote it.
    Date(Date),
    /// A date and time, kept as Keap wrote it.
    DateTime(DateTime),
    /// Yes (`true`) or no.
    YesNo(bool),
    /// One option, by label.
    Choice(String),
    /// Options, by label.
    Choices(Vec<String>),
    /// Users' ids.
    Users(Vec<i64>),
    /// What a field of a type this crate does not know holds, as Keap wrote it.
    Raw(Value),
    /// No value: written as `null`, to empty a field of any type.
    Empty,
}

impl CustomValue {
    /// Several options of a list box, by label.
    pub fn choices<S: Into<String>>(labels: impl IntoIterator<Item = S>) -> Self {
        CustomValue::Choices(labels.into_iter().map(Into::into).collect())
    }
    /// The text of a text field, or the label of a single choice.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            CustomValue::Text(s) | CustomValue::Choice(s) => Some(s),
            _ => None,
        }
    }
    /// A whole number or a user's id.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            CustomValue::Whole(n) => Some(*n),
            _ => None,
        }
    }
    /// A decimal (a whole number reads as one too).
    pub fn as_amount(&self) -> Option<Amount> {
        match self {
            CustomValue::Decimal(a) => Some(*a),
            CustomValue::Whole(n) => Some(Amount::from_units(*n)),
            _ => None,
        }
    }
    /// Yes or no.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            CustomValue::YesNo(b) => Some(*b),
            _ => None,
        }
    }
    /// A date.
    pub fn as_date(&self) -> Option<&Date> {
        match self {
            CustomValue::Date(d) => Some(d),
            _ => None,
        }
    }
    /// A date and time.
    pub fn as_date_time(&self) -> Option<&DateTime> {
        match self {
            CustomValue::DateTime(d) => Some(d),
            _ => None,
        }
    }
    /// The labels of a list box's options.
    pub fn as_choices(&self) -> Option<&[String]> {
        match self {
            CustomValue::Choices(v) => Some(v),
            _ => None,
        }
    }
    /// Users' ids.
    pub fn as_users(&self) -> Option<&[i64]> {
        match self {
            CustomValue::Users(v) => Some(v),
            _ => None,
        }
    }
    /// The text of a text field, or the label of a single choice, owned (for
    /// `values.get(name)?.and_then(CustomValue::into_text)`).
    pub fn into_text(self) -> Option<String> {
        match self {
            CustomValue::Text(s) | CustomValue::Choice(s) => Some(s),
            _ => None,
        }
    }

    /// What the value is, for messages.
    fn describe(&self) -> &'static str {
        match self {
            CustomValue::Text(_) => "text",
            CustomValue::Whole(_) => "a whole number",
            CustomValue::Decimal(_) => "a decimal",
            CustomValue::Date(_) => "a date",
            CustomValue::DateTime(_) => "a date and time",
            CustomValue::YesNo(_) => "yes or no",
            CustomValue::Choice(_) => "an option",
            CustomValue::Choices(_) => "options",
            CustomValue::Users(_) => "users",
            CustomValue::Raw(_) => "raw JSON",
            CustomValue::Empty => "no value",
        }
    }
}

impl From<&str> for CustomValue {
    fn from(s: &str) -> Self {
        CustomValue::Text(s.to_owned())
    }
}
impl From<String> for CustomValue {
    fn from(s: String) -> Self {
        CustomValue::Text(s)
    }
}
impl From<i64> for CustomValue {
    fn from(n: i64) -> Self {
        CustomValue::Whole(n)
    }
}
impl From<i32> for CustomValue {
    fn from(n: i32) -> Self {
        CustomValue::Whole(n.into())
    }
}
impl From<u32> for CustomValue {
    fn from(n: u32) -> Self {
        CustomValue::Whole(n.into())
    }
}
impl From<&String> for CustomValue {
    fn from(s: &String) -> Self {
        CustomValue::Text(s.clone())
    }
}
impl From<bool> for CustomValue {
    fn from(b: bool) -> Self {
        CustomValue::YesNo(b)
    }
}
impl From<Amount> for CustomValue {
    fn from(a: Amount) -> Self {
        CustomValue::Decimal(a)
    }
}
impl From<Date> for CustomValue {
    fn from(d: Date) -> Self {
        CustomValue::Date(d)
    }
}
impl From<DateTime> for CustomValue {
    fn from(d: DateTime) -> Self {
        CustomValue::DateTime(d)
    }
}
impl From<std::time::SystemTime> for CustomValue {
    fn from(t: std::time::SystemTime) -> Self {
        CustomValue::DateTime(t.into())
    }
}

/// The custom-field definitions of one record type, as its `/model` lists them.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomFields {
    record: String,
    fields: Vec<CustomField>,
}

impl CustomFields {
    /// Reads the `custom_fields` of a record type's model (any value that serializes as
    /// Keap's model JSON). Definitions without an id are skipped; a model that is not an
    /// object with a `custom_fields` list is an error.
    pub fn from_model(record: &str, model: &impl Serialize) -> Result<Self, CustomFieldError> {
        let bad = |m: String| CustomFieldError::new(record, "", CustomFieldErrorKind::Model, m);
        let model = serde_json::to_value(model).map_err(|e| bad(e.to_string()))?;
        let list = match model.get("custom_fields") {
            Some(Value::Array(list)) => list.as_slice(),
            None | Some(Value::Null) => &[],
            Some(other) => return Err(bad(format!("`custom_fields` is not a list: {}", clip(other)))),
        };
        let text = |v: &Value, key: &str| v.get(key).and_then(scalar_text);
        let mut fields = Vec::new();
        for def in list {
            let Some(id) = def.get("id").filter(|id| scalar_text(id).is_some()) else { continue };
            let field_type = text(def, "field_type").unwrap_or_default();
            let options = match def.get("options") {
                Some(Value::Array(options)) => options
                    .iter()
                    .filter_map(|o| {
                        let label = text(o, "label").or_else(|| text(o, "id"))?;
                        Some(FieldOption { id: text(o, "id").unwrap_or_else(|| label.clone()), label })
                    })
                    .collect(),
                _ => Vec::new(),
            };
            fields.push(CustomField {
                id: id.clone(),
                label: text(def, "label").unwrap_or_default(),
                field_name: text(def, "field_name"),
                kind: FieldKind::of(&field_type),
                field_type,
                options,
            });
        }
        Ok(CustomFields { record: record.to_owned(), fields })
    }

    /// The record type (`contact`).
    pub fn record(&self) -> &str {
        &self.record
    }

    /// Every definition, in the model's order.
    pub fn fields(&self) -> &[CustomField] {
        &self.fields
    }

    /// The field with this label or field name. A name that two fields answer to (two
    /// labels, or one's label and another's field name: Keap keeps a field name when its
    /// field is renamed) is ambiguous, an error naming their field names; names are matched
    /// exactly, then ignoring case when that finds none.
    pub fn field(&self, name: &str) -> Result<&CustomField, CustomFieldError> {
        let exact: Vec<&CustomField> =
            self.fields.iter().filter(|f| f.label == name || f.field_name() == Some(name)).collect();
        let found = if exact.is_empty() {
            self.fields
                .iter()
                .filter(|f| {
                    f.label.eq_ignore_ascii_case(name) || f.field_name().is_some_and(|n| n.eq_ignore_ascii_case(name))
                })
                .collect()
        } else {
            exact
        };
        match found.as_slice() {
            [one] => Ok(one),
            [] => {
                let known: Vec<String> = self.fields.iter().map(|f| format!("`{}`", f.label)).collect();
                Err(CustomFieldError::new(
                    &self.record,
                    name,
                    CustomFieldErrorKind::Unknown,
                    format!(
                        "no such label or field name (known: {}); a field created since the definitions were \
                         loaded needs `reload_custom_fields()`",
                        if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                    ),
                ))
            }
            many => {
                let names: Vec<String> =
                    many.iter().map(|f| format!("`{}`", f.field_name().unwrap_or("(no field name)"))).collect();
                Err(CustomFieldError::new(
                    &self.record,
                    name,
                    CustomFieldErrorKind::Ambiguous,
                    format!(
                        "{} fields answer to this name: name one by its field name ({})",
                        many.len(),
                        names.join(", ")
                    ),
                ))
            }
        }
    }

    /// The values of a record's `custom_fields` list (as the record holds it: `None` when
    /// the server left the list out), by field. A value that does not fit its field's type
    /// fails [`CustomValues::get`] for that field, naming it and the value, and
    /// [`CustomValues::raw`] still shows it. Only items without an `id`, which no name can
    /// reach, are skipped.
    pub fn read<T: Serialize>(self: &Arc<Self>, values: &Option<Vec<T>>) -> Result<CustomValues, CustomFieldError> {
        let Some(values) = values else {
            return Ok(CustomValues { fields: Arc::clone(self), values: Vec::new(), sent: false });
        };
        let bad = |m: String| CustomFieldError::new(&self.record, "", CustomFieldErrorKind::Unreadable, m);
        let list = serde_json::to_value(values).map_err(|e| bad(e.to_string()))?;
        let mut out = Vec::new();
        for item in list.as_array().map(Vec::as_slice).unwrap_or_default() {
            let Some(id) = item.get("id").and_then(scalar_text) else { continue };
            let content = item.get("content").cloned().unwrap_or(Value::Null);
            let Some(index) = self.fields.iter().position(|f| f.id() == id) else {
                // A field defined after the model was loaded: kept raw under its id.
                out.push((id, None, content));
                continue;
            };
            out.push((id, Some(index), content));
        }
        // A value that does not fit its type fails when it is asked for, naming it; the
        // others stay readable.
        Ok(CustomValues { fields: Arc::clone(self), values: out, sent: true })
    }

    /// A `custom_fields` list to send, from names (labels or field names) and values:
    /// each name must be one field, each value one its type takes (a choice's label one of
    /// its options), or nothing is made.
    pub fn write<T: DeserializeOwned, V: Into<CustomValue>>(
        &self,
        values: impl IntoIterator<Item = (impl AsRef<str>, V)>,
    ) -> Result<Vec<T>, CustomFieldError> {
        let mut out = Vec::new();
        let mut named: Vec<&CustomField> = Vec::new();
        for (name, value) in values {
            let name = name.as_ref();
            let field = self.field(name)?;
            // Two values for one field (by label and by field name) would leave Keap to pick.
            if named.iter().any(|f| std::ptr::eq(*f, field)) {
                return Err(CustomFieldError::new(
                    &self.record,
                    name,
                    CustomFieldErrorKind::WrongType,
                    format!("`{}` is given a value twice", field.label),
                ));
            }
            named.push(field);
            let content = encode(&self.record, name, field, value.into())?;
            let pair = serde_json::json!({ "id": field.id, "content": content });
            let item = serde_json::from_value(pair).map_err(|e| {
                CustomFieldError::new(&self.record, name, CustomFieldErrorKind::WrongType, e.to_string())
            })?;
            out.push(item);
        }
        Ok(out)
    }
}

impl CustomFields {
    /// A whole `custom_fields` list to send: the record's `current` list (as read, with
    /// its custom fields asked for) with the named fields set to `values`. For updates
    /// whose list replaces the record's (Keap's spec says a `custom_fields` list does:
    /// "any item not listed here will be removed"), so that fields not named keep their
    /// values. Fails, sending nothing, when `current` was not sent or a name or value is
    /// refused (as [`write`](Self::write)).
    pub fn write_over<R: Serialize, T: Serialize + DeserializeOwned, V: Into<CustomValue>>(
        &self,
        current: &Option<Vec<R>>,
        values: impl IntoIterator<Item = (impl AsRef<str>, V)>,
    ) -> Result<Vec<T>, CustomFieldError> {
        let Some(current) = current else {
            return Err(CustomFieldError::new(
                &self.record,
                "",
                CustomFieldErrorKind::NotSent,
                "the record came without its `custom_fields`, so the fields not named would be lost: \
                 read it asking for them"
                    .to_owned(),
            ));
        };
        let changed: Vec<T> = self.write(values)?;
        let id_of = |item: Value| item.get("id").and_then(scalar_text);
        let changed_ids: Vec<Option<String>> =
            changed.iter().map(|item| serde_json::to_value(item).ok().and_then(id_of)).collect();
        let mut out = Vec::with_capacity(current.len() + changed.len());
        let unreadable = |e: serde_json::Error| {
            CustomFieldError::new(&self.record, "", CustomFieldErrorKind::Unreadable, e.to_string())
        };
        for item in current {
            // Kept as read, through JSON: the read's item type may not be the update's.
            let item = serde_json::to_value(item).map_err(unreadable)?;
            if !changed_ids.contains(&id_of(item.clone())) {
                out.push(serde_json::from_value(item).map_err(unreadable)?);
            }
        }
        out.extend(changed);
        Ok(out)
    }
}

/// A record's custom-field values, read by label or field name.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomValues {
    fields: Arc<CustomFields>,
    /// Each value's field id, its definition's index (`None`: not in the model), and content.
    values: Vec<(String, Option<usize>, Value)>,
    sent: bool,
}

impl CustomValues {
    /// The value of the field with this label or field name: `None` when the record has
    /// no value for it (`null`, `""`, or absent from a list the server sent). An unknown
    /// name, a list the server did not send (the read did not ask for `custom_fields`), or
    /// a value that does not fit the field's type is an error, never `None`.
    pub fn get(&self, name: &str) -> Result<Option<CustomValue>, CustomFieldError> {
        let field = self.fields.field(name)?;
        if !self.sent {
            return Err(CustomFieldError::new(
                &self.fields.record,
                name,
                CustomFieldErrorKind::NotSent,
                "the record came without its `custom_fields`: read it asking for them \
                 (`custom_field_values`, or `fields`/`optional_properties` with `custom_fields`)"
                    .to_owned(),
            ));
        }
        let index = self.fields.fields.iter().position(|f| std::ptr::eq(f, field));
        match self.values.iter().find(|(_, i, _)| *i == index) {
            Some((_, _, content)) => decode(&self.fields.record, field, content),
            None => Ok(None),
        }
    }

    /// Whether the server sent the record's `custom_fields` at all: `false` means the
    /// read did not ask for them, and every `get` fails with
    /// [`CustomFieldErrorKind::NotSent`].
    pub fn were_sent(&self) -> bool {
        self.sent
    }

    /// Every value with its field (`None` for a field the loaded model does not define),
    /// as Keap sent them.
    pub fn raw(&self) -> impl Iterator<Item = (Option<&CustomField>, &Value)> + '_ {
        self.values.iter().map(|(_, i, content)| (i.map(|i| &self.fields.fields[i]), content))
    }
}

/// A field's content as a typed value; `None` for `null` or `""`.
fn decode(record: &str, field: &CustomField, content: &Value) -> Result<Option<CustomValue>, CustomFieldError> {
    let unreadable = || {
        CustomFieldError::new(
            record,
            &field.label,
            CustomFieldErrorKind::Unreadable,
            format!("Keap sent {} for a {} field", clip(content), field.field_type),
        )
    };
    if content.is_null() || content.as_str() == Some("") {
        return Ok(None);
    }
    let value = match field.kind {
        FieldKind::Text => CustomValue::Text(scalar_text(content).ok_or_else(unreadable)?),
        FieldKind::Whole | FieldKind::User => CustomValue::Whole(whole(content).ok_or_else(unreadable)?),
        FieldKind::Decimal => {
            let text = scalar_text(content).filter(|_| !content.is_boolean()).ok_or_else(unreadable)?;
            CustomValue::Decimal(text.trim().parse().map_err(|_| unreadable())?)
        }
        FieldKind::Date => CustomValue::Date(Date(content.as_str().ok_or_else(unreadable)?.to_owned())),
        FieldKind::DateTime => CustomValue::DateTime(DateTime(scalar_text(content).ok_or_else(unreadable)?)),
        FieldKind::YesNo => CustomValue::YesNo(match content {
            Value::Bool(b) => *b,
            other => match scalar_text(other).as_deref().map(str::to_ascii_lowercase).as_deref() {
                Some("1" | "yes" | "true") => true,
                Some("0" | "no" | "false") => false,
                _ => return Err(unreadable()),
            },
        }),
        FieldKind::Choice => CustomValue::Choice(option_label(field, &scalar_text(content).ok_or_else(unreadable)?)),
        FieldKind::Choices => {
            let items: Vec<String> = match content {
                Value::Array(items) => {
                    items.iter().map(|i| scalar_text(i).ok_or_else(unreadable)).collect::<Result<_, _>>()?
                }
                other => split_list(&scalar_text(other).ok_or_else(unreadable)?),
            };
            // A part no option answers to (a label with a comma split in two, an option
            // added since the model was loaded) fails rather than reads as something else.
            let labels = items.iter().map(|i| find_option(field, i).map(|o| o.label.clone()));
            CustomValue::Choices(labels.collect::<Option<_>>().ok_or_else(unreadable)?)
        }
        FieldKind::Users => {
            let items: Vec<Value> = match content {
                Value::Array(items) => items.clone(),
                other => {
                    split_list(&scalar_text(other).ok_or_else(unreadable)?).into_iter().map(Value::String).collect()
                }
            };
            CustomValue::Users(items.iter().map(|i| whole(i).ok_or_else(unreadable)).collect::<Result<_, _>>()?)
        }
        FieldKind::Other => CustomValue::Raw(content.clone()),
    };
    Ok(Some(value))
}

/// A value as the field's content on the wire, or why the field cannot take it.
fn encode(record: &str, name: &str, field: &CustomField, value: CustomValue) -> Result<Value, CustomFieldError> {
    let wrong = |value: &CustomValue| {
        CustomFieldError::new(
            record,
            name,
            CustomFieldErrorKind::WrongType,
            format!("a {} field does not take {}", field.field_type, value.describe()),
        )
    };
    let option = |label: &str| -> Result<Value, CustomFieldError> {
        match find_option(field, label) {
            Some(o) => Ok(Value::String(o.label.clone())),
            None => {
                let known: Vec<String> = field.options.iter().map(|o| format!("`{}`", o.label)).collect();
                Err(CustomFieldError::new(
                    record,
                    name,
                    CustomFieldErrorKind::NoSuchOption,
                    format!("no option `{label}` (options: {})", known.join(", ")),
                ))
            }
        }
    };
    Ok(match (field.kind, value) {
        (FieldKind::Text, CustomValue::Text(s)) => Value::String(s),
        (FieldKind::Whole | FieldKind::User, CustomValue::Whole(n)) => Value::from(n),
        (FieldKind::Decimal, CustomValue::Whole(n)) => Value::from(n),
        (FieldKind::Decimal, CustomValue::Decimal(a)) => {
            // JSON numbers travel as floats: an amount with more digits than a float keeps
            // is refused rather than rounded.
            let number = serde_json::Number::from_f64(a.to_f64()).filter(|n| n.to_string().parse() == Ok(a));
            Value::Number(number.ok_or_else(|| {
                CustomFieldError::new(
                    record,
                    name,
                    CustomFieldErrorKind::WrongType,
                    format!("{a} has more digits than a JSON number carries exactly"),
                )
            })?)
        }
        (_, CustomValue::Empty) => Value::Null,
        (FieldKind::Date, CustomValue::Date(d)) => {
            if d.0.len() != 10 || d.ymd().is_none() {
                return Err(CustomFieldError::new(
                    record,
                    name,
                    CustomFieldErrorKind::WrongType,
                    format!("`{d}` is not a date (YYYY-MM-DD)"),
                ));
            }
            Value::String(d.0)
        }
        // Sent in the one form Keap's docs ask for (`2027-01-31T09:00:00.000Z`), or refused.
        (FieldKind::DateTime, CustomValue::DateTime(d)) => match d.parse() {
            Some(t) => Value::String(DateTime::from(t).0),
            None => {
                return Err(CustomFieldError::new(
                    record,
                    name,
                    CustomFieldErrorKind::WrongType,
                    format!("`{d}` is not a date and time"),
                ))
            }
        },
        // Keap stores yes/no as 1/0 (its filter docs say so), and reads either back.
        (FieldKind::YesNo, CustomValue::YesNo(b)) => Value::from(u8::from(b)),
        (FieldKind::Choice, CustomValue::Text(s) | CustomValue::Choice(s)) => option(&s)?,
        (FieldKind::Choices, CustomValue::Choices(labels)) => {
            let labels: Vec<String> = labels
                .iter()
                .map(|l| option(l).map(|v| v.as_str().unwrap_or_default().to_owned()))
                .collect::<Result<_, _>>()?;
            // The list travels joined by commas: a label holding one would read back as two.
            if let Some(l) = labels.iter().find(|l| l.contains(',')) {
                return Err(CustomFieldError::new(
                    record,
                    name,
                    CustomFieldErrorKind::WrongType,
                    format!("option `{l}` holds a comma, and a list box's options travel joined by commas"),
                ));
            }
            Value::String(labels.join(","))
        }
        (FieldKind::Users, CustomValue::Users(ids)) => {
            Value::String(ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
        }
        (FieldKind::Other, CustomValue::Raw(v)) => v,
        (_, other) => return Err(wrong(&other)),
    })
}

/// A list box's content written as one text: `a,b`.
fn split_list(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The option labelled `text`, else the one whose id it is: labels first, since an option's
/// id can be another's old label.
fn find_option<'a>(field: &'a CustomField, text: &str) -> Option<&'a FieldOption> {
    field.options.iter().find(|o| o.label == text).or_else(|| field.options.iter().find(|o| o.id == text))
}

/// The label of the option whose label or id `text` is (the text itself when none is: the
/// model may be older than the option).
fn option_label(field: &CustomField, text: &str) -> String {
    find_option(field, text).map_or_else(|| text.to_owned(), |o| o.label.clone())
}

/// A whole number, from `5`, `5.0` or `"5"`; nothing that would lose a digit.
fn whole(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            let f = n.as_f64()?;
            (f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15).then_some(f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Text of a string, number or boolean.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A JSON value for a message, cut short.
fn clip(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(80) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text,
    }
}

#[cfg(test)]
#[path = "tests/custom_fields.rs"]
mod tests;
