//! The counters engine: one run of the scenario's workload through the subject, for the core's
//! exact counters (files, lines, nodes, visits, findings by rule, cache hits, phase times). Its
//! counts are reported as changes beside the verdicts, never gated on their own.

use super::EngineError;
use super::kind::{Context, Engine, Kind, Values};
use crate::results::ScenarioResult;
use crate::scenario::Scenario;

/// The counters engine in the registry.
pub const ENGINE: Engine = Engine(&Counters);

/// See the module comment.
pub struct Counters;

impl Kind for Counters {
    fn name(&self) -> &'static str {
        "counters"
    }
    fn family(&self) -> Option<&'static str> {
        None
    }
    fn host_bound(&self) -> bool {
        false
    }
    fn enabled(&self, _scenario: &Scenario) -> bool {
        true
    }
    fn measure(&self, context: &Context, result: &mut ScenarioResult) -> Result<(), EngineError> {
        result.counters = Some(crate::subject::run_counters(
            context.scenario,
            context.input,
            context.scratch,
        )?);
        Ok(())
    }
    fn present(&self, result: &ScenarioResult) -> bool {
        result.counters.is_some()
    }
    fn clear(&self, result: &mut ScenarioResult) -> bool {
        result.counters.take().is_some()
    }
    fn merge(&self, into: &mut ScenarioResult, more: &mut ScenarioResult) {
        into.counters = into.counters.take().or(more.counters.take());
    }
    fn metrics(&self) -> &'static [&'static str] {
        &[]
    }
    fn values(&self, _result: &ScenarioResult) -> Option<Values> {
        None
    }
}
