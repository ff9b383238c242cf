//! Measurement engines. `time` runs criterion in rounds, one process per round; the counters engine
//! lives in the subject (it is one run of the workload). Instructions and heap come with Harness 2/2.

pub mod time;
