//! The emulator's world: accounts, posts, media and tokens of both platforms.
//!
//! One mutex guards it all. Every handler holds it only for map lookups and small
//! copies (no I/O, no awaits), which keeps thousands of requests per second cheap and
//! keeps the two platforms' views consistent with each other.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::config::Config;
use crate::faults::Faults;
use crate::ids::{self, Snowflakes};

/// One of the two emulated platforms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Instagram (graph.instagram.com and friends).
    Instagram,
    /// X (api.x.com and friends).
    X,
}

/// Access or refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// Bearer token for API calls.
    Access,
    /// Token that buys a new access token.
    Refresh,
}

/// Why a token stopped working before it expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// The account's password changed (`POST /admin/revoke`): Instagram 190/460, X 401.
    PasswordChanged,
    /// The app revoked it (`/2/oauth2/revoke`).
    ByApp,
    /// A refresh token that was used once and rotated away.
    Spent,
    /// The user removed the app (a deauthorize callback was sent): Instagram 190/458.
    AppRemoved,
}

/// A token the emulator issued. Its `Debug` hides the token string.
#[derive(Clone)]
pub struct Token {
    /// Which platform issued it.
    pub platform: Platform,
    /// The account it acts for (Instagram: the professional account id).
    pub user_id: String,
    /// Access or refresh.
    pub kind: TokenKind,
    /// The token string itself.
    pub value: String,
    /// When issued, Unix ms.
    pub issued_ms: i64,
    /// When it stops working, Unix ms (`None`: never).
    pub expires_ms: Option<i64>,
    /// Set once it is revoked.
    pub revoked: Option<Revocation>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Instagram only: a long-lived token.
    pub ig_long: bool,
    /// X only: tokens from one authorization share a family.
    pub family: u64,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("platform", &self.platform)
            .field("user_id", &self.user_id)
            .field("kind", &self.kind)
            .field("value", &"[redacted]")
            .field("expires_ms", &self.expires_ms)
            .field("revoked", &self.revoked)
            .finish_non_exhaustive()
    }
}

/// Instagram `media_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IgMediaType {
    /// A photo.
    Image,
    /// A video or reel.
    Video,
    /// A carousel of 2–10 children.
    CarouselAlbum,
}

/// Instagram `media_product_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IgProduct {
    /// A feed post.
    Feed,
    /// A reel.
    Reels,
    /// A story (24 h).
    Story,
}

/// An Instagram professional account.
#[derive(Debug, Clone)]
pub struct IgAccount {
    /// Professional account id (`user_id` in `/me`).
    pub user_id: String,
    /// App-scoped id (`id` in `/me`).
    pub app_scoped_id: String,
    /// Handle.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Bio.
    pub biography: String,
    /// Website.
    pub website: String,
    /// Bumped on each new profile picture.
    pub picture_version: u32,
    /// Media ids, oldest first (feed, reels, stories; children are not listed).
    pub media: Vec<String>,
}

/// An Instagram post, story or carousel child.
#[derive(Debug, Clone)]
pub struct IgMedia {
    /// Media id.
    pub id: String,
    /// Owner's professional account id.
    pub owner: String,
    /// Caption (`None` on children and when empty).
    pub caption: Option<String>,
    /// Media type.
    pub media_type: IgMediaType,
    /// Product type.
    pub product: IgProduct,
    /// When posted, Unix ms.
    pub created_ms: i64,
    /// Permalink shortcode.
    pub shortcode: String,
    /// Carousel children ids.
    pub children: Vec<String>,
    /// Whether this is a carousel child.
    pub is_child: bool,
    /// Whether the owner deleted it.
    pub deleted: bool,
    /// Likes, as `like_count` reports them (0 until the admin API sets them).
    pub like_count: u64,
    /// Comments, as `comments_count` reports them (0 until the admin API sets them).
    pub comments_count: u64,
}

/// An X account.
#[derive(Debug, Clone)]
pub struct XAccount {
    /// User id (snowflake).
    pub user_id: String,
    /// Handle.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Bio.
    pub description: String,
    /// Profile URL.
    pub url: String,
    /// Whether the v2 profile routes refuse this account's app (as a tier
    /// without them would), leaving only the v1.1 `account/*` endpoints.
    pub v2_profile_refused: bool,
    /// SHA-256 (hex) of the current profile image, once one was set.
    pub profile_image_sha256: Option<String>,
    /// A new image that becomes visible at the given time (asynchronous processing).
    pub pending_image: Option<(i64, String)>,
    /// When created, Unix ms.
    pub created_ms: i64,
    /// Post ids, oldest first.
    pub tweets: VecDeque<String>,
}

