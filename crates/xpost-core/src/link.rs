//! Links: one source account cross-posting to one target account.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, LinkId};

/// A platform xpost reads from or posts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Platform {
    /// Instagram (API with Instagram Login).
    Instagram,
    /// X (API v2).
    X,
}

impl Platform {
    /// The platform's name as xpost spells it in files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Instagram => "instagram",
            Platform::X => "x",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which end of a link: where posts come from, or where they go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The account posts are read from.
    Source,
    /// The account posts are published to.
    Target,
}

impl Side {
    /// `source` or `target`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Target => "target",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One connected account on one platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The platform it lives on.
    pub platform: Platform,
    /// The platform's id for it (Instagram's professional account id, X's user id).
    pub user_id: AccountId,
    /// Its handle, without `@`, as it was when linked.
    pub username: String,
}

/// Where a link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LinkState {
    /// Only one side is connected yet; nothing is cross-posted.
    Pending,
    /// Both sides are connected and posts are cross-posted.
    Active,
    /// A side's credentials stopped working (changed password, revoked app, dead
    /// refresh token): polling is paused until the user links that side again.
    NeedsReauth,
    /// The user unlinked it: nothing is posted any more; the history stays.
    Disconnected,
}

impl LinkState {
    /// The state as status output spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Pending => "pending",
            LinkState::Active => "active",
            LinkState::NeedsReauth => "needs_reauth",
            LinkState::Disconnected => "disconnected",
        }
    }
}

impl fmt::Display for LinkState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A link as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Its name, e.g. `default`.
    pub id: LinkId,
    /// The account posts are read from, once connected.
    pub source: Option<Account>,
    /// The account posts go to, once connected.
    pub target: Option<Account>,
    /// Where it stands.
    pub state: LinkState,
    /// Which side needs to be linked again, when `state` is `NeedsReauth`.
    pub reauth_side: Option<Side>,
    /// When the link was first created.
    pub created_at: Timestamp,
    /// When it last became active: source posts published before this instant are
    /// not cross-posted unless a backfill asks for them.
    pub active_since: Option<Timestamp>,
    /// Since when the user has paused it: nothing is polled or posted until it is
    /// resumed. A pause is not a state of its own, so `state` still says whether
    /// the link is connected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_since: Option<Timestamp>,
}

impl Link {
    /// A new link with neither side connected.
    pub fn new(id: LinkId, now: Timestamp) -> Self {
        Self {
            id,
            source: None,
            target: None,
            state: LinkState::Pending,
            reauth_side: None,
            created_at: now,
            active_since: None,
            paused_since: None,
        }
    }

    /// Whether the user paused it.
    pub fn is_paused(&self) -> bool {
        self.paused_since.is_some()
    }

    /// The account on `side`, if connected.
    pub fn account(&self, side: Side) -> Option<&Account> {
        match side {
            Side::Source => self.source.as_ref(),
            Side::Target => self.target.as_ref(),
        }
    }

    /// Connects `account` on `side`; the link becomes active at `now` once both
    /// sides are connected (a re-link of a side that needed it re-activates it).
    pub fn connect(&mut self, side: Side, account: Account, now: Timestamp) {
        match side {
            Side::Source => self.source = Some(account),
            Side::Target => self.target = Some(account),
        }
        if self.source.is_some() && self.target.is_some() {
            if self.state != LinkState::Active && self.state != LinkState::NeedsReauth {
                // Whole seconds, as platforms stamp posts: a post made in the
                // second the link became active is newer than the link, not older.
                self.active_since = Some(Timestamp::from_second(now.as_second()).unwrap_or(now));
            }
            if self.state != LinkState::NeedsReauth || self.reauth_side == Some(side) {
                self.state = LinkState::Active;
                self.reauth_side = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(platform: Platform, id: &str) -> Account {
        Account {
            platform,
            user_id: AccountId::new(id).unwrap_or_else(|e| panic!("{e}")),
            username: "someone".into(),
        }
    }

    fn link() -> Link {
        Link::new(
            LinkId::new("default").unwrap_or_else(|e| panic!("{e}")),
            Timestamp::UNIX_EPOCH,
        )
    }

    #[test]
    fn becomes_active_once_both_sides_are_connected() {
        let mut l = link();
        let t1 = Timestamp::from_second(10).unwrap_or_default();
        l.connect(Side::Source, account(Platform::Instagram, "1"), t1);
        assert_eq!(l.state, LinkState::Pending);
        let t2 = Timestamp::from_second(20).unwrap_or_default();
        l.connect(Side::Target, account(Platform::X, "2"), t2);
        assert_eq!(l.state, LinkState::Active);
        assert_eq!(l.active_since, Some(t2));
    }

    #[test]
    fn relinking_the_broken_side_reactivates_without_moving_active_since() {
        let mut l = link();
        let t = Timestamp::from_second(10).unwrap_or_default();
        l.connect(Side::Source, account(Platform::Instagram, "1"), t);
        l.connect(Side::Target, account(Platform::X, "2"), t);
        l.state = LinkState::NeedsReauth;
        l.reauth_side = Some(Side::Target);
        let later = Timestamp::from_second(99).unwrap_or_default();
        l.connect(Side::Source, account(Platform::Instagram, "1"), later);
        assert_eq!(
            l.state,
            LinkState::NeedsReauth,
            "the wrong side was re-linked"
        );
        l.connect(Side::Target, account(Platform::X, "2"), later);
        assert_eq!(l.state, LinkState::Active);
        assert_eq!(
            l.active_since,
            Some(t),
            "posts made meanwhile are still due"
        );
    }

    #[test]
    fn states_serialize_as_status_spells_them() {
        let json = serde_json::to_string(&LinkState::NeedsReauth).unwrap_or_default();
        assert_eq!(json, "\"needs_reauth\"");
    }
}
