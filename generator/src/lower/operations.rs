//! Operations: grouping by tag, names, parameters (where and how each travels), request
//! bodies, success responses, security and the parsed path template.

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn operations(&mut self) -> Result<BTreeMap<String, Tag>> {
        let doc = self.doc;
        let mut by_tag: BTreeMap<String, Vec<SpecOp>> = BTreeMap::new();
        let sorted: BTreeMap<&String, &ReferenceOr<openapiv3::PathItem>> = doc.paths.paths.iter().collect();
        let mut ids: BTreeMap<&str, String> = BTreeMap::new();
        let mut undeclared_tags = BTreeSet::new();
        for (path, item) in sorted {
            let pointer = format!("/paths/{}", escape(path));
            let item = match item {
                ReferenceOr::Item(i) => i,
                ReferenceOr::Reference { .. } => {
                    return Err(
                        Error::at(pointer, "path items by `$ref` are not supported").hint("inline the path item")
                    )
                }
            };
            for (method, op) in item.iter() {
                if let Some(id) = op.operation_id.as_deref() {
                    let at = format!("{pointer}/{method}/operationId");
                    // Keap's 2.0.18 spec has duplicates: keep going, the namer numbers them.
                    if let Some(first) = ids.get(id) {
                        let message =
                            format!("operationId `{id}` is also used at {first}; this one gets a numbered name");
                        self.warn(at, message);
                    } else {
                        ids.insert(id, at);
                    }
                }
                let tag = op.tags.first().cloned().unwrap_or_else(|| "default".into());
                // Declaring tags is optional, but a spec that declares some and uses another
                // may have renamed one (Keap 1.0.20 uses six it does not declare): say so
                // once, at the first use.
                if !doc.tags.is_empty()
                    && !doc.tags.iter().any(|t| t.name == tag)
                    && undeclared_tags.insert(tag.clone())
                {
                    let at = format!("{pointer}/{method}/tags/0");
                    self.warn(at, format!("tag `{tag}` is not among the spec's declared `tags`; its operations get a module all the same, without a description"));
                }
                if let Some(id) = &op.operation_id {
                    self.id_paths.entry(id.clone()).or_insert_with(|| path.clone());
                }
                let params = item.parameters.iter().chain(op.parameters.iter()).collect();
                by_tag.entry(tag).or_default().push((path.clone(), method, op, params));
            }
        }
        // A module is an accessor of `Client` and a cargo feature.
        let reserved: Vec<&str> = RESERVED_ACCESSORS
            .iter()
            .chain(NOT_GROUP_NAMES)
            .copied()
            .chain(self.place.reserved.iter().map(String::as_str))
            .collect();
        let mut modules = Namespace::with_reserved(&reserved);
        let mut tags = BTreeMap::new();
        let mut builder_names = BTreeMap::<String, Namespace>::new();
        for (tag, ops) in by_tag {
            let module = modules.claim(sanitize(&tag, Case::Snake));
            // From the module name, so two tags that sanitize alike get distinct handles too.
            let handle = format!("{}Api", sanitize(&module, Case::Pascal));
            let builders = builder_names.entry(module.clone()).or_insert_with(|| {
                let mut reserved = RESERVED_TYPES.to_vec();
                reserved.push(&handle);
                Namespace::with_reserved(&reserved)
            });
            let mut methods = Namespace::with_reserved(SHADOWED_METHODS);
            // Pinned method names are claimed before any derived one.
            let mut forced = BTreeMap::new();
            for (path, method, _, _) in &ops {
                let key = format!("{} {}{path}", method.to_ascii_uppercase(), self.place.path_prefix);
                if let Some(name) = self.pinned.operations.get(&key) {
                    let method_name = methods.claim(sanitize(name, Case::Snake));
                    let builder = builders.claim(sanitize(name, Case::Pascal));
                    forced.insert(key, (method_name, builder));
                }
            }
            let mut operations = Vec::new();
            for (path, method, op, params) in ops {
                let key = format!("{} {}{path}", method.to_ascii_uppercase(), self.place.path_prefix);
                operations.push(self.operation(
                    &path,
                    method,
                    op,
                    &params,
                    forced.remove(&key),
                    builders,
                    &mut methods,
                )?);
            }
            let doc_text = doc.tags.iter().find(|t| t.name == tag).and_then(|t| t.description.clone());
            let guide_rank = keap::guide_rank(&module);
            tags.insert(module.clone(), Tag { api_name: tag, module, handle, doc: doc_text, operations, guide_rank });
        }
        Ok(tags)
    }

    #[allow(clippy::too_many_arguments, reason = "one call site; the namespaces are the caller's")]
    pub(super) fn operation(
        &mut self,
        path: &str,
        method: &str,
        op: &openapiv3::Operation,
        params: &[&ReferenceOr<Parameter>],
        forced: Option<(String, String)>,
        builders: &mut Namespace,
        methods: &mut Namespace,
    ) -> Result<Operation> {
        let pointer = format!("/paths/{}/{method}", escape(path));
        // Where the crate sends it, below its one base URL.
        let sent_to = format!("{}{path}", self.place.path_prefix);
        let api_name = op.operation_id.clone().unwrap_or_else(|| format!("{method} {sent_to}"));
        let (method_name, builder) = match forced {
            Some(pinned) => pinned,
            None => {
                let base = keap::operation_name(&api_name, path, &self.id_paths);
                (methods.claim(sanitize(&base, Case::Snake)), builders.claim(sanitize(&base, Case::Pascal)))
            }
        };
        let hint = Hint::inline(builder.clone());
        let undeclared_security = self.check_security(op, &pointer);

        // Operation parameters override path-level ones with the same name and location.
        // Each with where the operation names it and where it is defined.
        let mut resolved: Vec<(Parameter, (String, String))> = Vec::new();
        for (i, p) in params.iter().enumerate() {
            let at = if i < params.len() - op.parameters.len() {
                format!("/paths/{}/parameters/{i}", escape(path))
            } else {
                format!("{pointer}/parameters/{}", i - (params.len() - op.parameters.len()))
            };
            let (p, defined) = self.parameter(p, &at)?;
            let key = (p.parameter_data_ref().name.clone(), std::mem::discriminant(&p));
            resolved.retain(|(q, _)| (q.parameter_data_ref().name.clone(), std::mem::discriminant(q)) != key);
            resolved.push((p, (at, defined)));
        }

        // The builder's own fields and methods: a parameter cannot take their names.
        let mut names = Namespace::with_reserved(&[
            "send",
            "send_with_response",
            "send_stream",
            "body",
            "client",
            "options",
            "pages",
            "items",
        ]);
        let mut out = Vec::new();
        let mut stray_path_params = Vec::new();
        // Path parameters first, in template order, so constructor arguments read like the URL.
        for segment in template_params(path) {
            let found = resolved
                .iter()
                .position(|(p, _)| matches!(p, Parameter::Path { .. }) && p.parameter_data_ref().name == segment);
            match found {
                Some(i) => {
                    let (p, at) = resolved.remove(i);
                    out.push(self.param(&p, &at.0, &at.1, &hint, &mut names)?);
                }
                None => {
                    self.warn(&pointer, format!("path parameter `{segment}` is not declared; taking it as a string"));
                    out.push(Param {
                        name: names.claim(sanitize(&segment, Case::Snake)),
                        api_name: segment,
                        location: ParamIn::Path,
                        style: Style::Single,
                        ty: TypeRef::Prim(Prim::String),
                        required: true,
                        scalar: true,
                        bounds: (None, None),
                        exact: false,
                        doc: None,
                        deprecated: false,
                        schema: None,
                        constraints: Constraints::default(),
                    });
                }
            }
        }
        for (p, (at, defined)) in resolved {
            match p {
                Parameter::Cookie { .. } => {
                    self.warn(at, "cookie parameters are not supported; leaving it out");
                }
                Parameter::Path { .. } => {
                    let name = p.parameter_data_ref().name.clone();
                    self.warn(at, format!("path parameter `{name}` is not in the path; leaving it out"));
                    stray_path_params.push(name);
                }
                _ => out.push(self.param(&p, &at, &defined, &hint, &mut names)?),
            }
        }

        let (body, body_schema) = match &op.request_body {
            Some(rb) => self.body(rb, &format!("{pointer}/requestBody"), &hint, &mut names, &mut out)?,
            None => (None, None),
        };
        keap::param_ids(&mut out, path);
        let (response, error_statuses) = self.response(op, &pointer, &hint)?;
        let pagination = self.pagination(&out, &response);
        self.field_names(&mut out, &response, pagination.as_ref(), &pointer);
        let update_mask = self.update_mask(&mut out, body.as_ref(), &mut names);
        let upsert = self.upsert(&out, body.as_ref());
        let per_record = self.per_record(method, &response);
        Ok(Operation {
            api_name,
            method_name,
            builder,
            http_method: method.to_ascii_uppercase(),
            path_segments: path_segments(&sent_to, &out),
            path: sent_to,
            summary: op.summary.clone(),
            description: op.description.clone(),
            deprecated: op.deprecated,
            params: out,
            body,
            response,
            error_statuses,
            pagination,
            update_mask,
            upsert,
            per_record,
            undeclared_security,
            stray_path_params,
            pointer,
            body_schema,
        })
    }

    /// The parameter under any `$ref`s, with the pointer where it is defined.
    pub(super) fn parameter(&self, p: &ReferenceOr<Parameter>, pointer: &str) -> Result<(Parameter, String)> {
        follow_to(self.doc.components.as_ref().map(|c| &c.parameters), p, "parameters", pointer)
            .map(|(p, at)| (p.clone(), at))
    }

    /// One parameter, named at `pointer` and defined at `defined` (they differ for a `$ref`).
    pub(super) fn param(
        &mut self,
        p: &Parameter,
        pointer: &str,
        defined: &str,
        hint: &Hint,
        names: &mut Namespace,
    ) -> Result<Param> {
        let data = p.parameter_data_ref();
        let (schema, schema_at) = match &data.format {
            ParameterSchemaOrContent::Schema(s) => (Some(s.clone()), Some(format!("{defined}/schema"))),
            ParameterSchemaOrContent::Content(c) => match c.iter().next() {
                Some((media, m)) => {
                    (m.schema.clone(), m.schema.as_ref().map(|_| format!("{defined}/content/{}/schema", escape(media))))
                }
                None => (None, None),
            },
        };
        let ty = match &schema {
            Some(s) => self.schema(s, &hint.child(&data.name), &format!("{pointer}/schema"))?,
            None => TypeRef::Prim(Prim::String),
        };
        let explode = data.explode;
        let json_content = matches!(&data.format,
            ParameterSchemaOrContent::Content(c) if c.keys().any(|m| body_kind(m) == BodyKind::Json));
        let location = match p {
            Parameter::Query { .. } => ParamIn::Query,
            Parameter::Path { style, .. } => {
                if !matches!(style, PathStyle::Simple) {
                    self.warn(pointer, "matrix and label path styles are not supported; sending simple style");
                }
                ParamIn::Path
            }
            Parameter::Header { .. } => ParamIn::Header,
            Parameter::Cookie { .. } => unreachable!("cookie parameters are filtered out before"),
        };
        // Classify by what the type is underneath its aliases.
        let shape = self.resolve(&ty);
        let written = ty.clone();
        let (style, ty) = match (&shape, p) {
            _ if json_content => (Style::Json, ty),
            (TypeRef::Vec(inner), Parameter::Query { style: QueryStyle::Form, .. }) if explode != Some(false) => {
                (Style::Repeat, (**inner).clone())
            }
            (TypeRef::Vec(inner), Parameter::Query { style, .. }) => {
                if !matches!(style, QueryStyle::Form) {
                    self.warn(pointer, "space- and pipe-delimited arrays are sent comma-separated");
                }
                (Style::Csv, (**inner).clone())
            }
            (TypeRef::Vec(inner), _) => (Style::Csv, (**inner).clone()),
            (_, Parameter::Query { style, .. }) if self.is_object(&shape) => {
                if matches!(style, QueryStyle::DeepObject) {
                    (Style::Deep, ty)
                } else {
                    if explode == Some(false) {
                        self.warn(pointer, "non-exploded object parameters are sent exploded");
                    }
                    (Style::Flatten, ty)
                }
            }
            _ => (Style::Single, ty),
        };
        // Keap's filter grammar gets its builder, checked before sending.
        let style = match (&shape, location) {
            (TypeRef::Prim(Prim::String), ParamIn::Query)
                if style == Style::Single && data.name == keap::KEAP.filter_param =>
            {
                Style::Filter
            }
            _ => style,
        };
        let scalar = self.is_scalar(&ty);
        let constraints = match (&schema, &schema_at) {
            (Some(s), Some(at)) if matches!(style, Style::Csv | Style::Repeat) => {
                self.under_refs(&written, self.constraints(s, at))
            }
            (Some(s), Some(at)) => self.constraints(s, at),
            _ => Constraints::default(),
        };
        let bounds = match &schema {
            Some(ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::Integer(it)), .. }))
                if style == Style::Single =>
            {
                (it.minimum, it.maximum)
            }
            _ => (None, None),
        };
        Ok(Param {
            bounds,
            exact: false,
            name: names.claim(sanitize(&data.name, Case::Snake)),
            api_name: data.name.clone(),
            location,
            style,
            ty,
            required: data.required || location == ParamIn::Path,
            scalar,
            doc: data.description.clone(),
            deprecated: data.deprecated.unwrap_or(false),
            schema: schema_at,
            constraints,
        })
    }

    /// Security schemes an operation requires (its own, else the spec's) that
    /// `components.securitySchemes` never declares: Keap has published such specs. The
    /// client sends the credentials it is configured with either way; a spec-validating
    /// mock refuses the calls.
    pub(super) fn check_security(&mut self, op: &openapiv3::Operation, pointer: &str) -> Vec<String> {
        let declared = self.doc.components.as_ref().map(|c| &c.security_schemes);
        let mut undeclared = Vec::new();
        let (requirements, at) = match &op.security {
            Some(s) => (s.clone(), format!("{pointer}/security")),
            None => (self.doc.security.clone().unwrap_or_default(), "/security".to_string()),
        };
        for (i, requirement) in requirements.iter().enumerate() {
            for name in requirement.keys() {
                if !declared.is_some_and(|d| d.contains_key(name)) {
                    self.warn(
                        format!("{at}/{i}/{}", escape(name)),
                        format!(
                            "security scheme `{name}` is not declared in `components.securitySchemes`; \
                             the client sends its configured credentials anyway"
                        ),
                    );
                    if !undeclared.contains(name) {
                        undeclared.push(name.clone());
                    }
                }
            }
        }
        undeclared
    }

    pub(super) fn body(
        &mut self,
        rb: &ReferenceOr<openapiv3::RequestBody>,
        pointer: &str,
        hint: &Hint,
        names: &mut Namespace,
        params: &mut Vec<Param>,
    ) -> Result<(Option<Body>, Option<String>)> {
        let (rb, defined) =
            follow_to(self.doc.components.as_ref().map(|c| &c.request_bodies), rb, "requestBodies", pointer)?;
        let rb = rb.clone();
        let Some((media, mt)) = pick_media(&rb.content) else {
            self.warn(pointer, "request body has no content; sending none");
            return Ok((None, None));
        };
        let at = format!("{pointer}/content/{}/schema", escape(media));
        let schema_at = mt.schema.as_ref().map(|_| format!("{defined}/content/{}/schema", escape(media)));
        let kind = body_kind(media);
        if matches!(kind, BodyKind::Multipart | BodyKind::Form) {
            // Each property becomes a builder argument or setter; binary ones take a file.
            let location = if kind == BodyKind::Multipart { ParamIn::Part } else { ParamIn::Form };
            // Its fields' constraints say where the spec defines them.
            self.rebase = schema_at.clone().map(|defined| (at.clone(), defined));
            let ty = match &mt.schema {
                Some(s) => self.schema(s, &hint.child("Body"), &at),
                None => Ok(TypeRef::Json),
            };
            self.rebase = None;
            let ty = ty?;
            let Some(TypeDef { kind: TypeKind::Struct { fields, .. }, .. }) = (match &ty {
                TypeRef::Named(n) => self.types.get(n).cloned(),
                _ => None,
            }) else {
                return Err(Error::at(at, format!("a `{media}` body must be an object with properties"))
                    .hint("describe the form fields as properties of an object schema"));
            };
            // The struct stood in for the fields; generated code does not need it.
            if let TypeRef::Named(n) = &ty {
                if !self.components.values().any(|c| c == n) {
                    self.types.remove(n);
                }
            }
            for f in fields {
                let scalar = self.is_scalar(&f.ty);
                let scalar_list = matches!(f.ty, TypeRef::Vec(_));
                let ty = match f.ty {
                    TypeRef::Vec(inner) => *inner,
                    t => keap::form_field_type(&f.api_name, t),
                };
                params.push(Param {
                    name: names.claim(f.name.clone()),
                    api_name: f.api_name,
                    location,
                    style: if scalar_list { Style::Repeat } else { Style::Single },
                    ty,
                    required: f.required,
                    scalar,
                    bounds: (None, None),
                    exact: false,
                    doc: f.doc,
                    deprecated: f.deprecated,
                    schema: None,
                    constraints: f.constraints,
                });
            }
            return Ok((None, schema_at));
        }
        let ty = match &mt.schema {
            Some(s) => self.schema(s, &hint.child("Body"), &at)?,
            None => TypeRef::Json,
        };
        let constraints = match (&mt.schema, &schema_at) {
            (Some(s), Some(defined)) => self.constraints(s, defined),
            _ => Constraints::default(),
        };
        let media = media.split(';').next().unwrap_or(media).trim().to_string();
        let body = Body { kind, ty, required: rb.required, doc: rb.description.clone(), media, constraints };
        Ok((Some(body), schema_at))
    }

    pub(super) fn response(
        &mut self,
        op: &openapiv3::Operation,
        pointer: &str,
        hint: &Hint,
    ) -> Result<(Response, Vec<String>)> {
        let mut success = Vec::new();
        let mut errors = Vec::new();
        for (code, r) in &op.responses.responses {
            let (key, ok) = match code {
                StatusCode::Code(c) => (c.to_string(), (200..300).contains(c)),
                StatusCode::Range(r) => (format!("{r}XX"), *r == 2),
            };
            if ok {
                success.push((key, r));
            } else {
                errors.push(key);
            }
        }
        success.sort_by(|a, b| a.0.cmp(&b.0));
        if success.is_empty() {
            if let Some(d) = &op.responses.default {
                success.push(("default".into(), d));
            }
        }
        for (code, r) in success {
            let at = format!("{pointer}/responses/{code}");
            let r = follow(self.doc.components.as_ref().map(|c| &c.responses), r, "responses", &at)?.clone();
            let Some((media, mt)) = pick_media(&r.content) else { continue };
            let response = match body_kind(media) {
                // File data as a JSON string (`format: byte` or `binary`): bytes, whichever
                // way the server sends them.
                BodyKind::Json if mt.schema.as_ref().is_some_and(|s| self.is_file_data(s)) => {
                    Response::Bytes(bare_media(media))
                }
                BodyKind::Json => Response::Json(match &mt.schema {
                    Some(s) => {
                        self.schema(s, &hint.child("Response"), &format!("{at}/content/{}/schema", escape(media)))?
                    }
                    None => TypeRef::Json,
                }),
                _ if media.starts_with("text/") => Response::Text(bare_media(media)),
                _ => Response::Bytes(bare_media(media)),
            };
            errors.sort();
            return Ok((response, errors));
        }
        errors.sort();
        Ok((Response::Empty, errors))
    }
}

