//! `allOf`: parts merged into one struct (properties gathered from every part, in order),
//! or a wrapper around one `$ref` that only annotates it.

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn all_of<'s>(
        &mut self,
        parts: &'s [ReferenceOr<Schema>],
        own: Option<(Vec<Prop<'s>>, &'s Vec<String>)>,
        hint: &Hint,
        pointer: &str,
        doc: Option<String>,
    ) -> Result<TypeRef>
    where
        'a: 's,
    {
        let meaningful: Vec<(usize, &ReferenceOr<Schema>)> =
            parts.iter().enumerate().filter(|(_, p)| !is_empty(p)).collect();
        let own_empty = own.as_ref().is_none_or(|(p, _)| p.is_empty());
        // The common wrapper `allOf: [$ref]` (with a description beside it) is its target.
        if meaningful.len() == 1 && own_empty {
            let (i, part) = meaningful[0];
            return self.schema(part, hint, &format!("{pointer}/allOf/{i}"));
        }
        if own_empty && !meaningful.iter().any(|(_, p)| self.object_like(p)) {
            if let Some((i, part)) = meaningful.first() {
                self.warn(
                    format!("{pointer}/allOf"),
                    "`allOf` of non-objects: using the first part's type, the others' constraints are not checked",
                );
                return self.schema(part, hint, &format!("{pointer}/allOf/{i}"));
            }
        }
        let mut props = Vec::new();
        let mut required = Vec::new();
        let mut additional = None;
        for (i, part) in meaningful {
            self.gather(part, &format!("{pointer}/allOf/{i}"), &mut props, &mut required, &mut additional)?;
        }
        if let Some((own_props, own_required)) = own {
            props.extend(own_props);
            required.extend(own_required.iter().cloned());
        }
        // Later parts override earlier ones, as a merged object would.
        let mut seen = BTreeSet::new();
        let mut merged: Vec<Prop> = props.into_iter().rev().filter(|p| seen.insert(p.name.clone())).collect();
        merged.reverse();
        self.object(merged, &required, additional, hint, pointer, doc)
    }

    /// Whether an `allOf` part describes an object (properties to merge).
    pub(super) fn object_like(&self, part: &ReferenceOr<Schema>) -> bool {
        let mut current = part;
        for _ in 0..32 {
            match current {
                ReferenceOr::Reference { reference } => {
                    let name = reference.strip_prefix(SCHEMA_PREFIX).map(unescape);
                    match name.and_then(|n| self.doc.components.as_ref()?.schemas.get(&n)) {
                        Some(next) => current = next,
                        None => return false,
                    }
                }
                ReferenceOr::Item(s) => {
                    return match &s.schema_kind {
                        SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } => true,
                        SchemaKind::Any(a) => {
                            !a.properties.is_empty() || !a.all_of.is_empty() || a.typ.as_deref() == Some("object")
                        }
                        _ => false,
                    }
                }
            }
        }
        false
    }

    /// Collects the properties an `allOf` part contributes.
    pub(super) fn gather<'s>(
        &mut self,
        part: &'s ReferenceOr<Schema>,
        pointer: &str,
        props: &mut Vec<Prop<'s>>,
        required: &mut Vec<String>,
        additional: &mut Option<&'s AdditionalProperties>,
    ) -> Result<()>
    where
        'a: 's,
    {
        let (schema, at) = match part {
            ReferenceOr::Reference { reference } => {
                let name = unescape(self.ref_name(reference, pointer)?);
                if !self.merging.insert(name.clone()) {
                    return Err(Error::at(pointer, format!("`allOf` cycle through `{name}`"))
                        .hint("a schema cannot include itself; break the cycle with a property"));
                }
                let target = self.doc.components.as_ref().and_then(|c| c.schemas.get(&name));
                let at = format!("/components/schemas/{}", escape(&name));
                let result = match target {
                    Some(t) => self.gather(t, &at, props, required, additional),
                    None => Ok(()),
                };
                self.merging.remove(&name);
                return result;
            }
            ReferenceOr::Item(s) => (s, pointer.to_string()),
        };
        let mut take = |p: &'s indexmap_like::Props, req: &'s [String], ap: Option<&'s AdditionalProperties>| {
            for (k, v) in p {
                props.push(Prop { name: k.clone(), schema: v, pointer: format!("{at}/properties/{}", escape(k)) });
            }
            required.extend(req.iter().cloned());
            if ap.is_some() {
                *additional = ap;
            }
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => take(&o.properties, &o.required, o.additional_properties.as_ref()),
            SchemaKind::Any(a) => {
                take(&a.properties, &a.required, a.additional_properties.as_ref());
                for (i, sub) in a.all_of.iter().enumerate() {
                    self.gather(sub, &format!("{at}/allOf/{i}"), props, required, additional)?;
                }
            }
            SchemaKind::AllOf { all_of } => {
                for (i, sub) in all_of.iter().enumerate() {
                    self.gather(sub, &format!("{at}/allOf/{i}"), props, required, additional)?;
                }
            }
            _ => self.warn(&at, "`allOf` part is not an object; its constraints are not merged"),
        }
        Ok(())
    }
}
