//! Reads callgrind output files (the "Callgrind Format, Version 1" of valgrind's manual) into self
//! and inclusive Ir per function, the per-function attribution of the instruction engine.
//!
//! Names are normalised so they match across builds and runs: the legacy-mangling hash suffix
//! (`::h0123456789abcdef`) and callgrind's recursion-level suffix (`'2`, from `--separate-recs`) are
//! removed, and all entries of one name are merged. Self Ir is the sum of a function's own cost
//! lines. Inclusive Ir is the cost of the calls into the function's outermost level (`f`, not `f'2`)
//! from other functions: callgrind names every invocation made while `f` is already on the stack
//! `f'2` (or deeper), even through other functions, so outermost calls never nest and their sum is
//! exact for recursive parsers and visitors too. A function no recorded call enters (where collection
//! was switched on) gets its self Ir plus the calls it makes to other functions. Distinct functions
//! can share a name (valgrind calls several libc start-up functions `(below main)`, and generic
//! instances share their legacy-demangled name); where such namesakes nest, the sum would count the
//! inner one twice, so inclusive Ir is capped at the file's total.

use std::collections::BTreeMap;

/// Self and inclusive Ir of one function, and the Ir of its calls into each other function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cost {
    pub self_ir: u64,
    pub inclusive: u64,
    /// Callee → Ir of the calls into it, from every recursion level of this function (calls into
    /// the function itself are inside its own costs and not listed).
    pub calls: BTreeMap<String, u64>,
}

/// A callgrind file that cannot be read, with the line it stopped at (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct FormatError {
    pub line: usize,
    pub message: String,
}

/// The recursion level callgrind appended (`f'2` → 2), if any.
fn recursion_level(name: &str) -> Option<u32> {
    let (_, level) = name.trim().rsplit_once('\'')?;
    level
        .parse()
        .ok()
        .filter(|_| level.bytes().all(|b| b.is_ascii_digit()))
}

/// The function name without the hash suffix and the recursion-level suffix.
pub fn normalize(name: &str) -> String {
    let mut name = name.trim();
    if recursion_level(name).is_some()
        && let Some((head, _)) = name.rsplit_once('\'')
    {
        name = head;
    }
    if let Some((head, hash)) = name.rsplit_once("::h")
        && hash.len() == 16
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
    {
        name = head;
    }
    name.to_owned()
}

/// Resolves a compressed name: `(id) name` defines id, `(id)` refers to it, anything else is plain.
fn resolve(
    table: &mut BTreeMap<u64, String>,
    value: &str,
    line: usize,
) -> Result<String, FormatError> {
    let value = value.trim();
    let Some(rest) = value.strip_prefix('(') else {
        return Ok(value.to_owned());
    };
    // A name may itself start with a parenthesis, like valgrind's `(below main)`.
    let Some((id, name)) = rest
        .split_once(')')
        .and_then(|(id, name)| Some((id.trim().parse::<u64>().ok()?, name)))
    else {
        return Ok(value.to_owned());
    };
    let name = name.trim();
    if name.is_empty() {
        table.get(&id).cloned().ok_or_else(|| FormatError {
            line,
            message: format!("name id ({id}) is used before it is defined"),
        })
    } else {
        table.insert(id, name.to_owned());
        Ok(name.to_owned())
    }
}

