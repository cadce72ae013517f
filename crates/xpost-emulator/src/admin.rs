//! The admin API (`/admin/...`) and the same operations in process.
//!
//! [`Admin`] holds the logic; the HTTP handlers below only translate JSON to calls, so
//! tests that drive the emulator in process and tools that drive it over HTTP see the
//! same behaviour.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::callbacks::{self, CallbackAnswer, CallbackKind};
use crate::error::EmulatorError;
use crate::faults::Fault;
use crate::ids;
use crate::respond;
use crate::state::{
    IgAccount, IgMedia, IgMediaType, IgProduct, Platform, Revocation, Session, Shared, TokenKind,
    XAccount, XTweetMetrics,
};

/// In-process admin operations on a running or not-yet-started emulator.
#[derive(Clone)]
pub struct Admin {
    shared: Arc<Shared>,
}

impl fmt::Debug for Admin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Admin").finish_non_exhaustive()
    }
}

/// A post to publish on Instagram (`POST /admin/instagram/accounts/{user_id}/media`).
#[derive(Debug, Clone, Deserialize)]
pub struct NewIgMedia {
    /// Caption (none when absent or empty).
    #[serde(default)]
    pub caption: Option<String>,
    /// `IMAGE`, `VIDEO` or `CAROUSEL_ALBUM`.
    pub media_type: IgMediaType,
    /// `FEED` (default), `REELS` or `STORY`.
    #[serde(default = "feed")]
    pub media_product_type: IgProduct,
    /// Carousel children, 2–10 (default 3 for carousels).
    #[serde(default)]
    pub children: Option<usize>,
}

fn feed() -> IgProduct {
    IgProduct::Feed
}

/// A profile change (`PATCH /admin/instagram/accounts/{user_id}`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IgProfileChange {
    /// New display name.
    #[serde(default)]
    pub name: Option<String>,
    /// New bio.
    #[serde(default)]
    pub biography: Option<String>,
    /// New website.
    #[serde(default)]
    pub website: Option<String>,
    /// Whether to switch to a new profile picture.
    #[serde(default)]
    pub profile_picture: bool,
}

/// New engagement counts for an Instagram post (`PATCH /admin/instagram/media/{id}`);
/// a count left out keeps its value.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgEngagement {
    /// Likes (`like_count`).
    #[serde(default)]
    pub like_count: Option<u64>,
    /// Comments (`comments_count`).
    #[serde(default)]
    pub comments_count: Option<u64>,
}

/// One row of `GET /admin/x/tweets`.
#[derive(Debug, Clone, Serialize)]
pub struct AdminTweet {
    /// Post id.
    pub id: String,
    /// Author's user id.
    pub author_id: String,
    /// Text exactly as submitted, before X's t.co wrapping.
    pub text: String,
    /// Attached media.
    pub media: Vec<AdminTweetMedia>,
    /// The post it replies to.
    pub in_reply_to: Option<String>,
    /// `reply_settings` as sent.
    pub reply_settings: Option<String>,
    /// X timestamp.
    pub created_at: String,
    /// Whether deleted.
    pub deleted: bool,
}

/// A media item of an [`AdminTweet`].
#[derive(Debug, Clone, Serialize)]
pub struct AdminTweetMedia {
    /// `3_…`, `7_…`, `16_…`.
    pub media_key: String,
    /// `photo`, `video` or `animated_gif`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Alt text, if set.
    pub alt_text: Option<String>,
}

/// `GET /admin/x/accounts/{user_id}`.
#[derive(Debug, Clone, Serialize)]
pub struct AdminXAccount {
    /// Display name.
    pub name: String,
    /// Bio.
    pub description: String,
    /// Profile URL.
    pub url: String,
    /// SHA-256 of the current profile image (after X's processing delay).
    pub profile_image_sha256: Option<String>,
}

/// A change to how an X account's app is served (`PATCH /admin/x/accounts/{user_id}`).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XAccountChange {
    /// `true`: the v2 profile routes answer 403 `client-not-enrolled`, as for an
    /// app whose tier lacks them; `false` serves them again.
    #[serde(default)]
    pub v2_profile_refused: Option<bool>,
}

