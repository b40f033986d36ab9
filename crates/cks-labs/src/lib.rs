//! Lab format v1: the types of `lab.yaml`, the loader and linter (every problem at once, with
//! file:line:col and field), per-attempt params, sandboxed templates, snapshot folders, the
//! offline self-test and the JSON Schema.
//!
//! Entry points: [`load`] a lab folder, [`LoadedLab::render`] it for an attempt's params,
//! [`snapshot_dir::load`] a snapshot folder, [`selftest::self_test`] the lab's fixtures.

mod load;
mod locate;
pub mod model;
pub mod params;
mod problem;
pub mod schema;
pub mod selftest;
pub mod snapshot_dir;
pub mod steps;
mod template;
mod yaml_lab;

pub use load::{
    LoadedLab, MAX_LAB_FILE_BYTES, MAX_LAB_YAML_BYTES, RenderedLab, discover, load, load_for_use,
};
pub use model::{Difficulty, Lab, Requirement};
pub use problem::Problem;
pub use template::Sandbox;
