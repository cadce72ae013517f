//! `xpost status`: every link and every post, with state and cause.

use serde::Serialize;
use xpost_core::{EventKind, EventQuery, Link, LinkState, PostQuery, PostRecord, PostState, Store};

use crate::error::CliError;
use crate::output::{cell, json, table};

/// Options of `xpost status`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// Print `{"links": [...], "posts": [...]}` as JSON.
    #[arg(long)]
    pub json: bool,
}

/// One link as `status --json` reports it.
#[derive(Debug, Serialize)]
pub struct LinkStatus {
    /// The link's name.
    pub id: String,
    /// The source account's id, once connected.
    pub source_user_id: Option<String>,
    /// The target account's id, once connected.
    pub target_user_id: Option<String>,
    /// `active`, `needs_reauth` or `disconnected`.
    pub state: &'static str,
    /// What the state means for this link, in words.
    pub detail: String,
    /// Whether the user paused it (`xpost pause`); `state` still says whether
    /// it is connected.
    pub paused: bool,
    /// Since when it is paused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paused_since: Option<jiff::Timestamp>,
    /// Stories that expired before they could be cross-posted, newest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missed_stories: Vec<MissedStory>,
}

/// A story, or a span of stories, that expired before it could be cross-posted.
#[derive(Debug, Serialize)]
pub struct MissedStory {
    /// When it was found out.
    pub at: jiff::Timestamp,
    /// The story's id, when one is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// What was missed and why.
    pub reason: String,
}

/// How many missed stories status shows per link.
const MISSED_SHOWN: usize = 10;

/// One post as `status --json` reports it.
#[derive(Debug, Serialize)]
pub struct PostStatus {
    /// The link it belongs to.
    pub link_id: String,
    /// The source post's id.
    pub source_id: String,
    /// `pending`, `posted`, `skipped`, `failed` or `needs_reauth`.
    pub state: &'static str,
    /// The target's ids of every part posted, in order.
    pub target_ids: Vec<String>,
    /// For skipped posts the rule that skipped them, for failures the cause.
    pub error: Option<String>,
    /// What deletion or edit sync did to the post on X, once it did anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncStatus>,
}

/// Deletion and edit sync of one post, as `status --json` reports it.
#[derive(Debug, Serialize)]
pub struct SyncStatus {
    /// The latest action: `retract` (deleted on Instagram), `repost` or `correct`.
    pub action: &'static str,
    /// `under_way` or `done`.
    pub progress: &'static str,
    /// Whether the Instagram post is gone (then it is never posted again).
    pub deleted_on_source: bool,
    /// The X posts sync deleted (older versions, retracted parts).
    pub deleted_ids: Vec<String>,
    /// The correction replies on X, oldest first.
    pub correction_ids: Vec<String>,
    /// Why the latest action is retrying or could not be done, if it is or could not.
    pub error: Option<String>,
}

/// What `sync` says for a post; `None` when sync never touched it.
pub fn sync_status(record: &PostRecord) -> Option<SyncStatus> {
    let work = record.sync.as_ref()?;
    let ids = |ids: &[xpost_core::TargetId]| ids.iter().map(ToString::to_string).collect();
    Some(SyncStatus {
        action: work.action.as_str(),
        progress: if work.is_done() { "done" } else { "under_way" },
        deleted_on_source: record.source_deleted_at.is_some(),
        deleted_ids: ids(&record.retired),
        correction_ids: ids(&record.corrections),
        error: record
            .error
            .as_ref()
            .filter(|e| e.at >= work.detected_at)
            .map(|e| e.message.clone()),
    })
}

/// The whole `status --json` answer.
#[derive(Debug, Serialize)]
pub struct Status {
    /// Every link.
    pub links: Vec<LinkStatus>,
    /// Every post, oldest first.
    pub posts: Vec<PostStatus>,
}

