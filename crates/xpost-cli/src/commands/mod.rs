//! One module per command; each has its clap arguments and a `run` function.

pub mod demo;
pub mod doctor;
pub mod emulator;
pub mod fit;
pub mod link;
pub mod link_oauth1;
pub mod links;
pub mod log;
pub mod parse;
pub mod pause;
pub mod policy;
pub mod preview;
pub mod report;
pub mod review;
pub mod run;
pub mod serve;
pub mod status;
pub mod sync;
pub mod unlink;
