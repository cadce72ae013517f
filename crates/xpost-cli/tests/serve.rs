//! `xpost serve` over HTTP: a server in process with an engine and a SQLite
//! store, against the emulator, driven as a browser drives it (cookies, forms
//! with their CSRF token, redirects followed by hand).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use xpost_cli::commands::serve::{ServeOptions, Server};
use xpost_cli::global::GlobalArgs;
use xpost_core::{LinkId, LinkState, Side, Store};
use xpost_emulator::{CallbackKind, NewIgMedia, RunningEmulator};
use xpost_engine::{Engine, SyncOptions};

/// A running dashboard and what it works on.
struct Dashboard {
    base: String,
    store: Arc<dyn Store>,
    engine: Engine,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

const SETTINGS: &str = "[defaults.privacy]\nblocked_words = [\"giveaway\"]\n";

async fn dashboard(emu: &RunningEmulator, test: &str, password: Option<&str>) -> Dashboard {
    dashboard_polling(emu, test, password, None).await
}

async fn dashboard_polling(
    emu: &RunningEmulator,
    test: &str,
    password: Option<&str>,
    poll: Option<Duration>,
) -> Dashboard {
    let dir = support::dir(test);
    let config = dir.join("xpost.toml");
    std::fs::write(&config, SETTINGS).unwrap();
    let global = GlobalArgs {
        db: Some(dir.join("xpost.db")),
        emulator: Some(emu.base_url.clone()),
        config: Some(config),
        ..Default::default()
    };
    let store: Arc<dyn Store> = Arc::new(support::open(&dir.join("xpost.db")).await);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut options = ServeOptions::new(&base).unwrap();
    options.password = password.map(xpost_core::Secret::new);
    options.poll_interval = poll;
    let server = Server::new(&global, Arc::clone(&store), options).unwrap();
    let engine = server.engine();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve(listener, async move {
        let _ = stopped.await;
    }));
    Dashboard {
        base,
        store,
        engine,
        stop: Some(stop),
    }
}

/// A browser: one cookie jar of one cookie, no automatic redirects.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Page {
    /// The CSRF token of the page's first form.
    fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no form on the page: {}", self.body));
        let rest = &self.body[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }
}

impl Browser {
    fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .build()
                .unwrap(),
            base: base.to_owned(),
            cookie: None,
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = match &self.cookie {
            Some(c) => request.header("cookie", c),
            None => request,
        };
        let response = request.send().await.unwrap();
        if let Some(set) = response.headers().get("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            self.cookie = Some(pair);
        }
        Page {
            status: response.status(),
            location: response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned()),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path_or_url: &str) -> Page {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.base)
        };
        let request = self.http.get(url);
        self.send(request).await
    }

    /// A form POST from this dashboard's own pages.
    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let origin = self.base.clone();
        self.post_from(path, fields, Some(&origin)).await
    }

    async fn post_from(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        origin: Option<&str>,
    ) -> Page {
        let mut request = self.http.post(format!("{}{path}", self.base)).form(fields);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        self.send(request).await
    }
}

fn media(caption: &str) -> NewIgMedia {
    serde_json::from_value(serde_json::json!({"caption": caption, "media_type": "IMAGE"})).unwrap()
}

/// Links both accounts through the pages' OAuth flows, as a person does.
async fn link_through_pages(emu: &RunningEmulator, browser: &mut Browser) -> String {
    let admin = emu.admin();
    let instagram = admin.create_instagram_account("ana.ig").unwrap();
    admin
        .set_session(xpost_emulator::Platform::Instagram, Some("ana.ig"))
        .unwrap();
    admin.create_x_account("ana_x").unwrap();
    admin
        .set_session(xpost_emulator::Platform::X, Some("ana_x"))
        .unwrap();
    for (platform, next) in [("instagram", "/links/new?link=default"), ("x", "/links")] {
        let form = browser.get("/links/new").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let csrf = form.csrf();
        let started = browser
            .post(
                "/oauth/start",
                &[("csrf", &csrf), ("link", "default"), ("platform", platform)],
            )
            .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
        let consent = started.location.unwrap();
        assert!(consent.starts_with(&emu.base_url), "{consent}");
        let redirect_uri = format!("{}/oauth/{platform}/callback", browser.base);
        assert!(
            consent.contains(
                &url::form_urlencoded::byte_serialize(redirect_uri.as_bytes()).collect::<String>()
            ),
            "the consent URL names this server's callback exactly: {consent}"
        );
        let consented = browser.get(&consent).await;
        let callback = consented.location.expect("the emulator redirects at once");
        assert!(callback.starts_with(&redirect_uri), "{callback}");
        let finished = browser.get(&callback).await;
        assert_eq!(finished.status, StatusCode::SEE_OTHER, "{}", finished.body);
        assert_eq!(finished.location.as_deref(), Some(next));
        let told = browser.get(next).await;
        assert!(told.body.contains("id=\"flash\">Linked"), "{}", told.body);
        // The same callback again is refused: the flow was single use.
        let again = browser.get(&callback).await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST);
        assert!(again.body.contains("nothing was linked"), "{}", again.body);
    }
    instagram
}

