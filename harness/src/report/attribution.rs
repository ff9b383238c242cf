//! Per-function attribution of an instruction-count change: from both sides' per-function Ir (the
//! functions above 0.1 % each side recorded), the functions whose self Ir changed most, listed until
//! they explain at least 80 % of the scenario's ΔIr. Self Ir is additive (every instruction is in
//! exactly one function's self Ir), so self deltas add up to the total change; inclusive deltas are
//! shown beside them for context. A function recorded on one side only counts as 0 on the other
//! (it was below 0.1 % there), which the report says.

use std::collections::BTreeMap;

use crate::results::InstructionData;

/// How much of ΔIr the list must explain.
pub const EXPLAINED: f64 = 0.8;

/// One function's change.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDelta {
    pub name: String,
    pub self_before: u64,
    pub self_after: u64,
    pub inclusive_before: u64,
    pub inclusive_after: u64,
    /// Recorded on one side only (below 0.1 % on the other).
    pub one_sided: bool,
}

impl FunctionDelta {
    pub fn self_delta(&self) -> i64 {
        self.self_after as i64 - self.self_before as i64
    }
    pub fn inclusive_delta(&self) -> i64 {
        self.inclusive_after as i64 - self.inclusive_before as i64
    }
}

/// The attribution of one scenario's change.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    pub total_delta: i64,
    /// Functions in order of |Δself|, until ≥ 80 % of ΔIr is explained (or the list runs out).
    pub functions: Vec<FunctionDelta>,
    /// Σ Δself of the listed functions / ΔIr.
    pub explained: f64,
}

/// Attributes the change from `before` to `after`.
pub fn attribute(before: &InstructionData, after: &InstructionData) -> Attribution {
    let total_delta = after.ir() as i64 - before.ir() as i64;
    let mut by_name: BTreeMap<&str, FunctionDelta> = BTreeMap::new();
    for f in &before.functions {
        by_name.insert(
            &f.name,
            FunctionDelta {
                name: f.name.clone(),
                self_before: f.self_ir,
                self_after: 0,
                inclusive_before: f.inclusive,
                inclusive_after: 0,
                one_sided: true,
            },
        );
    }
    for f in &after.functions {
        let entry = by_name.entry(&f.name).or_insert_with(|| FunctionDelta {
            name: f.name.clone(),
            self_before: 0,
            self_after: 0,
            inclusive_before: 0,
            inclusive_after: 0,
            one_sided: true,
        });
        entry.one_sided = entry.self_before == 0 && entry.inclusive_before == 0;
        entry.self_after = f.self_ir;
        entry.inclusive_after = f.inclusive;
    }
    let mut deltas: Vec<FunctionDelta> = by_name
        .into_values()
        .filter(|d| d.self_delta() != 0)
        .collect();
    // Largest contribution in the direction of the change first; ties by name for stable output.
    let sign = total_delta.signum();
    deltas.sort_by(|a, b| {
        (b.self_delta() * sign)
            .cmp(&(a.self_delta() * sign))
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut functions = Vec::new();
    let mut sum = 0i64;
    for delta in deltas {
        if total_delta == 0 || (sum as f64 / total_delta as f64) >= EXPLAINED {
            break;
        }
        if delta.self_delta() * sign <= 0 {
            break;
        }
        sum += delta.self_delta();
        functions.push(delta);
    }
    Attribution {
        total_delta,
        explained: if total_delta == 0 {
            0.0
        } else {
            sum as f64 / total_delta as f64
        },
        functions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::FunctionIr;

    fn data(ir: u64, functions: &[(&str, u64, u64)]) -> InstructionData {
        InstructionData {
            events: BTreeMap::from([("Ir".to_owned(), ir)]),
            functions: functions
                .iter()
                .map(|(name, inclusive, self_ir)| FunctionIr {
                    name: (*name).into(),
                    inclusive: *inclusive,
                    self_ir: *self_ir,
                    calls: Default::default(),
                })
                .collect(),
            artifacts: String::new(),
            flamegraphs: Vec::new(),
        }
    }

    #[test]
    fn the_biggest_self_changes_are_listed_until_80_percent_is_explained() {
        let before = data(
            1000,
            &[
                ("run", 1000, 100),
                ("parse", 500, 500),
                ("visit", 300, 300),
                ("lex", 100, 100),
            ],
        );
        // +200: parse +120, visit +60, lex +30, run −10.
        let after = data(
            1200,
            &[
                ("run", 1200, 90),
                ("parse", 620, 620),
                ("visit", 360, 360),
                ("lex", 130, 130),
            ],
        );
        let attribution = attribute(&before, &after);
        assert_eq!(attribution.total_delta, 200);
        let names: Vec<&str> = attribution
            .functions
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        // parse alone explains 60 %, with visit 90 %.
        assert_eq!(names, ["parse", "visit"]);
        assert!((attribution.explained - 0.9).abs() < 1e-12);
        assert_eq!(attribution.functions[0].inclusive_delta(), 120);
    }

    #[test]
    fn functions_seen_on_one_side_count_as_zero_there() {
        let before = data(1000, &[("old_path", 400, 400)]);
        let after = data(900, &[("new_path", 300, 300)]);
        let attribution = attribute(&before, &after);
        assert_eq!(attribution.total_delta, -100);
        assert_eq!(attribution.functions[0].name, "old_path");
        assert!(attribution.functions[0].one_sided);
        assert_eq!(attribution.functions[0].self_delta(), -400);
    }
}
