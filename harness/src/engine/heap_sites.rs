//! Allocation sites from a dhat profile (`dhat-heap.json`, format version 2), small enough to keep
//! in results and baselines so that a heap change can be explained by site on any host.
//!
//! dhat records one *program point* per distinct call stack. A site here is a shorter stack: the
//! innermost frame after the allocator's own (dhat, `alloc/src/alloc.rs`, the raw buffer of `Vec`
//! and `String`) — what allocated, e.g.
//! `with_capacity<connascence::finding::Finding>` — then the analyzer's frames from the first one in
//! `core/` outward (the library plumbing in between dropped), at most [`FRAMES`] in all. Frames are
//! `function (file)`, line numbers dropped, so a site keeps its name across unrelated edits. Program
//! points with the same site are summed. Only sites above [`RECORDED`] of the run's total bytes,
//! total blocks or peak are kept; a site below it on one side counts as 0 there, which the
//! attribution says.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::results::HeapSite;

/// The share of total bytes, total blocks or the peak above which a site is recorded.
pub const RECORDED: f64 = 0.001;

/// Frames kept per site.
pub const FRAMES: usize = 4;

/// Why a dhat profile could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SitesError {
    #[error("dhat-heap.json is malformed: {0}")]
    Malformed(String),
    #[error("dhat-heap.json has format version {0}; perfgate reads version 2")]
    Version(u64),
    #[error("dhat-heap.json: a program point names frame {0}, outside its frame table")]
    Frame(usize),
}

#[derive(Deserialize)]
struct Profile {
    #[serde(rename = "dhatFileVersion")]
    version: u64,
    pps: Vec<Point>,
    ftbl: Vec<String>,
}

#[derive(Deserialize)]
struct Point {
    tb: u64,
    tbk: u64,
    #[serde(default)]
    gb: Option<u64>,
    fs: Vec<usize>,
}

/// `0x55f1: merge_sorted (core/src/aggregate.rs:264:22)` → (`merge_sorted`, `core/src/aggregate.rs`).
fn frame(text: &str) -> (&str, &str) {
    let text = match text.split_once(": ") {
        Some((address, rest)) if address.starts_with("0x") => rest,
        _ => text,
    };
    let Some((name, location)) = text.rsplit_once(" (") else {
        return (text, "");
    };
    let location = location.strip_suffix(')').unwrap_or(location);
    // file:line:column; a file name may itself hold a colon, so cut from the right.
    let file = location.rsplitn(3, ':').nth(2).unwrap_or(location);
    (name, file)
}

/// The allocator and the raw buffer under every `Vec` and `String`: never the interesting frame.
fn is_allocator(file: &str) -> bool {
    file.starts_with("dhat-")
        || file == "alloc/src/alloc.rs"
        || file.starts_with("src/raw_vec/")
        || file.starts_with("alloc/src/raw_vec/")
}

fn is_own(file: &str) -> bool {
    file.starts_with("core/")
}

/// The site of one program point's frames (innermost first).
fn site_of(frames: &[(&str, &str)]) -> Vec<String> {
    let text = |(name, file): &(&str, &str)| {
        if file.is_empty() {
            (*name).to_owned()
        } else {
            format!("{name} ({file})")
        }
    };
    let rest: Vec<&(&str, &str)> = frames
        .iter()
        .skip_while(|(_, file)| is_allocator(file))
        .collect();
    let Some((first, outer)) = rest.split_first() else {
        return vec!["[allocator]".to_owned()];
    };
    let mut site = vec![text(first)];
    let own = outer.iter().position(|(_, file)| is_own(file));
    let from = if is_own(first.1) { Some(0) } else { own };
    match from {
        Some(start) => site.extend(outer[start..].iter().take(FRAMES - 1).map(|f| text(f))),
        None => site.extend(outer.iter().take(FRAMES - 1).map(|f| text(f))),
    }
    site
}

/// The recorded sites of a dhat profile, by total bytes (descending), then by frames.
pub fn sites(text: &str) -> Result<Vec<HeapSite>, SitesError> {
    let profile: Profile =
        serde_json::from_str(text).map_err(|error| SitesError::Malformed(error.to_string()))?;
    if profile.version != 2 {
        return Err(SitesError::Version(profile.version));
    }
    let mut by_site: BTreeMap<Vec<String>, HeapSite> = BTreeMap::new();
    let (mut bytes, mut blocks, mut peak) = (0u64, 0u64, 0u64);
    for point in &profile.pps {
        let frames = point
            .fs
            .iter()
            .map(|&index| {
                profile
                    .ftbl
                    .get(index)
                    .map(|text| frame(text))
                    .ok_or(SitesError::Frame(index))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let key = site_of(&frames);
        let entry = by_site.entry(key.clone()).or_insert_with(|| HeapSite {
            frames: key,
            bytes: 0,
            blocks: 0,
            peak_bytes: 0,
        });
        let at_peak = point.gb.unwrap_or(0);
        entry.bytes += point.tb;
        entry.blocks += point.tbk;
        entry.peak_bytes += at_peak;
        bytes += point.tb;
        blocks += point.tbk;
        peak += at_peak;
    }
    let above = |part: u64, whole: u64| whole > 0 && part as f64 >= RECORDED * whole as f64;
    let mut kept: Vec<HeapSite> = by_site
        .into_values()
        .filter(|site| {
            above(site.bytes, bytes) || above(site.blocks, blocks) || above(site.peak_bytes, peak)
        })
        .collect();
    kept.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.frames.cmp(&b.frames)));
    Ok(kept)
}

