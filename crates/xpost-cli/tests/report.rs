//! `xpost report` against an in-process emulator: accounts linked through the
//! real OAuth flows into a memory store, posts cross-posted by the engine,
//! engagement set through the emulator's admin API, then the report run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod page {
    //! The report page read with html5ever's tokenizer: every element with its
    //! attributes, its text and the table row it sits in, plus what is wrong
    //! with the markup (tokenizer errors, unbalanced tags).

    use std::cell::RefCell;

    use html5ever::tendril::StrTendril;
    use html5ever::tokenizer::states::RawKind;
    use html5ever::tokenizer::{
        BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
    };

    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    ];

    /// One element.
    #[derive(Debug)]
    pub struct Element {
        pub name: String,
        pub attrs: Vec<(String, String)>,
        pub text: String,
        /// The `data-instagram-id` of the `tr` it is in.
        pub row: Option<String>,
    }

    impl Element {
        pub fn attr(&self, name: &str) -> Option<&str> {
            self.attrs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        }

        pub fn has_class(&self, class: &str) -> bool {
            self.attr("class")
                .is_some_and(|c| c.split_whitespace().any(|c| c == class))
        }
    }

    /// A parsed page.
    #[derive(Debug, Default)]
    pub struct Page {
        pub elements: Vec<Element>,
        pub errors: Vec<String>,
    }

    struct Sink(RefCell<Vec<Token>>);

    impl TokenSink for Sink {
        type Handle = ();

        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            let raw = match &token {
                Token::TagToken(t) if t.kind == TagKind::StartTag => match &*t.name {
                    "style" => Some(RawKind::Rawtext),
                    "script" => Some(RawKind::ScriptData),
                    "title" | "textarea" => Some(RawKind::Rcdata),
                    _ => None,
                },
                _ => None,
            };
            self.0.borrow_mut().push(token);
            raw.map_or(TokenSinkResult::Continue, TokenSinkResult::RawData)
        }
    }

    impl Page {
        pub fn parse(html: &str) -> Page {
            let tokenizer = Tokenizer::new(
                Sink(RefCell::new(Vec::new())),
                TokenizerOpts {
                    exact_errors: true,
                    ..TokenizerOpts::default()
                },
            );
            let input = BufferQueue::default();
            input.push_back(StrTendril::from(html));
            let _ = tokenizer.feed(&input);
            tokenizer.end();
            let tokens = tokenizer.sink.0.into_inner();

            let mut page = Page::default();
            let mut open: Vec<usize> = Vec::new();
            let mut row: Option<String> = None;
            for token in tokens {
                match token {
                    Token::ParseError(e) => page.errors.push(e.into_owned()),
                    Token::CharacterTokens(text) => {
                        for &i in &open {
                            page.elements[i].text.push_str(&text);
                        }
                    }
                    Token::TagToken(tag) if tag.kind == TagKind::StartTag => {
                        let name = tag.name.to_string();
                        let attrs: Vec<(String, String)> = tag
                            .attrs
                            .iter()
                            .map(|a| (a.name.local.to_string(), a.value.to_string()))
                            .collect();
                        if name == "tr" {
                            row = attrs
                                .iter()
                                .find(|(n, _)| n == "data-instagram-id")
                                .map(|(_, v)| v.clone());
                        }
                        page.elements.push(Element {
                            name: name.clone(),
                            attrs,
                            text: String::new(),
                            row: row.clone(),
                        });
                        if !tag.self_closing && !VOID.contains(&name.as_str()) {
                            open.push(page.elements.len() - 1);
                        }
                    }
                    Token::TagToken(tag) => {
                        let name = tag.name.to_string();
                        match open.pop() {
                            Some(i) if page.elements[i].name == name => {}
                            other => page.errors.push(format!(
                                "</{name}> closes {:?}",
                                other.map(|i| &page.elements[i].name)
                            )),
                        }
                        if name == "tr" {
                            row = None;
                        }
                    }
                    _ => {}
                }
            }
            if !open.is_empty() {
                page.errors
                    .push(format!("{} elements left open", open.len()));
            }
            page
        }

        pub fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
            self.elements.iter().filter(move |e| e.name == name)
        }

        /// The trimmed text of the cells of class `class` in `row`.
        pub fn cells(&self, row: &str, class: &str) -> Vec<String> {
            self.elements
                .iter()
                .filter(|e| e.name == "td" && e.row.as_deref() == Some(row) && e.has_class(class))
                .map(|e| e.text.trim().to_owned())
                .collect()
        }
    }
}

