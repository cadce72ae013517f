//! A local Instagram and X for tests, demos and benchmarks.
//!
//! This crate is being built; see the workspace README.
