//! The check `perfgate peers` makes on every corpus before it measures: the warm run (`warm-1`, from
//! the disk cache the unrecorded first run filled) must print exactly the findings, diagnostics and
//! unused suppressions of the uncached run (`connascence-1`). The JSON of both is compared whole but
//! for `stats` (timings, cache counters), so a message, a severity or a position that the cache
//! changed is a failed measurement, not a faster row.

use std::process::Stdio;

use super::{PeerCommand, PeersError};

/// The parts of connascence's JSON output that must not depend on the cache.
const COMPARED: [&str; 3] = ["findings", "diagnostics", "unused_suppressions"];

fn json_of(command: &PeerCommand) -> Result<serde_json::Value, PeersError> {
    let (output, _) = command.run(Stdio::piped())?;
    serde_json::from_slice(&output.stdout).map_err(|error| PeersError::CachedOutput {
        corpus: String::new(),
        detail: format!("`{}` printed no JSON: {error}", command.display()),
    })
}

/// The first difference between two outputs in the [`COMPARED`] parts, if any. `findings` and
/// `diagnostics` must be lists in both (an output without them compares nothing and is refused);
/// `unused_suppressions` is written only when there are some.
pub fn first_difference(
    uncached: &serde_json::Value,
    cached: &serde_json::Value,
) -> Option<String> {
    for part in COMPARED {
        let required = part != "unused_suppressions";
        for (side, value) in [("uncached", uncached), ("cached", cached)] {
            if required && !value.get(part).is_some_and(serde_json::Value::is_array) {
                return Some(format!("the {side} output has no `{part}` list"));
            }
        }
        let empty = Vec::new();
        let list = |value: &serde_json::Value| -> Vec<serde_json::Value> {
            value
                .get(part)
                .and_then(|v| v.as_array())
                .unwrap_or(&empty)
                .clone()
        };
        let (a, b) = (list(uncached), list(cached));
        if a == b {
            continue;
        }
        let at = a
            .iter()
            .zip(&b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        let show = |list: &[serde_json::Value]| {
            list.get(at)
                .map_or("nothing".to_owned(), |value| value.to_string())
        };
        return Some(format!(
            "{part}: {} uncached, {} cached; at #{}: uncached {} against cached {}",
            a.len(),
            b.len(),
            at + 1,
            show(&a),
            show(&b)
        ));
    }
    None
}

/// Runs `connascence-1` and `warm-1` of `commands` once more each, capturing their JSON, and fails
/// when the warm run's differs (see the module comment), or when either command is missing.
pub fn warm_equals_cold(corpus: &str, commands: &[PeerCommand]) -> Result<(), PeersError> {
    let find = |key: &str| commands.iter().find(|command| command.key == key);
    let (Some(cold), Some(warm)) = (find("connascence-1"), find("warm-1")) else {
        return Err(PeersError::CachedOutput {
            corpus: corpus.to_owned(),
            detail: "no `connascence-1` and `warm-1` commands to compare".to_owned(),
        });
    };
    let with_corpus = |error: PeersError| match error {
        PeersError::CachedOutput { detail, .. } => PeersError::CachedOutput {
            corpus: corpus.to_owned(),
            detail,
        },
        other => other,
    };
    let uncached = json_of(cold).map_err(with_corpus)?;
    let cached = json_of(warm).map_err(with_corpus)?;
    match first_difference(&uncached, &cached) {
        None => Ok(()),
        Some(detail) => Err(PeersError::CachedOutput {
            corpus: corpus.to_owned(),
            detail,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_stats_may_differ_and_the_first_difference_is_named() {
        let finding =
            |line: u32, message: &str| json!({"rule": "timing", "line": line, "message": message});
        let a = json!({"findings": [finding(1, "x"), finding(2, "y")], "diagnostics": [], "stats": {"wall_ns": 1}});
        let mut b = a.clone();
        b["stats"]["wall_ns"] = json!(2);
        assert_eq!(first_difference(&a, &b), None);
        b["findings"][1]["message"] = json!("z");
        assert_eq!(
            first_difference(&a, &b).unwrap(),
            r#"findings: 2 uncached, 2 cached; at #2: uncached {"line":2,"message":"y","rule":"timing"} against cached {"line":2,"message":"z","rule":"timing"}"#
        );
        let mut c = a.clone();
        c["findings"].as_array_mut().unwrap().pop();
        assert_eq!(
            first_difference(&a, &c).unwrap(),
            r#"findings: 2 uncached, 1 cached; at #2: uncached {"line":2,"message":"y","rule":"timing"} against cached nothing"#
        );
        let mut d = a.clone();
        d["diagnostics"] = json!([{"file": "a.py"}]);
        assert!(
            first_difference(&a, &d)
                .unwrap()
                .starts_with("diagnostics: 0 uncached, 1 cached; at #1")
        );
        // Nothing to compare is a failure, not a pass.
        let mut e = a.clone();
        e.as_object_mut().unwrap().remove("findings");
        assert_eq!(
            first_difference(&a, &e).unwrap(),
            "the cached output has no `findings` list"
        );
        assert_eq!(
            first_difference(&json!({}), &json!({})).unwrap(),
            "the uncached output has no `findings` list"
        );
    }
}