/// One row of `GET /admin/tokens`. Its `Debug` hides the token.
#[derive(Clone, Serialize)]
pub struct AdminToken {
    /// `instagram` or `x`.
    pub platform: Platform,
    /// The account.
    pub user_id: String,
    /// `access` or `refresh`.
    pub kind: TokenKind,
    /// The token itself.
    pub token: String,
    /// Whether it was revoked, invalidated or (refresh) spent.
    pub revoked: bool,
}

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminToken")
            .field("platform", &self.platform)
            .field("user_id", &self.user_id)
            .field("kind", &self.kind)
            .field("token", &"[redacted]")
            .field("revoked", &self.revoked)
            .finish()
    }
}

fn not_found(what: &'static str, id: &str) -> EmulatorError {
    EmulatorError::NotFound {
        what,
        id: id.to_owned(),
    }
}

fn check_username(username: &str) -> Result<(), EmulatorError> {
    let ok = !username.is_empty()
        && username.len() <= 30
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(EmulatorError::BadInput(format!(
            "username {username:?} must be 1-30 letters, digits, '_' or '.'"
        )))
    }
}

impl Admin {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    /// Creates an Instagram professional account; returns its `user_id`.
    ///
    /// # Errors
    /// [`EmulatorError::BadInput`] for an invalid or taken username.
    pub fn create_instagram_account(&self, username: &str) -> Result<String, EmulatorError> {
        check_username(username)?;
        let mut world = self.shared.world();
        if world.ig_accounts.values().any(|a| a.username == username) {
            return Err(EmulatorError::BadInput(format!(
                "username {username} is taken"
            )));
        }
        let user_id = world.ig_id("1784");
        let scoped = ids::digits(&mut world.rng, "2", 17);
        world.ig_scoped.insert(scoped.clone(), user_id.clone());
        world.ig_accounts.insert(
            user_id.clone(),
            IgAccount {
                user_id: user_id.clone(),
                app_scoped_id: scoped,
                username: username.to_owned(),
                name: username.to_owned(),
                biography: String::new(),
                website: "https://example.com/".to_owned(),
                picture_version: 1,
                media: Vec::new(),
            },
        );
        Ok(user_id)
    }

    /// Creates an X account; returns its `user_id`.
    ///
    /// # Errors
    /// [`EmulatorError::BadInput`] for an invalid or taken username.
    pub fn create_x_account(&self, username: &str) -> Result<String, EmulatorError> {
        check_username(username)?;
        let now = self.shared.clock.now_ms();
        let mut world = self.shared.world();
        if world.x_accounts.values().any(|a| a.username == username) {
            return Err(EmulatorError::BadInput(format!(
                "username {username} is taken"
            )));
        }
        let user_id = world.snowflakes.next(now).to_string();
        world.x_accounts.insert(
            user_id.clone(),
            XAccount {
                user_id: user_id.clone(),
                username: username.to_owned(),
                name: username.to_owned(),
                description: String::new(),
                url: String::new(),
                v2_profile_refused: false,
                profile_image_sha256: None,
                pending_image: None,
                created_ms: now,
                tweets: Default::default(),
            },
        );
        Ok(user_id)
    }

    /// Sets who the authorize page consents as (`Some(username)`), or that it denies (`None`).
    ///
    /// # Errors
    /// [`EmulatorError::NotFound`] for an unknown username.
    pub fn set_session(
        &self,
        platform: Platform,
        username: Option<&str>,
    ) -> Result<(), EmulatorError> {
        let mut world = self.shared.world();
        let session = match username {
            None => Session::Deny,
            Some(name) => {
                let id = match platform {
                    Platform::Instagram => world
                        .ig_accounts
                        .values()
                        .find(|a| a.username == name)
                        .map(|a| a.user_id.clone()),
                    Platform::X => world
                        .x_accounts
                        .values()
                        .find(|a| a.username == name)
                        .map(|a| a.user_id.clone()),
                };
                Session::Consent(id.ok_or_else(|| not_found("account", name))?)
            }
        };
        world.sessions.insert(platform, session);
        Ok(())
    }