use page::Page;

use std::sync::Arc;

use jiff::Timestamp;
use xpost_cli::commands::report::{self, ReportArgs};
use xpost_core::{
    Account, AccountId, Credentials, Link, LinkId, MemoryStore, Platform as CorePlatform,
    PostQuery, PostState, Secret, Side, Store,
};
use xpost_emulator::{Emulator, IgMediaType, NewIgMedia, Platform, RunningEmulator};
use xpost_engine::adapters::{AdapterConfig, PlatformConnector, SharedClock};
use xpost_engine::tokens::x_credentials;
use xpost_engine::{Engine, SyncOptions};

const REDIRECT: &str = "http://127.0.0.1:9/callback";

#[derive(Debug)]
struct EmulatorClock(xpost_emulator::Admin);

impl xpost_core::Clock for EmulatorClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millisecond(self.0.now_ms()).unwrap()
    }
}

struct World {
    emu: RunningEmulator,
    config: AdapterConfig,
    store: Arc<dyn Store>,
    ig_user: String,
}

async fn consent(url: &str) -> url::Url {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http.get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap()
}

/// An emulator, both accounts linked as `default`, the link active.
async fn world() -> World {
    let emu = Emulator::builder()
        .seed(7u64)
        .build()
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut config = AdapterConfig::default();
    config.emulator = Some(emu.base_url.clone());
    config.instagram_app = Some(ig_client::AppCredentials::new(
        "xpost-emulator",
        "xpost-emulator-secret",
    ));
    config.x_app = Some(x_client::OAuthApp {
        client_id: "xpost-emulator".into(),
        client_secret: Some(x_client::ClientSecret::new("xpost-emulator-secret")),
        redirect_uri: REDIRECT.into(),
    });
    config.clock = SharedClock(Arc::new(EmulatorClock(emu.admin().clone())));
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let link = LinkId::new("default").unwrap();
    let admin = emu.admin();

    let ig_user = admin.create_instagram_account("alice.ig").unwrap();
    admin
        .set_session(Platform::Instagram, Some("alice.ig"))
        .unwrap();
    let oauth = config.instagram_oauth().unwrap();
    let authorize = oauth
        .authorize_url(
            REDIRECT,
            &[ig_client::Scope::BusinessBasic],
            &ig_client::AuthorizeOptions::default(),
        )
        .unwrap();
    let redirect = consent(authorize.url.as_str()).await;
    let code = ig_client::OAuth::code_from_redirect(&redirect, &authorize.state).unwrap();
    let short = oauth.exchange_code(&code, REDIRECT).await.unwrap();
    let long = oauth.exchange_long_lived(&short).await.unwrap();
    let ig_credentials = Credentials {
        access_token: Secret::new(long.access_token.expose()),
        refresh_token: None,
        expires_at: Some(long.expires_at),
        scopes: long.permissions.clone(),
        obtained_at: long.issued_at,
    };
    store
        .put_credentials(&link, Side::Source, &ig_credentials)
        .await
        .unwrap();

    let x_user = admin.create_x_account("alice_x").unwrap();
    admin.set_session(Platform::X, Some("alice_x")).unwrap();
    let x_oauth = x_client::OAuthClient::new(
        config.x_app.as_ref().unwrap(),
        &config.x_config().unwrap(),
        reqwest::Client::new(),
        Arc::new(config.clock.clone()),
    )
    .unwrap();
    let request = x_oauth.authorize(&x_client::Scope::cross_posting());
    let callback = consent(request.url.as_str()).await;
    let code = request.code_from_callback(&callback).unwrap();
    let tokens = x_oauth.exchange_code(request, &code).await.unwrap();
    store
        .put_credentials(
            &link,
            Side::Target,
            &x_credentials(&tokens, config.clock.now()),
        )
        .await
        .unwrap();

    let now = config.clock.now();
    let mut l = Link::new(link, now);
    let account = |platform, id: &str, name: &str| Account {
        platform,
        user_id: AccountId::new(id).unwrap(),
        username: name.into(),
    };
    l.connect(
        Side::Source,
        account(CorePlatform::Instagram, &ig_user, "alice.ig"),
        now,
    );
    l.connect(
        Side::Target,
        account(CorePlatform::X, &x_user, "alice_x"),
        now,
    );
    store.put_link(&l).await.unwrap();
    // Posts published from here on are newer than the link.
    admin.advance_clock(1).unwrap();
    World {
        emu,
        config,
        store,
        ig_user,
    }
}

