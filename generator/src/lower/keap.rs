//! The Keap conventions the generator applies beyond the spec's letter: which lists page
//! (and how), the `update_mask` a partial update derives from what the caller set, dates
//! Keap declares without a `format`, and the names of v1's Springfox operationIds.

use super::*;

/// Keap's conventions as data: every name the generator treats specially, in one place.
/// Lowering reads it and records what it finds on the model (`Operation::update_mask`,
/// `Operation::upsert`, `Pagination`, `Style::Filter`, `Tag::guide_rank`, dates without a
/// format, v1's operationIds); emission reads only the model. A new convention is a field
/// here and the step below that applies it.
pub struct Conventions {
    /// The query parameter written in Keap's filter grammar (`FilterArg`).
    pub filter_param: &'static str,
    /// The query list naming the fields a partial update changes.
    pub update_mask: &'static str,
    /// The setters a derived mask adds: fields to clear, and no mask at all on purpose.
    pub mask_setters: [&'static str; 2],
    /// The create parameter (v2, in the query) or body field (v1) that makes a create an
    /// upsert.
    pub upsert: &'static str,
    /// v2 lists: the token parameter and the field with the next one.
    pub token_paging: [&'static str; 2],
    /// v1 lists: the offset and limit parameters, the absolute `next` link and the total
    /// `count` field.
    pub offset_paging: [&'static str; 4],
    /// Operation groups the guide's examples prefer, likeliest first call first: a group
    /// whose module starts with one of these ranks by its place here.
    pub guide_groups: &'static [&'static str],
    /// Strings in names Keap gives dates without a `format` (`*_time`, `*_date`, `time`,
    /// `date`): a date-time, then a date.
    pub undeclared_dates: [&'static str; 2],
    /// Money: a number field with one of these words in its snake_case name
    /// (`price_per_unit`, `total_due`, `amountEarned`) and none of the `not_money` words.
    pub money_words: &'static [&'static str],
    /// Words that make a field with a money word something else (`total_cycles`).
    pub not_money: &'static [&'static str],
    /// Money in the currency's smallest unit (cents): fields of schemas whose names start
    /// with one of these, or whose description says so (`smallest ... unit`).
    pub minor_unit_schemas: &'static [&'static str],
    /// Form and multipart text fields named with one of these prefixes are flags (`bool`):
    /// Keap declares `is_public` a string in one upload and a boolean in the next, and both
    /// travel as `true`/`false` text.
    pub form_flags: &'static [&'static str],
    /// The query list naming the response fields to return (`fields=custom_fields`): typed
    /// by the names of the response's (or list item's) fields.
    pub fields_param: &'static str,
    /// Records whose ids are typed (`Id<Contact>`), by snake_case name: a field or parameter
    /// named `{record}_id` (`contact_id`, `linked_contact_id`, `tagIds` as a list), a path
    /// parameter `id` after the record's plural (`/contacts/{id}`), or the `id` of a schema
    /// named for the record (`Contact`, `RestV2Contact`, `GetNoteResponse`). Only records
    /// whose names say what they are: `plan_id` or `category_id` stay text.
    pub id_records: &'static [&'static str],
    /// Other names of a record's id: Keap's `owner_id` is a user's.
    pub id_aliases: &'static [(&'static str, &'static str)],
    /// Words that make an id another system's (`global_user_id`, `external_contact_id`).
    pub not_ids: &'static [&'static str],
    /// Words a schema's name may carry before and after its record's name
    /// (`RestV2Product_Detail`, `UpdateTagResponse`) and still be that record.
    pub id_schema_affixes: [&'static [&'static str]; 2],
    /// Batch writes that answer per record (applying a tag to contacts, adding contacts to
    /// a sequence): a write whose answer is a map of record id to status text, or holds one
    /// in a field whose name contains this word (`results`, `add_to_sequence_results`).
    pub per_record_results: &'static str,
}

