//! What moved between two Cargo.lock files: the packages the core depends on (directly or not)
//! whose versions differ, so a re-measured baseline built with its own commit's lock says which
//! dependency changes the comparison includes.

use std::collections::{BTreeMap, BTreeSet};

/// The packages of a Cargo.lock: name → versions, and name → dependency names.
fn lock_graph(
    text: &str,
) -> (
    BTreeMap<String, BTreeSet<String>>,
    BTreeMap<String, Vec<String>>,
) {
    let mut versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let Ok(table) = text.parse::<toml::Table>() else {
        return (versions, deps);
    };
    for package in table
        .get("package")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(name), Some(version)) = (
            package.get("name").and_then(toml::Value::as_str),
            package.get("version").and_then(toml::Value::as_str),
        ) else {
            continue;
        };
        versions
            .entry(name.to_owned())
            .or_default()
            .insert(version.to_owned());
        let list = deps.entry(name.to_owned()).or_default();
        for dep in package
            .get("dependencies")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(toml::Value::as_str)
        {
            list.push(dep.split(' ').next().unwrap_or(dep).to_owned());
        }
    }
    (versions, deps)
}

/// Every package the core (`connascence`) depends on, directly or not, whose versions differ
/// between two Cargo.lock texts: `name old → new`.
pub fn core_dependency_changes(baseline_lock: &str, current_lock: &str) -> Vec<String> {
    let (old_versions, old_deps) = lock_graph(baseline_lock);
    let (new_versions, new_deps) = lock_graph(current_lock);
    let closure = |deps: &BTreeMap<String, Vec<String>>| {
        let mut seen = BTreeSet::new();
        let mut stack = vec!["connascence".to_owned()];
        while let Some(name) = stack.pop() {
            if seen.insert(name.clone()) {
                stack.extend(deps.get(&name).cloned().unwrap_or_default());
            }
        }
        seen.remove("connascence");
        seen
    };
    let names: BTreeSet<String> = closure(&old_deps)
        .union(&closure(&new_deps))
        .cloned()
        .collect();
    let show = |v: Option<&BTreeSet<String>>| {
        v.map_or("absent".to_owned(), |set| {
            set.iter().cloned().collect::<Vec<_>>().join("/")
        })
    };
    names
        .into_iter()
        .filter(|name| old_versions.get(name) != new_versions.get(name))
        .map(|name| {
            format!(
                "{name} {} → {}",
                show(old_versions.get(&name)),
                show(new_versions.get(&name))
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = r#"
version = 4
[[package]]
name = "connascence"
version = "0.1.0"
dependencies = ["memchr", "serde"]
[[package]]
name = "memchr"
version = "2.7.4"
[[package]]
name = "serde"
version = "1.0.1"
[[package]]
name = "criterion"
version = "0.8.1"
"#;

    #[test]
    fn only_the_cores_dependencies_that_moved_are_listed() {
        let new = OLD
            .replace("2.7.4", "2.8.3")
            .replace("0.8.1", "0.8.2")
            .replace(
                "dependencies = [\"memchr\", \"serde\"]",
                "dependencies = [\"memchr\", \"serde\", \"itoa\"]",
            )
            + "[[package]]\nname = \"itoa\"\nversion = \"1.0.0\"\n";
        assert_eq!(
            core_dependency_changes(OLD, &new),
            vec!["itoa absent → 1.0.0", "memchr 2.7.4 → 2.8.3"]
        );
        assert!(core_dependency_changes(OLD, OLD).is_empty());
    }
}
