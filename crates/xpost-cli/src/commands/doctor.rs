//! `xpost doctor`: what needs attention, per link and for the store, each
//! problem with the one command or setting that fixes it.
//!
//! Doctor reads what the store knows (tokens, scopes, recent events) and asks
//! each platform who the stored token belongs to, through the same adapters the
//! engine posts with, so that a check that passes here means the engine's calls
//! get past authorization too. It never prints a token or a secret.

use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use xpost_core::{
    EventKind, EventQuery, FailureClass, Link, LinkId, LinkState, PostQuery, PostState, Profile,
    RemoteError, Side, Source, Store, StoreError, Target,
};
use xpost_engine::adapters::{AdapterConfig, AdapterError, instagram_source, x_target};
use xpost_store_sqlite::{SqliteStore, key, supported_schema_version};

use crate::error::CliError;
use crate::global::GlobalArgs;
use crate::output::{cell, json};

/// The Instagram permissions cross-posting needs.
pub const INSTAGRAM_SCOPES: &[&str] = &["instagram_business_basic"];
/// The X scopes cross-posting needs.
pub const X_SCOPES: &[&str] = &[
    "tweet.read",
    "tweet.write",
    "users.read",
    "media.write",
    "offline.access",
];

/// How many of a link's newest failures doctor shows.
const NEWEST_FAILURES: usize = 3;

/// Options of `xpost doctor`.
#[derive(Debug, Clone, clap::Args)]
pub struct DoctorArgs {
    /// Print `{"ok", "links": [{"id", "checks": [...]}], "store": {...}}` as JSON.
    #[arg(long)]
    pub json: bool,
}

/// One thing doctor looked at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked, e.g. `x.scopes`.
    pub name: String,
    /// Whether it needs no attention.
    pub ok: bool,
    /// What was found, in a line.
    pub detail: String,
    /// For a problem, the command or setting that fixes it.
    pub fix: Option<String>,
}

impl Check {
    fn pass(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ok: true,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fail(name: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ok: false,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// One link's checks.
#[derive(Debug, Clone, Serialize)]
pub struct LinkReport {
    /// The link's name.
    pub id: String,
    /// What was checked, in order.
    pub checks: Vec<Check>,
}

/// The store's health.
#[derive(Debug, Clone, Serialize)]
pub struct StoreReport {
    /// The SQLite file.
    pub path: String,
    /// The file's schema version, when it opened.
    pub schema_version: Option<i64>,
    /// The newest schema version this xpost writes.
    pub supported_schema_version: i64,
    /// What was checked, in order.
    pub checks: Vec<Check>,
}

/// Everything `xpost doctor` found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Whether nothing needs attention.
    pub ok: bool,
    /// Every link's checks.
    pub links: Vec<LinkReport>,
    /// The store's checks.
    pub store: StoreReport,
}

impl Report {
    /// Every failed check, with the link it belongs to (`None` for the store).
    pub fn problems(&self) -> Vec<(Option<&str>, &Check)> {
        let store = self.store.checks.iter().map(|c| (None, c));
        let links = self
            .links
            .iter()
            .flat_map(|l| l.checks.iter().map(move |c| (Some(l.id.as_str()), c)));
        store.chain(links).filter(|(_, c)| !c.ok).collect()
    }
}

/// Which platform a side of a link is on, as commands spell it.
fn platform(side: Side) -> &'static str {
    match side {
        Side::Source => "instagram",
        _ => "x",
    }
}

fn relink(platform: &str, link: &LinkId) -> String {
    format!("link {platform} again: xpost link {platform} --link {link}")
}

fn grant(platform: &str, scopes: &str) -> String {
    format!("grant scope {scopes}: xpost link {platform} again and allow {scopes}")
}

fn wait(until: Option<Timestamp>) -> String {
    match until {
        Some(at) => format!("wait until {at}"),
        None => "wait until the platform's rate limit resets (usually within 15 minutes)".into(),
    }
}

/// Checks the SQLite store at `path`: it exists and opens, its schema
/// version, its file mode and its key. Answers the report and, when it
/// opened, the store.
pub async fn check_store(path: &Path) -> (StoreReport, Option<SqliteStore>) {
    let shown = path.display().to_string();
    let mut report = StoreReport {
        path: shown.clone(),
        schema_version: None,
        supported_schema_version: supported_schema_version(),
        checks: Vec::new(),
    };
    // Doctor only looks: a missing database is reported, not created.
    if !path.exists() {
        report.checks.push(Check::fail(
            "store.opens",
            format!("no database at {shown}"),
            "pass --db PATH naming the database you use, or link an account first: xpost link instagram",
        ));
        return (report, None);
    }
    let store = match SqliteStore::open_with_default_key(path).await {
        Ok(store) => {
            report
                .checks
                .push(Check::pass("store.opens", format!("{shown} opens")));
            Some(store)
        }
        Err(e) => {
            let fix = store_fix(&e, path);
            report.checks.push(Check::fail(
                "store.opens",
                format!("cannot open {shown}: {e}"),
                fix,
            ));
            None
        }
    };
    if let Some(store) = &store {
        report.checks.push(match store.schema_version().await {
            Ok(version) => {
                report.schema_version = Some(version);
                Check::pass(
                    "store.schema",
                    format!(
                        "schema version {version} (this xpost writes {})",
                        report.supported_schema_version
                    ),
                )
            }
            Err(e) => Check::fail(
                "store.schema",
                format!("cannot read the schema version: {e}"),
                "check the file is readable and the disk healthy; restore it from a backup otherwise",
            ),
        });
        report.checks.push(private_file("store.file_mode", path));
    }
    report.checks.push(key_check(path));
    (report, store)
}

/// The fix for a store that does not open.
fn store_fix(error: &StoreError, path: &Path) -> String {
    let key_file = key::key_file_for(path);
    match error {
        StoreError::WrongKey { .. } => format!(
            "use the key the database was created with: put its key file back at {} or set {} to it",
            key_file.display(),
            key::KEY_ENV
        ),
        StoreError::SchemaTooNew { .. } => {
            "upgrade xpost to the version that wrote this database (or newer)".into()
        }
        _ => "check the file and its directory are readable and writable and the disk is not full; pass --db PATH to use another file".into(),
    }
}

/// Whether `path` is readable and writable by its owner only.
fn private_file(name: &str, path: &Path) -> Check {
    let shown = path.display();
    match std::fs::metadata(path) {
        Ok(meta) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = meta.permissions().mode() & 0o777;
                if mode == 0o600 {
                    Check::pass(name, format!("{shown} has mode 0600"))
                } else {
                    Check::fail(
                        name,
                        format!("{shown} has mode {mode:04o}: others may read it"),
                        format!("chmod 600 {shown}"),
                    )
                }
            }
            #[cfg(not(unix))]
            {
                let _ = meta;
                Check::pass(name, format!("{shown} exists (modes are not checked here)"))
            }
        }
        Err(e) => Check::fail(
            name,
            format!("cannot read {shown}: {e}"),
            format!("make {shown} readable by this user"),
        ),
    }
}

