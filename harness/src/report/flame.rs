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
//! total on a path stays in its parent's frame. Both sides go through the same unfolding with the
//! same floor, so a frame that changed colour changed in the measurements (a function near the 0.1 %
//! cut-off may be recorded on one side only); the exact per-function ΔIr is the attribution table's.
//!
//! Two builds inline differently: a function can be a frame on one side and inlined into its caller
//! on the other (seen: `connascence::visit::run` appeared when `traverse` grew). Its whole subtree
//! would then sit on another path and be drawn as new. So a function recorded on one side only
//! stays a frame where its own Ir is (the end of a stack) and is left out of the middle of stacks.

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

/// The floor of both sides' unfolding: 0.1 % of the smaller total (of the larger when one side has
/// no Ir count), so that a call recorded on both sides with equal Ir is unfolded on both or on
/// neither. (Each side records only the functions above 0.1 % of its own total, so a function
/// between the two sides' cut-offs can still be on one side only.)
fn floor(before: &InstructionData, after: &InstructionData) -> f64 {
    let (a, b) = (before.ir(), after.ir());
    let total = match (a, b) {
        (0, other) | (other, 0) => other,
        _ => a.min(b),
    };
    (total as f64 * SHARE).max(1.0)
}

/// Folded stacks (`root;child;leaf` → Ir) of one side; paths below `floor` Ir stay in their parent.
pub fn stacks(data: &InstructionData, floor: f64) -> BTreeMap<String, u64> {
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

/// `stacks` with the frames of `one_sided` functions left out of the middle of each stack (kept at
/// its end, where their own Ir is), summing the stacks that become equal.
fn without_one_sided(
    stacks: BTreeMap<String, u64>,
    one_sided: &BTreeSet<String>,
) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (stack, ir) in stacks {
        let frames: Vec<&str> = stack.split(';').collect();
        let (last, middle) = frames.split_last().expect("a stack has a frame");
        let mut kept: Vec<&str> = middle
            .iter()
            .copied()
            .filter(|f| !one_sided.contains(*f))
            .collect();
        kept.push(last);
        *out.entry(kept.join(";")).or_default() += ir;
    }
    out
}

/// The folded lines of a differential flamegraph: `stack before after`, every stack of either side.
pub fn differential(before: &InstructionData, after: &InstructionData) -> Vec<String> {
    let floor = floor(before, after);
    let names = |data: &InstructionData| -> BTreeSet<String> {
        data.functions.iter().map(|f| frame(&f.name)).collect()
    };
    let (names_before, names_after) = (names(before), names(after));
    let one_sided: BTreeSet<String> = names_before
        .symmetric_difference(&names_after)
        .cloned()
        .collect();
    let before = without_one_sided(stacks(before, floor), &one_sided);
    let after = without_one_sided(stacks(after, floor), &one_sided);
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
        let stacks = stacks(&graph(), 1.0);
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
        let stacks = stacks(&graph, 1.0);
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
    fn a_function_inlined_on_one_side_does_not_move_its_callees() {
        // The candidate has `step` between run and visit (not inlined there), and visit's own Ir
        // grew by 10: only that is a change; visit and hash stay on the baseline's path.
        let before = graph();
        let mut after = graph();
        after.functions[0] = function("run", 1010, 0, &[("parse", 400), ("step", 610)]);
        after
            .functions
            .push(function("step", 610, 0, &[("visit", 610)]));
        after.functions[1] = function("visit", 610, 310, &[("hash", 300)]);
        after.events.insert("Ir".into(), 1010);
        let lines = differential(&before, &after);
        assert_eq!(
            lines,
            [
                "run;parse 300 300",
                "run;parse;hash 100 100",
                "run;visit 300 310",
                "run;visit;hash 300 300"
            ]
        );
    }

    #[test]
    fn both_sides_unfold_above_one_floor() {
        // A call of 2 Ir is above 0.1 % of the baseline's 1,000 Ir but not of the candidate's
        // 3,000: with one floor (the smaller total's) it is unfolded on both sides alike.
        let small = |total: u64| {
            data(
                vec![
                    function("run", total, total - 2, &[("tiny", 2)]),
                    function("tiny", 2, 2, &[]),
                ],
                total,
            )
        };
        let lines = differential(&small(1000), &small(3000));
        assert!(lines.contains(&"run;tiny 2 2".to_owned()), "{lines:?}");
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
