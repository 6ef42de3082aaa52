//! Schemas → types: components, inline schemas, scalars, enums and objects (with their
//! `additionalProperties`), each named once.

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn component(&mut self, name: &str, schema: &ReferenceOr<Schema>) -> Result<()> {
        let rust = self.components[name].clone();
        let pointer = format!("/components/schemas/{}", escape(name));
        let hint = Hint { name: rust.clone(), claimed: true };
        let ty = self.schema(schema, &hint, &pointer)?;
        if ty == TypeRef::Named(rust.clone()) && !self.types.contains_key(&rust) {
            return Err(Error::at(pointer, format!("schema `{name}` is only a reference to itself"))
                .hint("give it a type or properties"));
        }
        let constraints = self.constraints(schema, &pointer);
        if ty != TypeRef::Named(rust.clone()) {
            let doc = match schema {
                ReferenceOr::Item(s) => s.schema_data.description.clone(),
                ReferenceOr::Reference { .. } => None,
            };
            let kind = TypeKind::Alias(ty);
            let def = TypeDef { name: rust.clone(), origin: pointer, doc, kind, groups: BTreeSet::new(), constraints };
            self.types.insert(rust, def);
        } else if let Some(def) = self.types.get_mut(&rust) {
            def.constraints = constraints;
        }
        Ok(())
    }

    /// Resolves `#/components/schemas/X` to X's spec name.
    pub(super) fn ref_name<'r>(&self, reference: &'r str, pointer: &str) -> Result<&'r str> {
        match reference.strip_prefix(SCHEMA_PREFIX) {
            Some(name) if !name.contains('/') && self.components.contains_key(&unescape(name)) => Ok(name),
            Some(_) => Err(Error::at(pointer, format!("unresolvable $ref `{reference}`: no such schema"))
                .hint("define the schema under components/schemas or fix the reference")),
            None => Err(Error::at(pointer, format!("unsupported $ref `{reference}`"))
                .hint("keapgen resolves references to `#/components/schemas/<name>`; inline or bundle other targets")),
        }
    }

    pub(super) fn schema(&mut self, s: &ReferenceOr<Schema>, hint: &Hint, pointer: &str) -> Result<TypeRef> {
        match s {
            ReferenceOr::Reference { reference } => {
                let name = unescape(self.ref_name(reference, pointer)?);
                Ok(TypeRef::Named(self.components[&name].clone()))
            }
            ReferenceOr::Item(item) => self.item(item, hint, pointer),
        }
    }

    pub(super) fn boxed_schema(&mut self, s: &ReferenceOr<Box<Schema>>, hint: &Hint, pointer: &str) -> Result<TypeRef> {
        match s {
            ReferenceOr::Reference { reference } => {
                self.schema(&ReferenceOr::Reference { reference: reference.clone() }, hint, pointer)
            }
            ReferenceOr::Item(item) => self.item(item, hint, pointer),
        }
    }

    pub(super) fn item(&mut self, s: &Schema, hint: &Hint, pointer: &str) -> Result<TypeRef> {
        let doc = s.schema_data.description.clone();
        Ok(match &s.schema_kind {
            SchemaKind::Type(Type::String(st)) => {
                let values: Vec<String> = st.enumeration.iter().flatten().cloned().collect();
                if !values.is_empty() {
                    self.enumeration(values, hint, pointer, doc)
                } else {
                    match &st.format {
                        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::Prim(Prim::DateTime),
                        VariantOrUnknownOrEmpty::Item(StringFormat::Date) => TypeRef::Prim(Prim::Date),
                        VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => TypeRef::Prim(Prim::Binary),
                        _ => TypeRef::Prim(Prim::String),
                    }
                }
            }
            // Integers with listed values (Keap's `remind_time_mins`) are enums, so a value the
            // server refuses cannot be written by accident.
            SchemaKind::Type(Type::Integer(it)) if it.enumeration.iter().any(Option::is_some) => {
                let values = it.enumeration.iter().flatten().map(i64::to_string).collect();
                self.enum_of(values, true, hint, pointer, doc)
            }
            SchemaKind::Type(Type::Integer(it)) => match it.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::Prim(Prim::I32),
                _ => TypeRef::Prim(Prim::I64),
            },
            SchemaKind::Type(Type::Number(nt)) => match nt.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::Prim(Prim::F32),
                _ => TypeRef::Prim(Prim::F64),
            },
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Prim(Prim::Bool),
            SchemaKind::Type(Type::Array(at)) => TypeRef::Vec(Box::new(match &at.items {
                Some(items) => self.boxed_schema(items, &hint.child("Item"), &format!("{pointer}/items"))?,
                None => TypeRef::Json,
            })),
            SchemaKind::Type(Type::Object(o)) => {
                let props = o
                    .properties
                    .iter()
                    .map(|(k, v)| Prop {
                        name: k.clone(),
                        schema: v,
                        pointer: format!("{pointer}/properties/{}", escape(k)),
                        hops: Hops::default(),
                    })
                    .collect();
                self.object(props, &o.required, o.additional_properties.as_ref(), hint, pointer, doc)?
            }
            SchemaKind::AllOf { all_of } => self.all_of(all_of, None, hint, pointer, doc)?,
            SchemaKind::OneOf { one_of } => {
                self.union(one_of, "oneOf", s.schema_data.discriminator.as_ref(), hint, pointer, doc)?
            }
            SchemaKind::AnyOf { any_of } => {
                self.union(any_of, "anyOf", s.schema_data.discriminator.as_ref(), hint, pointer, doc)?
            }
            SchemaKind::Not { .. } => TypeRef::Json,
            SchemaKind::Any(a) => self.any(a, s, hint, pointer, doc)?,
        })
    }

    /// Schemas `openapiv3` could not file under one kind: mixed keywords.
    pub(super) fn any(
        &mut self,
        a: &openapiv3::AnySchema,
        s: &Schema,
        hint: &Hint,
        pointer: &str,
        doc: Option<String>,
    ) -> Result<TypeRef> {
        let props = |parts| {
            a.properties
                .iter()
                .map(|(k, v)| Prop {
                    name: k.clone(),
                    schema: v,
                    pointer: format!("{pointer}/properties/{}", escape(k)),
                    hops: Hops { parts, refs: 0 },
                })
                .collect::<Vec<_>>()
        };
        if !a.all_of.is_empty() {
            // Properties beside `allOf` are one more part of it.
            return self.all_of(&a.all_of, Some((props(1), &a.required)), hint, pointer, doc);
        }
        let (parts, key) = if a.one_of.is_empty() { (&a.any_of, "anyOf") } else { (&a.one_of, "oneOf") };
        if !parts.is_empty() {
            if !a.properties.is_empty() {
                self.warn(
                    format!("{pointer}/properties"),
                    format!("properties beside `{key}` are not merged into its variants"),
                );
            }
            return self.union(parts, key, s.schema_data.discriminator.as_ref(), hint, pointer, doc);
        }
        if let Some(t) =
            a.typ.as_deref().filter(|t| !["object", "array", "string", "integer", "number", "boolean"].contains(t))
        {
            if !a.properties.is_empty() {
                self.warn(format!("{pointer}/type"), format!("unknown type `{t}`; reading it as an object"));
            }
        }
        match a.typ.as_deref() {
            _ if !a.properties.is_empty() => {
                self.object(props(0), &a.required, a.additional_properties.as_ref(), hint, pointer, doc)
            }
            Some("object") => self.object(Vec::new(), &[], a.additional_properties.as_ref(), hint, pointer, doc),
            Some("array") => Ok(TypeRef::Vec(Box::new(match &a.items {
                Some(items) => self.boxed_schema(items, &hint.child("Item"), &format!("{pointer}/items"))?,
                None => TypeRef::Json,
            }))),
            Some("string") => {
                let values: Vec<String> = a.enumeration.iter().filter_map(|v| v.as_str().map(String::from)).collect();
                Ok(if values.is_empty() {
                    TypeRef::Prim(Prim::String)
                } else {
                    self.enumeration(values, hint, pointer, doc)
                })
            }
            Some("integer") => {
                let values: Vec<String> =
                    a.enumeration.iter().filter_map(|v| v.as_i64().map(|n| n.to_string())).collect();
                Ok(if values.is_empty() {
                    TypeRef::Prim(if a.format.as_deref() == Some("int32") { Prim::I32 } else { Prim::I64 })
                } else {
                    self.enum_of(values, true, hint, pointer, doc)
                })
            }
            Some("number") => Ok(TypeRef::Prim(Prim::F64)),
            Some("boolean") => Ok(TypeRef::Prim(Prim::Bool)),
            Some(other) => {
                self.warn(
                    format!("{pointer}/type"),
                    format!("unknown type `{other}`; generating an untyped JSON value"),
                );
                Ok(TypeRef::Json)
            }
            None => Ok(TypeRef::Json),
        }
    }

    pub(super) fn enumeration(
        &mut self,
        values: Vec<String>,
        hint: &Hint,
        pointer: &str,
        doc: Option<String>,
    ) -> TypeRef {
        self.enum_of(values, false, hint, pointer, doc)
    }

    /// An enum type; `integer` when its values are integers (`5`, `10`).
    pub(super) fn enum_of(
        &mut self,
        values: Vec<String>,
        integer: bool,
        hint: &Hint,
        pointer: &str,
        doc: Option<String>,
    ) -> TypeRef {
        let name = self.claim(hint);
        let mut ns = Namespace::with_reserved(&["Unknown"]);
        let mut seen = BTreeSet::new();
        let variants = values
            .into_iter()
            .filter(|v| seen.insert(v.clone()))
            .map(|v| {
                // A wire value `UNKNOWN` must not read like the fallback for unlisted values.
                let name = match sanitize(&v, Case::Pascal) {
                    n if n == "Unknown" => "UnknownValue".to_string(),
                    n => n,
                };
                Variant { name: ns.claim(name), api_name: v }
            })
            .collect();
        self.define(name, pointer, doc, TypeKind::Enum { variants, integer })
    }

    pub(super) fn object(
        &mut self,
        props: Vec<Prop<'_>>,
        required: &[String],
        additional: Option<&AdditionalProperties>,
        hint: &Hint,
        pointer: &str,
        doc: Option<String>,
    ) -> Result<TypeRef> {
        let extra = match additional {
            Some(AdditionalProperties::Schema(s)) => {
                Some(self.schema(s, &hint.child("Value"), &format!("{pointer}/additionalProperties"))?)
            }
            Some(AdditionalProperties::Any(true)) => Some(TypeRef::Json),
            Some(AdditionalProperties::Any(false)) => None,
            None if props.is_empty() || self.place.keep_unknown_fields => Some(TypeRef::Json),
            None => None,
        };
        if props.is_empty() {
            if let Some(extra) = extra {
                return Ok(TypeRef::Map(Box::new(extra)));
            }
        }
        let name = self.claim(hint);
        let parent = Hint::inline(name.clone());
        let mut ns = Namespace::default();
        let mut fields = Vec::with_capacity(props.len());
        for p in props {
            let mut ty = self.boxed_schema(p.schema, &parent.child(&p.name), &p.pointer)?;
            let mut constraints = self.boxed_constraints(p.schema, &p.pointer);
            constraints.hops.parts += p.hops.parts;
            constraints.hops.refs += p.hops.refs;
            let data = match p.schema {
                ReferenceOr::Item(s) => Some(&s.schema_data),
                ReferenceOr::Reference { .. } => None,
            };
            if let ReferenceOr::Item(s) = p.schema {
                ty = undeclared_date(&p.name, s).or_else(|| money(&p.name, s, &name)).map_or(ty, TypeRef::Prim);
            }
            if let Some(id) = field_id(&p.name, &ty, &name) {
                ty = id;
            }
            fields.push(Field {
                name: ns.claim(sanitize(&p.name, Case::Snake)),
                required: required.contains(&p.name),
                nullable: data.is_some_and(|d| d.nullable),
                boxed: false,
                doc: data.and_then(|d| d.description.clone()).or_else(|| data.and_then(|d| d.title.clone())),
                deprecated: data.is_some_and(|d| d.deprecated),
                api_name: p.name,
                ty,
                constraints,
            });
        }
        for r in required {
            if !fields.iter().any(|f| &f.api_name == r) {
                self.warn(format!("{pointer}/required"), format!("`{r}` is required but not a property; ignoring it"));
            }
        }
        Ok(self.define(name, pointer, doc, TypeKind::Struct { fields, additional: extra }))
    }
}

/// Whether a schema says nothing (`{}`, `{description: ...}`, `{nullable: true}`).
pub(super) fn is_empty(s: &ReferenceOr<Schema>) -> bool {
    matches!(s, ReferenceOr::Item(Schema { schema_kind: SchemaKind::Any(a), .. }) if *a == openapiv3::AnySchema::default())
}