/// Whether the sealing key can be read, and is private.
fn key_check(db: &Path) -> Check {
    if std::env::var_os(key::KEY_ENV).is_some() {
        return Check::pass("store.key", format!("the key comes from {}", key::KEY_ENV));
    }
    let file = key::key_file_for(db);
    match std::fs::read_to_string(&file) {
        Ok(_) => {
            let mut check = private_file("store.key", &file);
            if check.ok {
                check.detail = format!("{} is readable and has mode 0600", file.display());
            }
            check
        }
        Err(e) => Check::fail(
            "store.key",
            format!("cannot read the key file {}: {e}", file.display()),
            format!(
                "make {} readable by this user, or set {} to the key",
                file.display(),
                key::KEY_ENV
            ),
        ),
    }
}

/// The host a live check of `side` talks to.
fn host(config: &AdapterConfig, side: Side) -> String {
    match (&config.emulator, side) {
        (Some(base), _) => base.clone(),
        (None, Side::Source) => "graph.instagram.com".into(),
        (None, _) => "api.x.com".into(),
    }
}

/// The check of one live `profile()` call.
fn live_check(
    side: Side,
    host: &str,
    link: &LinkId,
    result: Result<Profile, AdapterError>,
) -> Check {
    let p = platform(side);
    let name = format!("{p}.live");
    let error = match result {
        Ok(profile) => {
            return Check::pass(name, format!("{host} answers as @{}", profile.username));
        }
        Err(AdapterError::Remote(e)) => e,
        Err(AdapterError::NoCredentials { .. }) => {
            return Check::fail(name, "no stored credentials", relink(p, link));
        }
        Err(e) => {
            return Check::fail(
                name,
                format!("cannot build the {p} client: {e}"),
                "check --emulator URL and the app's environment variables (docs/setup.md)",
            );
        }
    };
    match &error {
        RemoteError::Reauth { .. } => Check::fail(
            name,
            format!("{host} refused the stored token: {error}"),
            relink(p, link),
        ),
        RemoteError::MissingScope { scope, .. } => {
            Check::fail(name, format!("{host}: {error}"), grant(p, scope))
        }
        RemoteError::RateLimited { until, .. } | RemoteError::QuotaExhausted { until, .. } => {
            Check::fail(name, format!("{host}: {error}"), wait(*until))
        }
        RemoteError::Unavailable { .. } => Check::fail(
            name,
            format!("cannot reach {host}: {error}"),
            format!("check the network connection to {host}, then run xpost doctor again"),
        ),
        _ => Check::fail(
            name,
            format!("{host}: {error}"),
            "run xpost doctor -v for details; docs/troubleshooting.md lists the causes",
        ),
    }
}

