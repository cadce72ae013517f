//! `xpost links`: every link with both accounts, its state, and each side's
//! scopes and token expiry (never a token).

use jiff::Timestamp;
use serde::Serialize;
use xpost_core::{Link, LinkId, Side, Store};

use crate::commands::status::link_state;
use crate::error::CliError;
use crate::output::{json, table};

/// Options of `xpost links`.
#[derive(Debug, Clone, clap::Args)]
pub struct LinksArgs {
    /// Print `{"links": [...]}` as JSON.
    #[arg(long)]
    pub json: bool,
}

/// One side of a link as `links` reports it.
#[derive(Debug, Serialize)]
pub struct SideView {
    /// `instagram` or `x`.
    pub platform: String,
    /// The account's id on the platform.
    pub user_id: String,
    /// Its handle, without `@`.
    pub username: String,
    /// Whether tokens are stored for it.
    pub connected: bool,
    /// The scopes granted, by the platform's names.
    pub scopes: Vec<String>,
    /// When the access token expires, when known.
    pub token_expires_at: Option<Timestamp>,
}

/// One link as `links` reports it.
#[derive(Debug, Serialize)]
pub struct LinkView {
    /// The link's name.
    pub id: String,
    /// `pending`, `active`, `needs_reauth` or `disconnected`.
    pub state: &'static str,
    /// What the state means for this link, in words.
    pub detail: String,
    /// When it last became active.
    pub active_since: Option<Timestamp>,
    /// The Instagram account, once connected.
    pub source: Option<SideView>,
    /// The X account, once connected.
    pub target: Option<SideView>,
}

/// The whole `links --json` answer.
#[derive(Debug, Serialize)]
pub struct Links {
    /// Every link.
    pub links: Vec<LinkView>,
}

async fn side(store: &dyn Store, link: &Link, side: Side) -> Result<Option<SideView>, CliError> {
    let Some(account) = link.account(side) else {
        return Ok(None);
    };
    let credentials = store.credentials(&link.id, side).await?;
    Ok(Some(SideView {
        platform: account.platform.to_string(),
        user_id: account.user_id.to_string(),
        username: account.username.clone(),
        connected: credentials.is_some(),
        scopes: credentials
            .as_ref()
            .map(|c| c.value.scopes.clone())
            .unwrap_or_default(),
        token_expires_at: credentials.and_then(|c| c.value.expires_at),
    }))
}

/// Reads every link from the store.
///
/// # Errors
/// [`CliError`] when the store fails.
pub async fn collect(store: &dyn Store) -> Result<Links, CliError> {
    let mut links = Vec::new();
    for link in store.links().await? {
        let (_, detail) = link_state(&link);
        links.push(LinkView {
            id: link.id.to_string(),
            state: link.state.as_str(),
            detail,
            active_since: link.active_since,
            source: side(store, &link, Side::Source).await?,
            target: side(store, &link, Side::Target).await?,
        });
    }
    Ok(Links { links })
}

fn account_cell(view: Option<&SideView>) -> String {
    match view {
        None => "-".into(),
        Some(v) => format!("@{} ({})", v.username, v.user_id),
    }
}

fn scopes_cell(view: Option<&SideView>) -> String {
    match view {
        None => "-".into(),
        Some(v) if !v.connected => "no tokens".into(),
        Some(v) if v.scopes.is_empty() => "(not listed)".into(),
        Some(v) => v.scopes.join(" "),
    }
}

/// A time for a table cell, to the second.
fn when(at: Option<Timestamp>) -> String {
    at.map_or_else(
        || "-".into(),
        |t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

fn expiry_cell(view: Option<&SideView>) -> String {
    when(view.and_then(|v| v.token_expires_at))
}

/// Runs `xpost links`.
///
/// # Errors
/// [`CliError`] when the store fails.
pub async fn run(store: &dyn Store, args: &LinksArgs) -> Result<(), CliError> {
    let links = collect(store).await?;
    if args.json {
        return json(&links);
    }
    if links.links.is_empty() {
        println!("No links yet. Connect one with: xpost link instagram, then xpost link x");
        return Ok(());
    }
    let mut out = table(&[
        "link",
        "state",
        "active since",
        "instagram",
        "x",
        "instagram scopes",
        "x scopes",
        "instagram token expires",
        "x token expires",
    ]);
    for l in &links.links {
        out.add_row(vec![
            l.id.clone(),
            l.state.to_owned(),
            when(l.active_since),
            account_cell(l.source.as_ref()),
            account_cell(l.target.as_ref()),
            scopes_cell(l.source.as_ref()),
            scopes_cell(l.target.as_ref()),
            expiry_cell(l.source.as_ref()),
            expiry_cell(l.target.as_ref()),
        ]);
    }
    println!("{out}");
    Ok(())
}

/// The link named `name`, or an error naming the known ones.
pub(crate) async fn known_link(store: &dyn Store, name: &str) -> Result<LinkId, CliError> {
    let id = LinkId::new(name).ok();
    if let Some(id) = id {
        if store.link(&id).await?.is_some() {
            return Ok(id);
        }
    }
    let known: Vec<String> = store
        .links()
        .await?
        .iter()
        .map(|l| l.id.to_string())
        .collect();
    Err(CliError::Input(if known.is_empty() {
        format!(
            "no link named {name:?}: there are no links yet (connect one with xpost link instagram)"
        )
    } else {
        format!("no link named {name:?}; known links: {}", known.join(", "))
    }))
}
