//! The end-to-end harness that the root's tests and the benchmarks share: scratch databases
//! ([`scratch`]), the API in-process under a saga run's load ([`load`]), saga worker processes and
//! the simulator they share ([`processes`]), fault schedules ([`faults`]) and the audit of a run's
//! outcome against the simulator's ledger ([`audit`]). Moved here from `bench` so that tests no
//! longer import the benchmarks.

pub mod audit;
pub mod faults;
pub mod load;
pub mod processes;
pub mod scratch;
