//! A request as data: generated operations fill one in, the transport sends it.

use super::error::Error;
use super::filter::FilterArg;
use super::options::RequestOptions;
use super::upload::Segment;
use super::values::{FilePart, ToParam, ToParams};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde::Serialize;
use std::borrow::Cow;

pub use reqwest::Method;

/// Characters escaped in a path segment: everything but RFC 3986 unreserved characters,
/// so an id can never add a segment (`/`) or a custom verb (`:`).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b':')
    .add(b';')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b'!')
    .add(b'$')
    .add(b'&')
    .add(b'\'')
    .add(b'(')
    .add(b')')
    .add(b'*')
    .add(b'+')
    .add(b',')
    .add(b'=');

/// Percent-encodes a path parameter.
pub fn encode_path(value: &impl ToParam) -> String {
    match value.to_param() {
        Some(v) => utf8_percent_encode(&v, SEGMENT).to_string(),
        None => String::new(),
    }
}

/// A value as JSON text (`content: application/json` parameters); `None` when absent.
pub fn json_text(value: &Option<impl Serialize>) -> Option<String> {
    value.as_ref().and_then(|v| serde_json::to_string(v).ok())
}

/// A value in OpenAPI's `simple` style: an object as `key,value,key,value`, an array as
/// `a,b`, a scalar as its text; `None` when absent.
pub fn simple_text(value: &Option<impl Serialize>) -> Option<String> {
    let text = |v: &serde_json::Value| v.to_param().map(Cow::into_owned).unwrap_or_default();
    match serde_json::to_value(value.as_ref()?).ok()? {
        serde_json::Value::Object(map) => {
            Some(map.iter().flat_map(|(k, v)| [k.clone(), text(v)]).collect::<Vec<_>>().join(","))
        }
        serde_json::Value::Array(items) => Some(items.iter().map(text).collect::<Vec<_>>().join(",")),
        other => other.to_param().map(Cow::into_owned),
    }
}

/// The top-level fields a body sets (those it serialises), for a derived `update_mask`,
/// but for those the mask cannot name.
pub fn set_fields(body: &impl Serialize, unmaskable: &[&str]) -> Vec<String> {
    match serde_json::to_value(body) {
        Ok(serde_json::Value::Object(map)) => {
            map.into_iter().map(|(k, _)| k).filter(|k| !unmaskable.contains(&k.as_str())).collect()
        }
        _ => Vec::new(),
    }
}