/// A site for people: the allocating frame, and where in the analyzer (`with_capacity<T> in
/// merge_sorted (core/src/aggregate.rs) ← merge_run_level (core/src/aggregate.rs)`).
pub fn describe(site: &HeapSite) -> String {
    match site.frames.split_first() {
        None => "[unknown]".into(),
        Some((first, [])) => first.clone(),
        Some((first, outer)) => {
            let innermost = first.split(" (").next().unwrap_or(first);
            format!("{innermost} in {}", outer.join(" ← "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(points: &[(u64, u64, u64, &[usize])], frames: &[&str]) -> String {
        serde_json::json!({
            "dhatFileVersion": 2,
            "mode": "rust-heap",
            "pps": points
                .iter()
                .map(|(tb, tbk, gb, fs)| serde_json::json!({"tb": tb, "tbk": tbk, "gb": gb, "fs": fs}))
                .collect::<Vec<_>>(),
            "ftbl": frames,
        })
        .to_string()
    }

    const FRAMES_TABLE: [&str; 10] = [
        "[root]",
        "0x1: alloc (dhat-0.3.3/src/lib.rs:1176:9)",
        "0x2: alloc (alloc/src/alloc.rs:95:9)",
        "0x3: with_capacity<connascence::finding::Finding> (src/vec/mod.rs:524:9)",
        "0x4: merge_sorted (core/src/aggregate.rs:264:22)",
        "0x5: merge_run_level (core/src/aggregate.rs:238:30)",
        "0x6: finish (core/src/aggregate.rs:146:18)",
        "0x7: aggregate (core/src/workload.rs:184:29)",
        "0x8: merge_sorted (core/src/aggregate.rs:270:9)",
        "0x9: try_allocate_in<alloc::alloc::Global> (src/raw_vec/mod.rs:464:47)",
    ];

    #[test]
    fn a_site_is_the_allocating_frame_then_the_analyzers_frames_without_line_numbers() {
        let text = profile(
            &[
                (1_000_000, 10_000, 400, &[1, 2, 9, 3, 4, 5, 6, 7]),
                // Another line of the same function: the same site, summed.
                (500_000, 5_000, 100, &[1, 2, 3, 8, 5, 6, 7]),
                // Below 0.1 % of everything: not recorded.
                (1, 1, 0, &[1, 2, 6, 7]),
            ],
            &FRAMES_TABLE,
        );
        let sites = sites(&text).unwrap();
        assert_eq!(
            sites,
            vec![HeapSite {
                frames: vec![
                    "with_capacity<connascence::finding::Finding> (src/vec/mod.rs)".into(),
                    "merge_sorted (core/src/aggregate.rs)".into(),
                    "merge_run_level (core/src/aggregate.rs)".into(),
                    "finish (core/src/aggregate.rs)".into(),
                ],
                bytes: 1_500_000,
                blocks: 15_000,
                peak_bytes: 500,
            }]
        );
        assert_eq!(
            describe(&sites[0]),
            "with_capacity<connascence::finding::Finding> in merge_sorted (core/src/aggregate.rs) ← merge_run_level (core/src/aggregate.rs) ← finish (core/src/aggregate.rs)"
        );
    }

    #[test]
    fn a_small_site_is_kept_when_it_matters_to_one_measure() {
        // 1 byte of 10,001 but half of the blocks.
        let text = profile(
            &[(10_000, 1, 0, &[1, 2, 3, 4]), (1, 1, 0, &[1, 2, 6, 7])],
            &FRAMES_TABLE,
        );
        let sites = sites(&text).unwrap();
        assert_eq!(sites.len(), 2);
        assert_eq!(
            sites[1].frames,
            vec![
                "finish (core/src/aggregate.rs)".to_owned(),
                "aggregate (core/src/workload.rs)".to_owned()
            ]
        );
    }

    #[test]
    fn bad_profiles_are_errors_not_panics() {
        assert_eq!(
            sites(&profile(&[(1, 1, 0, &[42])], &FRAMES_TABLE)),
            Err(SitesError::Frame(42))
        );
        let version = r#"{"dhatFileVersion": 1, "pps": [], "ftbl": []}"#;
        assert_eq!(sites(version), Err(SitesError::Version(1)));
        assert!(matches!(sites("{"), Err(SitesError::Malformed(_))));
        assert_eq!(
            frame("weird frame without parentheses"),
            ("weird frame without parentheses", "")
        );
        assert_eq!(frame("0x9: f (C:/x.rs:1:2)"), ("f", "C:/x.rs"));
    }
}
