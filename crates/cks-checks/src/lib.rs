//! The CKS Lab check engine: a [`Snapshot`] in, graded [`Outcome`]s out.
//!
//! Pure by design: no I/O, no async, no clock. Every check either passes, fails with findings
//! naming the object/container/file and expected vs found, or errors (missing input, bad data) —
//! an error is never a pass. The engine never panics on any input.
//!
//! Start with [`CompiledChecks::compile`] (once per lab attempt) and [`CompiledChecks::grade`].

pub mod admission;
pub mod cel;
pub mod dockerfile;
mod engine;
pub mod netpol;
pub mod nodefile;
mod outcome;
pub mod play;
pub mod pss;
pub mod rbac;
pub mod select;
mod snapshot;
pub mod spec;
pub mod yaml;

pub use engine::{CompileProblem, CompiledChecks};
pub use outcome::{Finding, Outcome, Score, Status};
pub use snapshot::{NodeFile, ObjectRef, ProbeResult, Snapshot, TriggerRecord};
pub use spec::CheckSpec;