/// Keap's.
pub const KEAP: Conventions = Conventions {
    filter_param: "filter",
    update_mask: "update_mask",
    mask_setters: ["clear_fields", "replace_whole_record"],
    upsert: "duplicate_option",
    token_paging: ["page_token", "next_page_token"],
    offset_paging: ["offset", "limit", "next", "count"],
    // REST Hooks first: what only v1 has, in the v1 section.
    guide_groups: &["contact", "tags", "rest_hook"],
    undeclared_dates: ["time", "date"],
    money_words: &["amount", "price", "balance", "total", "cost", "due", "paid", "clawbacks"],
    not_money: &["percent", "percentage", "cycles", "count", "quantity", "days", "attempts", "id", "ids", "mins"],
    minor_unit_schemas: &["CurrencyValue"],
    form_flags: &["is_"],
    fields_param: "fields",
    id_records: &[
        "affiliate",
        "appointment",
        "campaign",
        "company",
        "contact",
        "file",
        "lead_source",
        "note",
        "opportunity",
        "order",
        "product",
        "subscription",
        "subscription_plan",
        "tag",
        "task",
        "user",
    ],
    id_aliases: &[("owner", "user")],
    not_ids: &["global", "external", "original", "provider"],
    id_schema_affixes: [
        &["rest", "v1", "v2", "basic", "simple", "full", "partial", "get", "update", "create", "tagged"],
        &["v1", "v2", "response", "request", "detail", "list", "reference"],
    ],
    per_record_results: "result",
};

/// Where a group stands in the guide's choice of examples (lower first).
pub(super) fn guide_rank(module: &str) -> usize {
    KEAP.guide_groups.iter().position(|g| module.starts_with(g)).unwrap_or(KEAP.guide_groups.len())
}

impl<'a> Lowerer<'a> {
    /// Types the `fields` list by the names it may hold. Free text becomes an enum of the
    /// response's (or list item's) field names, `{Item}Field`, shared by every operation
    /// returning that item; an enum the spec gives is kept. Either way the setter takes the
    /// enum itself, so a typo does not compile, and `Unknown` (or `From<&str>`, written out)
    /// sends a name the spec does not list.
    pub(super) fn field_names(
        &mut self,
        params: &mut [Param],
        response: &Response,
        pagination: Option<&Pagination>,
        pointer: &str,
    ) {
        let Some(i) = params.iter().position(|p| {
            p.api_name == KEAP.fields_param
                && p.location == ParamIn::Query
                && matches!(p.style, Style::Csv | Style::Repeat)
        }) else {
            return;
        };
        let is_enum = |l: &Self, t: &TypeRef| matches!(l.resolve(t), TypeRef::Named(n) if matches!(l.types.get(&n).map(|t| &t.kind), Some(TypeKind::Enum { .. })));
        if is_enum(self, &params[i].ty) {
            params[i].exact = true;
            return;
        }
        if params[i].ty != TypeRef::Prim(Prim::String) {
            return;
        }
        let item = match (pagination, response) {
            (Some(pg), _) => pg.item.clone(),
            (None, Response::Json(t)) => t.clone(),
            _ => return,
        };
        let TypeRef::Named(item_name) = self.resolve(&item) else { return };
        let Some(TypeKind::Struct { fields, .. }) = self.types.get(&item_name).map(|t| &t.kind) else { return };
        if fields.is_empty() {
            return;
        }
        let names: Vec<String> = fields.iter().map(|f| f.api_name.clone()).collect();
        let origin = format!("{pointer}/parameters/{}", KEAP.fields_param);
        let wanted = format!("{item_name}Field");
        // One enum per item type: the first operation that needs it defines it.
        let existing = self.types.get(&wanted).filter(|t| {
            matches!(&t.kind, TypeKind::Enum { variants, integer: false } if variants.iter().map(|v| &v.api_name).eq(names.iter()))
        });
        params[i].ty = match existing {
            Some(t) => TypeRef::Named(t.name.clone()),
            None => {
                let doc = format!("The fields of [`{item_name}`] by name, for `{}`.", KEAP.fields_param);
                self.enumeration(names, &Hint::inline(wanted), &origin, Some(doc))
            }
        };
        params[i].exact = true;
    }

    /// Whether a create is an upsert, and where its switch goes: a parameter (v2) or a
    /// field of the JSON body (v1).
    pub(super) fn upsert(&self, params: &[Param], body: Option<&Body>) -> Option<Upsert> {
        if let Some(p) = params.iter().find(|p| p.api_name == KEAP.upsert) {
            return Some(Upsert::Param(p.name.clone()));
        }
        let b = body.filter(|b| b.kind == BodyKind::Json)?;
        let TypeRef::Named(n) = self.resolve(&b.ty) else { return None };
        match self.types.get(&n).map(|t| &t.kind) {
            Some(TypeKind::Struct { fields, .. }) => {
                fields.iter().find(|f| f.api_name == KEAP.upsert).map(|f| Upsert::BodyField(f.name.clone()))
            }
            _ => None,
        }
    }
}

