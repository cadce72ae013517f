//! Typed SDK for the Instagram API with Instagram Login.
//!
//! This crate is being built; see the workspace README.
