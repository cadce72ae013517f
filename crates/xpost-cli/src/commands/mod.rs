//! One module per command; each has its clap arguments and a `run` function.

pub mod demo;
pub mod emulator;
pub mod fit;
pub mod log;
pub mod parse;
pub mod policy;
pub mod report;
pub mod review;
pub mod run;
pub mod status;
pub mod sync;