/// Checks one side of `link`: the stored token, its scopes, and a live call.
async fn check_side(
    store: &Arc<dyn Store>,
    link: &LinkId,
    side: Side,
    config: &AdapterConfig,
    now: Timestamp,
    checks: &mut Vec<Check>,
) -> Result<(), StoreError> {
    let p = platform(side);
    let Some(creds) = store.credentials(link, side).await? else {
        checks.push(Check::fail(
            format!("{p}.token"),
            "no stored credentials",
            format!("link {p}: xpost link {p} --link {link}"),
        ));
        return Ok(());
    };
    let creds = creds.value;
    let refreshes = side == Side::Target && creds.refresh_token.is_some();
    let app_set = match side {
        Side::Source => config.instagram_app.is_some(),
        _ => config.x_app.is_some(),
    };
    let app_vars = match side {
        Side::Source => "XPOST_INSTAGRAM_APP_ID and XPOST_INSTAGRAM_APP_SECRET",
        _ => "XPOST_X_CLIENT_ID (and XPOST_X_CLIENT_SECRET)",
    };
    let renew_soon =
        side == Side::Source && creds.expires_within(now, jiff::SignedDuration::from_hours(7 * 24));
    checks.push(match creds.expires_at {
        Some(at) if (refreshes || renew_soon) && !app_set && (at > now || refreshes) => {
            Check::fail(
                format!("{p}.token"),
                format!("expires at {at} and cannot be renewed without the {p} app's credentials"),
                format!("set {app_vars} (docs/setup.md)"),
            )
        }
        None => Check::pass(
            format!("{p}.token"),
            format!("stored, obtained {}, no expiry given", creds.obtained_at),
        ),
        Some(at) if at <= now && refreshes => Check::pass(
            format!("{p}.token"),
            format!("access token expired at {at}; the stored refresh token renews it on next use"),
        ),
        Some(at) if at <= now => Check::fail(
            format!("{p}.token"),
            format!("expired at {at}"),
            relink(p, link),
        ),
        Some(at) => {
            let left = now.duration_until(at);
            let how = match side {
                Side::Source => "; xpost renews it before then",
                _ if refreshes => "; the refresh token renews it",
                _ => "",
            };
            Check::pass(
                format!("{p}.token"),
                format!("valid until {at} ({}h left){how}", left.as_hours()),
            )
        }
    });
    let needed = match side {
        Side::Source => INSTAGRAM_SCOPES,
        _ => X_SCOPES,
    };
    let missing: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|s| !creds.scopes.iter().any(|g| g == s))
        .collect();
    checks.push(if missing.is_empty() {
        Check::pass(
            format!("{p}.scopes"),
            format!("granted: {}", needed.join(", ")),
        )
    } else {
        Check::fail(
            format!("{p}.scopes"),
            format!(
                "missing {} (granted: {})",
                missing.join(", "),
                if creds.scopes.is_empty() {
                    "none".to_owned()
                } else {
                    creds.scopes.join(", ")
                }
            ),
            grant(p, &missing.join(", ")),
        )
    });
    let result = match side {
        Side::Source => match instagram_source(&**store, link, config).await {
            Ok(source) => source.profile().await.map_err(AdapterError::Remote),
            Err(e) => Err(e),
        },
        _ => match x_target(Arc::clone(store), link, config).await {
            Ok(target) => target.profile().await.map_err(AdapterError::Remote),
            Err(e) => Err(e),
        },
    };
    checks.push(live_check(side, &host(config, side), link, result));
    Ok(())
}

