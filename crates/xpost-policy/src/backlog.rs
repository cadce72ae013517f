//! What a link does with a backlog, and how often it looks at its stories.
//!
//! A backlog is what one pass finds after an outage, a pause, a re-link or a
//! backfill: more new posts than a poll normally brings, or a pass that comes
//! long after the last successful one. Posting all of it at once would flood
//! the X account's followers, so each link chooses: post everything (the
//! default, oldest first, within X's pacing), skip it, post only the newest N,
//! or spread it evenly over a period. Whatever the choice, posts go out in
//! Instagram's order and never faster than X's pacing allows.
//!
//! Stories live 24 hours; a link that shares them is polled at least every
//! [`StorySettings::poll_within`], whatever its poll interval.

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::error::PolicyError;

/// What a link does with a backlog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BacklogMode {
    /// Post every post of the backlog, oldest first, as fast as X's pacing
    /// allows (the default: nothing a link is entitled to is dropped).
    All,
    /// Post none of it: each post is recorded as skipped ("backlog skipped").
    Skip,
    /// Post the newest [`BacklogSettings::newest`] posts and skip the older ones.
    Newest,
    /// Post all of it, spaced evenly over [`BacklogSettings::spread`].
    Spread,
}

impl BacklogMode {
    /// The mode as settings spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            BacklogMode::All => "all",
            BacklogMode::Skip => "skip",
            BacklogMode::Newest => "newest",
            BacklogMode::Spread => "spread",
        }
    }
}

/// What a link does with a backlog, and what counts as one (`[backlog]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BacklogSettings {
    /// `all`, `skip`, `newest` or `spread`. Default `all`.
    pub mode: BacklogMode,
    /// With `mode = "newest"`: how many of the newest posts go. Default 5.
    pub newest: u32,
    /// With `mode = "spread"`: the period the backlog is spread over. Default `"6h"`.
    #[serde(with = "crate::sync::days")]
    pub spread: SignedDuration,
    /// A pass that finds more new posts than this has found a backlog. Default 10.
    pub after_posts: u32,
    /// A pass that comes more than this after the last successful poll (an
    /// outage, a pause, a re-link) has found a backlog. Default `"3h"`.
    #[serde(with = "crate::sync::days")]
    pub after_gap: SignedDuration,
}

impl Default for BacklogSettings {
    fn default() -> Self {
        Self {
            mode: BacklogMode::All,
            newest: 5,
            spread: SignedDuration::from_hours(6),
            after_posts: 10,
            after_gap: SignedDuration::from_hours(3),
        }
    }
}

impl BacklogSettings {
    /// Whether a pass that found `fresh` new posts, `gap` after the last
    /// successful poll (if known), or a backfill, has found a backlog.
    pub fn is_backlog(&self, fresh: usize, gap: Option<SignedDuration>, backfill: bool) -> bool {
        backfill
            || fresh > usize::try_from(self.after_posts).unwrap_or(usize::MAX)
            || gap.is_some_and(|gap| gap > self.after_gap)
    }

    pub(crate) fn validate(&self) -> Result<(), PolicyError> {
        if self.mode == BacklogMode::Newest && self.newest == 0 {
            return Err(PolicyError::invalid(
                "backlog.newest",
                "must be at least 1 (use mode = \"skip\" to post none of a backlog)",
            ));
        }
        if self.spread <= SignedDuration::ZERO {
            return Err(PolicyError::invalid("backlog.spread", "must be positive"));
        }
        if self.spread > SignedDuration::from_hours(24 * 7) {
            return Err(PolicyError::invalid(
                "backlog.spread",
                "must be at most a week (\"7d\")",
            ));
        }
        if self.after_gap <= SignedDuration::ZERO {
            return Err(PolicyError::invalid(
                "backlog.after_gap",
                "must be positive",
            ));
        }
        Ok(())
    }
}

/// How a link that shares stories looks at them (`[stories]`); whether it
/// shares them at all is `content.stories`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorySettings {
    /// The longest time between two polls of the link's stories, whatever the
    /// poll interval. Less than 24 hours, so that every story is seen alive.
    /// Default `"1h"`.
    #[serde(with = "crate::sync::days")]
    pub poll_within: SignedDuration,
}

impl Default for StorySettings {
    fn default() -> Self {
        Self {
            poll_within: SignedDuration::from_hours(1),
        }
    }
}

/// How long a story stays listable on Instagram.
pub const STORY_LIFE: SignedDuration = SignedDuration::from_hours(24);

impl StorySettings {
    pub(crate) fn validate(&self) -> Result<(), PolicyError> {
        if self.poll_within < SignedDuration::from_secs(60) || self.poll_within >= STORY_LIFE {
            return Err(PolicyError::invalid(
                "stories.poll_within",
                "must be at least 1 minute and less than 24 hours (stories expire after 24 hours)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_keep_every_post_and_poll_stories_hourly() {
        let b = BacklogSettings::default();
        assert_eq!(b.mode, BacklogMode::All);
        assert!(b.validate().is_ok());
        assert!(StorySettings::default().validate().is_ok());
    }

    #[test]
    fn a_backlog_is_many_posts_a_long_gap_or_a_backfill() {
        let b = BacklogSettings::default();
        assert!(!b.is_backlog(10, Some(SignedDuration::from_mins(5)), false));
        assert!(b.is_backlog(11, None, false));
        assert!(b.is_backlog(1, Some(SignedDuration::from_hours(4)), false));
        assert!(b.is_backlog(1, None, true));
    }

    #[test]
    fn impossible_values_are_refused_with_their_key() {
        let b = BacklogSettings {
            mode: BacklogMode::Newest,
            newest: 0,
            ..BacklogSettings::default()
        };
        assert!(
            b.validate()
                .unwrap_err()
                .to_string()
                .contains("backlog.newest")
        );
        let s = StorySettings {
            poll_within: SignedDuration::from_hours(24),
        };
        assert!(
            s.validate()
                .unwrap_err()
                .to_string()
                .contains("stories.poll_within")
        );
    }
}
