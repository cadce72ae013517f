//! `xpost emulator`: a local Instagram and X (see `docs/emulator.md`).
//!
//! The work lives in `xpost_emulator::cli`, where its tests run; this module only
//! names it for the front-end.

pub use xpost_emulator::cli::{EmulatorArgs, run, serve_until_signal};
