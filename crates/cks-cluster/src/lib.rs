//! Clusters for CKS Lab: a kube-rs client behind guard rails, server-side apply with one field
//! manager and a lab label, snapshot collection of exactly what checks select, and reset.
//!
//! **Guard rail:** every mutating call is a method of [`OwnedCluster`], which only
//! [`Registry::authorize`] can create, and only for the app's own cluster or one the user
//! registered (identity = API server URL + CA fingerprint). Anything else is refused before a
//! request is sent.

mod apply;
mod behaviour;
mod collect;
mod doctor;
mod error;
mod kind;
mod node;
mod ops;
mod registry;

pub use apply::{AppliedObject, FIELD_MANAGER, LAB_LABEL};
pub use behaviour::{perform_trigger, run_probe};
pub use collect::collect_objects;
pub use doctor::{Doctor, Tool};
pub use error::ClusterError;
pub use kind::{KindProvider, kind_config};
pub use node::{ContainerNode, DirNode, NodeAccess, NodeBackups, patch_flags};
pub use ops::{Condition, parse_duration};
pub use registry::{
    ClusterIdentity, Connection, OwnedCluster, RegisteredCluster, Registry, valid_learner,
};
