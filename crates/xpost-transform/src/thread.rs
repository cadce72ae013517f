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
//! A part holds no link, mention, hashtag or cashtag that the caption does
//! not have, and the greedy cut is only a first choice: what comes before
//! an entity decides how twitter-text reads it (`über.fox` after a
//! U+202E RIGHT-TO-LEFT OVERRIDE is the link `über.fox`), so a greedy part
//! that ends right before it can leave the next part no good cut at all.
//! Then the parts before are cut shorter, searching their other good cuts,
//! so that a split is found whenever cuts like the ones above allow one.
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

use std::collections::HashSet;

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
    allowed: HashSet<(crate::entity::EntityKind, String)>,
}

/// One way to cut a part: the part, and where the part after it starts.
#[derive(Debug, Clone)]
struct Choice {
    part: Part,
    next: usize,
}

/// A part of the split being searched for: where it starts, whether the
/// permalink is due in it, the cut chosen and, once a later part could not
/// be cut, the other good cuts not yet tried (the next to try last).
struct Step {
    start: usize,
    link: bool,
    chosen: Choice,
    others: Option<Vec<Choice>>,
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
/// does not fit one part, or no way of cutting keeps every part free of
/// entities the caption lacks, [`TransformError::EmptyText`] when there is
/// nothing to post.
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
    ///
    /// Each part is cut greedily, but the choice is not final: twitter-text
    /// reads the start of a text differently from the middle of one (it reads
    /// `über.fox` at the very start as the link `ber.fox`, and `\u{202E}` or
    /// a space before it keeps it `über.fox`), so a cut that is fine for the
    /// part before it can leave the next part unable to start without
    /// creating an entity. When a part cannot be cut at all, the parts before
    /// it are cut again, each trying its other good cuts, longest first (a
    /// depth-first search). A start from which the rest cannot be split is
    /// remembered, so every start is searched at most once; and when even the
    /// smallest piece at a start outweighs the budget, no cut before it helps
    /// either, and the search ends there.
    fn greedy(&self, reserve: &str) -> Result<Vec<Part>, TransformError> {
        let caption = self.caption;
        let too_long = |needed| TransformError::PartTooLong {
            needed,
            budget: self.budget,
        };
        let mut path: Vec<Step> = Vec::new();
        let mut dead = HashSet::new();
        // What the first part that could not be cut needed, reported when
        // no split is found.
        let mut failed = None;
        let mut start = segment::skip_whitespace(caption, 0);
        let mut link = self.placement == PermalinkPlacement::First && self.link.is_some();
        while start < caption.len() {
            let choice = if dead.contains(&start) {
                None
            } else {
                match self.first_choice(start, link, reserve) {
                    Ok(choice) => Some(choice),
                    Err(needed) if needed > self.budget && !link => return Err(too_long(needed)),
                    Err(needed) => {
                        failed.get_or_insert(needed);
                        if link {
                            let part = self.link_part(reserve)?;
                            Some(Choice { part, next: start })
                        } else {
                            dead.insert(start);
                            None
                        }
                    }
                }
            };
            if let Some(choice) = choice {
                path.push(Step {
                    start,
                    link,
                    chosen: choice.clone(),
                    others: None,
                });
                start = choice.next;
                link = false;
                continue;
            }
            // Back to the latest part with another good cut left.
            loop {
                let Some(step) = path.last_mut() else {
                    return Err(too_long(failed.unwrap_or_default()));
                };
                let others = step.others.get_or_insert_with(|| {
                    self.other_choices(step.start, step.link, reserve, step.chosen.next)
                });
                while others.last().is_some_and(|c| dead.contains(&c.next)) {
                    others.pop();
                }
                if let Some(choice) = others.pop() {
                    start = choice.next;
                    step.chosen = choice;
                    break;
                }
                if !step.link {
                    dead.insert(step.start);
                }
                path.pop();
            }
        }
        let link_pending = path.is_empty() && link;
        let mut parts: Vec<Part> = path.into_iter().map(|step| step.chosen.part).collect();
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

    /// The greedy part at `start`: the longest good part, or failing that the
    /// longest one keeping the whitespace grapheme before `start` (trimming
    /// it can change an entity at the start, as `über.fox` above). Else the
    /// weight of the smallest part that would hold what comes first.
    fn first_choice(&self, start: usize, link: bool, reserve: &str) -> Result<Choice, usize> {
        self.next_part(start, link, reserve).or_else(|needed| {
            match whitespace_before(self.caption, start) {
                Some(lead) => self.next_part(lead, link, reserve).map_err(|_| needed),
                None => Err(needed),
            }
        })
    }

    /// Every good part at `start` (or with the whitespace grapheme before it)
    /// other than one that leads to `tried`, one per start of the next part,
    /// the next to try last; then, for the first part of [`PermalinkPlacement::First`],
    /// the permalink alone.
    fn other_choices(&self, start: usize, link: bool, reserve: &str, tried: usize) -> Vec<Choice> {
        let mut choices = Vec::new();
        let starts = std::iter::once(start).chain(whitespace_before(self.caption, start));
        for from in starts {
            let candidates = self.candidates(from);
            let fitting = segment::short_enough_prefix(candidates, |at| {
                self.weight(&self.render(from, at, link, reserve)) <= self.budget
            });
            for cut in candidates[..fitting].iter().rev() {
                let end = self.end_of(from, cut.at);
                if end > from && self.accept(&self.render(from, cut.at, link, reserve)) {
                    let part = Part {
                        start: from,
                        end,
                        link,
                    };
                    let next = segment::skip_whitespace(self.caption, end);
                    choices.push(Choice { part, next });
                }
            }
        }
        // Longest first; at the same end, without the whitespace first.
        choices.sort_by_key(|c| std::cmp::Reverse(c.part.end));
        let mut seen = HashSet::from([tried]);
        choices.retain(|c| seen.insert(c.next));
        if let (true, Ok(part)) = (link && tried != start, self.link_part(reserve)) {
            choices.push(Choice { part, next: start });
        }
        choices.reverse();
        choices
    }

    /// The cut points after `start`.
    fn candidates(&self, start: usize) -> &[Cut] {
        &self.cuts[self.cuts.partition_point(|c| c.at <= start)..]
    }

    /// Where a part from `start` cut at `at` ends. A part does not end with
    /// an opening bracket or quote: it moves to the next part, unless it is
    /// all this part would hold.
    fn end_of(&self, start: usize, at: usize) -> usize {
        match segment::tidy_end(self.caption, start, at, false) {
            end if end > start => end,
            _ => segment::trim_end(self.caption, start, at),
        }
    }

    /// The text of the part from `start` cut at `at`.
    fn render(&self, start: usize, at: usize, link: bool, reserve: &str) -> String {
        self.compose(start, self.end_of(start, at), link, reserve)
    }

    /// The longest good part starting at `start` and where the next part starts,
    /// or the weight of the smallest part that would hold what comes first.
    fn next_part(&self, start: usize, link: bool, reserve: &str) -> Result<Choice, usize> {
        // The end of the caption is one more candidate, not a first try:
        // measuring all that is left before every part made long captions
        // quadratic, while the search below only measures near one part.
        let candidates = self.candidates(start);
        let render = |at: usize| self.render(start, at, link, reserve);
        let preference = Preference {
            sentence_percent: 50,
            word_percent: 50,
        };
        let chosen = segment::best_cut(
            candidates,
            start,
            preference,
            |at| self.weight(&render(at)) <= self.budget,
            |at| self.end_of(start, at) > start && self.accept(&render(at)),
        );
        match chosen {
            Some(at) => {
                let end = self.end_of(start, at);
                Ok(Choice {
                    part: Part { start, end, link },
                    next: segment::skip_whitespace(self.caption, end),
                })
            }
            None => {
                let smallest = candidates
                    .iter()
                    .find(|c| self.end_of(start, c.at) > start)
                    .map_or(self.caption.len(), |c| c.at);
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

    #[test]
    fn a_caption_that_cannot_be_split_is_given_up_on_in_near_linear_work() {
        let options = ThreadOptions::default()
            .budget(24)
            .permalink(PermalinkPlacement::None);
        let words = "word ".repeat(1_000);
        // A link too heavy for any part, at the end: nothing before it can
        // help, so the parts before it are not searched again.
        let caption = format!("{words}https://example.com/x");
        let (result, measured) = measure(|| split(&caption, None, &options.clone().budget(10)));
        assert_eq!(
            result,
            Err(TransformError::PartTooLong {
                needed: 23,
                budget: 10
            })
        );
        assert!(measured < 30 * caption.len(), "{measured} bytes measured");
        // `über.fox` weighs 24 as the start of a part (`ü` and the link
        // `ber.fox`, which the caption does not have) and 25 with the
        // override before it: every cut before it is searched, but once.
        let caption = format!("{words}a\u{202e}über.fox");
        let (result, measured) = measure(|| split(&caption, None, &options));
        assert!(
            matches!(result, Err(TransformError::PartTooLong { .. })),
            "{result:?}"
        );
        assert!(
            measured < 1_000 * caption.len(),
            "{measured} bytes measured"
        );
    }

    fn measure<T>(f: impl FnOnce() -> T) -> (T, usize) {
        segment::take_measured();
        let result = f();
        (result, segment::take_measured())
    }
}
