//! The differential flamegraph of a scenario against its baseline: both sides' call graphs (the
//! functions above 0.1 % of Ir with their self Ir and their calls, as the instruction engine stores
//! them in results and baselines) are unfolded into stacks the same way, and inferno draws the
//! candidate's stacks coloured by the change: red where Ir grew, blue where it shrank.
//!
//! Callgrind keeps totals per caller → callee pair, not whole stacks, so the stacks are rebuilt as
//! KCachegrind's call tree is: a function's cost on a path is split among its callees in proportion
//! to what it spends in each. A function reached from two callers is therefore divided by its call
//! totals, and in mutual recursion the split is approximate; a call into a function already on the
//! path ends the path there (recursion is folded into one frame). Whatever falls below 0.1 % of the
//! total on a path stays in its parent's frame. Both sides go through the same unfolding, so a frame
//! that changed colour changed in the measurements too; the exact per-function ΔIr is the
//! attribution table's.

use std::collections::{BTreeMap, BTreeSet};

use crate::results::{FunctionIr, InstructionData};

/// Paths below this share of the total are not unfolded further.
const SHARE: f64 = 0.001;
/// Deeper paths end (a guard: real call graphs of the core are far shallower).
const DEPTH: usize = 96;

/// Why a scenario has no differential flamegraph.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoFlamegraph {
    #[error(
        "the {0} records no calls (it was measured before perfgate stored them; measure or accept it again to get the differential flamegraph)"
    )]
    NoCalls(&'static str),
    #[error("inferno could not draw it: {0}")]
    Draw(String),
}

/// Folded stacks (`root;child;leaf` → Ir) of one side.
pub fn stacks(data: &InstructionData) -> BTreeMap<String, u64> {
    let by_name: BTreeMap<&str, &FunctionIr> = data
        .functions
        .iter()
        .map(|function| (function.name.as_str(), function))
        .collect();
    let called: BTreeSet<&str> = data
        .functions
        .iter()
        .flat_map(|function| function.calls.keys())
        .map(String::as_str)
        .filter(|callee| by_name.contains_key(callee))
        .collect();
    let total: u64 = data.ir();
    let floor = (total as f64 * SHARE).max(1.0);
    let mut out = BTreeMap::new();
    let mut path = Vec::new();
    for root in data
        .functions
        .iter()
        .filter(|function| !called.contains(function.name.as_str()))
    {
        unfold(
            &by_name,
            root,
            root.inclusive as f64,
            floor,
            &mut path,
            &mut out,
        );
    }
    out
}

fn frame(name: &str) -> String {
    // `;` separates frames in the folded format.
    name.replace(';', ",")
}

fn emit(out: &mut BTreeMap<String, u64>, path: &[String], ir: f64) {
    let ir = ir.round() as u64;
    if ir > 0 && !path.is_empty() {
        *out.entry(path.join(";")).or_default() += ir;
    }
}

fn unfold(
    by_name: &BTreeMap<&str, &FunctionIr>,
    function: &FunctionIr,
    budget: f64,
    floor: f64,
    path: &mut Vec<String>,
    out: &mut BTreeMap<String, u64>,
) {
    path.push(frame(&function.name));
    let spent = function.self_ir + function.calls.values().sum::<u64>();
    let mut children = 0.0;
    if budget >= floor && spent > 0 && path.len() < DEPTH {
        let scale = budget / spent as f64;
        for (callee, ir) in &function.calls {
            let share = *ir as f64 * scale;
            let Some(next) = by_name.get(callee.as_str()) else {
                continue;
            };
            if share < floor {
                continue;
            }
            children += share;
            if path.contains(&frame(callee)) {
                path.push(frame(callee));
                emit(out, path, share);
                path.pop();
            } else {
                unfold(by_name, next, share, floor, path, out);
            }
        }
    }
    emit(out, path, (budget - children).max(0.0));
    path.pop();
}

/// The folded lines of a differential flamegraph: `stack before after`, every stack of either side.
pub fn differential(before: &InstructionData, after: &InstructionData) -> Vec<String> {
    let (before, after) = (stacks(before), stacks(after));
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .map(|stack| {
            format!(
                "{stack} {} {}",
                before.get(stack).copied().unwrap_or(0),
                after.get(stack).copied().unwrap_or(0)
            )
        })
        .collect()
}

