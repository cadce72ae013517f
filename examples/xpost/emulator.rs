//! `xpost emulator`: a local Instagram and X (see `docs/emulator.md`).
//!
//! The work lives in `xpost_emulator::cli`, where its tests run; this module only
//! names it for the front-end: parse [`EmulatorArgs`], then call [`run`].

pub use xpost_emulator::cli::{EmulatorArgs, run};
