//! Fitting a rendered template into a weighted-length budget.
//!
//! Only the caption ever shrinks: the template's literal text, permalink,
//! username, date and `{hashtags}` are fixed, and the result is rejected with
//! [`TransformError::TemplateTooLong`] when they alone do not fit. In order:
//!
//! 1. Characters X rejects (U+FFFE, U+FEFF, U+FFFF) are **removed** from the
//!    caption: a caption written on Instagram should still go out. In the
//!    other variables or the template they are an error
//!    ([`TransformError::InvalidCharacter`]), since those are configuration.
//!    A caption of only whitespace counts as no caption, and a text that
//!    would be blank is [`TransformError::EmptyText`]. The ellipsis must be
//!    plain text ([`TransformError::BadEllipsis`] otherwise: a link or tag
//!    in it would go out with every cut post), and each `{hashtags}` tag must
//!    be one hashtag ([`TransformError::BadHashtag`]).
//! 2. If the whole caption fits, it is kept unchanged, and as many of
//!    [`FitOptions::append_hashtags`] as fit are appended (space-separated,
//!    dropped from the end). Appended hashtags that already occur in the text
//!    (case-insensitively) are skipped, not reported as dropped.
//! 3. Otherwise the caption is cut and no hashtags are appended: the author's
//!    words come before extra tags. The cut lies on a grapheme boundary and
//!    never inside a URL, mention, hashtag, cashtag, neutralised mention
//!    (see [`crate::mention_map`]) or e-mail address; a sentence end is
//!    preferred when it keeps at least three quarters of the longest possible
//!    cut, then a word end when it keeps at least half; whitespace, opening
//!    brackets and quotes, commas, colons and semicolons before the cut are
//!    trimmed (`said: “` would read badly before the ellipsis) and
//!    [`FitOptions::ellipsis`] (`…`, which weighs 2 under
//!    v2/v3) is appended. When not even one grapheme fits, the caption is
//!    dropped entirely, without an ellipsis.
//! 4. Every candidate is checked on the final string: it must be `valid` by
//!    [`parse_tweet`] and every entity in it must be an entity of the uncut
//!    text with the same text. Cutting can create or change entities
//!    (`example.com/path` cut to `example.co`, text merging with the
//!    ellipsis), and such a candidate is rejected for a shorter one.
//!
//! **Budgets above the configuration's maximum** (long posts): validity is
//! judged with a copy of the configuration whose maximum is the budget, so
//! "valid" then means non-empty, no rejected character, and weighted length
//! within the budget, with the configuration's weights. Budgets below the
//! maximum work the same way, so one rule covers both.

use std::collections::HashSet;

use crate::config::Config;
use crate::count::parse_tweet;
use crate::entity::EntityKind;
use crate::error::TransformError;
use crate::extract;
use crate::segment::{self, Preference};
use crate::template::{Template, Vars, bare_hashtag};

/// Options for [`fit`]. `Default` is a 280 budget under v3 with `…` and no
/// hashtags to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FitOptions {
    /// The largest weighted length allowed (280 for a tweet; more for long posts).
    pub budget: usize,
    /// How characters weigh (the maximum is replaced by `budget`).
    pub config: Config,
    /// What marks a cut caption.
    pub ellipsis: String,
    /// Hashtags (with or without `#`) to append when there is room.
    pub append_hashtags: Vec<String>,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            budget: 280,
            config: Config::v3().clone(),
            ellipsis: "…".to_owned(),
            append_hashtags: Vec::new(),
        }
    }
}

impl FitOptions {
    /// Sets the budget.
    pub fn budget(mut self, budget: usize) -> Self {
        self.budget = budget;
        self
    }

    /// Sets the configuration.
    pub fn config(mut self, config: &Config) -> Self {
        self.config = config.clone();
        self
    }

    /// Sets the ellipsis.
    pub fn ellipsis(mut self, ellipsis: impl Into<String>) -> Self {
        self.ellipsis = ellipsis.into();
        self
    }

    /// Sets the hashtags to append.
    pub fn append_hashtags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.append_hashtags = tags.into_iter().map(Into::into).collect();
        self
    }
}

/// The result of [`fit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fitted {
    /// The text to post.
    pub text: String,
    /// Whether the caption was cut (or dropped).
    pub truncated: bool,
    /// Appended hashtags (without `#`) left out for lack of room, in order.
    pub dropped_hashtags: Vec<String>,
    /// Weighted length of `text` under the configuration.
    pub weighted_length: usize,
}