/// An X post.
#[derive(Debug, Clone)]
pub struct XTweet {
    /// Post id.
    pub id: String,
    /// Author's user id.
    pub author_id: String,
    /// Text as posted.
    pub text: String,
    /// Attached media keys.
    pub media_keys: Vec<String>,
    /// The post it answers.
    pub in_reply_to: Option<String>,
    /// `reply_settings` as sent.
    pub reply_settings: Option<String>,
    /// When created, Unix ms.
    pub created_ms: i64,
    /// Whether it was deleted.
    pub deleted: bool,
    /// What `public_metrics` reports (zeros until the admin API sets them).
    pub metrics: XTweetMetrics,
}

/// An X post's public counters, as `tweet.fields=public_metrics` reports them
/// (`POST /admin/x/tweets/{id}/metrics`). Counters left out of a request are 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct XTweetMetrics {
    /// Impressions.
    pub impression_count: u64,
    /// Likes.
    pub like_count: u64,
    /// Reposts.
    pub retweet_count: u64,
    /// Replies.
    pub reply_count: u64,
    /// Quotes.
    pub quote_count: u64,
    /// Bookmarks.
    pub bookmark_count: u64,
}

/// Where an X media upload stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadState {
    /// Initialized, chunks arriving.
    Uploading,
    /// Finalized at this time (Unix ms); processing state follows from the clock.
    Finalized(i64),
}

/// An X media upload.
#[derive(Debug, Clone)]
pub struct XMedia {
    /// Media id.
    pub id: String,
    /// `3_…`, `7_…` or `16_…` plus the id.
    pub media_key: String,
    /// Uploader.
    pub owner: String,
    /// `media_category`.
    pub category: String,
    /// MIME type.
    pub mime: String,
    /// Declared size.
    pub total_bytes: usize,
    /// Chunks received, by segment index.
    pub segments: Vec<Option<bytes::Bytes>>,
    /// Assembled bytes (after finalize).
    pub bytes: bytes::Bytes,
    /// Upload state.
    pub state: UploadState,
    /// Whether processing ends in `failed`.
    pub fails: bool,
    /// Alt text.
    pub alt_text: Option<String>,
    /// When it can no longer be attached, Unix ms.
    pub expires_ms: i64,
}

impl XMedia {
    /// `image`, `video` or `animated_gif`, as X's media objects say.
    pub fn kind(&self) -> &'static str {
        if self.media_key.starts_with("7_") || self.media_key.starts_with("13_") {
            "video"
        } else if self.media_key.starts_with("16_") {
            "animated_gif"
        } else {
            "photo"
        }
    }

    /// Whether the media needs asynchronous processing.
    pub fn is_async(&self) -> bool {
        self.category.ends_with("_video") || self.category.ends_with("_gif")
    }
}

/// A pending OAuth authorization code.
#[derive(Clone)]
pub struct AuthCode {
    /// The consenting account.
    pub user_id: String,
    /// `redirect_uri` of the authorize request.
    pub redirect_uri: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// X only: PKCE challenge and method (`S256` or `plain`).
    pub pkce: Option<(String, String)>,
    /// Expiry, Unix ms.
    pub expires_ms: i64,
}

/// Who the authorize page consents as.
#[derive(Debug, Clone)]
pub enum Session {
    /// Consent as this account.
    Consent(String),
    /// The user denies.
    Deny,
}

/// A fixed-length counting window.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    /// When it resets, Unix seconds.
    pub reset_s: i64,
    /// Calls counted so far.
    pub used: u32,
}

/// Instagram usage per (app, account).
#[derive(Debug, Clone, Copy, Default)]
pub struct IgUsage {
    /// The hour window.
    pub window: Window,
    /// Throttled until, Unix seconds (0: not throttled).
    pub blocked_until_s: i64,
}