impl Lowerer<'_> {
    /// Whether a response schema is file data: a string of `format: byte` or `binary`
    /// (through `$ref`s, a few deep).
    fn is_file_data(&self, schema: &ReferenceOr<openapiv3::Schema>) -> bool {
        let mut at = schema;
        for _ in 0..8 {
            match at {
                ReferenceOr::Item(s) => {
                    return matches!(
                        &s.schema_kind,
                        openapiv3::SchemaKind::Type(openapiv3::Type::String(st))
                            if st.enumeration.is_empty() && matches!(
                                st.format,
                                openapiv3::VariantOrUnknownOrEmpty::Item(
                                    openapiv3::StringFormat::Byte | openapiv3::StringFormat::Binary
                                )
                            )
                    )
                }
                ReferenceOr::Reference { reference } => {
                    let name = reference.rsplit('/').next().unwrap_or_default();
                    match self.doc.components.as_ref().and_then(|c| c.schemas.get(name)) {
                        Some(next) => at = next,
                        None => return false,
                    }
                }
            }
        }
        false
    }
}

/// Follows `$ref`s into `components/<kind>` (also chains of them) to the item.
pub(super) fn follow<'d, T>(
    map: Option<&'d indexmap::IndexMap<String, ReferenceOr<T>>>,
    first: &'d ReferenceOr<T>,
    kind: &str,
    pointer: &str,
) -> Result<&'d T> {
    follow_to(map, first, kind, pointer).map(|(t, _)| t)
}

