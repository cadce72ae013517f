//! Pure text work for cross-posting to X: exact twitter-text counting,
//! entity extraction, fitting a caption into a budget, thread splitting and
//! mention mapping.
//!
//! # Why a clone, and why exact
//!
//! X decides whether a post is too long with its own library, twitter-text,
//! and its official JavaScript implementation (3.1.0, with the emoji set of
//! `twemoji-parser` 11.0.2 frozen inside) is what the API's 280-character
//! check agrees with. A cross-poster that counts differently either wastes
//! room or has posts rejected, and one that cuts a caption in the wrong place
//! breaks a link or turns an Instagram handle into a mention of a stranger on
//! X. So this crate reproduces that library field for field, quirks included:
//! scheme-less URLs with a known TLD (`readme.md`) count 23, emoji newer than
//! 2018 fall apart into their parts, astral characters always weigh 2, and
//! the valid range shifts after NFC normalisation exactly as the original
//! does. The official conformance data and a differential test against the
//! official library on thousands of generated captions hold it there.
//!
//! # What it does and does not do
//!
//! No I/O, no global state beyond read-only tables, no allocation on the
//! counting fast path. Counting ([`parse_tweet`], [`weighted_length`]) and
//! extraction ([`extract`]) are hand-written byte scanners instead of the
//! original's regular expressions, which makes them many times faster than
//! the JavaScript. On top of them, [`fit()`] shrinks a caption into a template
//! and a budget without ever cutting inside an entity, [`thread::split`]
//! turns a long caption into numbered posts, and [`MentionMap`] maps
//! Instagram handles to X handles and makes every other handle inert.
//!
//! # Example
//!
//! ```
//! use xpost_transform::{Config, FitOptions, MentionMap, Template, Vars, extract, fit, parse_tweet};
//!
//! # fn main() -> Result<(), xpost_transform::TransformError> {
//! // Counting exactly as X does: the scheme-less URL counts 23, the family emoji 2.
//! let parsed = parse_tweet("Lunch at example.com 👨‍👩‍👧‍👦", Config::v3());
//! assert_eq!(parsed.weighted_length, 9 + 23 + 1 + 2);
//! assert!(parsed.valid);
//!
//! // Entities with UTF-16 indices, as the official library reports them.
//! let tags = extract::hashtags("sunset #beach");
//! assert_eq!(tags[0].indices, (7, 13));
//!
//! // Mentions: mapped handles become X mentions, the others can never ping anyone.
//! let map = MentionMap::from_pairs([("anna.k", "anna")])?;
//! let caption = map.apply("With @anna.k and @stranger!");
//! assert_eq!(extract::mentions(&caption).len(), 1);
//!
//! // Fitting: only the caption shrinks, the permalink stays whole.
//! let template = Template::parse("{caption}\n\n{permalink}")?;
//! let long = "A very long caption about a day at the beach. ".repeat(20);
//! let vars = Vars::default()
//!     .caption(&long)
//!     .permalink("https://www.instagram.com/p/C0ffee123/");
//! let fitted = fit(&template, &vars, &FitOptions::default())?;
//! assert!(fitted.truncated && fitted.weighted_length <= 280);
//! assert!(fitted.text.ends_with("https://www.instagram.com/p/C0ffee123/"));
//! # Ok(()) }
//! ```

pub mod config;
pub mod count;
mod emoji;
mod emoji_table;
pub mod entity;
pub mod error;
pub mod extract;
pub mod fit;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod mention_map;
pub mod report;
mod segment;
pub mod template;
pub mod thread;
mod utf16;
pub mod validate;

pub use config::Config;
pub use count::{
    ParsedTweet, has_invalid_characters, is_valid_tweet_text, parse_tweet, weighted_length,
};
pub use entity::{Entity, EntityKind};
pub use error::TransformError;
pub use fit::{FitOptions, Fitted, fit};
pub use mention_map::MentionMap;
pub use report::{Analysis, TextReport, analyze, report};
pub use template::{Template, Vars};
pub use thread::{PermalinkPlacement, ThreadOptions};