/// The differential flamegraph (SVG) of one scenario, or why there is none.
pub fn draw(
    scenario: &str,
    before: &InstructionData,
    after: &InstructionData,
) -> Result<String, NoFlamegraph> {
    for (side, data) in [("baseline", before), ("candidate", after)] {
        if data
            .functions
            .iter()
            .all(|function| function.calls.is_empty())
        {
            return Err(NoFlamegraph::NoCalls(side));
        }
    }
    let lines = differential(before, after);
    let mut options = inferno::flamegraph::Options::default();
    options.title = format!("{scenario}: Ir against the baseline");
    options.subtitle =
        Some("widths: the candidate's Ir; red: more than the baseline, blue: fewer".to_owned());
    options.count_name = "Ir".to_owned();
    options.name_type = "Function:".to_owned();
    options.deterministic = true;
    let mut svg = Vec::new();
    inferno::flamegraph::from_lines(&mut options, lines.iter().map(String::as_str), &mut svg)
        .map_err(|error| NoFlamegraph::Draw(error.to_string()))?;
    String::from_utf8(svg).map_err(|error| NoFlamegraph::Draw(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(name: &str, inclusive: u64, self_ir: u64, calls: &[(&str, u64)]) -> FunctionIr {
        FunctionIr {
            name: name.into(),
            inclusive,
            self_ir,
            calls: calls.iter().map(|(n, ir)| ((*n).to_owned(), *ir)).collect(),
        }
    }

    fn data(functions: Vec<FunctionIr>, total: u64) -> InstructionData {
        InstructionData {
            events: [("Ir".to_owned(), total)].into(),
            functions,
            artifacts: String::new(),
            flamegraphs: Vec::new(),
        }
    }

    /// run → parse (400) and visit (600); both call hash (100 and 300).
    fn graph() -> InstructionData {
        data(
            vec![
                function("run", 1000, 0, &[("parse", 400), ("visit", 600)]),
                function("visit", 600, 300, &[("hash", 300)]),
                function("parse", 400, 300, &[("hash", 100)]),
                function("hash", 400, 400, &[]),
            ],
            1000,
        )
    }

    #[test]
    fn a_call_graph_unfolds_into_stacks_that_add_up_to_the_total() {
        let stacks = stacks(&graph());
        let expected: BTreeMap<String, u64> = [
            ("run;parse", 300),
            ("run;parse;hash", 100),
            ("run;visit", 300),
            ("run;visit;hash", 300),
        ]
        .into_iter()
        .map(|(s, ir)| (s.to_owned(), ir))
        .collect();
        assert_eq!(stacks, expected);
        assert_eq!(stacks.values().sum::<u64>(), 1000);
    }

    #[test]
    fn recursion_ends_the_path_and_keeps_its_cost() {
        // expr ↔ stmt call each other; the inner call into a frame already on the path is a leaf.
        let graph = data(
            vec![
                function("run", 100, 0, &[("stmt", 100)]),
                function("stmt", 100, 50, &[("expr", 50)]),
                function("expr", 50, 30, &[("stmt", 20)]),
            ],
            100,
        );
        let stacks = stacks(&graph);
        assert_eq!(stacks.values().sum::<u64>(), 100);
        assert!(stacks.contains_key("run;stmt;expr;stmt"), "{stacks:?}");
        assert_eq!(stacks.keys().map(|s| s.matches(';').count()).max(), Some(3));
    }

    #[test]
    fn the_differential_lines_carry_both_sides_of_every_stack() {
        let before = graph();
        let mut after = graph();
        after.functions[1] = function("visit", 900, 300, &[("hash", 300), ("spin", 300)]);
        after.functions[0] = function("run", 1300, 0, &[("parse", 400), ("visit", 900)]);
        after.functions.push(function("spin", 300, 300, &[]));
        after.events.insert("Ir".into(), 1300);
        let lines = differential(&before, &after);
        assert!(
            lines.contains(&"run;visit;spin 0 300".to_owned()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"run;visit;hash 300 300".to_owned()),
            "{lines:?}"
        );
        let svg = draw("demo", &before, &after).unwrap();
        assert!(svg.starts_with("<?xml"), "{}", &svg[..80]);
        assert!(svg.contains("demo: Ir against the baseline"));
        assert!(svg.contains("spin"));
    }

    #[test]
    fn a_side_without_calls_says_so() {
        let mut before = graph();
        for function in &mut before.functions {
            function.calls.clear();
        }
        assert_eq!(
            draw("demo", &before, &graph()).unwrap_err().to_string(),
            "the baseline records no calls (it was measured before perfgate stored them; measure or accept it again to get the differential flamegraph)"
        );
    }
}
