//! The subject: the one module that reaches the analysis core, through its stable workload API.
//!
//! Comparing two branches builds the harness's entry points against the other side's core, so only
//! this module may name `connascence` items, and only the small API in `connascence::workload` plus
//! the rule registry's ids.

/// Rule ids the core knows (for validating scenarios).
pub fn rule_ids() -> Vec<&'static str> {
    connascence::REGISTRY.iter().map(|info| info.id).collect()
}
