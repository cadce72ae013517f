//! The per-rule trace of a decision, for `explain` and for reviewers.

use jiff::Timestamp;
use serde::Serialize;

use crate::rule::Rule;

/// What one rule did to the post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// The rule let the post through.
    Passed,
    /// The rule moved the post later (see [`TraceStep::until`]).
    Held,
    /// The rule refused the post for good.
    Skipped,
    /// The rule needs a human to approve the post.
    Review,
}

/// One rule that was looked at, in the order the policy looked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceStep {
    /// The rule, named by its settings key.
    pub rule: Rule,
    /// What it did.
    pub outcome: Outcome,
    /// For [`Outcome::Held`]: the earliest instant the rule allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
    /// Why, in one sentence.
    pub detail: String,
}

/// The steps of one decision, collected as the rules run.
#[derive(Debug, Clone, Default)]
pub(crate) struct Trace {
    pub(crate) steps: Vec<TraceStep>,
}

impl Trace {
    fn push(&mut self, rule: Rule, outcome: Outcome, until: Option<Timestamp>, detail: String) {
        self.steps.push(TraceStep {
            rule,
            outcome,
            until,
            detail,
        });
    }

    pub(crate) fn passed(&mut self, rule: Rule, detail: impl Into<String>) {
        self.push(rule, Outcome::Passed, None, detail.into());
    }

    pub(crate) fn held(&mut self, rule: Rule, until: Timestamp, detail: impl Into<String>) {
        self.push(rule, Outcome::Held, Some(until), detail.into());
    }

    pub(crate) fn skipped(&mut self, rule: Rule, detail: impl Into<String>) {
        self.push(rule, Outcome::Skipped, None, detail.into());
    }

    pub(crate) fn review(&mut self, rule: Rule, detail: impl Into<String>) {
        self.push(rule, Outcome::Review, None, detail.into());
    }
}