/// The configuration `config` with its maximum replaced by `budget`.
pub(crate) fn budget_config(config: &Config, budget: usize) -> Result<Config, TransformError> {
    let max = u32::try_from(budget).map_err(|_| TransformError::BadBudget(budget))?;
    if max == 0 {
        return Err(TransformError::BadBudget(budget));
    }
    let mut config = config.clone();
    config.max_weighted_tweet_length = max;
    Ok(config)
}

/// The first rejected character of `text`, as an error.
pub(crate) fn reject_invalid(text: &str) -> Result<(), TransformError> {
    match text.chars().find(|&c| segment::is_invalid_char(c)) {
        Some(c) => Err(TransformError::InvalidCharacter(u32::from(c))),
        None => Ok(()),
    }
}

/// Fits `template` rendered with `vars` into `options.budget`; see the module docs.
///
/// ```no_run
/// # fn main() -> Result<(), xpost_transform::TransformError> {
/// use xpost_transform::fit::{fit, FitOptions};
/// use xpost_transform::template::{Template, Vars};
/// let template = Template::parse("{caption} {permalink}")?;
/// let vars = Vars::default()
///     .caption("A long caption…")
///     .permalink("https://www.instagram.com/p/abc/");
/// let fitted = fit(&template, &vars, &FitOptions::default().append_hashtags(["photo"]))?;
/// assert!(fitted.weighted_length <= 280);
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`TransformError::BadBudget`] for a budget of 0 (or beyond `u32`),
/// [`TransformError::BadHashtag`] for an appended or `{hashtags}` hashtag that is not one,
/// [`TransformError::BadEllipsis`] for an ellipsis holding a link, mention, hashtag or cashtag,
/// [`TransformError::InvalidCharacter`] for a rejected character outside the caption,
/// [`TransformError::TemplateTooLong`] when the text without caption is over budget,
/// [`TransformError::CutTooLong`] when the template alone posts nothing and
/// the shortest cut caption with its ellipsis is over budget,
/// [`TransformError::EmptyText`] when the result would be empty or blank.
pub fn fit(
    template: &Template,
    vars: &Vars<'_>,
    options: &FitOptions,
) -> Result<Fitted, TransformError> {
    let budget = options.budget;
    let config = budget_config(&options.config, budget)?;
    let mut caption = segment::strip_invalid(vars.caption);
    if caption.trim().is_empty() {
        // Blanks alone are no caption: they would only pad the template.
        caption = "".into();
    }
    reject_invalid(&options.ellipsis)?;
    if !extract::entities(&options.ellipsis).is_empty() {
        return Err(TransformError::BadEllipsis(options.ellipsis.clone()));
    }
    for tag in vars.hashtags {
        hashtag_name(tag)?;
    }

    let bare = template.render_with_caption(vars, "");
    reject_invalid(&bare)?;
    let needed = parse_tweet(&bare, &config).weighted_length;
    if needed > budget {
        return Err(TransformError::TemplateTooLong { needed, budget });
    }

    let whole = template.render_with_caption(vars, &caption);
    let tags = hashtags_to_append(&whole, &options.append_hashtags)?;
    let mut allowed = segment::entity_texts(&with_hashtags(&whole, &tags));
    allowed.extend(segment::entity_texts(&whole));
    let check = |text: &str| {
        segment::note_measured(text.len());
        let parsed = parse_tweet(text, &config);
        // X takes blanks as a post, but they say nothing.
        let posts_something = !text.trim().is_empty();
        (parsed.valid && posts_something && segment::entities_within(text, &allowed))
            .then_some(parsed.weighted_length)
    };

    for keep in (0..=tags.len()).rev() {
        let text = with_hashtags(&whole, &tags[..keep]);
        if let Some(weighted_length) = check(&text) {
            return Ok(Fitted {
                text,
                truncated: false,
                dropped_hashtags: tags[keep..].to_vec(),
                weighted_length,
            });
        }
    }

    if !template.uses(crate::template::Variable::Caption) || caption.is_empty() {
        // Nothing can shrink: the text is fixed and still not valid.
        let needed = parse_tweet(&whole, &config).weighted_length;
        return Err(if needed <= budget {
            TransformError::EmptyText
        } else {
            TransformError::TemplateTooLong { needed, budget }
        });
    }

    let render = |at: usize| {
        let kept = &caption[..segment::tidy_end(&caption, 0, at, !options.ellipsis.is_empty())];
        if kept.is_empty() {
            bare.clone()
        } else {
            template.render_with_caption(vars, &format!("{kept}{}", options.ellipsis))
        }
    };
    let mut cuts = segment::cuts(&caption);
    cuts.pop(); // The uncut caption was tried above.
    let preference = Preference {
        sentence_percent: 75,
        word_percent: 50,
    };
    let chosen = segment::best_cut(
        &cuts,
        0,
        preference,
        |at| {
            let text = render(at);
            segment::note_measured(text.len());
            parse_tweet(&text, &config).weighted_length <= budget
        },
        |at| check(&render(at)).is_some(),
    );
    let Some(at) = chosen else {
        // The template alone fits (checked above) but posts nothing, so the
        // caption's first piece with the ellipsis is what does not fit.
        let smallest = cuts.get(1).map_or_else(|| whole.clone(), |c| render(c.at));
        let needed = parse_tweet(&smallest, &config).weighted_length;
        return Err(if needed <= budget {
            TransformError::EmptyText
        } else {
            TransformError::CutTooLong { needed, budget }
        });
    };
    let text = render(at);
    let weighted_length = parse_tweet(&text, &config).weighted_length;
    Ok(Fitted {
        text,
        truncated: true,
        dropped_hashtags: tags,
        weighted_length,
    })
}

