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
        if let Some((i, part)) = self.all_of_part(parts, own_empty) {
            if meaningful.len() > 1 {
                self.warn(
                    format!("{pointer}/allOf"),
                    "`allOf` of non-objects: using the first part's type, the others' constraints are not checked",
                );
            }
            return self.schema(part, hint, &format!("{pointer}/allOf/{i}"));
        }
        let mut props = Vec::new();
        let mut required = Vec::new();
        let mut additional = None;
        let one_part = Hops { parts: 1, refs: 0 };
        for (i, part) in meaningful {
            let at = format!("{pointer}/allOf/{i}");
            self.gather(part, &at, one_part, &mut props, &mut required, &mut additional)?;
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

    /// The one part an `allOf` is taken as, if it is not merged into a struct: the common
    /// wrapper `allOf: [$ref]` (with a description beside it) is its target; of parts none of
    /// which is an object, the first.
    pub(super) fn all_of_part<'s>(
        &self,
        parts: &'s [ReferenceOr<Schema>],
        own_empty: bool,
    ) -> Option<(usize, &'s ReferenceOr<Schema>)> {
        let meaningful: Vec<(usize, &ReferenceOr<Schema>)> =
            parts.iter().enumerate().filter(|(_, p)| !is_empty(p)).collect();
        if !own_empty {
            return None;
        }
        if meaningful.len() == 1 || !meaningful.iter().any(|(_, p)| self.object_like(p)) {
            return meaningful.first().copied();
        }
        None
    }

    /// Whether an `allOf` part describes an object (properties to merge).
    pub(super) fn object_like(&self, part: &ReferenceOr<Schema>) -> bool {
        match self.target(part, "").map(|(s, _, _)| &s.schema_kind) {
            Some(SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. }) => true,
            Some(SchemaKind::Any(a)) => {
                !a.properties.is_empty() || !a.all_of.is_empty() || a.typ.as_deref() == Some("object")
            }
            _ => false,
        }
    }

    /// Collects the properties an `allOf` part contributes.
    pub(super) fn gather<'s>(
        &mut self,
        part: &'s ReferenceOr<Schema>,
        pointer: &str,
        hops: Hops,
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
                let hops = Hops { refs: hops.refs + 1, ..hops };
                let result = match target {
                    Some(t) => self.gather(t, &at, hops, props, required, additional),
                    None => Ok(()),
                };
                self.merging.remove(&name);
                return result;
            }
            ReferenceOr::Item(s) => (s, pointer.to_string()),
        };
        let mut take = |p: &'s indexmap_like::Props, req: &'s [String], ap: Option<&'s AdditionalProperties>, hops| {
            for (k, v) in p {
                let pointer = format!("{at}/properties/{}", escape(k));
                props.push(Prop { name: k.clone(), schema: v, pointer, hops });
            }
            required.extend(req.iter().cloned());
            if ap.is_some() {
                *additional = ap;
            }
        };
        // A part's own parts are one level further down; so are properties beside them.
        let deeper = Hops { parts: hops.parts + 1, ..hops };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => {
                take(&o.properties, &o.required, o.additional_properties.as_ref(), hops)
            }
            SchemaKind::Any(a) => {
                let own = if a.all_of.is_empty() { hops } else { deeper };
                take(&a.properties, &a.required, a.additional_properties.as_ref(), own);
                for (i, sub) in a.all_of.iter().enumerate() {
                    self.gather(sub, &format!("{at}/allOf/{i}"), deeper, props, required, additional)?;
                }
            }
            SchemaKind::AllOf { all_of } => {
                for (i, sub) in all_of.iter().enumerate() {
                    self.gather(sub, &format!("{at}/allOf/{i}"), deeper, props, required, additional)?;
                }
            }
            _ => self.warn(&at, "`allOf` part is not an object; its constraints are not merged"),
        }
        Ok(())
    }
}
