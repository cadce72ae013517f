//! A caption whose neutralised mentions and e-mail address no cut may enter.

use xpost_transform::mention_map::MentionMap;

/// The words of [`caption`] that must stay whole.
pub const WORDS: [&str; 3] = [
    "@\u{2060}jane.doe",
    "@\u{2060}bob_smith_official",
    "hello.world@example.com",
];

/// The caption, with its handles neutralised as a caller would.
pub fn caption() -> String {
    MentionMap::new()
        .apply("Thanks to @jane.doe and @bob_smith_official; write to hello.world@example.com now")
}
