//! Which operation groups reach each type: the cargo features that gate it. A group is a
//! tag's module; a type belongs to every group whose operations use it, directly or through
//! fields, items, variants and aliases, so compiling one group compiles all it needs.
//! `TypeDef::groups` is never empty: it may be [`STANDALONE_FEATURE`] alone.

use crate::model::{Api, TypeKind, TypeRef, STANDALONE_FEATURE};
use std::collections::{BTreeMap, BTreeSet};

/// Fills `TypeDef::groups`. Types no operation reaches belong to [`STANDALONE_FEATURE`], and
/// so does everything they use, so that feature alone compiles too.
pub(super) fn assign(api: &mut Api) {
    let mut reached: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for tag in api.tags.values() {
        let mut roots: Vec<&TypeRef> = Vec::new();
        for op in &tag.operations {
            roots.extend(op.params.iter().map(|p| &p.ty));
            roots.extend(op.body.iter().map(|b| &b.ty));
            if let crate::model::Response::Json(t) = &op.response {
                roots.push(t);
            }
        }
        for n in walk(api, roots) {
            reached.entry(n).or_default().insert(tag.module.clone());
        }
    }
    let unreached: Vec<TypeRef> =
        api.types.keys().filter(|n| !reached.contains_key(*n)).map(|n| TypeRef::Named(n.clone())).collect();
    for n in walk(api, unreached.iter().collect()) {
        reached.entry(n).or_default().insert(STANDALONE_FEATURE.to_string());
    }
    for (name, def) in &mut api.types {
        def.groups = reached.remove(name).unwrap_or_default();
    }
}

/// Every type reachable from `roots`.
fn walk<'a>(api: &'a Api, mut stack: Vec<&'a TypeRef>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    // Each type is expanded once, so the walk ends on recursive types.
    while let Some(t) = stack.pop() {
        match t {
            TypeRef::Named(n) => {
                if !seen.insert(n.clone()) {
                    continue;
                }
                match api.types.get(n).map(|d| &d.kind) {
                    Some(TypeKind::Struct { fields, additional }) => {
                        stack.extend(fields.iter().map(|f| &f.ty));
                        stack.extend(additional.iter());
                    }
                    Some(TypeKind::Union { variants, .. }) => stack.extend(variants.iter().map(|v| &v.ty)),
                    Some(TypeKind::Alias(inner) | TypeKind::Newtype(inner)) => stack.push(inner),
                    Some(TypeKind::Enum { .. }) | None => {}
                }
            }
            TypeRef::Vec(inner) | TypeRef::Map(inner) => stack.push(inner),
            TypeRef::Prim(_) | TypeRef::Json => {}
        }
    }
    seen
}