/// The body of a request.
#[derive(Debug, Default)]
pub(crate) enum Body {
    #[default]
    None,
    Json(Vec<u8>),
    Multipart(Vec<(&'static str, Part)>),
    Form(Vec<(Cow<'static, str>, String)>),
    Bytes(String, Vec<u8>),
}

#[derive(Debug)]
pub(crate) enum Part {
    Text(String),
    File(FilePart),
}

/// One request, described: what generated operations build and the transport sends.
#[derive(Debug)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) operation: &'static str,
    pub(crate) template: &'static str,
    pub(crate) path: String,
    pub(crate) query: Vec<(Cow<'static, str>, String)>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Body,
    /// Overrides the body's content type (`application/merge-patch+json`).
    pub(crate) content_type: Option<&'static str>,
    /// The media type asked for in `Accept` (JSON unless set).
    pub(crate) accept: Option<&'static str>,
    /// A problem found while building, reported when sent (keeps generated code free of `?`).
    pub(crate) error: Option<Error>,
    /// The caller's per-request options.
    pub(crate) options: RequestOptions,
    /// The query parameters the operation declares (refused as extra query options).
    pub(crate) declared: &'static [&'static str],
}

impl Request {
    /// A request for `operation` (its operationId) to `path`, expanded from `template`.
    pub fn new(method: Method, operation: &'static str, template: &'static str, path: String) -> Self {
        Request {
            method,
            operation,
            template,
            path,
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::None,
            content_type: None,
            accept: None,
            error: None,
            options: RequestOptions::default(),
            declared: &[],
        }
    }

    /// Applies the caller's per-request options; `declared` names the query parameters the
    /// operation has setters for (an option may not set them behind the setter's back).
    pub fn options(&mut self, options: RequestOptions, declared: &'static [&'static str]) {
        self.options = options;
        self.declared = declared;
    }

    /// The operationId.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path template from the spec (`/rest/v2/contacts/{contact_id}`).
    pub fn template(&self) -> &'static str {
        self.template
    }

    /// The expanded, encoded path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query pairs, unencoded.
    pub fn query_pairs(&self) -> &[(Cow<'static, str>, String)] {
        &self.query
    }

    /// Adds `name=value` to the query string, unless the value is absent.
    pub fn query(&mut self, name: &'static str, value: &impl ToParam) {
        if let Some(v) = value.to_param() {
            self.query.push((Cow::Borrowed(name), v.into_owned()));
        }
    }

    /// Adds a filter parameter: raw text as written (refused when it looks percent-encoded,
    /// as Keap's docs show it); a [`Filter`](super::Filter) in Keap's
    /// grammar, or, when it holds a clause the grammar cannot express, an
    /// [`Error::InvalidRequest`] naming it, returned by `send` before anything is sent.
    /// Absent or empty filters add nothing.
    pub fn filter(&mut self, name: &'static str, value: &Option<FilterArg>) {
        match value {
            None => {}
            // Keap's docs show operators encoded (`%3D%3D`); copied as is, they would be
            // encoded again and match nothing.
            Some(FilterArg::Raw(text)) if pre_encoded(text) => {
                self.error = Some(Error::invalid(format!(
                    "query parameter `{name}`: `{text}` looks percent-encoded (as Keap's docs show it); \
                     this client encodes the query itself, so write `==`, `<`, `>`, `;`, `*` as they are"
                )))
            }
            Some(FilterArg::Raw(text)) => self.query.push((Cow::Borrowed(name), text.clone())),
            Some(FilterArg::Built(filter)) if filter.is_empty() => {}
            Some(FilterArg::Built(filter)) => match filter.encode() {
                Ok(text) => self.query.push((Cow::Borrowed(name), text)),
                Err(why) => self.error = Some(Error::invalid(format!("query parameter `{name}`: {why}"))),
            },
        }
    }

    /// Adds `name=a,b,c` (form style, not exploded), unless the list is empty.
    pub fn query_csv(&mut self, name: &'static str, values: &impl ToParams) {
        let values = values.to_params();
        if !values.is_empty() {
            self.query.push((Cow::Borrowed(name), values.join(",")));
        }
    }

    /// Adds `name=a&name=b` (form style, exploded).
    pub fn query_repeat(&mut self, name: &'static str, values: &impl ToParams) {
        for v in values.to_params() {
            self.query.push((Cow::Borrowed(name), v.into_owned()));
        }
    }

    /// Adds an object's properties as query pairs: `prop=value` (form, exploded), or
    /// `name[prop]=value` when `deep` (deepObject). Nested values are sent as JSON text.
    pub fn query_object(&mut self, name: &'static str, value: &Option<impl Serialize>, deep: bool) {
        let Some(value) = value else { return };
        match serde_json::to_value(value) {
            Ok(serde_json::Value::Object(map)) => {
                for (k, v) in map {
                    let Some(text) = v.to_param().map(Cow::into_owned) else { continue };
                    let key = if deep { format!("{name}[{k}]") } else { k };
                    self.query.push((Cow::Owned(key), text));
                }
            }
            Ok(_) => self.error = Some(Error::invalid(format!("query parameter `{name}` must be an object"))),
            Err(e) => self.error = Some(Error::invalid(format!("cannot encode query parameter `{name}`: {e}"))),
        }
    }

    /// Adds a partial update's `update_mask` (comma-joined when `csv`, else repeated): the
    /// caller's `explicit` mask if given, else the fields the request `set`; either way
    /// with the fields to `clear` (masked but not sent, so Keap empties them). Refuses a
    /// field both set and cleared, and a mask with nothing in it: without a mask Keap
    /// replaces the whole record, wiping lists the caller never mentioned. Only `replace`
    /// (the caller's `replace_whole_record()`) sends no mask.
    pub fn update_mask<T: ToParam>(
        &mut self,
        name: &'static str,
        csv: bool,
        explicit: Option<&[T]>,
        set: Vec<String>,
        clear: &[T],
        replace: bool,
    ) {
        let op = self.operation;
        let clear = clear.to_params();
        if replace {
            if explicit.is_some() || !clear.is_empty() {
                self.error = Some(Error::invalid(format!(
                    "{op}: `replace_whole_record()` sends no mask; it cannot go with `update_mask` or `clear_fields`"
                )));
            }
            return;
        }
        if let Some(both) = clear.iter().find(|c| set.iter().any(|s| s == c.as_ref())) {
            self.error = Some(Error::invalid(format!("{op}: `{both}` is both set and cleared; set it or clear it")));
            return;
        }
        let mut mask: Vec<Cow<'_, str>> = match explicit {
            Some(e) => e.to_params(),
            None => set.iter().map(|s| Cow::Borrowed(s.as_str())).collect(),
        };
        for c in clear {
            if !mask.contains(&c) {
                mask.push(c);
            }
        }
        if mask.is_empty() {
            let why = if explicit.is_some() {
                "the explicit `update_mask` is empty"
            } else {
                "the body sets no field and none is cleared"
            };
            self.error = Some(Error::invalid(format!(
                "{op}: nothing to update: {why}, and without an `update_mask` Keap would replace the \
                 whole record; set a field, name fields to empty with `.clear_fields(...)`, or, to \
                 replace the record on purpose, call `.replace_whole_record()`"
            )));
            return;
        }
        let mask: Vec<String> = mask.into_iter().map(Cow::into_owned).collect();
        if csv {
            self.query_csv(name, &mask);
        } else {
            self.query_repeat(name, &mask);
        }
    }

    /// Refuses empty (or blank) path parameters, given encoded: `/contacts/` with no id is
    /// another endpoint.
    pub fn path_params(&mut self, params: &[(&'static str, &str)]) {
        let blank = |v: &str| percent_encoding::percent_decode_str(v).decode_utf8_lossy().trim().is_empty();
        if let Some((name, _)) = params.iter().find(|(_, v)| blank(v)) {
            self.error = Some(Error::invalid(format!(
                "{}: path parameter `{name}` is empty; it would send `{}` to another endpoint",
                self.operation, self.path
            )));
        }
    }

    /// Adds a header, unless the value is absent.
    pub fn header(&mut self, name: &'static str, value: &impl ToParam) {
        if let Some(v) = value.to_param() {
            self.headers.push((name, v.into_owned()));
        }
    }

    /// Adds a header with comma-joined values.
    pub fn header_csv(&mut self, name: &'static str, values: &impl ToParams) {
        let values = values.to_params();
        if !values.is_empty() {
            self.headers.push((name, values.join(",")));
        }
    }

    /// Sets a JSON body.
    pub fn json(&mut self, body: &impl Serialize) {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Body::Json(bytes),
            Err(e) => self.error = Some(Error::invalid(format!("cannot encode the request body: {e}"))),
        }
    }

    /// Asks for another media type than JSON (`text/html` pages, files).
    pub fn accept(&mut self, media: &'static str) {
        self.accept = Some(media);
    }

    /// Sends the body under another content type than its encoding's default.
    pub fn content_type(&mut self, content_type: &'static str) {
        self.content_type = Some(content_type);
    }

    /// Adds `name=<JSON>` once per value (lists of objects, which have no text form).
    pub fn query_json_each<T: Serialize>(&mut self, name: &'static str, values: Option<&[T]>) {
        for v in values.unwrap_or_default() {
            self.query_json(name, &Some(v));
        }
    }

    /// Sets a raw body with its content type.
    pub fn bytes(&mut self, content_type: &str, body: Vec<u8>) {
        self.body = Body::Bytes(content_type.to_owned(), body);
    }

    /// Adds a text part to a `multipart/form-data` body, unless the value is absent.
    pub fn part(&mut self, name: &'static str, value: &impl ToParam) {
        if let Some(v) = value.to_param() {
            self.parts().push((name, Part::Text(v.into_owned())));
        }
    }

    /// Adds one text part per value.
    pub fn part_repeat(&mut self, name: &'static str, values: &impl ToParams) {
        for v in values.to_params() {
            self.parts().push((name, Part::Text(v.into_owned())));
        }
    }

    /// Adds a file part, unless absent.
    pub fn part_file(&mut self, name: &'static str, file: Option<FilePart>) {
        if let Some(f) = file {
            self.parts().push((name, Part::File(f)));
        }
    }

    /// Adds one file part per file.
    pub fn part_files(&mut self, name: &'static str, files: Option<Vec<FilePart>>) {
        for f in files.unwrap_or_default() {
            self.parts().push((name, Part::File(f)));
        }
    }

    /// Adds a part holding a value as JSON text, unless absent.
    pub fn part_json(&mut self, name: &'static str, value: &Option<impl Serialize>) {
        if let Some(v) = value {
            match serde_json::to_string(v) {
                Ok(text) => self.parts().push((name, Part::Text(text))),
                Err(e) => self.error = Some(Error::invalid(format!("cannot encode part `{name}`: {e}"))),
            }
        }
    }

    /// Adds `name=<value as JSON>` to the query string, unless absent (for parameters
    /// whose schema has no plain text form).
    pub fn query_json(&mut self, name: &'static str, value: &Option<impl Serialize>) {
        if let Some(v) = value {
            match serde_json::to_string(v) {
                Ok(text) => self.query.push((Cow::Borrowed(name), text)),
                Err(e) => self.error = Some(Error::invalid(format!("cannot encode query parameter `{name}`: {e}"))),
            }
        }
    }

    fn parts(&mut self) -> &mut Vec<(&'static str, Part)> {
        if !matches!(self.body, Body::Multipart(_)) {
            self.body = Body::Multipart(Vec::new());
        }
        match &mut self.body {
            Body::Multipart(parts) => parts,
            _ => unreachable!("set just above"),
        }
    }

    /// Adds a field to an `application/x-www-form-urlencoded` body, unless absent.
    pub fn form(&mut self, name: &'static str, value: &impl ToParam) {
        if let Some(v) = value.to_param() {
            if !matches!(self.body, Body::Form(_)) {
                self.body = Body::Form(Vec::new());
            }
            if let Body::Form(fields) = &mut self.body {
                fields.push((Cow::Borrowed(name), v.into_owned()));
            }
        }
    }

    /// Adds one form field per value.
    pub fn form_repeat(&mut self, name: &'static str, values: &impl ToParams) {
        for v in values.to_params() {
            self.form(name, &v.as_ref());
        }
    }

    /// The query string, encoded (`a=1&b=x%20y`), without the `?`.
    pub fn query_string(&self) -> String {
        let mut out = String::new();
        self.write_query(&mut out);
        out.split_off(usize::from(!out.is_empty()))
    }

    /// Appends `?` and the encoded query to `out`, if there is a query.
    pub(crate) fn write_query(&self, out: &mut String) {
        for (i, (k, v)) in self.query.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(&encode_query(k));
            out.push('=');
            out.push_str(&encode_query(v));
        }
    }
}

/// Whether filter text carries grammar percent-encoded (`%3D%3D`, `%3C`, `%3E`, `%3B`, and
/// the `%2A` Keap's docs write for a prefix `*`).
fn pre_encoded(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    ["%3D", "%3C", "%3E", "%3B", "%2A"].iter().any(|e| upper.contains(e))
}

/// Encodes a query key or value. `,` stays literal so comma-joined lists arrive as the
/// spec's `form` style describes; `&`, `=`, `;`, `+` and `#` are always escaped.
pub(crate) fn encode_query(s: &str) -> Cow<'_, str> {
    const QUERY: &AsciiSet = &SEGMENT
        .remove(b',')
        .remove(b':')
        .remove(b'@')
        .remove(b'/')
        .remove(b'$')
        .remove(b'!')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')')
        .remove(b'*');
    utf8_percent_encode(s, QUERY).into()
}

