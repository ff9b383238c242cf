//! perfgate: the performance gate for the connascence analyzer (scenarios, engines, statistics, reports).
//!
//! Empty until the harness issues land; see README.md.
