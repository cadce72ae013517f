//! The store conformance suite, run on the PostgreSQL store (a fresh schema per
//! test, dropped at its end).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

xpost_core::store_conformance_tests!(support::fresh_store(), .pg);