/// Everything the emulator knows.
pub struct World {
    /// Seeded or random source of ids and tokens.
    pub rng: StdRng,
    /// X id source.
    pub snowflakes: Snowflakes,
    /// Authorize-page sessions.
    pub sessions: HashMap<Platform, Session>,
    /// Instagram accounts by professional id.
    pub ig_accounts: HashMap<String, IgAccount>,
    /// Instagram app-scoped id → professional id.
    pub ig_scoped: HashMap<String, String>,
    /// Instagram media by id.
    pub ig_media: HashMap<String, IgMedia>,
    /// Instagram media ids, oldest first, for the global cap.
    pub ig_media_order: VecDeque<String>,
    /// Instagram usage by account.
    pub ig_usage: HashMap<String, IgUsage>,
    /// X accounts by id.
    pub x_accounts: HashMap<String, XAccount>,
    /// X posts by id.
    pub x_tweets: HashMap<String, XTweet>,
    /// X post ids, oldest first.
    pub x_tweet_order: VecDeque<String>,
    /// Recent text by (author, normalized text) → (created ms, post id), for duplicates.
    pub x_recent_text: HashMap<(String, String), (i64, String)>,
    /// X media by id.
    pub x_media: HashMap<String, XMedia>,
    /// X media ids, oldest first.
    pub x_media_order: VecDeque<String>,
    /// Bytes held by X media.
    pub x_media_bytes: usize,
    /// X rate windows by (subject, endpoint).
    pub x_windows: HashMap<(String, &'static str), Window>,
    /// Pending authorization codes by platform and code.
    pub codes: HashMap<(Platform, String), AuthCode>,
    /// Tokens by value.
    pub tokens: HashMap<String, Token>,
    /// Token values in issue order.
    pub token_order: VecDeque<String>,
    /// Next X token family.
    pub next_family: u64,
    /// OAuth 1.0a request tokens by value.
    pub oauth1_requests: HashMap<String, crate::x::OAuth1RequestToken>,
    /// OAuth 1.0a access tokens by value.
    pub oauth1_tokens: HashMap<String, crate::x::OAuth1AccessToken>,
}

impl World {
    /// An empty world seeded from `seed` (random when `None`).
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_entropy(),
        };
        Self {
            rng,
            snowflakes: Snowflakes::default(),
            sessions: HashMap::new(),
            ig_accounts: HashMap::new(),
            ig_scoped: HashMap::new(),
            ig_media: HashMap::new(),
            ig_media_order: VecDeque::new(),
            ig_usage: HashMap::new(),
            x_accounts: HashMap::new(),
            x_tweets: HashMap::new(),
            x_tweet_order: VecDeque::new(),
            x_recent_text: HashMap::new(),
            x_media: HashMap::new(),
            x_media_order: VecDeque::new(),
            x_media_bytes: 0,
            x_windows: HashMap::new(),
            codes: HashMap::new(),
            tokens: HashMap::new(),
            token_order: VecDeque::new(),
            next_family: 1,
            oauth1_requests: HashMap::new(),
            oauth1_tokens: HashMap::new(),
        }
    }

    /// A fresh, unused Instagram-style digit id.
    pub fn ig_id(&mut self, prefix: &str) -> String {
        loop {
            let id = ids::digits(&mut self.rng, prefix, 17);
            if !self.ig_media.contains_key(&id) && !self.ig_accounts.contains_key(&id) {
                return id;
            }
        }
    }

    /// Records a token, evicting the oldest beyond `max`.
    pub fn add_token(&mut self, token: Token, max: usize) {
        self.token_order.push_back(token.value.clone());
        self.tokens.insert(token.value.clone(), token);
        while self.token_order.len() > max {
            if let Some(old) = self.token_order.pop_front() {
                self.tokens.remove(&old);
            }
        }
    }

    /// Drops expired authorization codes so the map cannot grow without bound.
    pub fn sweep_codes(&mut self, now_ms: i64) {
        if self.codes.len() > 1024 {
            self.codes.retain(|_, c| c.expires_ms > now_ms);
        }
    }
}

/// Everything a request handler needs, shared by all connections.
pub struct Shared {
    /// Settings.
    pub config: Config,
    /// Emulator time.
    pub clock: Clock,
    /// Accounts, posts, tokens.
    pub world: Mutex<World>,
    /// Injected faults.
    pub faults: Mutex<Faults>,
    /// Request counts by (platform, path).
    pub stats: Mutex<HashMap<(String, String), u64>>,
}

/// Most distinct paths `GET /admin/stats` keeps before folding the rest into `(other)`.
const MAX_STAT_PATHS: usize = 10_000;

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The world holds tokens and codes; it stays out of debug output.
        f.debug_struct("Shared")
            .field("config", &self.config)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// Builds the shared state from settings.
    pub fn new(config: Config) -> Self {
        let clock = Clock::new(config.start_time_ms, config.frozen_clock);
        let world = World::new(config.seed);
        Self {
            config,
            clock,
            world: Mutex::new(world),
            faults: Mutex::new(Faults::default()),
            stats: Mutex::new(HashMap::new()),
        }
    }

    /// Locks the world; a panic elsewhere never makes it unusable.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the faults.
    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one request.
    pub fn count(&self, platform: &str, path: &str) {
        let mut stats = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        let key = (platform.to_owned(), path.to_owned());
        if let Some(n) = stats.get_mut(&key) {
            *n += 1;
        } else if stats.len() < MAX_STAT_PATHS {
            stats.insert(key, 1);
        } else {
            *stats
                .entry((platform.to_owned(), "(other)".to_owned()))
                .or_insert(0) += 1;
        }
    }
}
