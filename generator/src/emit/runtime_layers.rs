//! The runtime's module graph, read from the text the generator copies (`RUNTIME`), and a
//! test that it has no cycle: the runtime layers one way (STYLE.md, "A strict runtime").
//!
//! An edge is a `super::name` path in a runtime file (or `crate::runtime::name`), outside
//! comments (doc links included) and the file's `tests` module. A name `mod.rs` re-exports
//! (`super::AuthError`, `super::hooks::Delivery`) counts as the module it comes from, so a
//! re-export cannot hide a cycle.

use super::templates::RUNTIME;
use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet};

/// A path as written, its segments after any `super`s, and its `as` alias.
struct Leaf {
    path: Vec<String>,
    alias: Option<String>,
}

/// Reads the path starting at `trees[0]` (`a::b`, `a::{b, c::d as e}`), returning its leaves
/// and how many tokens it took.
fn path_at(trees: &[TokenTree], prefix: &[String]) -> (Vec<Leaf>, usize) {
    let mut path = prefix.to_vec();
    let mut i = 0;
    loop {
        match trees.get(i) {
            Some(TokenTree::Ident(id)) => {
                path.push(id.to_string());
                i += 1;
            }
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                let mut leaves = Vec::new();
                for part in inner.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
                    if !part.is_empty() {
                        leaves.extend(path_at(part, &path).0);
                    }
                }
                return (leaves, i + 1);
            }
            _ => return (vec![Leaf { path, alias: None }], i),
        }
        match (trees.get(i), trees.get(i + 1)) {
            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':' => {
                i += 2
            }
            (Some(TokenTree::Ident(k)), Some(TokenTree::Ident(alias))) if k == "as" => {
                return (vec![Leaf { path, alias: Some(alias.to_string()) }], i + 2)
            }
            _ => return (vec![Leaf { path, alias: None }], i),
        }
    }
}

/// How many `super::` (or `crate::runtime::`, counted as reaching the runtime from a file's
/// top level) start `trees`, and the tokens they take.
fn ups(trees: &[TokenTree]) -> (usize, usize) {
    let word = |i: usize| match trees.get(i) {
        Some(TokenTree::Ident(id)) => Some(id.to_string()),
        _ => None,
    };
    let colons = |i: usize| {
        matches!((trees.get(i), trees.get(i + 1)), (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && b.as_char() == ':')
    };
    if word(0).as_deref() == Some("crate") && colons(1) && word(3).as_deref() == Some("runtime") && colons(4) {
        return (usize::MAX, 6);
    }
    let mut n = 0;
    while word(3 * n).as_deref() == Some("super") && colons(3 * n + 1) {
        n += 1;
    }
    (n, 3 * n)
}

/// The runtime paths of one file's tokens: what `super::` reaches at `depth` (0 for the
/// file's top level), skipping its `tests` module.
fn references(tokens: TokenStream, depth: usize, out: &mut Vec<Vec<String>>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < trees.len() {
        if let (TokenTree::Ident(kw), Some(TokenTree::Ident(name)), Some(TokenTree::Group(g))) =
            (&trees[i], trees.get(i + 1), trees.get(i + 2))
        {
            if kw == "mod" && g.delimiter() == Delimiter::Brace {
                if name != "tests" {
                    references(g.stream(), depth + 1, out);
                }
                i += 3;
                continue;
            }
        }
        let (n, took) = ups(&trees[i..]);
        if took > 0 {
            let (leaves, rest) = path_at(&trees[i + took..], &[]);
            if n == usize::MAX || n == depth + 1 {
                out.extend(leaves.into_iter().map(|l| l.path));
            }
            i += took + rest.max(1);
            continue;
        }
        if let TokenTree::Group(g) = &trees[i] {
            references(g.stream(), depth, out);
        }
        i += 1;
    }
}

/// The names `mod.rs` re-exports (`AuthError`, `hooks::Delivery`), each with the module it
/// comes from, or `None` when that is not a runtime module (`reqwest`, the enum macros).
fn reexports(
    tokens: TokenStream,
    prefix: &str,
    modules: &BTreeSet<String>,
    out: &mut BTreeMap<String, Option<String>>,
) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < trees.len() {
        match (&trees[i], trees.get(i + 1), trees.get(i + 2)) {
            (TokenTree::Ident(kw), Some(TokenTree::Ident(name)), Some(TokenTree::Group(g)))
                if kw == "mod" && g.delimiter() == Delimiter::Brace =>
            {
                reexports(g.stream(), &format!("{prefix}{name}::"), modules, out);
                i += 3;
            }
            (TokenTree::Ident(kw), ..) if kw == "use" => {
                let (_, took) = ups(&trees[i + 1..]);
                let (leaves, rest) = path_at(&trees[i + 1 + took..], &[]);
                for leaf in leaves {
                    let module = leaf.path.first().filter(|m| modules.contains(*m)).cloned();
                    let name = leaf.alias.or_else(|| leaf.path.last().cloned()).expect("a use names something");
                    out.insert(format!("{prefix}{name}"), module);
                }
                i += 1 + took + rest;
            }
            _ => i += 1,
        }
    }
}

