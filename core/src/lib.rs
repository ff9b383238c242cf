//! `connascence`: a fast static analyzer for connascence and NASA-style rules in Python source.
//!
//! The pipeline of one run, module by module:
//! - [`discover`] finds the files (sorted, deterministic) and reads them;
//! - [`source`] decodes bytes (UTF-8 or a PEP 263 encoding) and maps offsets to lines and columns;
//! - [`parse`] builds ruff's syntax tree, or a located syntax-error diagnostic;
//! - [`visit`] runs all enabled [`detectors`] in one traversal (or one per detector, for comparison)
//!   and counts nodes, visits and detector calls exactly;
//! - [`engine`] ties these together per file, on a rayon pool, and [`aggregate`] folds the per-file
//!   outcomes into findings, diagnostics and [`engine::Counters`] as they finish, in a fixed order;
//! - [`output`] renders a report as text, JSON, SARIF or GitHub workflow annotations.
//!
//! [`workload`] is the small, stable entry point the benchmark harness calls.
//! [`synth`] generates seeded, realistic Python with a known number of findings per rule, for tests and
//! for the benchmark harness. Nothing here knows about the harness.

pub mod aggregate;
pub mod atomic;
pub mod cache;
pub mod cli;
pub mod config;
pub mod depth;
pub mod detectors;
pub mod discover;
pub mod engine;
pub mod finding;
pub mod findings;
pub mod outcome;
pub mod output;
pub mod parse;
pub mod rule;
pub mod source;
pub mod suppress;
pub mod synth;
pub mod visit;
pub mod workload;

pub use detectors::{REGISTRY, Rule, RuleInfo, Settings};
pub use engine::{AnalysisOptions, Counters, Report};
pub use finding::{ConnascenceType, Diagnostic, DiagnosticKind, Finding, Severity};
pub use visit::Mode;