    /// Publishes a post on an Instagram account; returns its media id.
    ///
    /// # Errors
    /// [`EmulatorError::NotFound`] for an unknown account; [`EmulatorError::BadInput`]
    /// for a combination Instagram does not have (a carousel reel, 11 children…).
    pub fn publish_instagram_media(
        &self,
        user_id: &str,
        new: NewIgMedia,
    ) -> Result<String, EmulatorError> {
        use IgMediaType::{CarouselAlbum, Image, Video};
        match (new.media_type, new.media_product_type) {
            (Image | CarouselAlbum, IgProduct::Reels) => {
                return Err(EmulatorError::BadInput("a reel is a VIDEO".into()));
            }
            (CarouselAlbum, IgProduct::Story) => {
                return Err(EmulatorError::BadInput(
                    "a story is an IMAGE or a VIDEO".into(),
                ));
            }
            _ => {}
        }
        let children = if new.media_type == CarouselAlbum {
            let n = new.children.unwrap_or(3);
            if !(2..=10).contains(&n) {
                return Err(EmulatorError::BadInput(
                    "a carousel has 2 to 10 children".into(),
                ));
            }
            n
        } else {
            0
        };
        let now = self.shared.clock.now_ms();
        let mut world = self.shared.world();
        if !world.ig_accounts.contains_key(user_id) {
            return Err(not_found("instagram account", user_id));
        }
        let caption = new.caption.filter(|c| !c.is_empty());
        let mut child_ids = Vec::with_capacity(children);
        for i in 0..children {
            let id = world.ig_id("179");
            let shortcode = ids::alnum(&mut world.rng, 11);
            world.ig_media.insert(
                id.clone(),
                IgMedia {
                    id: id.clone(),
                    owner: user_id.to_owned(),
                    caption: None,
                    media_type: if i % 3 == 2 { Video } else { Image },
                    product: IgProduct::Feed,
                    created_ms: now,
                    shortcode,
                    children: Vec::new(),
                    is_child: true,
                    deleted: false,
                    like_count: 0,
                    comments_count: 0,
                },
            );
            child_ids.push(id);
        }
        let id = world.ig_id("178");
        let shortcode = ids::alnum(&mut world.rng, 11);
        world.ig_media.insert(
            id.clone(),
            IgMedia {
                id: id.clone(),
                owner: user_id.to_owned(),
                caption,
                media_type: new.media_type,
                product: new.media_product_type,
                created_ms: now,
                shortcode,
                children: child_ids,
                is_child: false,
                deleted: false,
                like_count: 0,
                comments_count: 0,
            },
        );
        world.ig_media_order.push_back(id.clone());
        if let Some(a) = world.ig_accounts.get_mut(user_id) {
            a.media.push(id.clone());
        }
        let max = self.shared.config.max_ig_media;
        while world.ig_media_order.len() > max {
            let Some(old) = world.ig_media_order.pop_front() else {
                break;
            };
            if let Some(m) = world.ig_media.remove(&old) {
                for c in &m.children {
                    world.ig_media.remove(c);
                }
                if let Some(a) = world.ig_accounts.get_mut(&m.owner) {
                    a.media.retain(|x| *x != old);
                }
            }
        }
        Ok(id)
    }

    /// Deletes an Instagram post (it then answers like a deleted one).
    ///
    /// # Errors
    /// [`EmulatorError::NotFound`] for an unknown id.
    pub fn delete_instagram_media(&self, id: &str) -> Result<(), EmulatorError> {
        let mut world = self.shared.world();
        let m = world
            .ig_media
            .get_mut(id)
            .filter(|m| !m.is_child)
            .ok_or_else(|| not_found("media", id))?;
        m.deleted = true;
        Ok(())
    }

    /// Sets an Instagram post's like and comment counts.
    ///
    /// # Errors
    /// [`EmulatorError::NotFound`] for an unknown id or a carousel child.
    pub fn set_instagram_engagement(
        &self,
        id: &str,
        engagement: IgEngagement,
    ) -> Result<(), EmulatorError> {
        let mut world = self.shared.world();
        let m = world
            .ig_media
            .get_mut(id)
            .filter(|m| !m.is_child)
            .ok_or_else(|| not_found("media", id))?;
        if let Some(n) = engagement.like_count {
            m.like_count = n;
        }
        if let Some(n) = engagement.comments_count {
            m.comments_count = n;
        }
        Ok(())
    }