/// The link's state as status reports it. A link with one side still to connect
/// needs that side authorized, so it is reported as `needs_reauth` with a detail.
pub fn link_state(link: &Link) -> (&'static str, String) {
    match link.state {
        LinkState::Active => ("active", "cross-posting".into()),
        LinkState::NeedsReauth => (
            "needs_reauth",
            format!(
                "the {} account must be linked again",
                link.reauth_side
                    .map_or("source or target".to_owned(), |s| s.to_string())
            ),
        ),
        LinkState::Disconnected => ("disconnected", "unlinked; history kept".into()),
        LinkState::Pending => {
            let missing = if link.source.is_none() {
                "instagram"
            } else {
                "x"
            };
            (
                "needs_reauth",
                format!(
                    "not linked yet: run xpost link {missing} --link {}",
                    link.id
                ),
            )
        }
        _ => ("needs_reauth", "in a state this xpost does not know".into()),
    }
}

/// What `error` says for a post.
pub fn post_error(record: &PostRecord) -> Option<String> {
    match record.state {
        PostState::Skipped => record
            .skip
            .as_ref()
            .map(|s| format!("{}: {}", s.rule, s.reason)),
        PostState::Posted => None,
        _ => record.error.as_ref().map(|e| match &e.hint {
            Some(hint) => format!("{} (hint: {hint})", e.message),
            None => e.message.clone(),
        }),
    }
}

/// Reads the whole status from the store.
///
/// # Errors
/// [`CliError`] when the store fails.
pub async fn collect(store: &dyn Store) -> Result<Status, CliError> {
    let mut links = Vec::new();
    for link in store.links().await? {
        let (state, mut detail) = link_state(&link);
        if let Some(since) = link.paused_since {
            detail = format!("paused since {since} (xpost resume {}); {detail}", link.id);
        }
        let missed_stories = store
            .events(&EventQuery {
                link: Some(link.id.clone()),
                kinds: vec![EventKind::StoryMissed],
                limit: MISSED_SHOWN,
                ..EventQuery::default()
            })
            .await?
            .into_iter()
            .map(|e| MissedStory {
                at: e.at,
                source_id: e.source_id.map(|s| s.to_string()),
                reason: e.message,
            })
            .collect();
        links.push(LinkStatus {
            id: link.id.to_string(),
            source_user_id: link.source.as_ref().map(|a| a.user_id.to_string()),
            target_user_id: link.target.as_ref().map(|a| a.user_id.to_string()),
            state,
            detail,
            paused: link.is_paused(),
            paused_since: link.paused_since,
            missed_stories,
        });
    }
    let posts = store
        .posts(&PostQuery::default())
        .await?
        .iter()
        .map(|record| PostStatus {
            link_id: record.link.to_string(),
            source_id: record.source_id.to_string(),
            state: record.state.status(),
            target_ids: record
                .target_ids()
                .iter()
                .map(ToString::to_string)
                .collect(),
            error: post_error(record),
            sync: sync_status(record),
        })
        .collect();
    Ok(Status { links, posts })
}

