//! What the rest of perfgate asks of an engine ([`Kind`]), and what an engine measures with
//! ([`Context`]); the registry of every engine, one line each, is [`super::ENGINES`].
//!
//! An engine is a module of `engine/` that implements [`Kind`], plus its line in the registry.
//! From that line the engine is parsed from `--engines`, run by `perfgate run` (in the registry's
//! order), compared and gated ([`Kind::values`], under its [`Kind::family`] of
//! [`crate::metric::FAMILIES`]), dropped from a baseline when a run skips it, re-measured from the
//! baseline's commit unless it is [`Kind::host_bound`], merged from shards, kept in the history
//! and exported to Bencher. Its data adds a key to the results file (whose schema lives in
//! `results.rs`, with every other key) and, if a scenario can turn it off, a key under
//! `[engines]` (in `scenario/`); `docs/internals/adding-an-engine.md` walks through one.

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::{ENGINES, EngineError};
use crate::results::ScenarioResult;
use crate::scenario::Scenario;
use crate::subject::PreparedInput;

/// What an engine is and does.
pub trait Kind: Sync {
    /// Its name on the command line (`--engines`), in the selection a results file records and in
    /// the commands perfgate prints.
    fn name(&self) -> &'static str;
    /// The family its compared values belong to ([`crate::metric::FAMILIES`]): the threshold and
    /// `--allow-uncompared` name it; `None` for one whose values are reported as changes but never
    /// gated on their own (the counters).
    fn family(&self) -> Option<&'static str>;
    /// Whether its values belong to the host that measured them (wall time): compared only on the
    /// same host, and never re-measured from a commit on another.
    fn host_bound(&self) -> bool;
    /// Whether the scenario asks for it (its `[engines]` table).
    fn enabled(&self, scenario: &Scenario) -> bool;
    /// Measures one scenario into `result` (which is kept only if every engine succeeds).
    fn measure(&self, context: &Context, result: &mut ScenarioResult) -> Result<(), EngineError>;
    /// Whether `result` holds its data.
    fn present(&self, result: &ScenarioResult) -> bool;
    /// Removes its data (and the artifacts that go with it) from `result`; whether there was any.
    fn clear(&self, result: &mut ScenarioResult) -> bool;
    /// Adds the data of `more` (another shard's measurement of the same scenario) to `into`:
    /// sampled data is pooled, a single measurement is kept from the first that has it.
    fn merge(&self, into: &mut ScenarioResult, more: &mut ScenarioResult);
    /// Drops what only this checkout can read (artifact paths), keeping the values: for a result
    /// measured in a temporary worktree.
    fn strip_local(&self, _result: &mut ScenarioResult) {}
    /// The repository-relative paths of its artifacts in `result`, to be made absolute when the
    /// result was measured in another checkout (a side of `compare-branches`).
    fn artifacts<'r>(&self, _result: &'r mut ScenarioResult) -> Vec<&'r mut String> {
        Vec::new()
    }
    /// The values the comparison, the history and the exports read; `None` without data.
    fn values(&self, result: &ScenarioResult) -> Option<Values>;
    /// What in its data cannot be a measurement (`Ir == 0`), if anything: the comparison refuses
    /// it (exit 2). Sampled data is checked by the comparison's test itself.
    fn implausible(&self, _result: &ScenarioResult) -> Option<&'static str> {
        None
    }
    /// The names of the metrics its [`Kind::values`] hold (`heap.total_bytes`, …).
    fn metrics(&self) -> &'static [&'static str];
    /// Where a change of `metric` (one of its [`Kind::metrics`]) between `baseline` and
    /// `candidate` went, largest first ([`crate::compare::cause`]); `None` when it cannot say.
    fn cause(
        &self,
        _metric: &str,
        _baseline: &ScenarioResult,
        _candidate: &ScenarioResult,
    ) -> Option<Result<Vec<crate::compare::cause::Cause>, crate::compare::cause::NoCause>> {
        None
    }
    /// Extra Bencher measures beyond its values (`estimated-cycles` of the instruction engine).
    fn more_measures(&self, _result: &ScenarioResult) -> Vec<(&'static str, f64)> {
        Vec::new()
    }
}