impl<'a> Lowerer<'a> {
    /// A PATCH-style update whose mask can be derived from what the caller set: an
    /// `update_mask` list in the query beside a JSON body or form fields. Claims the setter
    /// names and makes the mask optional.
    pub(super) fn update_mask(
        &self,
        out: &mut [Param],
        body: Option<&Body>,
        names: &mut Namespace,
    ) -> Option<UpdateMask> {
        let has_fields = body.is_some_and(|b| b.kind == BodyKind::Json)
            || out.iter().any(|p| matches!(p.location, ParamIn::Part | ParamIn::Form));
        // Derived even where the spec requires the mask: a derived mask is always sent (an
        // update that sets nothing is refused), so the requirement holds, and the caller
        // cannot get the mask wrong.
        if let Some(p) = out.iter_mut().find(|p| {
            p.api_name == KEAP.update_mask
                && p.location == ParamIn::Query
                && matches!(p.style, Style::Csv | Style::Repeat)
                && has_fields
        }) {
            p.required = false;
        }
        let [clear, replace] = KEAP.mask_setters;
        let clear_setter = names.claim(clear.to_string());
        let replace_setter = names.claim(replace.to_string());
        out.iter()
            .find(|p| {
                p.api_name == KEAP.update_mask
                    && p.location == ParamIn::Query
                    && matches!(p.style, Style::Csv | Style::Repeat)
            })
            .filter(|_| has_fields)
            .map(|p| {
                // A mask whose values are an enum names only those; other body fields are
                // left out of a derived mask (Keap's users take `title`, masked as `job_title`).
                let allowed = match self.resolve(&p.ty) {
                    TypeRef::Named(n) => match self.types.get(&n).map(|t| &t.kind) {
                        Some(TypeKind::Enum { variants, .. }) => {
                            Some(variants.iter().map(|v| v.api_name.clone()).collect::<Vec<_>>())
                        }
                        _ => None,
                    },
                    _ => None,
                };
                let fields: Vec<String> = match body {
                    Some(b) => match self.resolve(&b.ty) {
                        TypeRef::Named(n) => match self.types.get(&n).map(|t| &t.kind) {
                            Some(TypeKind::Struct { fields, .. }) => {
                                fields.iter().map(|f| f.api_name.clone()).collect()
                            }
                            _ => Vec::new(),
                        },
                        _ => Vec::new(),
                    },
                    None => out
                        .iter()
                        .filter(|p| matches!(p.location, ParamIn::Part | ParamIn::Form))
                        .map(|p| p.api_name.clone())
                        .collect(),
                };
                let unmaskable = match allowed {
                    Some(allowed) => fields.into_iter().filter(|f| !allowed.contains(f)).collect(),
                    None => Vec::new(),
                };
                UpdateMask { param: p.name.clone(), unmaskable, clear_setter, replace_setter }
            })
    }

    /// Whether a write answers per record (see [`Conventions::per_record_results`]): the
    /// transport then turns any failed record into an error.
    pub(super) fn per_record(&self, method: &str, response: &Response) -> bool {
        let Response::Json(ty) = response else { return false };
        if method.eq_ignore_ascii_case("get") {
            return false;
        }
        let statuses = |t: &TypeRef| match self.resolve(t) {
            TypeRef::Map(value) => match self.resolve(&value) {
                TypeRef::Prim(Prim::String) => true,
                TypeRef::Named(n) => {
                    matches!(self.types.get(&n).map(|t| &t.kind), Some(TypeKind::Enum { integer: false, .. }))
                }
                _ => false,
            },
            _ => false,
        };
        if statuses(ty) {
            return true;
        }
        let TypeRef::Named(answer) = self.resolve(ty) else { return false };
        let Some(TypeKind::Struct { fields, .. }) = self.types.get(&answer).map(|t| &t.kind) else { return false };
        fields.iter().any(|f| f.api_name.contains(KEAP.per_record_results) && statuses(&f.ty))
    }