/// Runs `xpost status`.
///
/// # Errors
/// [`CliError`] when the store fails.
pub async fn run(store: &dyn Store, args: &StatusArgs) -> Result<(), CliError> {
    let status = collect(store).await?;
    if args.json {
        return json(&status);
    }
    if status.links.is_empty() {
        println!("No links yet. Connect one with: xpost link instagram, then xpost link x");
        return Ok(());
    }
    let mut links = table(&["link", "instagram", "x", "state", "detail"]);
    for l in &status.links {
        links.add_row(vec![
            l.id.clone(),
            l.source_user_id.clone().unwrap_or_else(|| "-".into()),
            l.target_user_id.clone().unwrap_or_else(|| "-".into()),
            l.state.to_owned(),
            l.detail.clone(),
        ]);
    }
    println!("{links}");
    for l in &status.links {
        for missed in &l.missed_stories {
            println!(
                "missed story on link {} ({}): {}",
                l.id, missed.at, missed.reason
            );
        }
    }
    let count = |state: &str| status.posts.iter().filter(|p| p.state == state).count();
    println!(
        "posts: {} posted, {} pending, {} skipped, {} failed, {} waiting for a re-link",
        count("posted"),
        count("pending"),
        count("skipped"),
        count("failed"),
        count("needs_reauth")
    );
    if !status.posts.is_empty() {
        let mut posts = table(&["link", "post", "state", "on x", "why"]);
        for p in status.posts.iter().rev().take(20) {
            posts.add_row(vec![
                p.link_id.clone(),
                p.source_id.clone(),
                p.state.to_owned(),
                p.target_ids.join(" "),
                cell(p.error.as_deref().unwrap_or(""), 80),
            ]);
        }
        println!("{posts}");
        if status.posts.len() > 20 {
            println!(
                "(the 20 newest of {}; --json lists all)",
                status.posts.len()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use jiff::Timestamp;
    use xpost_core::{
        Account, AccountId, Event, LinkId, MemoryStore, Platform, Side, SkipReason, SyncAction,
        SyncWork, TargetId,
    };

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
            .block_on(f)
    }

    #[test]
    fn a_paused_link_keeps_its_state_and_shows_its_missed_stories() {
        block_on(async {
            let store = MemoryStore::new();
            let id = LinkId::new("default").unwrap_or_else(|e| panic!("{e}"));
            let at = Timestamp::from_second(1_750_000_000).unwrap_or_else(|e| panic!("{e}"));
            let mut link = Link::new(id.clone(), at);
            for (side, platform, user) in [
                (Side::Source, Platform::Instagram, "1784"),
                (Side::Target, Platform::X, "42"),
            ] {
                let account = Account {
                    platform,
                    user_id: AccountId::new(user).unwrap_or_else(|e| panic!("{e}")),
                    username: "someone".into(),
                };
                link.connect(side, account, at);
            }
            link.paused_since = Some(at);
            store
                .put_link(&link)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let missed = Event::new(
                at,
                id.clone(),
                EventKind::StoryMissed,
                "stories published between A and B may have expired unseen",
            );
            store
                .append_events(&[missed])
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let status = collect(&store).await.unwrap_or_else(|e| panic!("{e}"));
            let json = serde_json::to_value(&status).unwrap_or_else(|e| panic!("{e}"));
            let l = &json["links"][0];
            assert_eq!(l["state"], "active");
            assert_eq!(l["paused"], true);
            assert!(l["paused_since"].is_string());
            assert_eq!(l["missed_stories"].as_array().map(Vec::len), Some(1));
            assert!(
                l["missed_stories"][0]["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("expired unseen"))
            );
        });
    }

    fn record() -> PostRecord {
        let post = serde_json::from_str(
            r#"{"id": "1", "media_type": "image", "product_type": "feed", "timestamp": "2025-06-01T18:30:00Z"}"#,
        )
        .unwrap();
        PostRecord::discovered(LinkId::new("main").unwrap(), post, Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn a_post_sync_never_touched_has_no_sync_entry() {
        let r = record();
        assert!(sync_status(&r).is_none());
        let status = PostStatus {
            link_id: "main".into(),
            source_id: "1".into(),
            state: r.state.status(),
            target_ids: Vec::new(),
            error: None,
            sync: sync_status(&r),
        };
        let json = serde_json::to_value(&status).unwrap();
        assert!(json.get("sync").is_none(), "{json}");
    }

    #[test]
    fn a_post_deleted_on_both_sides_is_skipped_with_its_rule_and_deleted_ids() {
        let mut r = record();
        r.state = PostState::Skipped;
        r.skip = Some(SkipReason {
            rule: "sync.deletions".into(),
            reason: "deleted on Instagram; its 2 post(s) on X were deleted".into(),
        });
        r.source_deleted_at = Some(Timestamp::UNIX_EPOCH);
        r.retired = vec![TargetId::new("7").unwrap(), TargetId::new("8").unwrap()];
        let mut work = SyncWork::new(
            SyncAction::Retract,
            r.retired.clone(),
            Timestamp::UNIX_EPOCH,
        );
        work.done_at = Some(Timestamp::UNIX_EPOCH);
        r.sync = Some(work);
        assert_eq!(r.state.status(), "skipped");
        assert!(
            post_error(&r)
                .unwrap()
                .starts_with("sync.deletions: deleted on Instagram")
        );
        let sync = serde_json::to_value(sync_status(&r).unwrap()).unwrap();
        assert_eq!(
            sync,
            serde_json::json!({
                "action": "retract", "progress": "done", "deleted_on_source": true,
                "deleted_ids": ["7", "8"], "correction_ids": [], "error": null
            })
        );
    }
}