    /// Edits an Instagram post's caption, as the app's "Edit" does; an empty
    /// caption removes it.
    ///
    /// # Errors
    /// [`EmulatorError::NotFound`] for an unknown or deleted id, or a carousel child.
    pub fn set_instagram_caption(&self, id: &str, caption: &str) -> Result<(), EmulatorError> {
        let mut world = self.shared.world();
        let m = world
            .ig_media
            .get_mut(id)
            .filter(|m| !m.is_child && !m.deleted)
            .ok_or_else(|| not_found("media", id))?;
        m.caption = Some(caption.to_owned()).filter(|c| !c.is_empty());
        Ok(())
    }

    /// Sets what an X post's `public_metrics` report.
    ///
    /// # Errors
    /// [`EmulatorError::NotFound`] for an unknown post id.
    pub fn set_x_metrics(&self, id: &str, metrics: XTweetMetrics) -> Result<(), EmulatorError> {
        let mut world = self.shared.world();
        let t = world
            .x_tweets
            .get_mut(id)
            .ok_or_else(|| not_found("x post", id))?;
        t.metrics = metrics;
        Ok(())
    }

    /// Changes an Instagram profile.
    ///
    /// # Errors
    /// [`EmulatorError::NotFound`] for an unknown account.
    pub fn update_instagram_profile(
        &self,
        user_id: &str,
        change: IgProfileChange,
    ) -> Result<(), EmulatorError> {
        let mut world = self.shared.world();
        let a = world
            .ig_accounts
            .get_mut(user_id)
            .ok_or_else(|| not_found("instagram account", user_id))?;
        if let Some(n) = change.name {
            a.name = n;
        }
        if let Some(b) = change.biography {
            a.biography = b;
        }
        if let Some(w) = change.website {
            a.website = w;
        }
        if change.profile_picture {
            a.picture_version += 1;
        }
        Ok(())
    }

    /// Invalidates every token of an account, as a changed password does; returns how many.
    ///
    /// # Errors
    /// [`EmulatorError::NotFound`] for an unknown account.
    pub fn revoke(&self, platform: Platform, user_id: &str) -> Result<usize, EmulatorError> {
        let mut world = self.shared.world();
        let known = match platform {
            Platform::Instagram => world.ig_accounts.contains_key(user_id),
            Platform::X => world.x_accounts.contains_key(user_id),
        };
        if !known {
            return Err(not_found("account", user_id));
        }
        let mut n = 0;
        if platform == Platform::X {
            let before = world.oauth1_tokens.len();
            world.oauth1_tokens.retain(|_, t| t.user_id != user_id);
            n += before - world.oauth1_tokens.len();
        }
        for t in world.tokens.values_mut() {
            if t.platform == platform && t.user_id == user_id && t.revoked.is_none() {
                t.revoked = Some(Revocation::PasswordChanged);
                n += 1;
            }
        }
        Ok(n)
    }

    /// Every X post ever created, deleted ones included, oldest first.
    pub fn x_tweets(&self) -> Vec<AdminTweet> {
        let world = self.shared.world();
        world
            .x_tweet_order
            .iter()
            .filter_map(|id| world.x_tweets.get(id))
            .map(|t| AdminTweet {
                id: t.id.clone(),
                author_id: t.author_id.clone(),
                text: t.text.clone(),
                media: t
                    .media_keys
                    .iter()
                    .map(|k| {
                        let m = k.split_once('_').and_then(|(_, id)| world.x_media.get(id));
                        AdminTweetMedia {
                            media_key: k.clone(),
                            kind: m.map_or("photo", |m| m.kind()).to_owned(),
                            alt_text: m.and_then(|m| m.alt_text.clone()),
                        }
                    })
                    .collect(),
                in_reply_to: t.in_reply_to.clone(),
                reply_settings: t.reply_settings.clone(),
                created_at: crate::x::x_timestamp(t.created_ms),
                deleted: t.deleted,
            })
            .collect()
    }

