//! `xpost demo`: the whole product in one go, with no account and no network.
//!
//! An emulator of Instagram and X starts in this process; an Instagram and an X
//! account are created on it and linked through the real OAuth flows (the
//! authorize redirect, the code exchange, PKCE for X, Instagram's long-lived
//! token); sample posts of every kind are published on Instagram; one sync runs;
//! and a table shows what went where, what was skipped and why, and the text of
//! every tweet.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use xpost_core::{Account, LinkId, PostQuery, Store};
use xpost_emulator::{Emulator, IgMediaType, IgProduct, NewIgMedia, RunningEmulator};
use xpost_engine::{Limits, SyncOptions};
use xpost_store_sqlite::SqliteStore;

use crate::commands::link::{self, Browser, LinkPlatform};
use crate::commands::status::post_error;
use crate::context;
use crate::error::CliError;
use crate::global::GlobalArgs;
use crate::output::{cell, table};

/// Options of `xpost demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Keep the demo's database here instead of a throw-away file (`--db` works too).
    #[arg(long = "keep-db", value_name = "PATH")]
    pub keep_db: Option<PathBuf>,
}

/// The settings the demo runs with: the defaults, plus threads for long captions.
const DEMO_SETTINGS: &str = "[defaults.text]\nthread = true\nmax_thread_posts = 25\n";

fn demo_error(what: &str) -> impl Fn(String) -> CliError + '_ {
    move |cause| CliError::Input(format!("demo: {what}: {cause}"))
}

/// Creates the account on the emulator, logs its browser in, and links it the
/// way `xpost link` does: authorize URL, loopback callback with `state`
/// checked, code exchange; the emulator's consent page plays the user.
async fn link_side(
    emu: &RunningEmulator,
    global: &GlobalArgs,
    store: &Arc<dyn Store>,
    link: &LinkId,
    platform: LinkPlatform,
    username: &str,
) -> Result<Account, CliError> {
    let session = match platform {
        LinkPlatform::Instagram => {
            emu.admin()
                .create_instagram_account(username)
                .map_err(|e| demo_error("instagram account")(e.to_string()))?;
            xpost_emulator::Platform::Instagram
        }
        _ => {
            emu.admin()
                .create_x_account(username)
                .map_err(|e| demo_error("x account")(e.to_string()))?;
            xpost_emulator::Platform::X
        }
    };
    emu.admin()
        .set_session(session, Some(username))
        .map_err(|e| demo_error("session")(e.to_string()))?;
    let linked = link::connect(
        global,
        Arc::clone(store),
        platform,
        link,
        Browser::Drive,
        Duration::from_secs(30),
    )
    .await?;
    Ok(linked.account)
}

fn long_caption() -> String {
    let paragraph = "Three days on the coast with @friend.one and @salt_and_sea: sunrise swims, \
        long walks over the dunes, fish soup in the harbour and far too much ice cream. \
        The full route and the places we stayed are on the blog: \
        https://example.com/travel/coast-2026?utm_source=instagram and the map is at \
        https://maps.example.org/route/8841. ";
    let mut caption = String::new();
    while caption.chars().count() < 1_900 {
        caption.push_str(paragraph);
    }
    caption.push_str("#travel #coast #slowtravel");
    caption
}

/// The sample posts: (what it is, media type, product, children, caption).
fn samples() -> Vec<(&'static str, IgMediaType, IgProduct, Option<usize>, String)> {
    vec![
        (
            "image",
            IgMediaType::Image,
            IgProduct::Feed,
            None,
            "Morning light over the old harbour #sunrise".into(),
        ),
        (
            "carousel of 7",
            IgMediaType::CarouselAlbum,
            IgProduct::Feed,
            Some(7),
            "Seven photos from the market, swipe through".into(),
        ),
        (
            "video",
            IgMediaType::Video,
            IgProduct::Feed,
            None,
            "Waves, in slow motion".into(),
        ),
        (
            "reel",
            IgMediaType::Video,
            IgProduct::Reels,
            None,
            "How we pack for a week with one bag #reels".into(),
        ),
        (
            "story",
            IgMediaType::Image,
            IgProduct::Story,
            None,
            "Coffee stop".into(),
        ),
        (
            "2,000-character caption",
            IgMediaType::Image,
            IgProduct::Feed,
            None,
            long_caption(),
        ),
        (
            "opt-out",
            IgMediaType::Image,
            IgProduct::Feed,
            None,
            "Just for Instagram friends #noxpost".into(),
        ),
    ]
}

