//! Splitting a long caption into a thread of posts.
//!
//! The caption (without characters X rejects, which are removed; see
//! [`mod@crate::fit`]) is trimmed and cut greedily: each part takes the
//! longest prefix of what is left that fits the budget, cut like
//! [`mod@crate::fit`] cuts (grapheme boundaries only, never inside a URL,
//! mention, hashtag, cashtag, neutralised mention or e-mail address, a
//! sentence end preferred when it keeps at least half of the longest
//! possible part, then a word end likewise). A part never ends with an
//! opening bracket or quote: that goes on to the next part. Whitespace at a
//! split point is dropped (except one character of it where dropping it
//! would change an entity: twitter-text reads `über.fox` at the very start
//! of a text as the link `ber.fox`); nothing else is, and no ellipsis is
//! added, so the parts read back as the caption.
//!
//! **Numbering** appends ` i/N` to every part when there is more than one.
//! The suffix is counted in the budget, and its width depends on N, which is
//! only known after splitting: the split is done reserving room for N of one
//! digit, and redone with room for more digits while the count needs them
//! (9 parts fit `9/9`, a tenth part means every part must leave room for
//! `10/10`). Since the reserve only grows, this ends after a few rounds.
//!
//! **The permalink** follows the mention rule of a template's variables
//! (see [`mod@crate::template`]) and goes, after a space, at the end of the
//! first or the last part ([`PermalinkPlacement`]); when it does not fit
//! there, it gets a part of its own.
//!
//! As in [`mod@crate::fit`], a budget above the configuration's maximum is
//! honoured by judging validity with the maximum set to the budget.

use crate::config::Config;
use crate::count::parse_tweet;
use crate::error::TransformError;
use crate::fit::{budget_config, reject_invalid};
use crate::mention_map::MentionMap;
use crate::segment::{self, Cut, Preference};

/// Where the permalink goes in a thread.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum PermalinkPlacement {
    /// At the end of the first part.
    First,
    /// At the end of the last part.
    #[default]
    Last,
    /// Nowhere: the permalink is left out.
    None,
}

/// Options for [`split`]. `Default` is a 280 budget under v3, no numbering,
/// permalink in the last part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadOptions {
    /// The largest weighted length of each part, numbering and permalink included.
    pub budget: usize,
    /// How characters weigh (the maximum is replaced by `budget`).
    pub config: Config,
    /// Whether to append ` i/N` to each part of a thread of two or more.
    pub numbering: bool,
    /// Where the permalink goes.
    pub permalink: PermalinkPlacement,
}

impl Default for ThreadOptions {
    fn default() -> Self {
        ThreadOptions {
            budget: 280,
            config: Config::v3().clone(),
            numbering: false,
            permalink: PermalinkPlacement::Last,
        }
    }
}

impl ThreadOptions {
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

    /// Turns numbering on or off.
    pub fn numbering(mut self, numbering: bool) -> Self {
        self.numbering = numbering;
        self
    }

    /// Sets where the permalink goes.
    pub fn permalink(mut self, placement: PermalinkPlacement) -> Self {
        self.permalink = placement;
        self
    }
}

/// One part before numbering: a byte range of the caption and whether the
/// permalink follows it.
#[derive(Debug, Clone)]
struct Part {
    start: usize,
    end: usize,
    link: bool,
}

/// Everything a split needs, fixed for one call.
struct Splitter<'a> {
    caption: &'a str,
    link: Option<&'a str>,
    placement: PermalinkPlacement,
    config: Config,
    budget: usize,
    cuts: Vec<Cut>,
    allowed: std::collections::HashSet<(crate::entity::EntityKind, String)>,
}