/// The fix for a recorded failure of `class`.
fn class_fix(class: FailureClass, hint: Option<&str>, link: &LinkId) -> String {
    if let Some(hint) = hint {
        return hint.to_owned();
    }
    match class {
        FailureClass::Transient => {
            "nothing to do: xpost retries with back-off; if it lasts, check the network".into()
        }
        FailureClass::RateLimited => wait(None),
        FailureClass::Reauth => format!(
            "link the side named in the message again: xpost link instagram|x --link {link}"
        ),
        FailureClass::MissingPermission => {
            "grant the scope named in the message: xpost link x again and allow it".into()
        }
        FailureClass::Media => {
            "the post's media cannot go to X as they are; nothing to retry".into()
        }
        FailureClass::Config => "fix the setting named in the message in the --config file".into(),
        _ => "the message says why; X refused it as sent, so it is not retried".into(),
    }
}

/// Checks rate-limit headroom, the monthly cap and the newest failures.
async fn check_history(
    store: &dyn Store,
    link: &LinkId,
    now: Timestamp,
    checks: &mut Vec<Check>,
) -> Result<(), StoreError> {
    let posts = store
        .posts(&PostQuery {
            link: Some(link.clone()),
            ..PostQuery::default()
        })
        .await?;
    let failures = store
        .events(&EventQuery {
            link: Some(link.clone()),
            failures_only: true,
            limit: 50,
            ..EventQuery::default()
        })
        .await?;

    // Rate limits: a post waiting for a platform's reset, or the last one hit.
    let blocked = posts
        .iter()
        .filter(|p| {
            !matches!(
                p.state,
                PostState::Posted | PostState::Skipped | PostState::Failed
            )
        })
        .filter(|p| {
            p.error
                .as_ref()
                .is_some_and(|e| e.class == FailureClass::RateLimited)
        })
        .filter_map(|p| p.due_at)
        .filter(|at| *at > now)
        .max();
    let last_limit = failures
        .iter()
        .find(|e| e.class == Some(FailureClass::RateLimited));
    checks.push(match (blocked, last_limit) {
        (Some(until), _) => Check::fail(
            "rate_limit",
            format!("rate limited: posting resumes at {until}"),
            wait(Some(until)),
        ),
        (None, Some(event)) => Check::pass(
            "rate_limit",
            format!(
                "headroom left; the last limit was hit at {}: {}",
                event.at,
                cell(&event.message, 120)
            ),
        ),
        (None, None) => Check::pass("rate_limit", "no rate limit hit recorded"),
    });

    // The monthly cap: posts skipped by it since the last post that went out.
    let last_posted = posts
        .iter()
        .filter(|p| p.state == PostState::Posted)
        .map(|p| p.discovered_at)
        .max();
    let capped = posts
        .iter()
        .filter(|p| p.state == PostState::Skipped)
        .filter(|p| {
            p.skip
                .as_ref()
                .is_some_and(|s| s.rule == "cost.monthly_cap_usd")
        })
        .filter(|p| last_posted.is_none_or(|at| p.discovered_at > at))
        .count();
    // With `on_cap = "wait"` they are held instead, until next month.
    let held = store
        .events(&EventQuery {
            link: Some(link.clone()),
            kinds: vec![EventKind::Scheduled],
            limit: 50,
            ..EventQuery::default()
        })
        .await?
        .into_iter()
        .filter(|e| e.message.contains("monthly cap"))
        .filter_map(|e| e.source_id)
        .filter(|id| {
            posts
                .iter()
                .any(|p| &p.source_id == id && p.state == PostState::Scheduled)
        })
        .collect::<std::collections::HashSet<_>>()
        .len();
    checks.push(match (capped, held) {
        (0, 0) => Check::pass("cost", "within the monthly cap"),
        (0, held) => Check::fail(
            "cost",
            format!("{held} post(s) held until next month by the monthly spending cap"),
            "raise cost.monthly_cap_usd",
        ),
        (capped, _) => Check::fail(
            "cost",
            format!("{capped} post(s) skipped by the monthly spending cap"),
            "raise cost.monthly_cap_usd",
        ),
    });

    // The newest failures; a problem while nothing went out after them.
    let last_ok = store
        .events(&EventQuery {
            link: Some(link.clone()),
            kinds: vec![EventKind::Posted],
            limit: 1,
            ..EventQuery::default()
        })
        .await?
        .first()
        .map(|e| e.at);
    let newest: Vec<_> = failures.iter().take(NEWEST_FAILURES).collect();
    checks.push(match newest.first() {
        None => Check::pass("errors", "no failures recorded"),
        Some(first) => {
            let detail = newest
                .iter()
                .map(|e| {
                    format!(
                        "{} {}: {}",
                        e.at,
                        e.class.map_or("unknown", FailureClass::as_str),
                        cell(&e.message, 160)
                    )
                })
                .collect::<Vec<_>>()
                .join(" | ");
            let settled = last_ok.is_some_and(|at| at > first.at)
                || matches!(
                    first.class,
                    Some(FailureClass::Transient | FailureClass::RateLimited)
                );
            if settled {
                Check::pass("errors", format!("newest: {detail}"))
            } else {
                let class = first.class.unwrap_or(FailureClass::Transient);
                Check::fail(
                    "errors",
                    format!("newest: {detail}"),
                    class_fix(class, first.hint.as_deref(), link),
                )
            }
        }
    });
    Ok(())
}