/// The values of one engine for one scenario.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Sampled: one median (ns) per round, compared with the rank test under the `time` family.
    Rounds(Vec<f64>),
    /// Exact counts by metric name (`heap.total_bytes`), compared as ratios.
    Counts(Vec<(&'static str, u64)>),
}

/// An engine of the registry: compared by name, printed as its name.
#[derive(Clone, Copy)]
pub struct Engine(pub &'static dyn Kind);

impl Engine {
    /// The engine named `name`, if there is one.
    pub fn named(name: &str) -> Option<Engine> {
        ENGINES.iter().copied().find(|engine| engine.name() == name)
    }
}

impl std::ops::Deref for Engine {
    type Target = dyn Kind;
    fn deref(&self) -> &Self::Target {
        self.0
    }
}

impl PartialEq for Engine {
    fn eq(&self, other: &Engine) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Engine {}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What an engine measures a scenario with.
pub struct Context<'a> {
    pub root: &'a Path,
    pub scenario: &'a Scenario,
    pub input: &'a PreparedInput,
    /// A folder the scenario may use (its cache).
    pub scratch: &'a Path,
    /// Overrides the scenario's rounds (sampled engines).
    pub rounds: Option<u32>,
    /// Says what is being measured now (the progress bar's message).
    pub status: &'a dyn Fn(&str),
    /// Prints a line above the progress (what is being built or installed).
    pub say: &'a dyn Fn(&str),
    pub provisioned: &'a Provisioned,
}

/// What engines build or install once per run, on first use, by engine name; a failure is kept
/// and fails every scenario that needs it, with the same message.
#[derive(Default)]
pub struct Provisioned(RefCell<BTreeMap<&'static str, Box<dyn Any>>>);

impl Provisioned {
    /// The thing `engine` provisioned, made by `make` the first time.
    pub fn get<T: Clone + 'static>(
        &self,
        engine: &'static str,
        make: impl FnOnce() -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        if let Some(kept) = self.0.borrow().get(engine) {
            let kept = kept
                .downcast_ref::<Result<T, Arc<EngineError>>>()
                .expect("an engine provisions one type");
            return kept.clone().map_err(EngineError::Provision);
        }
        let made = make().map_err(Arc::new);
        self.0.borrow_mut().insert(engine, Box::new(made.clone()));
        made.map_err(EngineError::Provision)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_are_found_by_name_and_each_name_is_once() {
        assert_eq!(
            super::super::names(),
            ["time", "instructions", "allocations", "counters"]
        );
        assert_eq!(
            Engine::named("allocations").map(|e| e.family()),
            Some(Some("heap"))
        );
        assert!(Engine::named("speed").is_none());
        for engine in &ENGINES {
            match engine.family() {
                Some(family) => assert!(
                    engine
                        .metrics()
                        .iter()
                        .all(|metric| crate::metric::family_name(metric) == family),
                    "{engine:?}"
                ),
                None => assert!(engine.metrics().is_empty(), "{engine:?}"),
            }
        }
    }

    #[test]
    fn a_provisioning_failure_is_made_once_and_said_each_time() {
        let provisioned = Provisioned::default();
        let calls = std::cell::Cell::new(0);
        let make = || {
            calls.set(calls.get() + 1);
            Err::<u8, _>(EngineError::Output("no tool".into()))
        };
        for _ in 0..3 {
            let error = provisioned.get("x", make).unwrap_err();
            assert_eq!(error.to_string(), "no tool");
        }
        assert_eq!(calls.get(), 1);
        assert_eq!(provisioned.get("y", || Ok(7u8)).unwrap(), 7);
        assert_eq!(provisioned.get("y", || Ok(8u8)).unwrap(), 7);
    }
}