    /// An X profile.
    ///
    /// # Errors
    /// [`EmulatorError::NotFound`] for an unknown account.
    pub fn x_account(&self, user_id: &str) -> Result<AdminXAccount, EmulatorError> {
        let now = self.shared.clock.now_ms();
        let mut world = self.shared.world();
        let a = world
            .x_accounts
            .get_mut(user_id)
            .ok_or_else(|| not_found("x account", user_id))?;
        crate::x::settle_image(a, now);
        Ok(AdminXAccount {
            name: a.name.clone(),
            description: a.description.clone(),
            url: a.url.clone(),
            profile_image_sha256: a.profile_image_sha256.clone(),
        })
    }

    /// Changes how an X account's app is served.
    ///
    /// # Errors
    /// [`EmulatorError::NotFound`] for an unknown account.
    pub fn update_x_account(
        &self,
        user_id: &str,
        change: XAccountChange,
    ) -> Result<(), EmulatorError> {
        let mut world = self.shared.world();
        let a = world
            .x_accounts
            .get_mut(user_id)
            .ok_or_else(|| not_found("x account", user_id))?;
        if let Some(refused) = change.v2_profile_refused {
            a.v2_profile_refused = refused;
        }
        Ok(())
    }

    /// The exact bytes uploaded for a media key, with their content type.
    pub fn x_media(&self, media_key: &str) -> Option<(String, Bytes)> {
        let world = self.shared.world();
        let id = media_key.split_once('_').map(|(_, id)| id)?;
        world
            .x_media
            .get(id)
            .filter(|m| m.media_key == media_key && !m.bytes.is_empty())
            .map(|m| (m.mime.clone(), m.bytes.clone()))
    }

    /// Adds a fault after the existing ones; returns how many are armed.
    ///
    /// # Errors
    /// [`EmulatorError::BadInput`] when a field is out of range (see [`Fault::validate`]).
    pub fn add_fault(&self, fault: Fault) -> Result<usize, EmulatorError> {
        fault.validate()?;
        let mut faults = self.shared.faults();
        faults.add(fault);
        Ok(faults.len())
    }

    /// Clears every fault.
    pub fn reset_faults(&self) {
        self.shared.faults().reset();
    }

    /// Every token issued (up to the token cap), oldest first.
    pub fn tokens(&self) -> Vec<AdminToken> {
        let world = self.shared.world();
        world
            .token_order
            .iter()
            .filter_map(|v| world.tokens.get(v))
            .map(|t| AdminToken {
                platform: t.platform,
                user_id: t.user_id.clone(),
                kind: t.kind,
                token: t.value.clone(),
                revoked: t.revoked.is_some(),
            })
            .collect()
    }

    /// Request counts: `{"instagram": {path: n}, "x": {path: n}, "total": n}`.
    pub fn stats(&self) -> Value {
        let stats = self.shared.stats.lock().unwrap_or_else(|e| e.into_inner());
        let mut by: BTreeMap<&str, BTreeMap<&str, u64>> = BTreeMap::new();
        let mut total = 0;
        for ((platform, path), n) in stats.iter() {
            by.entry(platform.as_str())
                .or_default()
                .insert(path.as_str(), *n);
            total += n;
        }
        json!({
            "instagram": by.get("instagram").cloned().unwrap_or_default(),
            "x": by.get("x").cloned().unwrap_or_default(),
            "total": total,
        })
    }

    /// Moves the emulator clock forward; returns the new time in Unix milliseconds.
    ///
    /// # Errors
    /// [`EmulatorError::BadInput`] for a negative jump or one beyond ten years.
    pub fn advance_clock(&self, seconds: i64) -> Result<i64, EmulatorError> {
        self.shared.clock.advance(seconds)?;
        Ok(self.shared.clock.now_ms())
    }

    /// Emulator time, Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.shared.clock.now_ms()
    }

    /// Sends Meta's `kind` callback about Instagram user `user_id` to `url`
    /// (a loopback `http://` URL): a form-encoded `POST` whose `signed_request`
    /// is signed with the app secret, as Meta signs it. A deauthorize first
    /// invalidates the user's Instagram tokens (code 190, subcode 458), as
    /// removing the app does. Answers the callback's status and body.
    ///
    /// # Errors
    /// [`EmulatorError::BadInput`] for a URL that is not loopback `http://`, a
    /// bad user id, or a delivery that failed or took more than 10 s;
    /// [`EmulatorError::NotFound`] for a deauthorize of an unknown account.
    pub async fn send_instagram_callback(
        &self,
        kind: CallbackKind,
        user_id: &str,
        url: &str,
    ) -> Result<CallbackAnswer, EmulatorError> {
        callbacks::send(&self.shared, kind, user_id, url).await
    }
}