/// The runtime's module graph: each module and the modules it refers to.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<String> =
        RUNTIME.iter().filter(|(f, _)| *f != "mod.rs").map(|(f, _)| f.trim_end_matches(".rs").to_owned()).collect();
    let mod_rs = RUNTIME.iter().find(|(f, _)| *f == "mod.rs").expect("the runtime has a mod.rs").1;
    let mut names = BTreeMap::new();
    reexports(mod_rs.parse().expect("mod.rs tokenizes"), "", &modules, &mut names);
    let mut graph = BTreeMap::new();
    for (file, text) in RUNTIME.iter().filter(|(f, _)| *f != "mod.rs") {
        let module = file.trim_end_matches(".rs").to_owned();
        let mut paths = Vec::new();
        references(text.parse().unwrap_or_else(|e| panic!("{file} tokenizes: {e}")), 0, &mut paths);
        let mut edges = BTreeSet::new();
        for path in paths {
            assert!(!path.is_empty(), "{file}: a glob `use super::*` hides what it depends on; name each item");
            let target = if modules.contains(&path[0]) {
                Some(path[0].clone())
            } else {
                let nested = path.get(1).map(|second| format!("{}::{second}", path[0]));
                match nested.and_then(|n| names.get(&n)).or_else(|| names.get(&path[0])) {
                    Some(target) => target.clone(),
                    None => panic!(
                        "{file}: `super::{}` is neither a runtime module nor re-exported by mod.rs",
                        path.join("::")
                    ),
                }
            };
            edges.extend(target.filter(|t| *t != module));
        }
        graph.insert(module, edges);
    }
    graph
}

/// The strongly connected components of more than one module (Tarjan), each sorted.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                if !self.index.contains_key(w.as_str()) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w.as_str()]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w.as_str()) {
                    let low = self.low[v].min(self.index[w.as_str()]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
}

/// One cycle through the modules of `component`, as `a -> b -> a`.
fn one_cycle(graph: &BTreeMap<String, BTreeSet<String>>, component: &[String]) -> String {
    let inside: BTreeSet<&str> = component.iter().map(String::as_str).collect();
    let mut path = vec![component[0].as_str()];
    loop {
        let here = *path.last().expect("the path is never empty");
        let next = graph[here]
            .iter()
            .map(String::as_str)
            .find(|w| inside.contains(w))
            .expect("a component's module leads inside it");
        if let Some(at) = path.iter().position(|p| *p == next) {
            let mut cycle = path[at..].to_vec();
            cycle.push(next);
            return cycle.join(" -> ");
        }
        path.push(next);
    }
}

#[test]
fn the_runtime_has_no_import_cycle() {
    let graph = graph();
    let found: Vec<String> =
        cycles(&graph).iter().map(|c| format!("  {{{}}}, e.g. {}", c.join(", "), one_cycle(&graph, c))).collect();
    assert!(
        found.is_empty(),
        "templates/src/runtime has import cycles (modules that reach each other through `super::`, \
         re-exports counted as their module); move what they share into a lower module:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_graph_sees_reexports_and_skips_tests() {
    let graph = graph();
    // `client` names `Error` through `super::error`; `custom_fields` names `Amount` through
    // the re-export `super::Amount` (money).
    assert!(graph["client"].contains("error"), "{:?}", graph["client"]);
    assert!(graph["custom_fields"].contains("money"), "{:?}", graph["custom_fields"]);
    let mut paths = Vec::new();
    references(
        "use super::hooks::Delivery; mod tests { use super::super::quota::Quota; }".parse().unwrap(),
        0,
        &mut paths,
    );
    assert_eq!(paths, vec![vec!["hooks".to_owned(), "Delivery".to_owned()]]);
    let cyclic: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), BTreeSet::from([v.to_owned()])))
        .collect();
    assert_eq!(cycles(&cyclic), vec![vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]]);
}