/// `text` followed by ` #a #b` for `tags`.
fn with_hashtags(text: &str, tags: &[String]) -> String {
    let mut out = text.to_owned();
    for tag in tags {
        if !out.is_empty() && !out.ends_with(char::is_whitespace) {
            out.push(' ');
        }
        out.push('#');
        out.push_str(tag);
    }
    out
}

/// The bare names of `wanted` that are real hashtags and not already in `text`,
/// first occurrence kept, compared case-insensitively.
fn hashtags_to_append(text: &str, wanted: &[String]) -> Result<Vec<String>, TransformError> {
    let mut seen: HashSet<String> = extract::hashtags(text)
        .iter()
        .map(|e| e.value_in(text).to_lowercase())
        .collect();
    let mut out = Vec::new();
    for tag in wanted {
        let name = hashtag_name(tag)?;
        if !name.is_empty() && seen.insert(name.to_lowercase()) {
            out.push(name.to_owned());
        }
    }
    Ok(out)
}

/// `tag` without its `#`, if `#tag` is exactly one hashtag and nothing
/// else to twitter-text; empty for a blank tag, which is skipped.
fn hashtag_name(tag: &str) -> Result<&str, TransformError> {
    let name = bare_hashtag(tag);
    if name.is_empty() {
        return Ok(name);
    }
    let probe = format!("#{name}");
    match extract::entities(&probe).as_slice() {
        [one] if one.kind == EntityKind::Hashtag && one.range == (0..probe.len()) => Ok(name),
        _ => Err(TransformError::BadHashtag(tag.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_zero_or_huge_is_rejected() {
        assert_eq!(
            budget_config(Config::v3(), 0),
            Err(TransformError::BadBudget(0))
        );
        assert_eq!(
            budget_config(Config::v3(), 25_000).map(|c| c.max_weighted_tweet_length),
            Ok(25_000)
        );
        if usize::BITS > 32 {
            let huge = u32::MAX as usize + 1;
            assert_eq!(
                budget_config(Config::v3(), huge),
                Err(TransformError::BadBudget(huge))
            );
        }
    }

    #[test]
    fn a_long_run_without_spaces_is_measured_near_linearly() {
        let caption = "a.".repeat(200_000);
        let template = Template::parse("{caption}").unwrap_or_else(|e| panic!("{e}"));
        segment::take_measured();
        let fitted = fit(
            &template,
            &Vars::default().caption(&caption),
            &FitOptions::default(),
        );
        let measured = segment::take_measured();
        assert!(fitted.is_ok_and(|f| f.truncated && f.weighted_length <= 280));
        assert!(measured < 4 * caption.len(), "{measured} bytes measured");
    }

    #[test]
    fn hashtags_are_appended_with_one_space() {
        let tags = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(with_hashtags("x", &tags), "x #a #b");
        assert_eq!(with_hashtags("x\n", &tags), "x\n#a #b");
        assert_eq!(with_hashtags("", &tags), "#a #b");
    }
}