/// Encodes parts as `multipart/form-data`: the content type, and the body as segments (one
/// piece of bytes when every file is in memory; files on disk and streams between).
pub(crate) fn multipart_segments(parts: &[(&'static str, Part)]) -> (String, Vec<Segment>) {
    use std::hash::{BuildHasher, Hasher};
    // A random boundary, redrawn until no part in memory contains it (128 random bits: a
    // file on disk or a stream cannot be searched beforehand, and will not hold it).
    let boundary = loop {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(parts.len());
        let b = format!(
            "keap-{:016x}{:016x}",
            h.finish(),
            std::collections::hash_map::RandomState::new().build_hasher().finish()
        );
        let clash = parts.iter().any(|(_, p)| match p {
            Part::Text(t) => t.contains(&b),
            Part::File(f) => f.bytes.windows(b.len()).any(|w| w == b.as_bytes()),
        });
        if !clash {
            break b;
        }
    };
    let mut segments = Vec::new();
    let mut body = Vec::new();
    for (name, part) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part {
            Part::Text(t) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{}\"\r\n\r\n", quote(name)).as_bytes(),
                );
                body.extend_from_slice(t.as_bytes());
            }
            Part::File(f) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                        quote(name),
                        quote(&f.file_name),
                        f.content_type.replace(['\r', '\n'], "")
                    )
                    .as_bytes(),
                );
                match &f.source {
                    None => body.extend_from_slice(&f.bytes),
                    Some(source) => {
                        segments.push(Segment::Bytes(std::mem::take(&mut body).into()));
                        segments.push(Segment::File(source.clone()));
                    }
                }
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    segments.push(Segment::Bytes(body.into()));
    (format!("multipart/form-data; boundary={boundary}"), segments)
}

/// Escapes a header parameter value (RFC 7578: `"` and line breaks percent-encoded).
fn quote(s: &str) -> String {
    s.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

#[cfg(test)]
#[path = "tests/request.rs"]
mod tests;