/// Splits `caption` (plus `permalink`) into posts; see the module docs.
///
/// ```
/// # fn main() -> Result<(), xpost_transform::TransformError> {
/// use xpost_transform::thread::{split, ThreadOptions};
/// let parts = split("Short enough.", None, &ThreadOptions::default())?;
/// assert_eq!(parts, vec!["Short enough.".to_owned()]);
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`TransformError::BadBudget`] for a budget of 0 (or beyond `u32`),
/// [`TransformError::InvalidCharacter`] for a rejected character in the permalink,
/// [`TransformError::PartTooLong`] when an unbreakable piece (or the permalink)
/// does not fit one part, [`TransformError::EmptyText`] when there is nothing to post.
pub fn split(
    caption: &str,
    permalink: Option<&str>,
    options: &ThreadOptions,
) -> Result<Vec<String>, TransformError> {
    let budget = options.budget;
    let config = budget_config(&options.config, budget)?;
    let link = match options.permalink {
        PermalinkPlacement::None => None,
        _ => permalink.filter(|l| !l.trim().is_empty()),
    };
    if let Some(link) = link {
        reject_invalid(link)?;
    }
    // As for a template's variables: a handle in the link never pings anyone
    // (a handle inside a real link is part of it and stays).
    let neutral_link = link.map(|l| MentionMap::new().apply(l));
    let link = neutral_link.as_deref();
    let cleaned = segment::strip_invalid(caption);
    // Leading whitespace stays until a part is cut: trimming it can change
    // an entity (see `greedy`), so entities are judged on the text as written.
    let caption = &cleaned[..segment::trim_end(&cleaned, 0, cleaned.len())];
    let start = segment::skip_whitespace(caption, 0);
    if start == caption.len() && link.is_none() {
        return Err(TransformError::EmptyText);
    }

    let mut allowed = segment::entity_texts(caption);
    if let Some(link) = link {
        allowed.extend(segment::entity_texts(link));
    }
    let splitter = Splitter {
        caption,
        link,
        placement: options.permalink,
        config,
        budget,
        cuts: segment::cuts(caption),
        allowed,
    };

    for from in [start, 0] {
        let single = splitter.compose(from, caption.len(), link.is_some(), "");
        if splitter.accept(&single) {
            return Ok(vec![single]);
        }
    }

    let mut digits = 1;
    loop {
        let reserve = if options.numbering {
            format!(" {0}/{0}", "9".repeat(digits))
        } else {
            String::new()
        };
        let parts = splitter.greedy(&reserve)?;
        let count = parts.len();
        let needed = count.to_string().len();
        if !options.numbering || needed <= digits {
            let numbered = options.numbering && count > 1;
            return Ok(parts
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let suffix = if numbered {
                        format!(" {}/{count}", i + 1)
                    } else {
                        String::new()
                    };
                    splitter.compose(p.start, p.end, p.link, &suffix)
                })
                .collect());
        }
        digits = needed;
    }
}