/// Every check of one link.
///
/// # Errors
/// [`StoreError`] when the store cannot be read; a platform's failure is a
/// failed check, not an error.
pub async fn check_link(
    store: &Arc<dyn Store>,
    link: &Link,
    config: &AdapterConfig,
) -> Result<LinkReport, StoreError> {
    let now = config.clock.now();
    let id = &link.id;
    let state = match link.state {
        LinkState::Active => Check::pass("link.state", "active: cross-posting"),
        LinkState::Disconnected => {
            // Unlinked on purpose: no tokens to check, nothing to fix.
            return Ok(LinkReport {
                id: id.to_string(),
                checks: vec![Check::pass(
                    "link.state",
                    "disconnected: unlinked, history kept",
                )],
            });
        }
        LinkState::NeedsReauth => {
            let p = link.reauth_side.map_or("instagram", platform);
            Check::fail(
                "link.state",
                format!("needs_reauth: the {p} account must be linked again"),
                relink(p, id),
            )
        }
        LinkState::Pending => {
            let p = if link.source.is_none() {
                "instagram"
            } else {
                "x"
            };
            Check::fail(
                "link.state",
                format!("not active yet: the {p} account is not linked"),
                format!("link {p}: xpost link {p} --link {id}"),
            )
        }
        _ => Check::fail(
            "link.state",
            "in a state this xpost does not know",
            "upgrade xpost",
        ),
    };
    let mut checks = vec![state];
    for side in [Side::Source, Side::Target] {
        check_side(store, id, side, config, now, &mut checks).await?;
    }
    check_history(&**store, id, now, &mut checks).await?;
    Ok(LinkReport {
        id: id.to_string(),
        checks,
    })
}

/// Every check of the store and of every link in it.
///
/// # Errors
/// [`CliError`] when the store opened but cannot be read.
pub async fn diagnose(db: &Path, config: &AdapterConfig) -> Result<Report, CliError> {
    let (store_report, store) = check_store(db).await;
    let mut links = Vec::new();
    if let Some(store) = store {
        let store: Arc<dyn Store> = Arc::new(store);
        for link in store.links().await? {
            links.push(check_link(&store, &link, config).await?);
        }
    }
    let mut report = Report {
        ok: true,
        links,
        store: store_report,
    };
    report.ok = report.problems().is_empty();
    Ok(report)
}

/// Prints `report` for people: one line per check, and under each problem
/// the line that fixes it.
fn print(report: &Report) {
    let line = |c: &Check| {
        let mark = if c.ok { "ok  " } else { "FAIL" };
        println!("  {mark} {}: {}", c.name, c.detail);
        if let Some(fix) = &c.fix {
            println!("       fix: {fix}");
        }
    };
    println!("store {}", report.store.path);
    report.store.checks.iter().for_each(line);
    if report.links.is_empty() && report.store.checks.iter().all(|c| c.ok) {
        println!("no links yet: xpost link instagram, then xpost link x");
    }
    for link in &report.links {
        println!("link {}", link.id);
        link.checks.iter().for_each(line);
    }
    let problems = report.problems().len();
    if problems == 0 {
        println!("nothing needs attention");
    } else {
        println!(
            "{problems} problem{} need{} attention",
            if problems == 1 { "" } else { "s" },
            if problems == 1 { "s" } else { "" }
        );
    }
}

/// Runs `xpost doctor`; answers whether nothing needs attention (exit 0) or
/// something does (exit 1).
///
/// # Errors
/// [`CliError`] when doctor itself cannot run (exit 2): no database path,
/// `--database-url`, a store that opens but cannot be read.
pub async fn run(global: &GlobalArgs, args: &DoctorArgs) -> Result<bool, CliError> {
    let db = crate::store::db_path(global)?;
    let config = crate::context::adapter_config(global);
    let report = diagnose(&db, &config).await?;
    if args.json {
        json(&report)?;
    } else {
        print(&report);
    }
    Ok(report.ok)
}