    /// A list takes `page_token` and returns `next_page_token` beside exactly one array, or
    /// takes `offset` and `limit` and returns exactly one array (Keap's v1 style). Lists that
    /// return a token but take none do not page.
    pub(super) fn pagination(&self, params: &[Param], response: &Response) -> Option<Pagination> {
        let query = |name: &str, ok: &dyn Fn(&TypeRef) -> bool| {
            params.iter().find(|p| {
                p.location == ParamIn::Query
                    && p.api_name == name
                    && p.style == Style::Single
                    && ok(&self.resolve(&p.ty))
            })
        };
        let string = |t: &TypeRef| *t == TypeRef::Prim(Prim::String);
        let integer = |t: &TypeRef| matches!(t, TypeRef::Prim(Prim::I32 | Prim::I64));
        let Response::Json(ty) = response else { return None };
        let TypeRef::Named(page) = self.resolve(ty) else { return None };
        let Some(TypeKind::Struct { fields, .. }) = self.types.get(&page).map(|t| &t.kind) else { return None };
        let plain = |f: &Field| f.required && !f.nullable;
        let field = |name: &str| fields.iter().find(|f| f.api_name == name && string(&self.resolve(&f.ty)));
        let [token_param, next_token] = KEAP.token_paging;
        let [offset_param, limit_param, next_link, count_field] = KEAP.offset_paging;
        let cursor = if let (Some(token), Some(next)) = (query(token_param, &string), field(next_token)) {
            Cursor::Token { param: token.name.clone(), next_field: next.name.clone(), next_required: plain(next) }
        } else if let (Some(offset), Some(limit)) = (query(offset_param, &integer), query(limit_param, &integer)) {
            let next = field(next_link);
            let count = fields.iter().find(|f| f.api_name == count_field && integer(&self.resolve(&f.ty)));
            Cursor::Offset {
                offset: offset.name.clone(),
                limit: limit.name.clone(),
                next_field: next.map(|f| f.name.clone()),
                next_required: next.is_some_and(plain),
                count_field: count.map(|f| f.name.clone()),
                count_required: count.is_some_and(plain),
            }
        } else {
            return None;
        };
        let mut arrays = fields.iter().filter_map(|f| match self.resolve(&f.ty) {
            TypeRef::Vec(item) if !f.boxed => Some((f, *item)),
            _ => None,
        });
        let (items, item) = arrays.next()?;
        if arrays.next().is_some() {
            return None;
        }
        Some(Pagination { cursor, items_field: items.name.clone(), items_required: plain(items), item })
    }
}

/// Keap's money fields: a number or integer property named for money is an exact
/// [`Prim::Amount`] (the currency's main unit, as most request and v1 fields are), or
/// [`Prim::MinorUnits`] when its schema (`CurrencyValue`) or its description says it is in
/// the smallest unit. An integer field that does not say its unit is left alone: no unit is
/// guessed.
pub(super) fn money(name: &str, s: &Schema, parent: &str) -> Option<Prim> {
    let integer = match &s.schema_kind {
        // Listed integers are an enum, not an amount.
        SchemaKind::Type(Type::Integer(i)) if i.enumeration.is_empty() => true,
        SchemaKind::Type(Type::Number(_)) => false,
        _ => return None,
    };
    let snake = heck::ToSnakeCase::to_snake_case(name);
    let words: Vec<&str> = snake.split('_').collect();
    if !words.iter().any(|w| KEAP.money_words.contains(w)) || words.iter().any(|w| KEAP.not_money.contains(w)) {
        return None;
    }
    let doc = s.schema_data.description.as_deref().unwrap_or_default().to_ascii_lowercase();
    let says_minor = doc.contains("smallest") && doc.contains("unit");
    if says_minor || KEAP.minor_unit_schemas.iter().any(|m| parent.starts_with(m)) {
        Some(Prim::MinorUnits)
    } else if integer {
        None
    } else {
        Some(Prim::Amount)
    }
}