/// The admin routes under `/admin`.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/admin/instagram/accounts", post(ig_account))
        .route("/admin/x/accounts", post(x_account))
        .route("/admin/session", post(session))
        .route("/admin/instagram/accounts/{user_id}/media", post(ig_media))
        .route(
            "/admin/instagram/accounts/{user_id}",
            axum::routing::patch(ig_profile),
        )
        .route(
            "/admin/instagram/media/{id}",
            delete(ig_delete).patch(ig_media_patch),
        )
        .route("/admin/revoke", post(revoke))
        .route("/admin/x/tweets", get(x_tweets))
        .route("/admin/x/tweets/{id}/metrics", post(x_metrics))
        .route(
            "/admin/x/accounts/{user_id}",
            get(x_profile).patch(x_account_change),
        )
        .route("/admin/x/media/{media_key}", get(x_media))
        .route("/admin/faults", post(faults))
        .route("/admin/tokens", get(tokens))
        .route("/admin/stats", get(stats))
        .route("/admin/clock", get(clock).post(advance))
        .route("/admin/instagram/callbacks", post(ig_callback))
}

fn admin(shared: &Arc<Shared>) -> Admin {
    Admin::new(shared.clone())
}

/// `200` with the body, or the error's answer.
fn answer(result: Result<Value, EmulatorError>) -> Response {
    match result {
        Ok(body) => respond::json(StatusCode::OK, body),
        Err(e) => fail(&e),
    }
}

fn fail(e: &EmulatorError) -> Response {
    let status = match e {
        EmulatorError::NotFound { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    };
    respond::json(status, json!({"error": e.to_string()}))
}

/// A JSON request body; one that does not parse is answered `400 {"error": "bad JSON: …"}`.
struct JsonBody<T>(T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let body = Bytes::from_request(req, state).await.map_err(|e| {
            respond::json(
                e.status(),
                json!({"error": format!("unreadable body: {e}")}),
            )
        })?;
        serde_json::from_slice(&body).map(JsonBody).map_err(|e| {
            respond::json(
                StatusCode::BAD_REQUEST,
                json!({"error": format!("bad JSON: {e}")}),
            )
        })
    }
}

#[derive(Deserialize)]
struct Username {
    username: String,
}

async fn ig_account(State(s): State<Arc<Shared>>, JsonBody(req): JsonBody<Username>) -> Response {
    answer(
        admin(&s)
            .create_instagram_account(&req.username)
            .map(|id| json!({"user_id": id})),
    )
}

async fn x_account(State(s): State<Arc<Shared>>, JsonBody(req): JsonBody<Username>) -> Response {
    answer(
        admin(&s)
            .create_x_account(&req.username)
            .map(|id| json!({"user_id": id})),
    )
}

#[derive(Deserialize)]
struct SessionReq {
    platform: Platform,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    deny: bool,
}

async fn session(State(s): State<Arc<Shared>>, JsonBody(req): JsonBody<SessionReq>) -> Response {
    let who = if req.deny {
        None
    } else {
        req.username.as_deref()
    };
    if who.is_none() && !req.deny {
        return fail(&EmulatorError::BadInput(
            "give a username or deny: true".into(),
        ));
    }
    answer(admin(&s).set_session(req.platform, who).map(|()| json!({})))
}

async fn ig_media(
    State(s): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    JsonBody(req): JsonBody<NewIgMedia>,
) -> Response {
    answer(
        admin(&s)
            .publish_instagram_media(&user_id, req)
            .map(|id| json!({"id": id})),
    )
}

async fn ig_profile(
    State(s): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    JsonBody(req): JsonBody<IgProfileChange>,
) -> Response {
    answer(
        admin(&s)
            .update_instagram_profile(&user_id, req)
            .map(|()| json!({})),
    )
}

async fn ig_delete(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    answer(admin(&s).delete_instagram_media(&id).map(|()| json!({})))
}