/// Runs `xpost demo`.
///
/// # Errors
/// [`CliError`] when a step of the demo fails (the cause names the step).
pub async fn run(global: &GlobalArgs, args: &DemoArgs) -> Result<(), CliError> {
    let started = Instant::now();
    // Video processing steps that take no time: the demo shows every kind of
    // post in seconds rather than waiting as X makes a real upload wait.
    let emu = Emulator::builder()
        .x_processing_step(0i64)
        .build()
        .map_err(CliError::from)?
        .spawn(
            "127.0.0.1:0"
                .parse()
                .map_err(|e: std::net::AddrParseError| demo_error("address")(e.to_string()))?,
        )
        .await
        .map_err(CliError::from)?;
    eprintln!("xpost demo: Instagram and X emulated at {}", emu.base_url);

    let scratch =
        tempfile::tempdir().map_err(|e| demo_error("temporary directory")(e.to_string()))?;
    let db = args
        .keep_db
        .clone()
        .or_else(|| global.db.clone())
        .unwrap_or_else(|| scratch.path().join("demo.db"));
    let store: Arc<dyn Store> = Arc::new(
        // The key file beside the database (or XPOST_SECRET_KEY), so that a kept
        // demo database opens again with `xpost --db PATH status`.
        SqliteStore::open_with_default_key(&db)
            .await
            .map_err(|source| CliError::Store {
                path: db.display().to_string(),
                source,
            })?,
    );

    let mut demo_global = global.clone();
    demo_global.emulator = Some(emu.base_url.clone());
    let config = context::adapter_config(&demo_global);
    let link_id = LinkId::new("demo").map_err(|e| demo_error("link")(e.to_string()))?;

    let source = link_side(
        &emu,
        &demo_global,
        &store,
        &link_id,
        LinkPlatform::Instagram,
        "demo.creator",
    )
    .await?;
    eprintln!(
        "xpost demo: linked Instagram @{} (authorize, loopback callback, code exchange, long-lived token)",
        source.username
    );
    let target = link_side(
        &emu,
        &demo_global,
        &store,
        &link_id,
        LinkPlatform::X,
        "demo_creator",
    )
    .await?;
    eprintln!(
        "xpost demo: linked X @{} (OAuth 2.0 with PKCE, loopback callback)",
        target.username
    );
    // Posts published from here on are newer than the link.
    let _ = emu.admin().advance_clock(1);

    let mut kinds: Vec<(String, &str)> = Vec::new();
    for (kind, media_type, product, children, caption) in samples() {
        let id = emu
            .admin()
            .publish_instagram_media(
                source.user_id.as_str(),
                NewIgMedia {
                    caption: Some(caption),
                    media_type,
                    media_product_type: product,
                    children,
                },
            )
            .map_err(|e| demo_error("publish on instagram")(e.to_string()))?;
        kinds.push((id, kind));
    }
    eprintln!(
        "xpost demo: published {} sample posts on Instagram; syncing…",
        kinds.len()
    );

    demo_global.config = None;
    let policy = xpost_policy::PolicyConfig::from_toml_str(DEMO_SETTINGS, "demo settings")
        .map_err(|e| demo_error("settings")(e.to_string()))?;
    let engine = xpost_engine::Engine::builder()
        .store(Arc::clone(&store))
        .connector(Arc::new(xpost_engine::adapters::PlatformConnector::new(
            Arc::clone(&store),
            config,
        )))
        .policy(policy)
        .limits(Limits::default())
        .build()?;
    let reports = engine.sync_once(SyncOptions::default()).await?;

    let records = store
        .posts(&PostQuery {
            link: Some(link_id.clone()),
            ..PostQuery::default()
        })
        .await?;
    let tweets = emu.admin().x_tweets();
    let text_of = |id: &str| {
        tweets
            .iter()
            .find(|t| t.id == id)
            .map(|t| (t.text.clone(), t.media.len()))
    };
    let mut out = table(&["instagram post", "id", "on x", "why, or the tweets"]);
    for (id, kind) in &kinds {
        let Some(record) = records.iter().find(|r| r.source_id.as_str() == id) else {
            out.add_row(vec![
                (*kind).to_owned(),
                id.clone(),
                "not polled".to_owned(),
                "stories are opt-in (content.stories); the default reads the feed only".to_owned(),
            ]);
            continue;
        };
        let ids = record.target_ids();
        let detail = if ids.is_empty() {
            post_error(record).unwrap_or_default()
        } else {
            ids.iter()
                .enumerate()
                .filter_map(|(i, id)| {
                    text_of(id.as_str()).map(|(text, media)| {
                        let weight =
                            xpost_transform::weighted_length(&text, xpost_transform::Config::v3());
                        let media = if media > 0 {
                            format!(" [{media} media]")
                        } else {
                            String::new()
                        };
                        format!("{}. {} ({weight}/280){media}", i + 1, cell(&text, 90))
                    })
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let state = match ids.len() {
            0 => record.state.status().to_owned(),
            1 => format!("posted: {}", ids[0]),
            n => format!("posted: thread of {n}"),
        };
        out.add_row(vec![
            (*kind).to_owned(),
            record.source_id.to_string(),
            state,
            detail,
        ]);
    }
    println!("{out}");
    let posted = reports.iter().map(|r| r.posted).sum::<usize>();
    let skipped = reports.iter().map(|r| r.skipped).sum::<usize>();
    println!(
        "{posted} posts cross-posted, {skipped} skipped by a rule, in {:.1} s. GPS and camera data were stripped from every image before upload.",
        started.elapsed().as_secs_f64()
    );
    if args.keep_db.is_some() || global.db.is_some() {
        println!(
            "The demo's database is {} (xpost --db {} status).",
            db.display(),
            db.display()
        );
    }
    emu.shutdown().await;
    Ok(())
}
