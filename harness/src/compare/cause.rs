//! Where a deterministic change went, carried by the comparison itself so that every export — the
//! terminal, the Markdown comment, JUnit, JSON and the HTML report — can name it.
//!
//! Instructions: the functions whose self Ir moved most in the direction of the change
//! ([`crate::report::attribution`]). Heap: the allocation sites ([`crate::engine::heap_sites`])
//! whose bytes, blocks or bytes at the peak moved most. Both list the largest contributions first,
//! until they explain at least 80 % of the change or [`SHOWN`] are listed. Each side records only
//! what is above 0.1 % of its total, so a function or site recorded on one side only counts as 0 on
//! the other and is marked.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::heap_sites;
use crate::engine::instructions::InstructionData;
use crate::report::format::signed_thousands;
use crate::results::HeapData;

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

/// The largest contributions in the direction of `total`, until [`EXPLAINED`] or [`SHOWN`].
fn explain(total: i64, mut parts: Vec<(String, i64, bool)>) -> Vec<Cause> {
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

/// A heap metric's whole value, and its part at one site.
type Measure = (fn(&HeapData) -> u64, fn(&crate::results::HeapSite) -> u64);

/// What a heap metric counts per site.
fn measure(metric: &str) -> Option<Measure> {
    match metric {
        "heap.total_bytes" => Some((|h| h.total_bytes, |s| s.bytes)),
        "heap.total_blocks" => Some((|h| h.total_blocks, |s| s.blocks)),
        "heap.max_bytes" => Some((|h| h.max_bytes, |s| s.peak_bytes)),
        _ => None,
    }
}

/// The allocation sites behind a heap change; `Err` with a note when a side recorded no sites.
pub fn heap(metric: &str, before: &HeapData, after: &HeapData) -> Result<Vec<Cause>, String> {
    let Some((total, part)) = measure(metric) else {
        return Ok(Vec::new());
    };
    if before.sites.is_empty() {
        return Err(
            "the baseline has no allocation sites (it was measured before perfgate recorded them): accept a new baseline to see where heap changes go".into(),
        );
    }
    if after.sites.is_empty() {
        return Err("the candidate recorded no allocation sites".into());
    }
    let mut by_site: BTreeMap<String, (u64, u64, bool, bool)> = BTreeMap::new();
    for site in &before.sites {
        let entry = by_site.entry(heap_sites::describe(site)).or_default();
        entry.0 += part(site);
        entry.2 = true;
    }
    for site in &after.sites {
        let entry = by_site.entry(heap_sites::describe(site)).or_default();
        entry.1 += part(site);
        entry.3 = true;
    }
    let parts = by_site
        .into_iter()
        .map(|(site, (old, new, in_old, in_new))| (site, new as i64 - old as i64, in_old != in_new))
        .collect();
    Ok(explain(total(after) as i64 - total(before) as i64, parts))
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
    use crate::results::HeapSite;

    fn heap_data(bytes: u64, sites: &[(&str, u64)]) -> HeapData {
        HeapData {
            total_bytes: bytes,
            total_blocks: 10,
            max_bytes: 10,
            max_blocks: 1,
            sites: sites
                .iter()
                .map(|(name, bytes)| HeapSite {
                    frames: vec![format!("{name} (core/src/x.rs)")],
                    bytes: *bytes,
                    blocks: 1,
                    peak_bytes: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn heap_changes_are_explained_by_site_largest_first_until_eighty_percent() {
        let before = heap_data(10_000, &[("a", 6_000), ("b", 3_000), ("c", 1_000)]);
        let after = heap_data(
            14_000,
            &[("a", 6_000), ("b", 6_000), ("c", 1_500), ("new", 500)],
        );
        let causes = heap("heap.total_bytes", &before, &after).unwrap();
        assert_eq!(
            causes,
            vec![
                Cause {
                    site: "b (core/src/x.rs)".into(),
                    delta: 3_000,
                    share: 0.75,
                    one_sided: false,
                },
                Cause {
                    site: "c (core/src/x.rs)".into(),
                    delta: 500,
                    share: 0.125,
                    one_sided: false,
                }
            ]
        );
        assert_eq!(
            line("heap.total_bytes", &causes[0]),
            "+3,000 B (75.0 %) b (core/src/x.rs)"
        );
        // Ties in size are listed by name; the one-sided site is marked.
        let after = heap_data(
            10_500,
            &[("a", 6_000), ("b", 3_000), ("c", 1_000), ("new", 500)],
        );
        let causes = heap("heap.total_bytes", &before, &after).unwrap();
        assert_eq!(causes.len(), 1);
        assert!(causes[0].one_sided);
        assert_eq!(
            line("heap.total_bytes", &causes[0]),
            "+500 B (100 %) new (core/src/x.rs) [one side only]"
        );
    }

    #[test]
    fn a_baseline_without_sites_says_how_to_get_them() {
        let before = heap_data(10_000, &[]);
        let after = heap_data(11_000, &[("a", 1_000)]);
        let note = heap("heap.total_bytes", &before, &after).unwrap_err();
        assert!(
            note.starts_with("the baseline has no allocation sites"),
            "{note}"
        );
    }

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
    fn at_most_five_are_listed() {
        let parts = (0..10).map(|i| (format!("f{i}"), 10, false)).collect();
        let causes = explain(100, parts);
        assert_eq!(causes.len(), SHOWN);
        assert_eq!(causes[0].site, "f0");
        assert!(explain(0, vec![("f".into(), 1, false)]).is_empty());
    }
}