/// [`follow`], with the JSON pointer of the item reached (`pointer` itself when `first` is
/// no `$ref`).
pub(super) fn follow_to<'d, T>(
    map: Option<&'d indexmap::IndexMap<String, ReferenceOr<T>>>,
    first: &'d ReferenceOr<T>,
    kind: &str,
    pointer: &str,
) -> Result<(&'d T, String)> {
    let prefix = format!("#/components/{kind}/");
    let mut current = first;
    let mut at = pointer.to_string();
    for _ in 0..32 {
        match current {
            ReferenceOr::Item(t) => return Ok((t, at)),
            ReferenceOr::Reference { reference } => {
                at = reference.trim_start_matches('#').to_string();
                let found = reference.strip_prefix(&prefix).map(unescape).and_then(|n| map?.get(&n));
                current = found.ok_or_else(|| {
                    Error::at(pointer, format!("unresolvable $ref `{reference}`"))
                        .hint(format!("define it under components/{kind}"))
                })?;
            }
        }
    }
    Err(Error::at(pointer, "`$ref` chain does not end (a cycle?)")
        .hint(format!("make one of the components/{kind} entries an object")))
}

/// JSON first, then forms, then whatever comes first.
pub(super) fn pick_media(
    content: &indexmap::IndexMap<String, openapiv3::MediaType>,
) -> Option<(&str, &openapiv3::MediaType)> {
    let rank = |m: &str| match body_kind(m) {
        BodyKind::Json => 0,
        BodyKind::Multipart => 1,
        BodyKind::Form => 2,
        BodyKind::Bytes(_) => 3,
    };
    content.iter().min_by_key(|(m, _)| rank(m)).map(|(m, t)| (m.as_str(), t))
}