impl Splitter<'_> {
    /// The text of a part: caption bytes `start..end`, the permalink if `link`, then `suffix`.
    fn compose(&self, start: usize, end: usize, link: bool, suffix: &str) -> String {
        let mut out = String::from(&self.caption[start..end]);
        if let (true, Some(link)) = (link, self.link) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(link);
        }
        out.push_str(suffix);
        out
    }

    fn weight(&self, text: &str) -> usize {
        segment::note_measured(text.len());
        parse_tweet(text, &self.config).weighted_length
    }

    fn accept(&self, text: &str) -> bool {
        segment::note_measured(text.len());
        parse_tweet(text, &self.config).valid && segment::entities_within(text, &self.allowed)
    }

    /// Splits with `reserve` (the widest numbering suffix) counted in every part.
    fn greedy(&self, reserve: &str) -> Result<Vec<Part>, TransformError> {
        let caption = self.caption;
        let mut parts = Vec::new();
        let mut link_pending = self.placement == PermalinkPlacement::First && self.link.is_some();
        let mut start = segment::skip_whitespace(caption, 0);
        while start < caption.len() {
            let link = link_pending;
            let attempt = self.next_part(start, link, reserve).or_else(|needed| {
                // Trimming the whitespace before a part can change an entity at
                // its start (twitter-text reads `über.fox` at the very start of
                // a text as the link `ber.fox`), so try again keeping one.
                match whitespace_before(caption, start) {
                    Some(lead) => self.next_part(lead, link, reserve).map_err(|_| needed),
                    None => Err(needed),
                }
            });
            match attempt {
                Ok((part, next)) => {
                    parts.push(part);
                    start = next;
                }
                Err(_) if link => parts.push(self.link_part(reserve)?),
                Err(needed) => {
                    return Err(TransformError::PartTooLong {
                        needed,
                        budget: self.budget,
                    });
                }
            }
            link_pending = false;
        }
        if link_pending {
            parts.push(self.link_part(reserve)?);
        }
        if self.placement == PermalinkPlacement::Last && self.link.is_some() {
            match parts.last_mut() {
                Some(last) if self.accept(&self.compose(last.start, last.end, true, reserve)) => {
                    last.link = true;
                }
                _ => parts.push(self.link_part(reserve)?),
            }
        }
        Ok(parts)
    }

    /// The longest good part starting at `start` and where the next part starts,
    /// or the weight of the smallest part that would hold what comes first.
    fn next_part(&self, start: usize, link: bool, reserve: &str) -> Result<(Part, usize), usize> {
        let caption = self.caption;
        let len = caption.len();
        // A part does not end with an opening bracket or quote: it moves to
        // the next part, unless it is all this part would hold.
        let end_of = |at: usize| match segment::tidy_end(caption, start, at, false) {
            end if end > start => end,
            _ => segment::trim_end(caption, start, at),
        };
        let render = |at: usize| self.compose(start, end_of(at), link, reserve);
        let part = |at: usize| Part {
            start,
            end: end_of(at),
            link,
        };
        // The end of the caption is one more candidate, not a first try:
        // measuring all that is left before every part made long captions
        // quadratic, while the search below only measures near one part.
        let from = self.cuts.partition_point(|c| c.at <= start);
        let candidates = &self.cuts[from..];
        let preference = Preference {
            sentence_percent: 50,
            word_percent: 50,
        };
        let chosen = segment::best_cut(
            candidates,
            start,
            preference,
            |at| self.weight(&render(at)) <= self.budget,
            |at| end_of(at) > start && self.accept(&render(at)),
        );
        match chosen {
            Some(at) => Ok((part(at), segment::skip_whitespace(caption, end_of(at)))),
            None => {
                let smallest = candidates
                    .iter()
                    .find(|c| end_of(c.at) > start)
                    .map_or(len, |c| c.at);
                Err(self.weight(&render(smallest)))
            }
        }
    }

    /// A part holding only the permalink.
    fn link_part(&self, reserve: &str) -> Result<Part, TransformError> {
        let text = self.compose(0, 0, true, reserve);
        if self.accept(&text) {
            Ok(Part {
                start: 0,
                end: 0,
                link: true,
            })
        } else {
            Err(TransformError::PartTooLong {
                needed: self.weight(&text),
                budget: self.budget,
            })
        }
    }
}

/// The start of the whitespace grapheme right before `at`, if there is one.
fn whitespace_before(text: &str, at: usize) -> Option<usize> {
    use unicode_segmentation::UnicodeSegmentation;
    let (i, g) = text[..at].grapheme_indices(true).next_back()?;
    segment::is_blank(g).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_run_without_spaces_is_measured_near_linearly() {
        // One 400 KB word: once every part re-measured all that was left.
        let caption = "a.".repeat(200_000);
        segment::take_measured();
        let parts = split(&caption, None, &ThreadOptions::default());
        let measured = segment::take_measured();
        let parts = parts.unwrap_or_default();
        assert_eq!(parts.concat(), caption);
        assert!(measured < 30 * caption.len(), "{measured} bytes measured");
    }
}
