//! Measurement engines. `time` runs criterion in rounds, one process per round; the counters engine
//! lives in the subject (it is one run of the workload); `heap` runs it under dhat in a separate
//! build; `instructions` runs it under callgrind through gungraun, and `profile` reads callgrind's
//! output files into per-function costs.

pub mod heap;
pub mod instructions;
pub mod profile;
pub mod time;