pub(super) fn body_kind(media: &str) -> BodyKind {
    let m = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if m == "application/json" || m.ends_with("+json") || m == "*/*" {
        BodyKind::Json
    } else if m == "multipart/form-data" {
        BodyKind::Multipart
    } else if m == "application/x-www-form-urlencoded" {
        BodyKind::Form
    } else {
        BodyKind::Bytes(m)
    }
}

/// A media type without its parameters (`text/html; charset=utf-8` → `text/html`).
pub(super) fn bare_media(media: &str) -> String {
    media.split(';').next().unwrap_or(media).trim().to_ascii_lowercase()
}

/// A path template as text and placeholders, each placeholder matched to the path
/// parameter with its wire name (one no parameter fills stays text).
pub(super) fn path_segments(path: &str, params: &[Param]) -> Vec<PathSegment> {
    let mut out = Vec::new();
    let mut rest = path;
    let mut text = String::new();
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| c + open) else { break };
        text.push_str(&rest[..open]);
        let wire = &rest[open + 1..close];
        match params.iter().find(|p| p.location == ParamIn::Path && p.api_name == wire) {
            Some(p) => {
                if !text.is_empty() {
                    out.push(PathSegment::Literal(std::mem::take(&mut text)));
                }
                out.push(PathSegment::Param(p.name.clone()));
            }
            None => text.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        out.push(PathSegment::Literal(text));
    }
    out
}

/// `{id}` names in a path template, in order.
pub fn template_params(path: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in path.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string())) {
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}
