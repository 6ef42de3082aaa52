//! `oneOf` and `anyOf`: an enum of the alternatives, with the discriminator's mapping and a
//! catch-all for values none of them decodes.

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn union(
        &mut self,
        parts: &[ReferenceOr<Schema>],
        key: &str,
        discriminator: Option<&openapiv3::Discriminator>,
        hint: &Hint,
        pointer: &str,
        doc: Option<String>,
    ) -> Result<TypeRef> {
        let meaningful: Vec<(usize, &ReferenceOr<Schema>)> =
            parts.iter().enumerate().filter(|(_, p)| !is_empty(p)).collect();
        if let Some((i, part)) = union_part(parts, discriminator) {
            return self.schema(part, hint, &format!("{pointer}/{key}/{i}"));
        }
        let name = self.claim(hint);
        let parent = Hint::inline(name.clone());
        let mut ns = Namespace::with_reserved(&["Other"]);
        let mut variants = Vec::new();
        for (i, part) in meaningful {
            let at = format!("{pointer}/{key}/{i}");
            let ty = self.schema(part, &parent.child(&format!("Variant{}", i + 1)), &at)?;
            let constraints = self.constraints(part, &at);
            let (vname, spec_name) = match (&ty, part) {
                (TypeRef::Named(n), ReferenceOr::Reference { reference }) => {
                    (n.clone(), reference.strip_prefix(SCHEMA_PREFIX).map(unescape))
                }
                _ => (variant_name(&ty), None),
            };
            let mut tags = Vec::new();
            if let Some(d) = discriminator {
                let reference = match part {
                    ReferenceOr::Reference { reference } => Some(reference.as_str()),
                    ReferenceOr::Item(_) => None,
                };
                tags = d
                    .mapping
                    .iter()
                    .filter(|(_, target)| {
                        Some(target.as_str()) == reference || spec_name.as_deref() == Some(target.as_str())
                    })
                    .map(|(value, _)| value.clone())
                    .collect();
                if tags.is_empty() {
                    tags.extend(spec_name.clone());
                }
                // A value selects the first variant it names.
                tags.retain(|t| !variants.iter().any(|v: &UnionVariant| v.tags.contains(t)));
            }
            variants.push(UnionVariant { name: ns.claim(vname), tags, ty, boxed: false, constraints });
        }
        if let Some(d) = discriminator {
            for (value, target) in &d.mapping {
                let named = parts.iter().any(|p| match p {
                    ReferenceOr::Reference { reference } => {
                        reference == target
                            || reference.strip_prefix(SCHEMA_PREFIX).map(unescape).as_deref() == Some(target)
                    }
                    ReferenceOr::Item(_) => false,
                });
                if !named {
                    self.warn(
                        format!("{pointer}/discriminator/mapping/{}", escape(value)),
                        format!("mapping `{value}` names `{target}`, which is none of the `{key}` variants; such values decode as `Other`"),
                    );
                }
            }
        }
        let discriminator = discriminator.map(|d| d.property_name.clone());
        Ok(self.define(name, pointer, doc, TypeKind::Union { variants, discriminator }))
    }

    // ---- operations ----
}

/// The one part a `oneOf` or `anyOf` is taken as, if it is not an enum of its parts:
/// `oneOf: [X, {type: 'null'}]` is a nullable X.
pub(super) fn union_part<'s>(
    parts: &'s [ReferenceOr<Schema>],
    discriminator: Option<&openapiv3::Discriminator>,
) -> Option<(usize, &'s ReferenceOr<Schema>)> {
    let mut meaningful = parts.iter().enumerate().filter(|(_, p)| !is_empty(p));
    match (meaningful.next(), meaningful.next()) {
        (Some(one), None) if discriminator.is_none() => Some(one),
        _ => None,
    }
}

pub(super) fn variant_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(n) => n.clone(),
        TypeRef::Prim(p) => format!("{p:?}"),
        TypeRef::Vec(inner) => format!("{}List", variant_name(inner)),
        TypeRef::Map(inner) => format!("{}Map", variant_name(inner)),
        TypeRef::Json => "Json".into(),
    }
}