/// Publishes an image post a day after the previous one; answers its id.
fn publish(w: &World, caption: &str) -> String {
    w.emu.admin().advance_clock(86_400).unwrap();
    w.emu
        .admin()
        .publish_instagram_media(
            &w.ig_user,
            NewIgMedia {
                caption: Some(caption.into()),
                media_type: IgMediaType::Image,
                media_product_type: xpost_emulator::IgProduct::Feed,
                children: None,
            },
        )
        .unwrap()
}

async fn sync(w: &World) {
    let engine = Engine::builder()
        .store(Arc::clone(&w.store))
        .connector(Arc::new(PlatformConnector::new(
            Arc::clone(&w.store),
            w.config.clone(),
        )))
        .clock(w.config.clock.0.clone())
        .build()
        .unwrap();
    engine.sync_once(SyncOptions::default()).await.unwrap();
}

/// The X ids each posted Instagram post became.
async fn posted(w: &World) -> Vec<(String, Vec<String>)> {
    w.store
        .posts(&PostQuery {
            states: vec![PostState::Posted],
            ..PostQuery::default()
        })
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.source_id.to_string(),
                r.target_ids().iter().map(ToString::to_string).collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_posted_post_appears_with_its_numbers_in_a_self_contained_page() {
    let w = world().await;
    let captions = [
        "Sunrise over the bay",
        "<script>alert('x')</script> & \"quotes\" <img src=https://evil.example/a.png>",
        "Dinner #food",
    ];
    let ids: Vec<String> = captions.iter().map(|c| publish(&w, c)).collect();
    sync(&w).await;
    let posted = posted(&w).await;
    assert_eq!(posted.len(), 3, "{posted:?}");

    // Engagement set over the admin HTTP API, as a tool outside the process would.
    let http = reqwest::Client::new();
    for (i, (ig_id, x_ids)) in posted.iter().enumerate() {
        let i = i as u64;
        let resp = http
            .patch(format!("{}/admin/instagram/media/{ig_id}", w.emu.base_url))
            .json(&serde_json::json!({"like_count": 10 + i, "comments_count": 3 + i}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        for x_id in x_ids {
            let resp = http
                .post(format!("{}/admin/x/tweets/{x_id}/metrics", w.emu.base_url))
                .json(&serde_json::json!({
                    "impression_count": 1000 + i, "like_count": 20 + i,
                    "retweet_count": 5, "reply_count": 2
                }))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 200);
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let args = ReportArgs {
        link: None,
        since: None,
        out: Some(out.clone()),
    };
    let complete = report::run(Arc::clone(&w.store), &w.config, &args)
        .await
        .unwrap();
    assert!(complete, "every number should have been read");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let html = std::fs::read_to_string(&out).unwrap();
    for token in w.emu.admin().tokens() {
        assert!(!html.contains(&token.token), "a token is in the page");
    }
    let page = Page::parse(&html);
    assert!(page.errors.is_empty(), "{:?}", page.errors);
    assert!(page.named("svg").count() >= 2, "charts are inline SVG");

    for (i, (ig_id, x_ids)) in posted.iter().enumerate() {
        assert!(ids.contains(ig_id));
        let impressions = (1000 + i) * x_ids.len();
        assert_eq!(page.cells(ig_id, "ig-likes"), [(10 + i).to_string()]);
        assert_eq!(page.cells(ig_id, "ig-comments"), [(3 + i).to_string()]);
        assert_eq!(
            page.cells(ig_id, "x-impressions"),
            [impressions.to_string()]
        );
    }

    // The caption is text, not markup; nothing is loaded from anywhere.
    assert!(html.contains("&lt;script&gt;"));
    let loaders = [
        "script", "link", "img", "iframe", "object", "embed", "video", "audio", "source", "base",
        "image", "use", "frame", "track",
    ];
    let loaded: Vec<&page::Element> = page
        .elements
        .iter()
        .filter(|e| loaders.contains(&e.name.as_str()))
        .collect();
    assert!(loaded.is_empty(), "{loaded:?}");
    for e in &page.elements {
        for (name, value) in &e.attrs {
            let remote = value.contains("//");
            let fetched = matches!(
                name.as_str(),
                "src" | "srcset" | "data" | "poster" | "background"
            );
            assert!(!(fetched && remote), "{e:?}");
            assert!(name != "style" || !value.contains("url("), "{e:?}");
        }
    }
    let style: String = page.named("style").map(|e| e.text.as_str()).collect();
    assert!(
        !style.contains("url(") && !style.contains("@import"),
        "{style}"
    );
}

#[tokio::test]
async fn since_filters_by_the_instagram_date_and_x_is_read_only_for_posted_ids() {
    let w = world().await;
    publish(&w, "old one");
    let cut = w.config.clock.now();
    let newer = [publish(&w, "new one"), publish(&w, "newest one")];
    sync(&w).await;
    let links = report::links(&*w.store, Some("default")).await.unwrap();

    let all = report::collect(Arc::clone(&w.store), &w.config, &links, None, cut)
        .await
        .unwrap();
    assert_eq!(all.posts.len(), 3);
    assert_eq!((all.x_posts_read, all.x_requests), (3, 1));

    let since = report::parse_since(&cut.to_string()).unwrap();
    let recent = report::collect(Arc::clone(&w.store), &w.config, &links, Some(since), cut)
        .await
        .unwrap();
    let shown: Vec<&str> = recent
        .posts
        .iter()
        .map(|p| p.instagram_id.as_str())
        .collect();
    assert_eq!(shown, newer);
    assert_eq!(recent.x_posts_read, 2);

    let future = report::parse_since("2999-01-01").unwrap();
    let none = report::collect(Arc::clone(&w.store), &w.config, &links, Some(future), cut)
        .await
        .unwrap();
    assert!(none.posts.is_empty());
    assert_eq!(none.x_requests, 0, "no X read when nothing is reported");
    let html = xpost_cli::report::render(&none).unwrap();
    assert!(html.contains("No cross-posted posts"));
}

#[tokio::test]
async fn a_post_gone_from_x_is_noted_and_the_report_still_written() {
    let w = world().await;
    publish(&w, "short-lived");
    sync(&w).await;
    let (_, x_ids) = posted(&w).await.remove(0);
    let x = xpost_engine::adapters::x_target(
        Arc::clone(&w.store),
        &LinkId::new("default").unwrap(),
        &w.config,
    )
    .await
    .unwrap();
    x.client()
        .delete_post(&x_client::XPostId::new(x_ids[0].as_str()))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let args = ReportArgs {
        link: Some("default".into()),
        since: None,
        out: Some(dir.path().join("r.html")),
    };
    let complete = report::run(Arc::clone(&w.store), &w.config, &args)
        .await
        .unwrap();
    assert!(!complete);
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(html.contains("no longer on X"), "{html}");
}

#[tokio::test]
async fn bad_options_get_one_line_with_a_hint() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let e = report::parse_since("last tuesday").unwrap_err().to_string();
    assert!(
        !e.contains('\n') && e.contains("hint") && e.contains("YYYY-MM-DD"),
        "{e}"
    );
    let e = report::links(&*store, Some("nope"))
        .await
        .unwrap_err()
        .to_string();
    assert!(!e.contains('\n') && e.contains("xpost status"), "{e}");
    let e = report::links(&*store, Some("bad name!"))
        .await
        .unwrap_err()
        .to_string();
    assert!(!e.contains("LinkId") && e.contains("hint"), "{e}");
    let args = ReportArgs {
        link: None,
        since: None,
        out: Some("/nonexistent-dir/xpost/r.html".into()),
    };
    let config = AdapterConfig::default();
    let e = report::run(store, &config, &args)
        .await
        .unwrap_err()
        .to_string();
    assert!(!e.contains('\n') && e.contains("hint"), "{e}");
}

#[test]
fn the_page_checker_sees_broken_markup_and_rows() {
    assert!(!Page::parse("<div><p>x</div>").errors.is_empty());
    assert!(!Page::parse("<div>").errors.is_empty());
    let page = Page::parse(
        r#"<table><tr data-instagram-id="1"><td class="n ig-likes"> 7 </td></tr></table>"#,
    );
    assert!(page.errors.is_empty(), "{:?}", page.errors);
    assert_eq!(page.cells("1", "ig-likes"), ["7"]);
}
