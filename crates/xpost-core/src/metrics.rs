//! Engagement time series: what each platform reported for a cross-posted post,
//! sampled over time, and the count of paid reads spent per period.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{LinkId, SourceId};
use crate::link::Platform;

/// Counters one platform reports for one post; `None` where it does not say
/// (Instagram hides likes on some posts and has no impressions for others).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metrics {
    /// Likes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub likes: Option<u64>,
    /// Comments on Instagram, replies on X.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<u64>,
    /// Reposts (X only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reposts: Option<u64>,
    /// Impressions (X only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impressions: Option<u64>,
}

/// One sample of one post's counters on one platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricSample {
    /// The link the post belongs to.
    pub link: LinkId,
    /// The source post (the Instagram post, whichever platform was read).
    pub source_id: SourceId,
    /// The platform that reported the counters.
    pub platform: Platform,
    /// When they were read.
    pub at: Timestamp,
    /// The counters.
    pub metrics: Metrics,
}

/// Which samples to list, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricQuery {
    /// Only this link's.
    pub link: Option<LinkId>,
    /// Only this post's.
    pub source_id: Option<SourceId>,
    /// Only this platform's.
    pub platform: Option<Platform>,
    /// Only samples taken at or after this instant.
    pub since: Option<Timestamp>,
}

impl MetricQuery {
    /// Whether `sample` is one this query asks for.
    pub fn matches(&self, sample: &MetricSample) -> bool {
        self.link.as_ref().is_none_or(|l| *l == sample.link)
            && self
                .source_id
                .as_ref()
                .is_none_or(|s| *s == sample.source_id)
            && self.platform.is_none_or(|p| p == sample.platform)
            && self.since.is_none_or(|t| sample.at >= t)
    }
}
