//! Measurement engines. `time` runs criterion in rounds, one process per round; the counters engine
//! lives in the subject (it is one run of the workload); `heap` runs it under dhat in a separate build.
//! Instruction counts (gungraun) are the next step.

pub mod heap;
pub mod time;