#[tokio::test]
async fn every_page_renders_with_real_data() {
    let emu = support::emulator().await;
    let dash = dashboard(&emu, "serve-pages", None).await;
    let mut browser = Browser::new(&dash.base);
    let instagram = link_through_pages(&emu, &mut browser).await;
    let link = LinkId::new("default").unwrap();
    assert_eq!(
        dash.store.link(&link).await.unwrap().unwrap().state,
        LinkState::Active
    );

    let admin = emu.admin();
    let posted = admin
        .publish_instagram_media(&instagram, media("Sunset over the harbour #sea"))
        .unwrap();
    let held = admin
        .publish_instagram_media(&instagram, media("Our summer giveaway starts now"))
        .unwrap();
    dash.engine.sync_once(SyncOptions::default()).await.unwrap();

    let links = browser.get("/links").await;
    assert_eq!(links.status, StatusCode::OK);
    assert!(
        !links.body.contains("not by this server yet"),
        "the sync's poll is shown: {}",
        links.body
    );
    for shown in [
        "@ana.ig",
        "@ana_x",
        "active",
        "tweet.write",
        "instagram_business_basic",
        "token expires",
    ] {
        assert!(
            links.body.contains(shown),
            "{shown} missing: {}",
            links.body
        );
    }

    let settings = browser.get("/links/default").await;
    assert_eq!(settings.status, StatusCode::OK);
    assert!(
        settings.body.contains("privacy.blocked_words"),
        "{}",
        settings.body
    );
    let row = settings.body.split("privacy.blocked_words").nth(1).unwrap();
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("giveaway") && row.contains("[defaults]"),
        "{row}"
    );
    assert!(settings.body.contains("built-in default"));

    let log = browser.get("/log").await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(
        log.body.contains(&posted) && log.body.contains(&held),
        "{}",
        log.body
    );
    assert!(
        log.body.contains("Sunset over the harbour #sea"),
        "the tweet: {}",
        log.body
    );
    assert!(log.body.contains("needs_review"), "{}", log.body);
    let only_posted = browser.get("/log?link=default&state=posted").await;
    assert!(
        only_posted.body.contains(&posted)
            && !only_posted.body.contains(&format!("post-default-{held}"))
    );
    let bad_filter = browser.get("/log?state=nonsense").await;
    assert_eq!(bad_filter.status, StatusCode::BAD_REQUEST);
    let detail = browser.get(&format!("/posts/default/{posted}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(
        detail.body.contains("posted") && detail.body.contains("Sunset"),
        "{}",
        detail.body
    );

    let review = browser.get("/review").await;
    assert!(review.body.contains(&held), "{}", review.body);
    assert!(review.body.contains("Our summer giveaway starts now"));
    let csrf = review.csrf();
    let approved = browser
        .post(
            &format!("/review/default/{held}/approve"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let review = browser.get("/review").await;
    assert!(
        review.body.contains("Nothing is waiting for review"),
        "{}",
        review.body
    );
    assert!(
        review.body.contains(&format!("Approved {held}")),
        "{}",
        review.body
    );
    dash.engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(admin.x_tweets().len(), 2, "the approved post went out");

    let doctor = browser.get("/doctor").await;
    assert_eq!(doctor.status, StatusCode::OK);
    assert!(doctor.body.contains("store.opens"), "{}", doctor.body);
    assert!(doctor.body.contains("Link default"), "{}", doctor.body);

    let intro = browser.get("/report").await;
    assert!(
        intro.body.contains("2 posts are cross-posted"),
        "{}",
        intro.body
    );
    let csrf = intro.csrf();
    let report = browser.post("/report", &[("csrf", &csrf)]).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(
        report.body.contains("How cross-posted content performs"),
        "{}",
        report.body
    );
    assert!(report.body.contains("<svg"), "the charts");
    let csp = report.headers["content-security-policy"].to_str().unwrap();
    assert!(!csp.contains("script"), "{csp}");

    let purge = browser.get("/links/default/purge").await;
    assert_eq!(purge.status, StatusCode::OK);
    assert!(purge.body.contains("<b>2</b> posts on X"), "{}", purge.body);

    // No page shows a token, and every page carries the security headers.
    let tokens: Vec<String> = admin.tokens().iter().map(|t| t.token.clone()).collect();
    assert!(!tokens.is_empty());
    for path in [
        "/links",
        "/links/default",
        "/log",
        "/review",
        "/doctor",
        "/report",
        "/links/new",
    ] {
        let page = browser.get(path).await;
        for token in &tokens {
            assert!(!page.body.contains(token.as_str()), "{path} shows a token");
        }
        let h = &page.headers;
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("script-src"),
            "{path}: {csp}"
        );
    }
    let missing = browser.get("/nowhere").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // The confirmed purge deletes both posts on X, then disconnects.
    let csrf = browser.get("/links/default/purge").await.csrf();
    let purged = browser
        .post(
            "/links/default/purge",
            &[("csrf", csrf.as_str()), ("confirm", "default")],
        )
        .await;
    assert_eq!(purged.status, StatusCode::SEE_OTHER, "{}", purged.body);
    assert!(admin.x_tweets().iter().all(|t| t.deleted));
    assert_eq!(
        dash.store.link(&link).await.unwrap().unwrap().state,
        LinkState::Disconnected
    );
    let told = browser.get("/links/default").await;
    assert!(told.body.contains("Deleted 2 posts on X"), "{}", told.body);
}

#[tokio::test]
async fn forms_without_the_token_or_from_another_site_change_nothing() {
    let emu = support::emulator().await;
    let dash = dashboard(&emu, "serve-csrf", None).await;
    support::link(&emu, &support::config(&emu), &*dash.store).await;
    let link = LinkId::new("default").unwrap();
    let mut browser = Browser::new(&dash.base);
    let page = browser.get("/links/default").await;
    let set_cookie = page.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    assert!(
        !set_cookie.contains("Secure"),
        "plain HTTP on loopback: {set_cookie}"
    );
    let csrf = page.csrf();

    let no_token = browser.post("/links/default/disconnect", &[]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let wrong_token = browser
        .post("/links/default/disconnect", &[("csrf", "0000")])
        .await;
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN);
    let elsewhere = browser
        .post_from(
            "/links/default/disconnect",
            &[("csrf", &csrf)],
            Some("http://evil.example"),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    let no_origin = browser
        .post_from("/links/default/disconnect", &[("csrf", &csrf)], None)
        .await;
    assert_eq!(no_origin.status, StatusCode::FORBIDDEN);
    // Another browser's token does not work with this browser's cookie.
    let mut other = Browser::new(&dash.base);
    let other_csrf = other.get("/links").await.csrf_or_none();
    if let Some(other_csrf) = other_csrf {
        let swapped = browser
            .post("/links/default/disconnect", &[("csrf", &other_csrf)])
            .await;
        assert_eq!(swapped.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        dash.store.link(&link).await.unwrap().unwrap().state,
        LinkState::Active
    );
    assert!(
        dash.store
            .credentials(&link, Side::Target)
            .await
            .unwrap()
            .is_some()
    );

    let unconfirmed = browser
        .post(
            "/links/default/purge",
            &[("csrf", &csrf), ("confirm", "other")],
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        dash.store.link(&link).await.unwrap().unwrap().state,
        LinkState::Active
    );

    let done = browser
        .post("/links/default/disconnect", &[("csrf", &csrf)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        dash.store.link(&link).await.unwrap().unwrap().state,
        LinkState::Disconnected
    );
    assert!(
        dash.store
            .credentials(&link, Side::Target)
            .await
            .unwrap()
            .is_none()
    );
}

impl Page {
    fn csrf_or_none(&self) -> Option<String> {
        self.body.contains("name=\"csrf\"").then(|| self.csrf())
    }
}

#[tokio::test]
async fn a_password_guards_every_page_but_the_callbacks() {
    let emu = support::emulator().await;
    let dash = dashboard(&emu, "serve-auth", Some("correct horse battery")).await;
    support::link(&emu, &support::config(&emu), &*dash.store).await;
    let link = LinkId::new("default").unwrap();
    let mut browser = Browser::new(&dash.base);

    for path in [
        "/links",
        "/log",
        "/review",
        "/doctor",
        "/report",
        "/links/default",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location.as_deref(), Some("/login"), "{path}");
    }
    let login = browser.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(
        !login.body.contains("/links/new"),
        "no navigation before the login"
    );
    let csrf = login.csrf();
    let refused = browser
        .post("/links/default/disconnect", &[("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        dash.store.link(&link).await.unwrap().unwrap().state,
        LinkState::Active
    );

    let wrong = browser
        .post("/login", &[("csrf", &csrf), ("password", "guess")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let before = browser.cookie.clone();
    let right = browser
        .post(
            "/login",
            &[("csrf", &csrf), ("password", "correct horse battery")],
        )
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    assert_ne!(browser.cookie, before, "a new session id after the login");
    let links = browser.get("/links").await;
    assert_eq!(links.status, StatusCode::OK);
    assert!(links.body.contains("Log out"));

    // Meta's callbacks need no login; a forged one is still refused.
    let forged = ig_client::signed_request::sign(
        &serde_json::json!({"algorithm": "HMAC-SHA256", "user_id": "1"}),
        &ig_client::AppCredentials::new("app", "not-the-secret"),
    )
    .unwrap();
    let anonymous = reqwest::Client::new();
    let answer = anonymous
        .post(format!("{}/callbacks/instagram/deauthorize", dash.base))
        .form(&[("signed_request", forged.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);

    let csrf = links.csrf();
    let out = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.location.as_deref(), Some("/login"));
    assert_eq!(browser.get("/links").await.status, StatusCode::SEE_OTHER);
}

async fn post_callback(base: &str, path: &str, signed: &str) -> (StatusCode, serde_json::Value) {
    let answer = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .form(&[("signed_request", signed)])
        .send()
        .await
        .unwrap();
    let status = answer.status();
    (status, answer.json().await.unwrap())
}

#[tokio::test]
async fn callbacks_check_their_signature_and_can_be_sent_again() {
    let emu = support::emulator().await;
    let dash = dashboard(&emu, "serve-callbacks", None).await;
    let linked = support::link(&emu, &support::config(&emu), &*dash.store).await;
    let link = LinkId::new("default").unwrap();
    let secret = ig_client::AppCredentials::new("xpost-emulator", "xpost-emulator-secret");
    let payload = serde_json::json!({"algorithm": "HMAC-SHA256", "issued_at": 1_750_000_000, "user_id": linked.instagram});
    // One post cross-posted before anything is asked: the tweet is the user's.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let admin = emu.admin();
    admin
        .publish_instagram_media(&linked.instagram, media("Harbour at dawn"))
        .unwrap();
    dash.engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(admin.x_tweets().len(), 1);

    // Forged: another secret, or a payload changed after signing.
    let forged =
        ig_client::signed_request::sign(&payload, &ig_client::AppCredentials::new("x", "guess"))
            .unwrap();
    let good = ig_client::signed_request::sign(&payload, &secret).unwrap();
    let (sig, _) = good.split_once('.').unwrap();
    let swapped = format!(
        "{sig}.{}",
        base64_url(
            &serde_json::json!({"algorithm": "HMAC-SHA256", "user_id": "someone-else"}).to_string()
        )
    );
    for bad in [forged.as_str(), swapped.as_str(), "", "garbage"] {
        for path in [
            "/callbacks/instagram/deauthorize",
            "/callbacks/instagram/data-deletion",
        ] {
            let (status, body) = post_callback(&dash.base, path, bad).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {bad:?}: {body}");
        }
    }
    assert_eq!(
        dash.store.link(&link).await.unwrap().unwrap().state,
        LinkState::Active
    );
    assert!(
        dash.store
            .credentials(&link, Side::Source)
            .await
            .unwrap()
            .is_some()
    );

    // Deauthorize, sent by the emulator as Meta sends it, then once more.
    let url = format!("{}/callbacks/instagram/deauthorize", dash.base);
    let answer = emu
        .admin()
        .send_instagram_callback(CallbackKind::Deauthorize, &linked.instagram, &url)
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.body.contains("\"disconnected\":1"),
        "{}",
        answer.body
    );
    assert_eq!(
        dash.store.link(&link).await.unwrap().unwrap().state,
        LinkState::Disconnected
    );
    assert!(
        dash.store
            .credentials(&link, Side::Source)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        dash.store
            .credentials(&link, Side::Target)
            .await
            .unwrap()
            .is_some()
    );
    let again = emu
        .admin()
        .send_instagram_callback(CallbackKind::Deauthorize, &linked.instagram, &url)
        .await
        .unwrap();
    assert_eq!(again.status, 200);
    assert!(again.body.contains("\"disconnected\":0"), "{}", again.body);

    // Data deletion: the answer Meta needs, the status page, and a replay that
    // finds the same request.
    let (status, body) =
        post_callback(&dash.base, "/callbacks/instagram/data-deletion", &good).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let code = body["confirmation_code"].as_str().unwrap().to_owned();
    let status_url = body["url"].as_str().unwrap().to_owned();
    assert_eq!(status_url, format!("{}/data-deletion/{code}", dash.base));
    let mut shown = String::new();
    for _ in 0..100 {
        shown = reqwest::get(&status_url)
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if shown.contains("completed") || shown.contains("failed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        shown.contains(&code) && shown.contains(">completed<"),
        "{shown}"
    );
    assert!(shown.contains("1 post record<"), "{shown}");
    assert!(shown.contains("left in place"), "{shown}");
    assert!(shown.contains("xpost unlink --purge"), "{shown}");
    assert!(!shown.contains("Harbour at dawn"), "no caption on the page");
    // Nothing of the link is stored any more, and the request record names
    // nobody; the tweet stays on X.
    assert!(dash.store.link(&link).await.unwrap().is_none());
    assert!(dash.store.links().await.unwrap().is_empty());
    for side in [Side::Source, Side::Target] {
        assert!(dash.store.credentials(&link, side).await.unwrap().is_none());
    }
    assert!(dash.store.cursor(&link).await.unwrap().is_none());
    assert!(
        dash.store
            .posts(&xpost_core::PostQuery::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        dash.store
            .events(&xpost_core::EventQuery::default())
            .await
            .unwrap()
            .is_empty()
    );
    let record = dash.store.deletion_request(&code).await.unwrap().unwrap();
    assert_eq!(record.state, xpost_core::DeletionState::Completed);
    assert_eq!(record.link_count, 1);
    assert_eq!(record.deleted.links, 1);
    assert_eq!(record.deleted.posts, 1);
    let stored = serde_json::to_string(&record).unwrap();
    for private in [linked.instagram.as_str(), "Harbour at dawn", "default"] {
        assert!(!stored.contains(private), "{private} kept in {stored}");
    }
    let tweets = admin.x_tweets();
    assert_eq!(tweets.len(), 1);
    assert!(!tweets[0].deleted, "the tweet stays on X");
    let (status, replay) =
        post_callback(&dash.base, "/callbacks/instagram/data-deletion", &good).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(replay, body, "the same request answers the same code");
    let unknown = reqwest::get(format!("{}/data-deletion/{}", dash.base, "0".repeat(32)))
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // Through the emulator too.
    let answer = emu
        .admin()
        .send_instagram_callback(
            CallbackKind::DataDeletion,
            &linked.instagram,
            &format!("{}/callbacks/instagram/data-deletion", dash.base),
        )
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert!(body["url"].as_str().unwrap().contains("/data-deletion/"));
}

fn base64_url(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Waits until `done` holds, checking every 50 ms for at most 30 s.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..600 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never: {what}");
}

#[tokio::test]
async fn a_deauthorize_stops_posting_on_that_link() {
    let emu = support::emulator().await;
    let dash =
        dashboard_polling(&emu, "serve-deauth", None, Some(Duration::from_millis(200))).await;
    let linked = support::link(&emu, &support::config(&emu), &*dash.store).await;
    let link = LinkId::new("default").unwrap();
    let admin = emu.admin();
    // The scheduler runs beside the server, as with `xpost serve --with-run`.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let engine = dash.engine.clone();
    let scheduler = tokio::spawn(async move {
        engine
            .run(async move {
                let _ = stopped.await;
            })
            .await
    });
    admin
        .publish_instagram_media(&linked.instagram, media("First light"))
        .unwrap();
    until("the first post goes out", || admin.x_tweets().len() == 1).await;

    let answer = admin
        .send_instagram_callback(
            CallbackKind::Deauthorize,
            &linked.instagram,
            &format!("{}/callbacks/instagram/deauthorize", dash.base),
        )
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    admin
        .publish_instagram_media(&linked.instagram, media("Second light"))
        .unwrap();
    // The running scheduler drops the link once a pass finds it disconnected.
    until("the scheduler stops polling the link", || {
        dash.engine.poll_times(&link).next.is_none()
    })
    .await;
    assert_eq!(admin.x_tweets().len(), 1, "nothing more went out");
    let _ = stop.send(());
    scheduler.await.unwrap().unwrap();
    dash.engine.sync_once(SyncOptions::default()).await.unwrap();
    assert_eq!(admin.x_tweets().len(), 1, "nor in a later sync");
    assert_ne!(
        dash.store.link(&link).await.unwrap().unwrap().state,
        LinkState::Active
    );

    let mut browser = Browser::new(&dash.base);
    let links = browser.get("/links").await;
    assert!(links.body.contains("not polled"), "{}", links.body);
    assert!(links.body.contains("no tokens"), "{}", links.body);
    let log = browser.get("/log?link=default").await;
    assert!(log.body.contains("deauthorize callback"), "{}", log.body);
}

#[tokio::test]
async fn a_refused_consent_or_a_forged_state_links_nothing() {
    let emu = support::emulator().await;
    let dash = dashboard(&emu, "serve-denied", None).await;
    emu.admin()
        .set_session(xpost_emulator::Platform::Instagram, None)
        .unwrap();
    let mut browser = Browser::new(&dash.base);
    let csrf = browser.get("/links/new").await.csrf();
    let started = browser
        .post(
            "/oauth/start",
            &[
                ("csrf", &csrf),
                ("link", "default"),
                ("platform", "instagram"),
            ],
        )
        .await;
    let consent = started.location.unwrap();
    let callback = browser.get(&consent).await.location.unwrap();
    assert!(callback.contains("error="), "{callback}");
    let page = browser.get(&callback).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("consent was refused"), "{}", page.body);

    // A callback whose state this browser never sent.
    let forged = browser
        .get("/oauth/x/callback?code=stolen&state=0123456789abcdef")
        .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert!(
        forged.body.contains("nothing was linked"),
        "{}",
        forged.body
    );
    // A flow started in one browser cannot be finished in another.
    emu.admin().create_x_account("ana_x").unwrap();
    emu.admin()
        .set_session(xpost_emulator::Platform::X, Some("ana_x"))
        .unwrap();
    let started = browser
        .post(
            "/oauth/start",
            &[("csrf", &csrf), ("link", "default"), ("platform", "x")],
        )
        .await;
    let callback = browser
        .get(&started.location.unwrap())
        .await
        .location
        .unwrap();
    let mut other = Browser::new(&dash.base);
    let stolen = other.get(&callback).await;
    assert_eq!(stolen.status, StatusCode::BAD_REQUEST);
    assert!(dash.store.links().await.unwrap().is_empty());
    let bad_name = browser
        .post(
            "/oauth/start",
            &[("csrf", &csrf), ("link", "no spaces"), ("platform", "x")],
        )
        .await;
    assert_eq!(bad_name.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_name.body.contains("not a link name"),
        "{}",
        bad_name.body
    );
}
