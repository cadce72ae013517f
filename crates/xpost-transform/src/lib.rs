//! Pure text work for cross-posting to X: exact twitter-text counting,
//! entity extraction, fitting a caption into a budget, thread splitting and
//! mention mapping.
//!
//! This crate does no I/O. It is a clean-room reimplementation that matches
//! the official JavaScript library (`twitter-text` 3.1.0 with
//! `twemoji-parser` 11.0.2) field for field, quirks included, because X
//! itself counts that way: a tweet this crate calls valid is one X accepts.

pub mod config;
pub mod count;
mod emoji;
mod emoji_table;
pub mod entity;
pub mod error;
pub mod extract;
pub mod fit;
pub mod mention_map;
pub mod report;
mod segment;
pub mod template;
pub mod thread;
pub mod validate;

pub use config::Config;
pub use count::{
    ParsedTweet, has_invalid_characters, is_valid_tweet_text, parse_tweet, weighted_length,
};
pub use entity::{Entity, EntityKind};
pub use error::TransformError;
pub use fit::{FitOptions, Fitted, fit};
pub use mention_map::MentionMap;
pub use report::{TextReport, report};
pub use template::{Template, Vars};
pub use thread::{PermalinkPlacement, ThreadOptions};
