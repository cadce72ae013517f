//! One module per command; each has its clap arguments and a `run` function.

pub mod emulator;
pub mod fit;
pub mod link;
pub mod links;
pub mod log;
pub mod parse;
pub mod policy;
pub mod review;
pub mod status;
pub mod unlink;
