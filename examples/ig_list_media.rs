//! Lists an Instagram professional account's profile and media.
//!
//! ```text
//! IG_ACCESS_TOKEN=IGAA… cargo run --example ig_list_media -- [--emulator URL] [--limit N] [--max N]
//! ```
//!
//! With `--emulator http://127.0.0.1:PORT` every Instagram host is the local
//! emulator (`xpost emulator`); without it the real graph.instagram.com is
//! used. The token comes from the environment so it never shows in `ps`.

use std::process::ExitCode;

use ig_client::{AccessToken, Config, Cursor, IgClient, MediaQuery};

struct Args {
    emulator: Option<String>,
    limit: u32,
    max: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        emulator: None,
        limit: 25,
        max: 100,
    };
    let mut iter = std::env::args().skip(1);
    while let Some(arg) = iter.next() {
        let mut value = |name: &str| iter.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--emulator" => args.emulator = Some(value("--emulator")?),
            "--limit" => {
                args.limit = value("--limit")?
                    .parse()
                    .map_err(|e| format!("--limit: {e}"))?
            }
            "--max" => args.max = value("--max")?.parse().map_err(|e| format!("--max: {e}"))?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let token = std::env::var("IG_ACCESS_TOKEN")
        .map_err(|_| "set IG_ACCESS_TOKEN to an Instagram access token")?;
    let mut config = Config::builder();
    if let Some(base) = &args.emulator {
        config = config.emulator(base);
    }
    let ig = IgClient::new(config.build()?)?;
    let user = ig.user(AccessToken::new(token));

    let profile = user.me().await?;
    println!(
        "@{} ({}) id {} — {} media",
        profile.username.as_deref().unwrap_or("?"),
        profile.name.as_deref().unwrap_or(""),
        profile.account_id(),
        profile.media_count.unwrap_or(0)
    );

    let query = MediaQuery::new().limit(args.limit);
    let mut cursor: Option<Cursor> = None;
    let mut shown = 0;
    'pages: loop {
        let page = user.media_page(&query, cursor.as_ref()).await?;
        for media in page.items {
            if shown == args.max {
                break 'pages;
            }
            shown += 1;
            let when = media
                .timestamp
                .map(ig_client::timestamp::format)
                .unwrap_or_default();
            let caption = media
                .caption
                .as_deref()
                .unwrap_or("")
                .lines()
                .next()
                .unwrap_or("");
            println!(
                "{} {when} {:?}/{:?} children={} {caption}",
                media.id,
                media.media_type,
                media.media_product_type,
                media.children.as_ref().map_or(0, Vec::len)
            );
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    if let Some(budget) = user.rate_budget() {
        println!("rate budget: {:.0}% used", budget.max_usage_percent());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ig_list_media: {error}");
            ExitCode::FAILURE
        }
    }
}
