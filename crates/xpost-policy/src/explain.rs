//! `explain`: a decision laid out for a person, rule by rule.

use std::fmt;

use jiff::Timestamp;
use serde::Serialize;
use xpost_core::SourcePost;

use crate::config::PolicyConfig;
use crate::decide::{Audience, Context, Verdict, decide};
use crate::error::PolicyError;
use crate::render::{RenderNote, RenderedPost};
use crate::rule::Rule;
use crate::trace::{Outcome, TraceStep};

/// What the policy decides for one post and why: the decision, the posts it
/// would make, what rendering changed and every rule looked at. It serializes
/// to JSON and displays as the text `xpost policy explain` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The link whose settings applied, or `None` for the defaults.
    pub link: Option<String>,
    /// The time the decision was made at.
    pub now: Timestamp,
    /// Post now, later, never, or after review.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// The rule that settled it.
    pub rule: Rule,
    /// Why, in one sentence.
    pub reason: String,
    /// Who may see and answer the post.
    pub audience: Audience,
    /// What the posts cost, in US dollars (also shown for a post awaiting review).
    pub estimated_cost_usd: f64,
    /// The posts it would make; empty when it got no further than a refusal.
    pub posts: Vec<RenderedPost>,
    /// What rendering changed on the way.
    pub notes: Vec<RenderNote>,
    /// Every rule looked at, in order.
    pub trace: Vec<TraceStep>,
}

/// Decides for `post` under the settings of `link` (the `[defaults]` when
/// `None`) and lays the decision out.
///
/// # Errors
/// [`PolicyError::UnknownLink`] when `link` names a link the settings do not
/// define.
pub fn explain(
    config: &PolicyConfig,
    link: Option<&str>,
    post: &SourcePost,
    ctx: &Context,
    now: Timestamp,
) -> Result<Explanation, PolicyError> {
    let settings = match link {
        Some(name) => config.defined_link(name)?,
        None => config.defaults(),
    };
    let decision = decide(post, settings, ctx, now);
    let (posts, notes, estimated_cost_usd) = match decision.rendered {
        Some(r) => (r.posts, r.notes, r.estimated_cost_usd),
        None => (Vec::new(), Vec::new(), 0.0),
    };
    Ok(Explanation {
        link: link.map(str::to_owned),
        now,
        verdict: decision.verdict,
        rule: decision.rule,
        reason: decision.reason,
        audience: decision.audience,
        estimated_cost_usd,
        posts,
        notes,
        trace: decision.trace,
    })
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = match self.verdict {
            Verdict::PostNow => "post now".to_owned(),
            Verdict::PostAt(at) => format!("post at {at}"),
            Verdict::Skip => "skip".to_owned(),
            Verdict::NeedsReview => "needs review".to_owned(),
        };
        writeln!(f, "decision: {verdict}")?;
        writeln!(f, "rule: {}", self.rule)?;
        writeln!(f, "reason: {}", self.reason)?;
        if !self.posts.is_empty() {
            writeln!(f, "reply_settings: {}", self.audience.reply_settings)?;
            if let Some(community) = &self.audience.community_id {
                writeln!(f, "community_id: {community}")?;
            }
            writeln!(f, "estimated_cost_usd: {:.3}", self.estimated_cost_usd)?;
        }
        for (i, p) in self.posts.iter().enumerate() {
            writeln!(f, "post {}: {:?} (media: {:?})", i + 1, p.text, p.media)?;
        }
        if !self.notes.is_empty() {
            writeln!(f, "notes:")?;
            for note in &self.notes {
                writeln!(f, "  - {note}")?;
            }
        }
        writeln!(f, "trace:")?;
        for step in &self.trace {
            let outcome = match (step.outcome, step.until) {
                (Outcome::Held, Some(until)) => format!("held until {until}"),
                (Outcome::Held, None) => "held".to_owned(),
                (Outcome::Passed, _) => "passed".to_owned(),
                (Outcome::Skipped, _) => "skipped".to_owned(),
                (Outcome::Review, _) => "needs review".to_owned(),
            };
            writeln!(f, "  {}: {outcome}: {}", step.rule, step.detail)?;
        }
        Ok(())
    }
}
