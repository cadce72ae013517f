//! `[sync]`: keeping a cross-posted post consistent with its Instagram
//! original after it went out, when the original is deleted or its caption
//! is edited.
//!
//! Both are detected from the listing the engine makes anyway: while either
//! is on, each poll lists the posts of the last `edit_window` (one request per
//! page, never one per post) and compares what it returns with what the store
//! holds. Deletion sync is opt-in because it deletes posts on X; edit sync
//! defaults to leaving X as it is.

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::error::PolicyError;

/// What happens on X when an Instagram post changes after it was cross-posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncSettings {
    /// Delete the X posts (every part of a thread) of an Instagram post that
    /// was deleted. Default `false`.
    pub deletions: bool,
    /// What a changed caption does. Default `ignore`.
    pub edits: EditMode,
    /// How far back the listing looks for edits and deletions (e.g. `"7d"`,
    /// at most 30 days). Default 7 days.
    #[serde(with = "days")]
    pub edit_window: SignedDuration,
    /// How long a post must be missing from the listing before it counts as
    /// deleted, when Instagram does not answer "does not exist" for it (at
    /// least one minute). Default 1 hour.
    #[serde(with = "days")]
    pub deletion_grace: SignedDuration,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            deletions: false,
            edits: EditMode::Ignore,
            edit_window: SignedDuration::from_hours(24 * 7),
            deletion_grace: SignedDuration::from_hours(1),
        }
    }
}

/// What a caption edited on Instagram does on X.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EditMode {
    /// Leave the X post as it is.
    #[default]
    Ignore,
    /// Delete the X post (every part) and post the new version.
    DeleteAndRepost,
    /// Answer the X post (its last part) with the corrected text.
    ReplyWithCorrection,
}

impl EditMode {
    /// The mode as the settings spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            EditMode::Ignore => "ignore",
            EditMode::DeleteAndRepost => "delete_and_repost",
            EditMode::ReplyWithCorrection => "reply_with_correction",
        }
    }
}

/// The longest `edit_window`: each poll lists this far back.
const MAX_WINDOW: SignedDuration = SignedDuration::from_hours(24 * 30);

impl SyncSettings {
    /// Whether the engine must list the recent window at all.
    pub fn watches(&self) -> bool {
        self.deletions || self.edits != EditMode::Ignore
    }

    /// Refuses windows and grace periods that cannot work.
    ///
    /// # Errors
    /// [`PolicyError::Invalid`] naming the key.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.edit_window < SignedDuration::from_mins(1) {
            return Err(PolicyError::invalid(
                "sync.edit_window",
                "must be at least one minute (e.g. \"7d\")",
            ));
        }
        if self.edit_window > MAX_WINDOW {
            return Err(PolicyError::invalid(
                "sync.edit_window",
                "must be at most 30 days: every poll lists the whole window",
            ));
        }
        if self.deletion_grace < SignedDuration::from_mins(1) {
            return Err(PolicyError::invalid(
                "sync.deletion_grace",
                "must be at least one minute, so that a post missing from one page of the listing is not taken for deleted",
            ));
        }
        if self.deletion_grace >= self.edit_window {
            return Err(PolicyError::invalid(
                "sync.deletion_grace",
                format!(
                    "must be shorter than sync.edit_window ({:#}): a post leaves the window before its grace period ends",
                    self.edit_window
                ),
            ));
        }
        Ok(())
    }
}

/// Durations written as `"7d"`, `"36h"` or `"1h 30m"`: days are 24 hours
/// here, since these windows are measured on the clock, not the calendar.
pub(crate) mod days {
    use jiff::{SignedDuration, Span, SpanRelativeTo};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &SignedDuration, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{d:#}"))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SignedDuration, D::Error> {
        let text = String::deserialize(d)?;
        let span: Span = text.parse().map_err(|e| {
            serde::de::Error::custom(format!(
                "{text:?} is not a duration like \"7d\" or \"30m\": {e}"
            ))
        })?;
        span.to_duration(SpanRelativeTo::days_are_24_hours())
            .map_err(|e| serde::de::Error::custom(format!("{text:?} is out of range: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_leave_x_alone() {
        let s = SyncSettings::default();
        assert!(!s.deletions && s.edits == EditMode::Ignore && !s.watches());
        assert!(s.validate().is_ok());
    }

    #[test]
    fn durations_round_trip_through_their_written_form() {
        let s = SyncSettings::default();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<SyncSettings>(&json).unwrap(), s);
    }

    #[test]
    fn windows_outside_bounds_are_refused_with_their_key() {
        let mut s = SyncSettings {
            edit_window: SignedDuration::from_hours(24 * 31),
            ..SyncSettings::default()
        };
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("sync.edit_window"), "{e}");
        s.edit_window = SignedDuration::from_hours(1);
        s.deletion_grace = SignedDuration::from_secs(5);
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("sync.deletion_grace"), "{e}");
    }
}