/// `PATCH /admin/instagram/media/{id}`: engagement counts, a caption, or both.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IgMediaPatch {
    #[serde(default)]
    like_count: Option<u64>,
    #[serde(default)]
    comments_count: Option<u64>,
    #[serde(default)]
    caption: Option<String>,
}

async fn ig_media_patch(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<IgMediaPatch>,
) -> Response {
    let admin = admin(&s);
    let engagement = IgEngagement {
        like_count: req.like_count,
        comments_count: req.comments_count,
    };
    let result = admin
        .set_instagram_engagement(&id, engagement)
        .and_then(|()| match &req.caption {
            Some(caption) => admin.set_instagram_caption(&id, caption),
            None => Ok(()),
        });
    answer(result.map(|()| json!({})))
}

async fn x_metrics(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<XTweetMetrics>,
) -> Response {
    answer(admin(&s).set_x_metrics(&id, req).map(|()| json!({})))
}

#[derive(Deserialize)]
struct RevokeReq {
    platform: Platform,
    user_id: String,
}

async fn revoke(State(s): State<Arc<Shared>>, JsonBody(req): JsonBody<RevokeReq>) -> Response {
    answer(
        admin(&s)
            .revoke(req.platform, &req.user_id)
            .map(|n| json!({"revoked": n})),
    )
}

async fn x_tweets(State(s): State<Arc<Shared>>) -> Response {
    respond::json(StatusCode::OK, json!(admin(&s).x_tweets()))
}

async fn x_profile(State(s): State<Arc<Shared>>, Path(user_id): Path<String>) -> Response {
    answer(admin(&s).x_account(&user_id).map(|a| json!(a)))
}

async fn x_account_change(
    State(s): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    JsonBody(change): JsonBody<XAccountChange>,
) -> Response {
    answer(
        admin(&s)
            .update_x_account(&user_id, change)
            .map(|()| json!({})),
    )
}

async fn x_media(State(s): State<Arc<Shared>>, Path(key): Path<String>) -> Response {
    match admin(&s).x_media(&key) {
        Some((mime, bytes)) => ([(header::CONTENT_TYPE, mime)], bytes).into_response(),
        None => fail(&not_found("media", &key)),
    }
}

async fn faults(State(s): State<Arc<Shared>>, JsonBody(req): JsonBody<Value>) -> Response {
    let a = admin(&s);
    let Value::Object(mut object) = req else {
        return fail(&EmulatorError::BadInput("a fault is a JSON object".into()));
    };
    match object.remove("reset") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => {
            a.reset_faults();
            return respond::json(StatusCode::OK, json!({"faults": 0}));
        }
        Some(_) => {
            return fail(&EmulatorError::BadInput(
                "reset must be true or false".into(),
            ));
        }
    }
    answer(
        Fault::from_json(&object)
            .and_then(|fault| a.add_fault(fault))
            .map(|n| json!({"faults": n})),
    )
}

async fn tokens(State(s): State<Arc<Shared>>) -> Response {
    respond::json(StatusCode::OK, json!(admin(&s).tokens()))
}

async fn stats(State(s): State<Arc<Shared>>) -> Response {
    respond::json(StatusCode::OK, admin(&s).stats())
}

async fn clock(State(s): State<Arc<Shared>>) -> Response {
    respond::json(StatusCode::OK, json!({"now_ms": s.clock.now_ms()}))
}

#[derive(Deserialize)]
struct Advance {
    advance_s: i64,
}

async fn advance(State(s): State<Arc<Shared>>, JsonBody(req): JsonBody<Advance>) -> Response {
    answer(
        admin(&s)
            .advance_clock(req.advance_s)
            .map(|now_ms| json!({"now_ms": now_ms})),
    )
}

#[derive(Deserialize)]
struct CallbackReq {
    kind: CallbackKind,
    user_id: String,
    url: String,
}

async fn ig_callback(
    State(s): State<Arc<Shared>>,
    JsonBody(req): JsonBody<CallbackReq>,
) -> Response {
    answer(
        admin(&s)
            .send_instagram_callback(req.kind, &req.user_id, &req.url)
            .await
            .map(|a| json!(a)),
    )
}