/// The record whose id `name` holds, if Keap's names say: `contact_id` and
/// `linked_contact_id` a contact's, `tag_ids` tags' (`plural`). See [`Conventions::id_records`].
fn id_record(name: &str) -> Option<(&'static str, bool)> {
    let snake = heck::ToSnakeCase::to_snake_case(name);
    let words: Vec<&str> = snake.split('_').collect();
    let (last, before) = words.split_last()?;
    let plural = match *last {
        "id" => false,
        "ids" => true,
        _ => return None,
    };
    if before.iter().any(|w| KEAP.not_ids.contains(w)) {
        return None;
    }
    // The longest record name the words end with: `subscription_plan_id` is a plan's.
    (0..before.len()).find_map(|start| record_named(&before[start..].join("_"))).map(|r| (r, plural))
}

/// The record named `snake` (or by one of its aliases).
fn record_named(snake: &str) -> Option<&'static str> {
    KEAP.id_records
        .iter()
        .copied()
        .find(|r| *r == snake)
        .or_else(|| KEAP.id_aliases.iter().find(|(alias, _)| *alias == snake).map(|(_, r)| *r))
}

/// The record a schema holds, when its name is the record's with only the affixes of
/// [`Conventions::id_schema_affixes`] around it: its `id` field is that record's.
fn schema_record(schema: &str) -> Option<&'static str> {
    let snake = heck::ToSnakeCase::to_snake_case(schema);
    let mut words: &[&str] = &snake.split('_').collect::<Vec<_>>();
    let [prefixes, suffixes] = KEAP.id_schema_affixes;
    while let [first, rest @ ..] = words {
        if !prefixes.contains(first) || rest.is_empty() {
            break;
        }
        words = rest;
    }
    while let [rest @ .., last] = words {
        if !suffixes.contains(last) || rest.is_empty() {
            break;
        }
        words = rest;
    }
    record_named(&words.join("_"))
}

/// The record of a path's collection: `contacts` and `companies` name a contact and a
/// company.
fn collection_record(segment: &str) -> Option<&'static str> {
    let snake = heck::ToSnakeCase::to_snake_case(segment);
    let one = match snake.strip_suffix("ies") {
        Some(stem) => format!("{stem}y"),
        None => snake.strip_suffix('s')?.to_string(),
    };
    record_named(&one)
}

/// `ty` as the id of `record` when it is one as written: text or an integer, or a list of
/// them for a plural name; anything else (an object, a list under a singular name) is left.
fn as_id(ty: &TypeRef, record: &'static str, plural: bool) -> Option<TypeRef> {
    let scalar = |t: &TypeRef| match t {
        TypeRef::Prim(Prim::String) => Some(TypeRef::Prim(Prim::Id { record, number: false })),
        TypeRef::Prim(Prim::I32 | Prim::I64) => Some(TypeRef::Prim(Prim::Id { record, number: true })),
        _ => None,
    };
    match (ty, plural) {
        (TypeRef::Vec(item), true) => scalar(item).map(|t| TypeRef::Vec(Box::new(t))),
        (t, false) => scalar(t),
        _ => None,
    }
}

/// The type of a schema's property: an id by its name, or by the schema's for `id`.
pub(super) fn field_id(name: &str, ty: &TypeRef, parent: &str) -> Option<TypeRef> {
    if name == "id" {
        return schema_record(parent).and_then(|r| as_id(ty, r, false));
    }
    let (record, plural) = id_record(name)?;
    as_id(ty, record, plural)
}

/// Types a parameter's ids: by its name, or for a path parameter `id`, by the collection
/// before it (`/contacts/{id}`). A list parameter holds its element type.
pub(super) fn param_ids(params: &mut [Param], path: &str) {
    for p in params.iter_mut() {
        let list = matches!(p.style, Style::Csv | Style::Repeat);
        let found = match id_record(&p.api_name) {
            Some(found) => Some(found),
            None if p.api_name == "id" && p.location == ParamIn::Path => {
                let template = format!("{{{}}}", p.api_name);
                let segments: Vec<&str> = path.split('/').collect();
                segments
                    .iter()
                    .position(|s| *s == template)
                    .filter(|&i| i > 0)
                    .and_then(|i| collection_record(segments[i - 1]))
                    .map(|r| (r, false))
            }
            None => None,
        };
        let Some((record, plural)) = found else { continue };
        if plural != list || !matches!(p.style, Style::Single | Style::Csv | Style::Repeat) {
            continue;
        }
        if let Some(TypeRef::Prim(id)) = as_id(&p.ty, record, false) {
            p.ty = TypeRef::Prim(id);
        }
    }
}

