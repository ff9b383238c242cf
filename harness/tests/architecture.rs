//! The modules of both libraries depend one way: this test reads every `crate::…` and `super::…`
//! path in `core/src` and `harness/src` (comments and the trailing `#[cfg(test)] mod tests` left
//! out, `use` groups expanded), resolves each to the module file it names, and fails on any import
//! cycle between files — except a folder's own registry, where `x/mod.rs` and the files directly
//! under `x/` may name each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod common;

use common::{files_under, workspace_root as root};

/// Module path (`a::b`, `""` for lib.rs) → file, for every library file of `src` (not `bin/`, not
/// `main.rs`).
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut found = BTreeMap::new();
    for path in files_under(src, &["rs"]) {
        let relative = path
            .strip_prefix(src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let stem = relative.strip_suffix(".rs").unwrap();
        if stem == "main" || relative.starts_with("bin/") {
            continue;
        }
        let mut parts: Vec<&str> = stem.split('/').collect();
        if parts.last() == Some(&"mod") || parts == ["lib"] {
            parts.pop();
        }
        found.insert(parts.join("::"), path);
    }
    found
}

/// The source without comments and without its `#[cfg(test)] mod tests { … }` block (found by
/// matching braces, wherever it stands).
fn code(text: &str) -> String {
    let text: String = text
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let Some(start) = text.find("#[cfg(test)]\nmod tests") else {
        return text;
    };
    let mut depth = 0usize;
    let mut end = text.len();
    for (offset, c) in text[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    end = start + offset + 1;
                    break;
                }
            }
            _ => {}
        }
    }
    format!("{}{}", &text[..start], &text[end..])
}

/// The paths a use tree starting at `text` names (`a::b`, `{a, b::{c, d}}`), each as segments.
fn use_tree(text: &str) -> (Vec<Vec<String>>, usize) {
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut prefix = Vec::new();
    loop {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if at < bytes.len() && bytes[at] == b'{' {
            at += 1;
            let mut paths = Vec::new();
            loop {
                let (inner, used) = use_tree(&text[at..]);
                at += used;
                paths.extend(inner.into_iter().map(|p| [prefix.clone(), p].concat()));
                while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                match bytes.get(at) {
                    Some(b',') => at += 1,
                    Some(b'}') => return (paths, at + 1),
                    _ => return (paths, at),
                }
                while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                if bytes.get(at) == Some(&b'}') {
                    return (paths, at + 1);
                }
            }
        }
        let start = at;
        while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
            at += 1;
        }
        if at == start {
            return (vec![prefix], at);
        }
        prefix.push(text[start..at].to_owned());
        if text[at..].starts_with("::") {
            at += 2;
        } else {
            return (vec![prefix], at);
        }
    }
}

/// The items the crate root re-exports (`pub use engine::{Counters, Report}` in lib.rs) → the module
/// each comes from, so that `crate::Report` counts as a use of `engine`.
fn root_reexports(all: &BTreeMap<String, PathBuf>) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let Some(lib) = all.get("") else {
        return found;
    };
    let text = code(&std::fs::read_to_string(lib).unwrap());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("pub use ") {
        rest = &rest[at + "pub use ".len()..];
        for path in use_tree(rest).0 {
            if let (Some(name), Some(module)) = (
                path.last(),
                (1..path.len())
                    .rev()
                    .map(|k| path[..k].join("::"))
                    .find(|candidate| all.contains_key(candidate)),
            ) {
                found.insert(name.clone(), module);
            }
        }
    }
    found
}

/// The module files `module` (at `file`) names through `crate::` and `super::` paths.
fn edges(module: &str, file: &Path, all: &BTreeMap<String, PathBuf>) -> BTreeSet<String> {
    let text = code(&std::fs::read_to_string(file).unwrap());
    let reexports = root_reexports(all);
    let own: Vec<String> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").map(str::to_owned).collect()
    };
    let mut found = BTreeSet::new();
    for keyword in ["crate::", "super::"] {
        let mut rest = text.as_str();
        while let Some(at) = rest.find(keyword) {
            let boundary = at == 0 || {
                let before = rest.as_bytes()[at - 1];
                !(before.is_ascii_alphanumeric() || before == b'_' || before == b':')
            };
            let mut after = &rest[at + keyword.len()..];
            rest = after;
            if !boundary {
                continue;
            }
            // `super` of `a/b.rs` (module a::b) is `a`, of `a/b/mod.rs` (also a::b) too; each
            // further `super::` goes one folder up.
            let base: Vec<String> = if keyword == "crate::" {
                Vec::new()
            } else {
                let mut up = 1;
                while let Some(more) = after.strip_prefix("super::") {
                    up += 1;
                    after = more;
                }
                own[..own.len().saturating_sub(up)].to_vec()
            };
            for path in use_tree(after).0 {
                let full = [base.clone(), path].concat();
                let target = (1..=full.len())
                    .rev()
                    .map(|k| full[..k].join("::"))
                    .find(|candidate| all.contains_key(candidate))
                    .or_else(|| {
                        // `crate::Name` of an item the root re-exports.
                        (keyword == "crate::")
                            .then(|| full.first().and_then(|name| reexports.get(name)).cloned())
                            .flatten()
                    });
                if let Some(target) = target
                    && target != module
                {
                    found.insert(target);
                }
            }
        }
    }
    found
}

