//! Typed SDK for the X API v2 and the v1.1 endpoints it still needs.
//!
//! This crate is being built; see the workspace README.