/// The type of a form or multipart field: a plain text field named as a flag is a `bool`.
pub(super) fn form_field_type(name: &str, ty: TypeRef) -> TypeRef {
    if ty == TypeRef::Prim(Prim::String) && KEAP.form_flags.iter().any(|p| name.starts_with(p)) {
        TypeRef::Prim(Prim::Bool)
    } else {
        ty
    }
}

/// Keap leaves `format` off most of its dates (`create_time`, `birth_date`): a plain string
/// named `*_time`, `*_date`, `time` or `date`, whose example (if any) starts with a date, is
/// typed [`Prim::DateTime`] or [`Prim::Date`]. Both keep the text as sent, so a wrong guess
/// costs nothing at decode time.
pub(super) fn undeclared_date(name: &str, s: &Schema) -> Option<Prim> {
    let SchemaKind::Type(Type::String(st)) = &s.schema_kind else { return None };
    if !matches!(st.format, VariantOrUnknownOrEmpty::Empty) || !st.enumeration.is_empty() || st.pattern.is_some() {
        return None;
    }
    let [time, date] = KEAP.undeclared_dates;
    let named = |word: &str| name == word || name.strip_suffix(word).is_some_and(|n| n.ends_with('_'));
    let prim = if named(time) {
        Prim::DateTime
    } else if named(date) {
        Prim::Date
    } else {
        return None;
    };
    let dated = |e: &str| {
        let b = e.as_bytes();
        b.len() >= 10 && b[4] == b'-' && b[7] == b'-' && b[..4].iter().all(u8::is_ascii_digit)
    };
    match &s.schema_data.example {
        Some(serde_json::Value::String(e)) if !dated(e) => None,
        Some(e) if !e.is_string() => None,
        _ => Some(prim),
    }
}

