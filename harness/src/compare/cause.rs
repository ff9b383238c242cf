//! Where a deterministic change went, carried by the comparison itself so that every export — the
//! terminal, the Markdown comment, JUnit, JSON and the HTML report — can name it.
//!
//! Each engine says it through [`crate::engine::kind::Kind::cause`]. Instructions: the functions
//! whose self Ir moved most in the direction of the change ([`crate::report::attribution`]). Heap:
//! the allocation sites whose bytes, blocks or bytes at the peak moved most. Both list the largest contributions first,
//! until they explain at least 80 % of the change or [`SHOWN`] are listed. Each side records only
//! what is above 0.1 % of its total, so a function or site recorded on one side only counts as 0 on
//! the other and is marked.

use serde::Serialize;

use crate::report::format::signed_thousands;
use crate::results::InstructionData;

/// How many contributions a comparison keeps.
pub const SHOWN: usize = 5;

/// How much of the change the list tries to explain.
const EXPLAINED: f64 = 0.8;

/// One contribution to a metric's change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cause {
    /// A function (instructions) or an allocation site (heap).
    pub site: String,
    /// Its change, in the metric's unit (Ir, bytes, blocks).
    pub delta: i64,
    /// `delta` ÷ the metric's whole change.
    pub share: f64,
    /// Recorded on one side only (below 0.1 % on the other, counted as 0 there).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub one_sided: bool,
}

/// Why a change has no causes to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoCause {
    #[error(
        "the baseline has no allocation sites (it was measured before perfgate recorded them): accept a new baseline to see where heap changes go"
    )]
    BaselineWithoutSites,
    #[error("the candidate recorded no allocation sites")]
    CandidateWithoutSites,
}

/// The largest contributions in the direction of `total` (name, delta, recorded on one side only),
/// until [`EXPLAINED`] or [`SHOWN`].
pub fn explain(total: i64, mut parts: Vec<(String, i64, bool)>) -> Vec<Cause> {
    if total == 0 {
        return Vec::new();
    }
    let sign = total.signum();
    parts.retain(|(_, delta, _)| delta * sign > 0);
    parts.sort_by(|a, b| (b.1 * sign).cmp(&(a.1 * sign)).then_with(|| a.0.cmp(&b.0)));
    let mut out = Vec::new();
    let mut sum = 0i64;
    for (site, delta, one_sided) in parts {
        if out.len() == SHOWN || sum as f64 / total as f64 >= EXPLAINED {
            break;
        }
        sum += delta;
        out.push(Cause {
            site,
            delta,
            share: delta as f64 / total as f64,
            one_sided,
        });
    }
    out
}

/// The functions behind an instruction-count change.
pub fn instructions(before: &InstructionData, after: &InstructionData) -> Vec<Cause> {
    let attribution = crate::report::attribution::attribute(before, after);
    let parts = attribution
        .functions
        .iter()
        .map(|f| (f.name.clone(), f.self_delta(), f.one_sided))
        .collect();
    explain(attribution.total_delta, parts)
}

/// The unit of a metric's deltas.
pub fn unit(metric: &str) -> &'static str {
    match metric {
        "instructions" => "Ir",
        "heap.total_blocks" => "blocks",
        "heap.max_bytes" => "B at the peak",
        _ => "B",
    }
}

/// `ΔIr = +64,984,406 (+26.1 %)`: a deterministic metric's whole change.
pub fn headline(metric: &str, baseline: u64, candidate: u64) -> String {
    let delta = candidate as i64 - baseline as i64;
    let symbol = match metric {
        "instructions" => "ΔIr".to_owned(),
        other => format!("Δ{}", other.strip_prefix("heap.").unwrap_or(other)),
    };
    let percent = if baseline == 0 {
        "new".to_owned()
    } else {
        crate::report::format::change(candidate as f64 / baseline as f64)
    };
    format!("{symbol} = {} ({percent})", signed_thousands(delta))
}

/// One contribution as a line: `+63,950,000 Ir (98.4 %) connascence::visit::walk`.
pub fn line(metric: &str, cause: &Cause) -> String {
    format!(
        "{} {} ({}) {}{}",
        signed_thousands(cause.delta),
        unit(metric),
        crate::report::format::percent(cause.share),
        cause.site,
        if cause.one_sided {
            " [one side only]"
        } else {
            ""
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headline_gives_the_whole_change_with_separators() {
        assert_eq!(
            headline("instructions", 249_000_000, 313_984_406),
            "ΔIr = +64,984,406 (+26.1 %)"
        );
        assert_eq!(
            headline("heap.total_blocks", 1_000, 950),
            "Δtotal_blocks = -50 (-5.00 %)"
        );
    }

    #[test]
    fn at_most_five_are_listed_largest_first() {
        let parts = (0..10).map(|i| (format!("f{i}"), 10 + i, false)).collect();
        let causes = explain(145, parts);
        assert_eq!(causes.len(), SHOWN);
        assert_eq!(causes[0].site, "f9");
        assert!(explain(0, vec![("f".into(), 1, false)]).is_empty());
        // Contributions against the direction of the change are not causes.
        assert!(explain(10, vec![("g".into(), -5, false)]).is_empty());
        assert_eq!(
            line(
                "instructions",
                &explain(100, vec![("h".into(), 100, true)])[0]
            ),
            "+100 Ir (100 %) h [one side only]"
        );
    }
}
