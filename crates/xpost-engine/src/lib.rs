//! The xpost engine: every eligible source post on the target exactly once.
//!
//! The engine drives core's seams: a [`xpost_core::Source`] it polls, a
//! [`xpost_core::Target`] it publishes to, a [`xpost_core::Store`] it records
//! every step in before the step's side effect, and a [`xpost_core::Notifier`]
//! it tells the user through. It names no HTTP or SQL type: the Instagram and X
//! clients meet core's types only in [`adapters`].

pub mod adapters;
pub mod media;
pub mod notify;
pub mod tokens;