/// The HTTP methods Springfox (which writes Keap's v1 document) names in operationIds.
const SPRINGFOX_METHODS: [&str; 7] = ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// An operationId without Springfox's `Using{METHOD}` suffix and its twin number:
/// `removeTagsFromContactUsingDELETE_1` → (`removeTagsFromContact`, `UsingDELETE`, Some(1)).
fn springfox(id: &str) -> Option<(&str, &str, Option<u32>)> {
    let (head, twin) = match id.rsplit_once('_') {
        Some((h, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => (h, n.parse().ok()),
        _ => (id, None),
    };
    SPRINGFOX_METHODS.iter().find_map(|m| {
        let base = head.strip_suffix(m)?.strip_suffix("Using")?;
        (!base.is_empty()).then(|| (base, &head[base.len()..], twin))
    })
}

/// The text a method and builder name are derived from. Keap's v1 operationIds end in
/// Springfox's `Using{METHOD}` (`listContactsUsingGET`), which is dropped. Springfox marks
/// a second operation of the same name with `_1`: such a twin is named after what its path
/// adds to its sibling's, so `removeTagsFromContactUsingDELETE_1` on
/// `/contacts/{contactId}/tags/{tagId}` is `removeTagsFromContact_by_tagId` and
/// `listCountriesUsingGET_1` on `/locales/countries/{countryCode}/provinces` is
/// `list_provinces`. Other operationIds are kept as they are.
pub(super) fn operation_name(id: &str, path: &str, id_paths: &BTreeMap<String, String>) -> String {
    let Some((base, using, twin)) = springfox(id) else { return id.to_string() };
    let Some(_) = twin else { return base.to_string() };
    let Some(sibling) = id_paths.get(&format!("{base}{using}")) else { return base.to_string() };
    let ours: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let theirs: Vec<&str> = sibling.split('/').filter(|s| !s.is_empty()).collect();
    let common = ours.iter().zip(&theirs).take_while(|(a, b)| a == b).count();
    let added = &ours[common..];
    let literals: Vec<&str> = added.iter().copied().filter(|s| !s.starts_with('{')).collect();
    let params: Vec<&str> = added.iter().filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect();
    let verb = sanitize(base, Case::Snake);
    let verb = verb.split('_').next().unwrap_or_default();
    match (literals.as_slice(), params.as_slice()) {
        ([], []) => base.to_string(),
        ([], params) => format!("{base}_by_{}", params.join("_and_")),
        (literals, _) => format!("{verb}_{}", literals.join("_")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_typed_where_keaps_names_say_whose_they_are() {
        let text = TypeRef::Prim(Prim::String);
        let int = TypeRef::Prim(Prim::I64);
        let id = |record, number| Some(TypeRef::Prim(Prim::Id { record, number }));
        assert_eq!(field_id("contact_id", &text, "Note"), id("contact", false));
        assert_eq!(field_id("linked_contact_id", &int, "Note"), id("contact", true));
        assert_eq!(field_id("subscription_plan_id", &text, "X"), id("subscription_plan", false));
        assert_eq!(field_id("owner_id", &text, "X"), id("user", false), "an alias");
        assert_eq!(
            field_id("tag_ids", &TypeRef::Vec(Box::new(text.clone())), "X"),
            Some(TypeRef::Vec(Box::new(TypeRef::Prim(Prim::Id { record: "tag", number: false }))))
        );
        // Not ids of one record: another system's, a word Keap uses loosely, a list under a
        // singular name, an object.
        assert_eq!(field_id("global_user_id", &int, "X"), None);
        assert_eq!(field_id("plan_id", &text, "X"), None);
        assert_eq!(field_id("stage_id", &text, "X"), None);
        assert_eq!(field_id("tag_id", &TypeRef::Vec(Box::new(text.clone())), "X"), None);
        assert_eq!(field_id("contact_id", &TypeRef::Named("Contact".into()), "X"), None);
        // `id` by its schema's name, with Keap's affixes.
        assert_eq!(field_id("id", &text, "RestV2Product_Detail"), id("product", false));
        assert_eq!(field_id("id", &int, "Contact"), id("contact", true));
        assert_eq!(field_id("id", &text, "ContactAddress"), None);

        let param = |name: &str, ty: TypeRef, location| Param {
            api_name: name.into(),
            name: name.into(),
            location,
            style: Style::Single,
            ty,
            required: true,
            scalar: true,
            bounds: (None, None),
            exact: false,
            doc: None,
            deprecated: false,
            schema: None,
            constraints: Constraints::default(),
        };
        let mut ps = [
            param("id", text.clone(), ParamIn::Path),
            param("tagId", int.clone(), ParamIn::Path),
            param("order_ids", text.clone(), ParamIn::Query),
        ];
        param_ids(&mut ps, "/companies/{id}/tags/{tagId}");
        assert_eq!(Some(ps[0].ty.clone()), id("company", false), "`id` by the collection before it");
        assert_eq!(Some(ps[1].ty.clone()), id("tag", true));
        assert_eq!(ps[2].ty, text, "a plural name on one text is left alone");
    }

    #[test]
    fn springfox_operation_ids_lose_their_suffix_and_twins_are_named_by_their_path() {
        let ids: BTreeMap<String, String> = [
            ("removeTagsFromContactUsingDELETE", "/v1/contacts/{contactId}/tags"),
            ("listCountriesUsingGET", "/v1/locales/countries"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .into();
        let name = |id, path| sanitize(&operation_name(id, path, &ids), Case::Snake);
        assert_eq!(name("listContactsUsingGET", "/v1/contacts"), "list_contacts");
        assert_eq!(
            name("removeTagsFromContactUsingDELETE", "/v1/contacts/{contactId}/tags"),
            "remove_tags_from_contact"
        );
        assert_eq!(
            name("removeTagsFromContactUsingDELETE_1", "/v1/contacts/{contactId}/tags/{tagId}"),
            "remove_tags_from_contact_by_tag_id"
        );
        assert_eq!(name("listCountriesUsingGET_1", "/v1/locales/countries/{countryCode}/provinces"), "list_provinces");
        // Not Springfox's: kept.
        assert_eq!(name("list_stored_hook_subscriptions", "/v1/hooks"), "list_stored_hook_subscriptions");
        assert_eq!(name("Using", "/x"), "using");
        assert_eq!(name("getThing_2", "/x"), "get_thing_2");
        // A twin whose sibling is missing keeps its base; the namer numbers a collision.
        assert_eq!(name("fooUsingGET_1", "/foo/{id}"), "foo");
    }
}
