//! Posts a photo to X with `x-client`: the whole OAuth 2.0 PKCE flow, a media upload
//! with alt text, and the post.
//!
//! Against the local emulator (`xpost emulator --listen 127.0.0.1:PORT`):
//!
//! ```text
//! cargo run --example x_post -- --emulator http://127.0.0.1:PORT [--text TEXT] [--image FILE]
//! ```
//!
//! The example creates an emulator account, makes it the "logged-in" browser user,
//! opens the consent URL, catches the redirect on its own loopback listener, exchanges
//! the code and posts. Against the real X, give a user access token instead:
//!
//! ```text
//! X_ACCESS_TOKEN=... cargo run --example x_post -- [--text TEXT] [--image FILE]
//! ```

use std::error::Error;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use x_client::{
    AccessToken, ClientSecret, Config, MediaUpload, NewPost, OAuthApp, OAuthClient, Scope, Scopes,
    SystemClock, TokenSet, XClient,
};

/// A 1×1 PNG, used when no image file is given.
const DOT_PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0,
    0, 0, 144, 119, 83, 222, 0, 0, 0, 12, 73, 68, 65, 84, 120, 156, 99, 248, 207, 192, 0, 0, 3, 1,
    1, 0, 201, 254, 146, 239, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

struct Args {
    emulator: Option<String>,
    text: String,
    image: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        emulator: None,
        text: "Hello from x-client".into(),
        image: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--emulator" => args.emulator = Some(value()?.trim_end_matches('/').to_owned()),
            "--text" => args.text = value()?,
            "--image" => args.image = Some(value()?),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("x_post: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    let client = match &args.emulator {
        Some(base) => link_with_emulator(base).await?,
        None => {
            let token = std::env::var("X_ACCESS_TOKEN")
                .map_err(|_| "give --emulator URL or set X_ACCESS_TOKEN")?;
            let tokens = TokenSet {
                access_token: AccessToken::new(token),
                refresh_token: None,
                expires_at: None,
                // Unknown: let X judge the scopes.
                scopes: Scopes::default(),
            };
            XClient::builder()
                .config(Config::default())
                .tokens(tokens)
                .build()?
        }
    };

    let me = client.me(&[]).await?;
    println!("posting as @{} ({})", me.username, me.id);

    let (bytes, media_type) = match &args.image {
        Some(path) => (std::fs::read(path)?, media_type_of(path)?),
        None => (DOT_PNG.to_vec(), "image/png"),
    };
    let media = client
        .upload_media(&MediaUpload::image(bytes, media_type).alt_text("An example image"))
        .await?;
    println!("uploaded media {}", media.id);

    let post = NewPost::builder().text(args.text).media(&media).build()?;
    let created = client.create_post(&post).await?;
    println!("posted {}: {}", created.id, created.text);
    Ok(())
}

fn media_type_of(path: &str) -> Result<&'static str, String> {
    let lower = path.to_ascii_lowercase();
    let ty = match lower.rsplit('.').next() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        _ => return Err(format!("{path}: use a .jpg, .png, .webp or .gif image")),
    };
    Ok(ty)
}

/// Runs the real authorization-code flow against the emulator, with its admin API
/// standing in for a user at a browser.
async fn link_with_emulator(base: &str) -> Result<XClient, Box<dyn Error>> {
    let config = Config::builder().emulator(base).build()?;
    let http = x_client::default_http(&config)?;

    let username = format!("example{}", std::process::id());
    for (path, body) in [
        (
            "/admin/x/accounts",
            serde_json::json!({ "username": username }),
        ),
        (
            "/admin/session",
            serde_json::json!({ "platform": "x", "username": username }),
        ),
    ] {
        let answer = http
            .post(format!("{base}{path}"))
            .json(&body)
            .send()
            .await?;
        if !answer.status().is_success() {
            return Err(format!("emulator {path}: HTTP {}", answer.status()).into());
        }
    }

    // The loopback listener the consent page redirects to.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let redirect_uri = format!("http://{}/callback", listener.local_addr()?);
    let app = OAuthApp {
        client_id: "xpost-emulator".into(),
        client_secret: Some(ClientSecret::new("xpost-emulator-secret")),
        redirect_uri,
    };
    let oauth = OAuthClient::new(&app, &config, http.clone(), Arc::new(SystemClock))?;
    let request = oauth.authorize(&Scope::cross_posting());
    println!("authorize: {}", request.url);

    let catch = tokio::spawn(async move { catch_redirect(listener).await });
    // The "browser": follows the consent page's redirect to our listener.
    let _ = http.get(request.url.as_str()).send().await?;
    let path_and_query = catch.await??;
    let callback = request.url.join(&path_and_query)?;
    let code = request.code_from_callback(&callback)?;
    let tokens = oauth.exchange_code(request, &code).await?;
    println!("granted scopes: {}", tokens.scopes);

    Ok(XClient::builder()
        .config(config)
        .http_client(http)
        .tokens(tokens)
        .build()?)
}

/// Accepts one request on `listener`, answers 200 and returns its path and query.
async fn catch_redirect(listener: TcpListener) -> Result<String, std::io::Error> {
    let (socket, _) = listener.accept().await?;
    let (read, mut write) = socket.into_split();
    let mut line = String::new();
    BufReader::new(read).read_line(&mut line).await?;
    let target = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    write
        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 24\r\nconnection: close\r\n\r\nLinked; you can go back.")
        .await?;
    Ok(target)
}
