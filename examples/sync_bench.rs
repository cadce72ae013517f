//! Whole-process throughput: `xpost sync --once` as a separate process against an
//! emulator, over many links that each have new image posts.
//!
//! ```text
//! cargo build --release --example xpost --example sync_bench
//! target/release/examples/sync_bench --links 50 --posts 10
//! ```
//!
//! It starts an emulator (in this process, served over loopback TCP), links every
//! account pair through the same OAuth flow as `xpost link` into a fresh SQLite
//! file, publishes the posts, then times one `xpost sync --once` process and
//! checks that every post reached X once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use xpost_cli::commands::link::{Browser, LinkPlatform, connect};
use xpost_cli::global::GlobalArgs;
use xpost_core::{LinkId, Store};
use xpost_emulator::{Emulator, IgMediaType, IgProduct, NewIgMedia, Platform};

type Error = Box<dyn std::error::Error>;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let links = arg("--links", 50);
    let posts = arg("--posts", 10);
    let xpost = std::env::current_exe()?
        .parent()
        .map(|dir| dir.join("xpost"))
        .ok_or("no directory for the xpost binary")?;
    let emu = Emulator::builder()
        .x_processing_step(0i64)
        .x_post_limit(1_000_000u32)
        .ig_hourly_calls(1_000_000u32)
        .build()?
        .spawn("127.0.0.1:0".parse()?)
        .await?;
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("bench.db");
    let global = GlobalArgs {
        db: Some(db.clone()),
        emulator: Some(emu.base_url.clone()),
        ..GlobalArgs::default()
    };
    let store: Arc<dyn Store> =
        Arc::new(xpost_store_sqlite::SqliteStore::open_with_default_key(&db).await?);
    let linking = Instant::now();
    let mut ig_users = Vec::new();
    for i in 0..links {
        let link = LinkId::new(format!("link-{i}"))?;
        let ig = format!("creator.{i}");
        ig_users.push(emu.admin().create_instagram_account(&ig)?);
        emu.admin().set_session(Platform::Instagram, Some(&ig))?;
        connect(
            &global,
            store.clone(),
            LinkPlatform::Instagram,
            &link,
            Browser::Drive,
            Duration::from_secs(30),
        )
        .await?;
        let x = format!("creator_{i}");
        emu.admin().create_x_account(&x)?;
        emu.admin().set_session(Platform::X, Some(&x))?;
        connect(
            &global,
            store.clone(),
            LinkPlatform::X,
            &link,
            Browser::Drive,
            Duration::from_secs(30),
        )
        .await?;
    }
    drop(store);
    emu.admin().advance_clock(2)?;
    for user in &ig_users {
        for p in 0..posts {
            emu.admin().publish_instagram_media(
                user,
                NewIgMedia {
                    caption: Some(format!("Bench post {p} of {user}")),
                    media_type: IgMediaType::Image,
                    media_product_type: IgProduct::Feed,
                    children: None,
                },
            )?;
        }
    }
    eprintln!(
        "linked {links} links in {:.1} s; {} posts waiting",
        linking.elapsed().as_secs_f64(),
        links * posts
    );

    let started = Instant::now();
    let base = emu.base_url.clone();
    let db_arg = db.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(&xpost)
            .arg("--db")
            .arg(&db_arg)
            .args(["--emulator", &base, "sync", "--once", "--json"])
            .output()
    })
    .await??;
    let elapsed = started.elapsed();
    if !out.status.success() {
        return Err(format!(
            "xpost sync failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let on_x = emu
        .admin()
        .x_tweets()
        .iter()
        .filter(|t| t.text.starts_with("Bench post"))
        .count();
    let total = links * posts;
    println!(
        "xpost sync --once: {total} image posts over {links} links in {:.2} s = {:.0} posts/s (whole process, SQLite, emulator over loopback); {on_x} on X",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    if on_x != total {
        return Err(format!("{on_x} of {total} posts reached X").into());
    }
    emu.shutdown().await;
    Ok(())
}
