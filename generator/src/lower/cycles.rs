//! Types that contain themselves: boxing what breaks a cycle, refusing what no value could
//! satisfy.

use super::*;

/// Whether `ty` names `name`, looking through aliases.
pub(super) fn mentions(api: &Api, ty: &TypeRef, name: &str, seen: &mut BTreeSet<String>) -> bool {
    match ty {
        TypeRef::Named(n) if n == name => true,
        TypeRef::Named(n) => {
            seen.insert(n.clone())
                && matches!(api.types.get(n).map(|t| &t.kind), Some(TypeKind::Alias(t)) if mentions(api, t, name, seen))
        }
        TypeRef::Vec(inner) | TypeRef::Map(inner) => mentions(api, inner, name, seen),
        TypeRef::Prim(_) | TypeRef::Json => false,
    }
}

/// Boxes fields that would make a type contain itself, and refuses cycles that no value
/// could ever satisfy (every link a required field).
pub(super) fn resolve_cycles(api: &mut Api) -> Result<()> {
    fn direct(ty: &TypeRef) -> Option<&str> {
        match ty {
            TypeRef::Named(n) => Some(n),
            _ => None,
        }
    }
    let edges: BTreeMap<String, Vec<(String, bool)>> = api
        .types
        .iter()
        .map(|(name, t)| {
            let out = match &t.kind {
                TypeKind::Struct { fields, .. } => fields
                    .iter()
                    .filter_map(|f| direct(&f.ty).map(|n| (n.to_string(), f.required && !f.nullable)))
                    .collect(),
                TypeKind::Union { variants, .. } => {
                    variants.iter().filter_map(|v| direct(&v.ty).map(|n| (n.to_string(), false))).collect()
                }
                TypeKind::Alias(ty) | TypeKind::Newtype(ty) => {
                    direct(ty).map(|n| vec![(n.to_string(), true)]).unwrap_or_default()
                }
                TypeKind::Enum { .. } => Vec::new(),
            };
            (name.clone(), out)
        })
        .collect();
    let reaches = |from: &str, to: &str, required_only: bool| -> bool {
        let mut stack = vec![from.to_string()];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                for (m, req) in edges.get(&n).into_iter().flatten() {
                    if *req || !required_only {
                        stack.push(m.clone());
                    }
                }
            }
        }
        false
    };
    for (name, t) in &api.types {
        for (target, required) in &edges[name] {
            if *required && reaches(target, name, true) {
                if matches!(t.kind, TypeKind::Alias(_) | TypeKind::Newtype(_)) {
                    return Err(Error::at(
                        t.origin.clone(),
                        format!("`{name}` is an alias of itself (via `{target}`)"),
                    )
                    .hint("one schema on the cycle must define a type or properties"));
                }
                return Err(Error::at(
                    t.origin.clone(),
                    format!("`{name}` contains itself through required fields (via `{target}`): no value can be built"),
                )
                .hint("make one field on the cycle optional or nullable"));
            }
        }
    }
    // `pub type A = Vec<A>;` is not Rust: an alias that contains itself becomes a newtype.
    let aliases: Vec<String> = api
        .types
        .iter()
        .filter(
            |(name, t)| matches!(&t.kind, TypeKind::Alias(target) if mentions(api, target, name, &mut BTreeSet::new())),
        )
        .map(|(name, _)| name.clone())
        .collect();
    for name in aliases {
        if let Some(t) = api.types.get_mut(&name) {
            if let TypeKind::Alias(target) = &t.kind {
                t.kind = TypeKind::Newtype(target.clone());
            }
        }
    }
    let boxes: Vec<(String, usize)> = api
        .types
        .iter()
        .flat_map(|(name, t)| match &t.kind {
            TypeKind::Struct { fields, .. } => fields
                .iter()
                .enumerate()
                .filter(|(_, f)| direct(&f.ty).is_some_and(|target| reaches(target, name, false)))
                .map(|(i, _)| (name.clone(), i))
                .collect::<Vec<_>>(),
            TypeKind::Union { variants, .. } => variants
                .iter()
                .enumerate()
                .filter(|(_, v)| direct(&v.ty).is_some_and(|target| reaches(target, name, false)))
                .map(|(i, _)| (name.clone(), i))
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect();
    for (name, i) in boxes {
        match api.types.get_mut(&name).map(|t| &mut t.kind) {
            Some(TypeKind::Struct { fields, .. }) => fields[i].boxed = true,
            Some(TypeKind::Union { variants, .. }) => variants[i].boxed = true,
            _ => {}
        }
    }
    Ok(())
}