/// Strongly connected components of more than one module (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(state: &mut State<'a>, node: &'a str) {
        let next = state.index.len();
        state.index.insert(node, next);
        state.low.insert(node, next);
        state.stack.push(node);
        state.on_stack.insert(node);
        for target in &state.graph[node] {
            let target = target.as_str();
            if !state.index.contains_key(target) {
                visit(state, target);
                let low = state.low[node].min(state.low[target]);
                state.low.insert(node, low);
            } else if state.on_stack.contains(target) {
                let low = state.low[node].min(state.index[target]);
                state.low.insert(node, low);
            }
        }
        if state.low[node] == state.index[node] {
            let mut component = Vec::new();
            while let Some(member) = state.stack.pop() {
                state.on_stack.remove(member);
                component.push(member.to_owned());
                if member == node {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                state.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !state.index.contains_key(node.as_str()) {
            visit(&mut state, node);
        }
    }
    state.found.sort();
    state.found
}

/// A folder's registry: `x` and modules directly under it only.
fn is_registry(component: &[String]) -> bool {
    component.iter().any(|folder| {
        component.iter().all(|member| {
            member == folder
                || member
                    .strip_prefix(folder.as_str())
                    .and_then(|rest| rest.strip_prefix("::"))
                    .is_some_and(|rest| !rest.contains("::"))
        })
    })
}

fn import_cycles(src: &str) -> Vec<Vec<String>> {
    let all = modules(&root().join(src));
    let graph: BTreeMap<String, BTreeSet<String>> = all
        .iter()
        .map(|(module, file)| (module.clone(), edges(module, file, &all)))
        .collect();
    cycles(&graph)
        .into_iter()
        .filter(|component| !is_registry(component))
        .collect()
}

#[test]
fn use_trees_and_cycles_are_read_as_rust_means_them() {
    assert_eq!(
        use_tree("a::{b, c::{d, e}, f}; x").0,
        [
            ["a", "b"].as_slice(),
            &["a", "c", "d"],
            &["a", "c", "e"],
            &["a", "f"]
        ]
    );
    assert_eq!(use_tree("engine::Report)").0, [["engine", "Report"]]);
    assert_eq!(
        code("a // crate::x\n#[cfg(test)]\nmod tests { crate::y }"),
        "a \n"
    );
    assert_eq!(
        code("a\n#[cfg(test)]\nmod tests { fn f() { crate::y } }\nb crate::z"),
        "a\n\nb crate::z"
    );
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
        ("x", vec!["x::y"]),
        ("x::y", vec!["x"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.into(), v.into_iter().map(String::from).collect()))
    .collect();
    let found = cycles(&graph);
    assert_eq!(found, [vec!["a", "b", "c"], vec!["x", "x::y"]]);
    assert!(!is_registry(&found[0]) && is_registry(&found[1]));
}

#[test]
fn no_import_cycle_between_the_files_of_either_library() {
    for src in ["core/src", "harness/src"] {
        let found = import_cycles(src);
        assert!(
            found.is_empty(),
            "{src}: import cycles (each a set of modules that name each other): {}",
            found
                .iter()
                .map(|component| component.join(" ↔ "))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
}

#[test]
fn only_the_subject_names_the_core() {
    // `harness/src/subject/`: the workload API's wrapper and, as a leaf, the core's atomic writer.
    // compare-branches and the baseline re-measure build this harness against other commits' cores:
    // everything the harness needs of the core goes through `subject/`, so that one folder says
    // what an older core must still provide.
    let mut offenders = Vec::new();
    let mut files = files_under(&root().join("harness/src"), &["rs"]);
    files.extend(files_under(&root().join("harness/benches"), &["rs"]));
    for path in files {
        if path.starts_with(root().join("harness/src/subject")) {
            continue;
        }
        let text = code(&std::fs::read_to_string(&path).unwrap());
        for (number, line) in text.lines().enumerate() {
            // Code only: a string naming the core (a message, a symbol) is not a use of it.
            let outside_strings: String = line
                .split('"')
                .enumerate()
                .filter(|(i, _)| i % 2 == 0)
                .map(|(_, part)| part)
                .collect();
            if outside_strings.contains("connascence::")
                || outside_strings.contains("use connascence")
            {
                offenders.push(format!(
                    "{}:{}: {}",
                    path.strip_prefix(root()).unwrap().display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "the core is reached outside harness/src/subject/:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_perfgate_binary_is_a_thin_shell_and_the_library_has_typed_errors() {
    // The commands are library modules (`harness/src/cli/`): the binary parses, calls
    // `cli::run` and maps the result to an exit code. Errors are typed in the library; anyhow,
    // if anywhere, only at the edge.
    let main = root().join("harness/src/bin/perfgate/main.rs");
    let lines = std::fs::read_to_string(&main).unwrap().lines().count();
    assert!(
        lines <= 150,
        "{}: {lines} lines (at most 150)",
        main.display()
    );
    let offenders: Vec<String> = files_under(&root().join("harness/src"), &["rs"])
        .into_iter()
        .filter(|path| !path.starts_with(root().join("harness/src/bin")))
        .filter(|path| code(&std::fs::read_to_string(path).unwrap()).contains("anyhow"))
        .map(|path| path.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "anyhow in the library: {offenders:?}");
    let text_errors: Vec<String> = files_under(&root().join("harness/src"), &["rs"])
        .into_iter()
        .filter(|path| !path.starts_with(root().join("harness/src/bin")))
        .flat_map(|path| {
            let text = code(&std::fs::read_to_string(&path).unwrap());
            string_errors(&text)
                .into_iter()
                .map(move |found| format!("{}: {found}", path.display()))
        })
        .collect();
    assert!(
        text_errors.is_empty(),
        "errors as text in the library: {text_errors:?}"
    );
}

/// Every `Result<T, String>` in `text` (the error type is the last top-level argument).
fn string_errors(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (start, _) in text.match_indices("Result<") {
        let body = &text[start + "Result<".len()..];
        let (mut depth, mut last_comma, mut end) = (0i32, None, None);
        for (i, c) in body.char_indices() {
            match c {
                '<' | '(' | '[' => depth += 1,
                '>' | ')' | ']' if depth == 0 => {
                    end = Some(i);
                    break;
                }
                '>' | ')' | ']' => depth -= 1,
                ',' if depth == 0 => last_comma = Some(i),
                _ => {}
            }
        }
        if let (Some(comma), Some(end)) = (last_comma, end)
            && body[comma + 1..end].trim() == "String"
        {
            found.push(format!("Result<{}>", &body[..end]));
        }
    }
    found
}

#[test]
fn a_result_with_a_text_error_is_found_however_it_is_nested() {
    assert_eq!(
        string_errors("fn a() -> Result<(Vec<u8>, String), String> {}"),
        ["Result<(Vec<u8>, String), String>"]
    );
    assert_eq!(
        string_errors("OnceCell<Result<PathBuf, String>>"),
        ["Result<PathBuf, String>"]
    );
    assert!(string_errors("Result<Vec<String>, FileError> io::Result<String>").is_empty());
}

#[test]
fn adding_an_engine_is_one_module_and_one_registry_line() {
    // Every use of one engine's data, named by the heap engine's identifiers. The comparison, the
    // gate, the exports, the history, merging, the re-measure, sides and bisect reach an engine
    // only through `engine::ENGINES`, so a new engine is a module of `engine/` plus its line there;
    // its data adds a key to the file formats, whose schemas live where every other key does.
    let allowed: &[(&str, &str)] = &[
        ("harness/src/engine/heap.rs", "the engine's module"),
        ("harness/src/engine/mod.rs", "its line in ENGINES"),
        (
            "harness/src/results.rs",
            "the results file's schema (its data)",
        ),
        (
            "harness/src/scenario/",
            "the scenario schema (`[engines] allocations`)",
        ),
        (
            "harness/src/settings.rs",
            "perfgate.toml's schema (`[gate] heap`)",
        ),
        ("harness/src/metric.rs", "its family's line (thresholds)"),
        (
            "harness/src/report/",
            "report sections that present heap data",
        ),
        (
            "harness/src/run.rs",
            "the run's summary table, a column per measure shown",
        ),
        (
            "harness/src/cli/run.rs",
            "the hidden child command the engine starts (`heap-run`)",
        ),
        (
            "harness/src/bin/perfgate-dhat.rs",
            "the binary the engine runs, which tells the library it allocates through dhat",
        ),
        (
            "harness/src/synthetic.rs",
            "synthetic results for tests and examples",
        ),
    ];
    let named = |text: &str| {
        [
            "HeapData",
            "heap_profile",
            "engines.allocations",
            "engine::heap",
        ]
        .iter()
        .any(|word| text.contains(word))
            || text.match_indices(".heap").any(|(at, _)| {
                !text[at + ".heap".len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
            })
    };
    let offenders: Vec<String> = files_under(&root().join("harness/src"), &["rs"])
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(root()).unwrap().display().to_string();
            (path, relative)
        })
        .filter(|(_, relative)| !allowed.iter().any(|(file, _)| relative.starts_with(file)))
        .filter(|(path, _)| named(&code(&std::fs::read_to_string(path).unwrap())))
        .map(|(_, relative)| relative)
        .collect();
    assert!(
        offenders.is_empty(),
        "these files name the heap engine's data instead of going through engine::ENGINES: {offenders:?}"
    );
}