/// Per-function costs of one callgrind output file, keyed by normalised name.
pub fn parse(text: &str) -> Result<BTreeMap<String, Cost>, FormatError> {
    let mut names: BTreeMap<u64, String> = BTreeMap::new();
    let mut positions = 1usize;
    let mut ir_column: Option<usize> = None;
    let mut current: Option<String> = None;
    // The callee's normalised name, and whether it is the outermost level.
    let mut callee: Option<(String, bool)> = None;
    let mut in_call = false;
    let mut self_ir: BTreeMap<String, u64> = BTreeMap::new();
    let mut calls_in: BTreeMap<String, u64> = BTreeMap::new();
    let mut edges: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut totals: Option<u64> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(value) = trimmed
            .strip_prefix("summary:")
            .or(trimmed.strip_prefix("totals:"))
        {
            let column = ir_column.unwrap_or(0);
            totals = value
                .split_whitespace()
                .nth(column)
                .and_then(|token| token.parse().ok());
        } else if let Some(value) = trimmed.strip_prefix("positions:") {
            positions = value.split_whitespace().count();
        } else if let Some(value) = trimmed.strip_prefix("events:") {
            ir_column = value.split_whitespace().position(|event| event == "Ir");
            if ir_column.is_none() {
                return Err(FormatError {
                    line,
                    message: format!("the events `{}` do not include Ir", value.trim()),
                });
            }
        } else if let Some(value) = trimmed.strip_prefix("fn=") {
            current = Some(normalize(&resolve(&mut names, value, line)?));
        } else if let Some(value) = trimmed.strip_prefix("cfn=") {
            let name = resolve(&mut names, value, line)?;
            callee = Some((normalize(&name), recursion_level(&name).is_none()));
        } else if trimmed.starts_with("calls=") {
            in_call = true;
        } else if trimmed.starts_with(|c: char| c.is_ascii_digit() || "+-*".contains(c)) {
            let ir_column = ir_column.ok_or(FormatError {
                line,
                message: "a cost line before the `events:` header".into(),
            })?;
            let ir = match trimmed.split_whitespace().nth(positions + ir_column) {
                None => 0,
                Some(token) => token.parse::<u64>().map_err(|_| FormatError {
                    line,
                    message: format!("expected a count, found `{token}`"),
                })?,
            };
            let function = current.clone().ok_or(FormatError {
                line,
                message: "a cost line before any `fn=`".into(),
            })?;
            if in_call {
                in_call = false;
                let (target, outermost) = callee.take().ok_or(FormatError {
                    line,
                    message: "a call cost without a `cfn=`".into(),
                })?;
                if target != function {
                    *edges
                        .entry(function)
                        .or_default()
                        .entry(target.clone())
                        .or_default() += ir;
                    if outermost {
                        *calls_in.entry(target).or_default() += ir;
                    }
                }
            } else {
                *self_ir.entry(function).or_default() += ir;
            }
        } else if !trimmed.contains('=') && !trimmed.contains(':') {
            // Other specifications (ob=, fl=, fi=, fe=, cfi=, jump=, …) and header lines
            // (totals:, summary:, cmd:, …) are not needed for attribution; anything else is wrong.

            return Err(FormatError {
                line,
                message: format!("unexpected line `{trimmed}`"),
            });
        }
    }
    let total = totals.unwrap_or_else(|| self_ir.values().sum());
    let mut costs: BTreeMap<String, Cost> = BTreeMap::new();
    let names: std::collections::BTreeSet<String> = self_ir
        .keys()
        .chain(edges.keys())
        .chain(calls_in.keys())
        .cloned()
        .collect();
    for name in names {
        let self_cost = self_ir.get(&name).copied().unwrap_or(0);
        let calls = edges.remove(&name).unwrap_or_default();
        let inclusive = match calls_in.get(&name) {
            Some(ir) => *ir,
            None => self_cost + calls.values().sum::<u64>(),
        };
        costs.insert(
            name,
            Cost {
                self_ir: self_cost,
                inclusive: inclusive.min(total),
                calls,
            },
        );
    }
    Ok(costs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of valgrind's format manual, with name compression, a recursion level and
    /// hashed names added.
    const SAMPLE: &str = "# callgrind format
version: 1
creator: callgrind-3.19.0
positions: line
events: Ir Dr

fl=(1) file1.c
fn=(9) (below main)
16 3
fn=(1) main
16 20 1
cfn=(2) func1::h0123456789abcdef
calls=1 50
16 400 7
cfl=(2) file2.c
cfn=(3) func2
calls=3 20
16 400

fn=(2)
51 100
cfi=(2)
cfn=(3)
calls=2 20
51 300

fl=(2)
fn=(3)
20 650
cfn=(4) func2'2
calls=1 20
+1 50
fn=(4)
20 50
";

    #[test]
    fn self_and_inclusive_costs_follow_the_manual_example() {
        let costs = parse(SAMPLE).unwrap();
        assert_eq!(
            costs["main"],
            Cost {
                self_ir: 20,
                inclusive: 820,
                calls: [("func1".to_owned(), 400), ("func2".to_owned(), 400)].into(),
            }
        );
        assert_eq!(
            costs["func1"],
            Cost {
                self_ir: 100,
                inclusive: 400,
                calls: [("func2".to_owned(), 300)].into(),
            }
        );
        // func2 and its recursion level func2'2 are one function; the recursive call is inside.
        assert_eq!(
            costs["func2"],
            Cost {
                self_ir: 700,
                inclusive: 700,
                calls: BTreeMap::new(),
            }
        );
        assert_eq!(costs["(below main)"].self_ir, 3);
        assert_eq!(costs.len(), 4);
    }

    #[test]
    fn mutual_recursion_is_counted_once() {
        let text = "events: Ir
fn=root
1 1
cfn=a
calls=1 1
1 100
fn=a
1 10
cfn=b
calls=1 1
1 90
fn=b
1 20
cfn=a'2
calls=1 1
1 70
fn=a'2
1 10
cfn=b'2
calls=1 1
1 60
fn=b'2
1 60
";
        let costs = parse(text).unwrap();
        let cost = |self_ir, inclusive, calls: &[(&str, u64)]| Cost {
            self_ir,
            inclusive,
            calls: calls.iter().map(|(n, ir)| ((*n).to_owned(), *ir)).collect(),
        };
        assert_eq!(costs["root"], cost(1, 101, &[("a", 100)]));
        // Every level's calls are summed: a → b (90) and a'2 → b'2 (60, inside the 90), so a call
        // graph of mutual recursion over-counts its calls; the flamegraph scales them back to a's
        // inclusive Ir, which is exact.
        assert_eq!(costs["a"], cost(20, 100, &[("b", 150)]));
        assert_eq!(costs["b"], cost(80, 90, &[("a", 70)]));
        assert_eq!(costs.len(), 3);
    }

    #[test]
    fn nested_namesakes_are_capped_at_the_total() {
        let text = "events: Ir
summary: 10
fn=start
cfn=(below main)
calls=1 1
1 10
fn=(below main)
1 1
cfn=libc_start
calls=1 1
1 9
fn=libc_start
cfn=(below main)
calls=1 1
1 9
fn=(below main)
1 9
";
        let costs = parse(text).unwrap();
        // Entered from `start` (10) and, as another function of that name, from `libc_start` (9).
        assert_eq!(
            costs["(below main)"],
            Cost {
                self_ir: 10,
                inclusive: 10,
                calls: [("libc_start".to_owned(), 9)].into(),
            }
        );
        assert_eq!(
            costs["libc_start"],
            Cost {
                self_ir: 0,
                inclusive: 9,
                calls: [("(below main)".to_owned(), 9)].into(),
            }
        );
    }

    #[test]
    fn names_lose_hash_and_recursion_suffixes_only() {
        assert_eq!(normalize("a::b::h0123456789abcdef"), "a::b");
        assert_eq!(normalize("a::b::h0123456789abcdef'3"), "a::b");
        assert_eq!(normalize("<a as b>::c'2"), "<a as b>::c");
        assert_eq!(normalize("a::high"), "a::high");
        assert_eq!(normalize("a::h0123"), "a::h0123");
        assert_eq!(normalize("x'y"), "x'y");
    }

    #[test]
    fn malformed_files_name_the_line() {
        assert_eq!(
            parse("events: Dr\n").unwrap_err().to_string(),
            "line 1: the events `Dr` do not include Ir"
        );
        assert_eq!(
            parse("events: Ir\nfn=(7)\n").unwrap_err().to_string(),
            "line 2: name id (7) is used before it is defined"
        );
        assert_eq!(
            parse("events: Ir\n3 4\n").unwrap_err().to_string(),
            "line 2: a cost line before any `fn=`"
        );
        assert_eq!(
            parse("events: Ir\nfn=a\n3 x\n").unwrap_err().to_string(),
            "line 3: expected a count, found `x`"
        );
        assert_eq!(
            parse("events: Ir\nfn=a\ngarbage\n")
                .unwrap_err()
                .to_string(),
            "line 3: unexpected line `garbage`"
        );
    }
}
