//! The routes: every page, the OAuth callbacks, Meta's callbacks, and the
//! guard in front of them (sessions, login, CSRF, security headers).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::Timestamp;
use minijinja::{Value, context};
use serde::Serialize;
use xpost_core::{EventQuery, LinkId, LinkState, PostQuery, PostRecord, PostState, SourceId};
use xpost_engine::review;

use super::auth::{self, Session};
use super::csrf::{self, OriginHeaders};
use super::{AppState, callbacks, settings, templates};
use crate::commands::link::{self, LinkPlatform};
use crate::commands::{doctor, links, report, status, unlink};
use crate::error::CliError;

/// The largest form body accepted.
const MAX_FORM: usize = 64 * 1024;

/// Every route of the dashboard, behind the guard.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(|| async { see_other("/links") }))
        .route("/assets/style.css", get(style))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/links", get(links_page))
        .route("/links/new", get(link_new_page))
        .route("/links/{id}", get(link_page))
        .route("/links/{id}/disconnect", post(disconnect))
        .route("/links/{id}/purge", get(purge_page).post(purge))
        .route("/oauth/start", post(oauth_start))
        .route("/oauth/instagram/callback", get(instagram_callback))
        .route("/oauth/x/callback", get(x_callback))
        .route("/log", get(log_page))
        .route("/posts/{link}/{post}", get(post_page))
        .route("/review", get(review_page))
        .route("/review/{link}/{post}/{action}", post(review_action))
        .route("/doctor", get(doctor_page))
        .route("/report", get(report_intro).post(report_page))
        .route("/callbacks/instagram/deauthorize", post(deauthorize))
        .route("/callbacks/instagram/data-deletion", post(data_deletion))
        .route("/data-deletion/{code}", get(deletion_status))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), guard))
        .with_state(state)
}

/// Routes anyone may reach: the platforms' callbacks, the deletion status and
/// the stylesheet.
fn is_public(path: &str) -> bool {
    path.starts_with("/callbacks/")
        || path.starts_with("/data-deletion/")
        || path == "/assets/style.css"
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The fields of a form body.
fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// Sessions, login, CSRF and the security headers, for every request.
async fn guard(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if is_public(&path) {
        let mut response = next.run(req).await;
        security_headers(&state, &path, &mut response);
        return response;
    }
    let needs_login = state.options.password.is_some();
    let known = header_str(req.headers(), header::COOKIE.as_str())
        .and_then(|h| auth::cookie(h, auth::COOKIE))
        .and_then(|id| state.sessions.get(id));
    let (session, fresh) = match known {
        Some(session) => (session, false),
        None => (state.sessions.create(!needs_login), true),
    };
    let mut response = checked(&state, &session, &path, req, next).await;
    if fresh && !response.headers().contains_key(header::SET_COOKIE) {
        set_cookie(&state, &session.id, &mut response);
    }
    security_headers(&state, &path, &mut response);
    response
}

async fn checked(
    state: &Arc<AppState>,
    session: &Session,
    path: &str,
    req: Request,
    next: Next,
) -> Response {
    let mut req = req;
    if req.method() == Method::POST {
        let headers = req.headers();
        let origin = OriginHeaders {
            origin: header_str(headers, header::ORIGIN.as_str()),
            fetch_site: header_str(headers, "sec-fetch-site"),
            referer: header_str(headers, header::REFERER.as_str()),
        };
        if let Err(refusal) = csrf::check_origin(&state.options.origin(), origin) {
            return message(
                state,
                session,
                StatusCode::FORBIDDEN,
                "Refused",
                refusal.message(),
                None,
            );
        }
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM).await else {
            return message(
                state,
                session,
                StatusCode::PAYLOAD_TOO_LARGE,
                "Refused",
                "This form is larger than the dashboard accepts; nothing was changed.",
                None,
            );
        };
        let fields = form(&bytes);
        if let Err(refusal) =
            csrf::check_token(&session.csrf, fields.get("csrf").map(String::as_str))
        {
            return message(
                state,
                session,
                StatusCode::FORBIDDEN,
                "Refused",
                refusal.message(),
                None,
            );
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    if !session.authenticated && path != "/login" {
        return if req.method() == Method::GET {
            see_other("/login")
        } else {
            message(
                state,
                session,
                StatusCode::UNAUTHORIZED,
                "Log in first",
                "This dashboard needs the admin password; nothing was changed.",
                Some("/login"),
            )
        };
    }
    req.extensions_mut().insert(session.clone());
    next.run(req).await
}

fn set_cookie(state: &AppState, id: &str, response: &mut Response) {
    let cookie = auth::set_cookie(id, state.options.secure(), state.options.session_ttl);
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
}

/// Where forms may send the browser: here, and the platforms' consent pages.
fn form_action(state: &AppState) -> String {
    match &state.adapters.emulator {
        Some(emulator) => url::Url::parse(emulator)
            .map(|u| format!("'self' {}", u.origin().ascii_serialization()))
            .unwrap_or_else(|_| "'self'".into()),
        None => "'self' https://www.instagram.com https://api.instagram.com https://x.com https://twitter.com".into(),
    }
}

fn security_headers(state: &AppState, path: &str, response: &mut Response) {
    let csp = if path == "/report" {
        // The report is the self-contained page `xpost report` writes: inline
        // styles and inline SVG, nothing loaded, no script. Inline styles are
        // allowed on this path only.
        "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'".to_owned()
    } else {
        format!(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action {}; frame-ancestors 'none'; base-uri 'none'",
            form_action(state)
        )
    };
    let headers = response.headers_mut();
    let mut put = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    put("content-security-policy", &csp);
    put("x-frame-options", "DENY");
    put("referrer-policy", "no-referrer");
    put("x-content-type-options", "nosniff");
    if path != "/assets/style.css" {
        put("cache-control", "no-store");
    }
    if state.options.secure() {
        put("strict-transport-security", "max-age=31536000");
    }
}

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

/// A page rendered with the context every page has.
fn page(state: &AppState, session: &Session, name: &str, title: &str, extra: Value) -> Response {
    let flash = state.sessions.take_flash(&session.id);
    let ctx = context! {
        title => title,
        csrf => session.csrf,
        flash => flash,
        nav => session.authenticated,
        logout => state.options.password.is_some() && session.authenticated,
        ..extra
    };
    match state.templates.render(name, ctx) {
        Ok(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "page not rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

fn message(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    title: &str,
    text: &str,
    back: Option<&str>,
) -> Response {
    let mut response = page(
        state,
        session,
        "message.html",
        title,
        context! { message => text, back => back },
    );
    *response.status_mut() = status;
    response
}

/// A failure of a command's logic, as a page.
fn failed(state: &AppState, session: &Session, e: &CliError) -> Response {
    let status = match e {
        CliError::Input(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    message(
        state,
        session,
        status,
        "That did not work",
        &crate::one_line(&e.to_string()),
        None,
    )
}

/// Leaves `text` for the next page and sends the browser to `to`.
fn done(state: &AppState, session: &Session, to: &str, text: impl Into<String>) -> Response {
    state.sessions.set_flash(&session.id, text);
    see_other(to)
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        templates::STYLE,
    )
        .into_response()
}

async fn not_found(
    State(state): State<Arc<AppState>>,
    session: Option<axum::Extension<Session>>,
) -> Response {
    match session {
        Some(axum::Extension(session)) => message(
            &state,
            &session,
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such page.",
            Some("/links"),
        ),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

// ----- login -----

async fn login_page(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
) -> Response {
    if session.authenticated {
        return see_other("/links");
    }
    page(&state, &session, "login.html", "Log in", context! {})
}

async fn login(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
    body: Bytes,
) -> Response {
    let Some(password) = &state.options.password else {
        return see_other("/links");
    };
    let fields = form(&body);
    let given = fields.get("password").map(String::as_str).unwrap_or("");
    match state.sessions.login(&session.id, password, given) {
        Ok(fresh) => {
            let mut response = see_other("/links");
            set_cookie(&state, &fresh.id, &mut response);
            response
        }
        Err(auth::LoginRefusal::Wrong) => message(
            &state,
            &session,
            StatusCode::UNAUTHORIZED,
            "Log in",
            "That is not the admin password.",
            Some("/login"),
        ),
        Err(auth::LoginRefusal::TooMany) => message(
            &state,
            &session,
            StatusCode::TOO_MANY_REQUESTS,
            "Log in",
            "Too many wrong passwords in the last minute; wait a minute and try again.",
            Some("/login"),
        ),
    }
}

async fn logout(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
) -> Response {
    state.sessions.remove(&session.id);
    let mut response = see_other("/login");
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        auth::COOKIE,
        if state.options.secure() {
            "; Secure"
        } else {
            ""
        }
    )) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

// ----- links -----

#[derive(Serialize)]
struct LinkRow {
    #[serde(flatten)]
    view: links::LinkView,
    last_activity: Option<Timestamp>,
    last_poll: Option<Timestamp>,
    next_poll: String,
}

async fn links_page(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
) -> Response {
    let collected = match links::collect(&*state.store).await {
        Ok(l) => l,
        Err(e) => return failed(&state, &session, &e),
    };
    let mut rows = Vec::new();
    for view in collected.links {
        let Ok(id) = LinkId::new(view.id.as_str()) else {
            continue;
        };
        let last_activity = state
            .store
            .events(&EventQuery {
                link: Some(id.clone()),
                limit: 1,
                ..EventQuery::default()
            })
            .await
            .ok()
            .and_then(|e| e.first().map(|e| e.at));
        let polls = state.engine.poll_times(&id);
        let next_poll = match (view.state, state.options.poll_interval, polls.next) {
            ("active", Some(_), Some(at)) => at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
            ("active", Some(every), None) => format!("within {} s", every.as_secs()),
            ("active", None, _) => "when xpost run or sync polls it (not this server)".to_owned(),
            (other, _, _) => format!("not polled ({other})"),
        };
        rows.push(LinkRow {
            view,
            last_activity,
            last_poll: polls.last,
            next_poll,
        });
    }
    page(
        &state,
        &session,
        "links.html",
        "Links",
        context! {
            links => rows,
            poll_interval => state.options.poll_interval.map(|d| d.as_secs()),
        },
    )
}

#[derive(serde::Deserialize)]
struct LinkNewQuery {
    link: Option<String>,
}

async fn link_new_page(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
    Query(q): Query<LinkNewQuery>,
) -> Response {
    page(
        &state,
        &session,
        "link_new.html",
        "Link an account",
        context! {
            link => q.link.unwrap_or_else(|| "default".into()),
            instagram_callback => state.options.url("/oauth/instagram/callback"),
            x_callback => state.options.url("/oauth/x/callback"),
        },
    )
}

/// The link named in a path, or a 404 page.
async fn known(state: &AppState, session: &Session, name: &str) -> Result<LinkId, Response> {
    match crate::commands::links::known_link(&*state.store, name).await {
        Ok(id) => Ok(id),
        Err(e) => Err(message(
            state,
            session,
            StatusCode::NOT_FOUND,
            "No such link",
            &crate::one_line(&e.to_string()),
            Some("/links"),
        )),
    }
}

async fn link_page(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
    Path(name): Path<String>,
) -> Response {
    let id = match known(&state, &session, &name).await {
        Ok(id) => id,
        Err(r) => return r,
    };
    let view = match links::collect(&*state.store).await {
        Ok(l) => l.links.into_iter().find(|l| l.id == id.as_str()),
        Err(e) => return failed(&state, &session, &e),
    };
    let note = match &state.global.config {
        Some(path) => format!("From the settings file {}.", path.display()),
        None => "No settings file was given (--config), so every setting is the built-in default."
            .to_owned(),
    };
    page(
        &state,
        &session,
        "link.html",
        &format!("Link {id}"),
        context! {
            link => view,
            settings => settings::effective(&state.policy, &id),
            settings_note => note,
        },
    )
}

async fn disconnect(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
    Path(name): Path<String>,
) -> Response {
    let id = match known(&state, &session, &name).await {
        Ok(id) => id,
        Err(r) => return r,
    };
    match state.engine.unlink(&id).await {
        Ok(()) => done(
            &state,
            &session,
            &format!("/links/{id}"),
            format!(
                "Disconnected {id}: cross-posting stopped, stored tokens deleted (revoked on X where it allows), history kept."
            ),
        ),
        Err(e) => failed(&state, &session, &e.into()),
    }
}

async fn purge_page(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
    Path(name): Path<String>,
) -> Response {
    let id = match known(&state, &session, &name).await {
        Ok(id) => id,
        Err(r) => return r,
    };
    match unlink::published(&*state.store, &id).await {
        Ok((posts, parts)) => page(
            &state,
            &session,
            "purge.html",
            &format!("Purge {id}"),
            context! { link => id.as_str(), posts => posts, parts => parts },
        ),
        Err(e) => failed(&state, &session, &e),
    }
}

async fn purge(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let id = match known(&state, &session, &name).await {
        Ok(id) => id,
        Err(r) => return r,
    };
    let fields = form(&body);
    if fields.get("confirm").map(|c| c.trim()) != Some(id.as_str()) {
        return message(
            &state,
            &session,
            StatusCode::BAD_REQUEST,
            "Not confirmed",
            &format!(
                "The confirmation did not name link {id}, so nothing was deleted or disconnected."
            ),
            Some(&format!("/links/{id}/purge")),
        );
    }
    let report = match unlink::purge(Arc::clone(&state.store), &state.adapters, &id).await {
        Ok(report) => report,
        Err(e) => return failed(&state, &session, &e),
    };
    match state.engine.unlink(&id).await {
        Ok(()) => done(
            &state,
            &session,
            &format!("/links/{id}"),
            format!(
                "Deleted {} posts on X ({} cross-posted Instagram posts) and disconnected {id}.",
                report.parts, report.posts
            ),
        ),
        Err(e) => failed(&state, &session, &e.into()),
    }
}

// ----- linking -----

async fn oauth_start(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
    body: Bytes,
) -> Response {
    let fields = form(&body);
    let name = fields.get("link").map(|l| l.trim()).unwrap_or("");
    let Ok(id) = LinkId::new(name) else {
        return message(
            &state,
            &session,
            StatusCode::BAD_REQUEST,
            "Not linked",
            &format!("{name:?} is not a link name: use 1 to 64 ASCII letters, digits, '-' or '_'."),
            Some("/links/new"),
        );
    };
    let (platform, path) = match fields.get("platform").map(String::as_str) {
        Some("instagram") => (LinkPlatform::Instagram, "/oauth/instagram/callback"),
        Some("x") => (LinkPlatform::X, "/oauth/x/callback"),
        _ => {
            return message(
                &state,
                &session,
                StatusCode::BAD_REQUEST,
                "Not linked",
                "Choose Instagram or X.",
                Some("/links/new"),
            );
        }
    };
    let redirect_uri = state.options.url(path);
    match link::start(&state.adapters, platform, &redirect_uri) {
        Ok((flow, url)) => {
            state
                .flows
                .insert(session.id.clone(), id, platform, redirect_uri, flow);
            see_other(url.as_str())
        }
        Err(e) => failed(&state, &session, &e),
    }
}

#[derive(serde::Deserialize)]
struct CallbackQuery {
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn instagram_callback(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
    Query(q): Query<CallbackQuery>,
    uri: axum::http::Uri,
) -> Response {
    finish(&state, &session, LinkPlatform::Instagram, q, &uri).await
}

async fn x_callback(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
    Query(q): Query<CallbackQuery>,
    uri: axum::http::Uri,
) -> Response {
    finish(&state, &session, LinkPlatform::X, q, &uri).await
}

async fn finish(
    state: &AppState,
    session: &Session,
    platform: LinkPlatform,
    q: CallbackQuery,
    uri: &axum::http::Uri,
) -> Response {
    let name = platform.display_name();
    let refuse = |text: String| {
        message(
            state,
            session,
            StatusCode::BAD_REQUEST,
            "Not linked",
            &text,
            Some("/links/new"),
        )
    };
    let pending = q
        .state
        .as_deref()
        .and_then(|s| state.flows.take(s, platform))
        .filter(|p| auth::same(p.session.as_bytes(), session.id.as_bytes()));
    let Some(pending) = pending else {
        return refuse(format!(
            "This {name} answer does not belong to a login this browser started here (unknown, used or expired state), so it was ignored and nothing was linked."
        ));
    };
    if let Some(error) = q.error {
        let why = match q.error_description {
            Some(d) if !d.is_empty() => format!("{error}: {d}"),
            _ => error,
        };
        return refuse(format!(
            "{name} consent was refused ({}); nothing was linked.",
            crate::one_line(&why)
        ));
    }
    let Ok(url) = url::Url::parse(&format!("{}{}", state.options.origin(), uri)) else {
        return refuse("The callback address could not be read; nothing was linked.".into());
    };
    match link::exchange(
        &state.adapters,
        &*state.store,
        platform,
        &pending.link,
        pending.flow,
        &pending.redirect_uri,
        &url,
    )
    .await
    {
        Ok(linked) => {
            let mut text = format!(
                "Linked {name} account @{} as the {} of link {}.",
                linked.account.username, linked.side, linked.link_id
            );
            for m in &linked.missing {
                text.push_str(&format!(" Missing scope {}: {}.", m.scope, m.disables));
            }
            if linked.state != LinkState::Active {
                text.push_str(if linked.link.source.is_none() {
                    " Now connect Instagram to activate it."
                } else {
                    " Now connect X to activate it."
                });
            }
            let to = if linked.state == LinkState::Active {
                "/links".to_owned()
            } else {
                format!("/links/new?link={}", linked.link_id)
            };
            done(state, session, &to, text)
        }
        Err(e) => refuse(crate::one_line(&e.to_string())),
    }
}

// ----- the post log -----

#[derive(serde::Deserialize, Serialize, Default)]
struct LogFilter {
    #[serde(default)]
    link: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    failed: Option<String>,
}

/// A post as the log shows it.
#[derive(Serialize)]
struct PostRow {
    link: String,
    source_id: String,
    published: Timestamp,
    state: String,
    caption: Option<String>,
    permalink: Option<String>,
    tweets: Vec<String>,
    target_ids: Vec<String>,
    why: Option<String>,
}

fn state_name(state: PostState) -> String {
    crate::output::name(&state)
}

fn post_row(record: &PostRecord) -> PostRow {
    PostRow {
        link: record.link.to_string(),
        source_id: record.source_id.to_string(),
        published: record.post.timestamp,
        state: state_name(record.state),
        caption: record.post.caption.clone(),
        permalink: record.post.permalink.clone(),
        tweets: record
            .plan
            .as_ref()
            .map(|p| p.parts.iter().map(|t| t.text.clone()).collect())
            .unwrap_or_default(),
        target_ids: record
            .target_ids()
            .iter()
            .map(ToString::to_string)
            .collect(),
        why: status::post_error(record),
    }
}

const STATES: &[PostState] = &[
    PostState::Discovered,
    PostState::Scheduled,
    PostState::NeedsReview,
    PostState::Skipped,
    PostState::Ready,
    PostState::Sending,
    PostState::Posted,
    PostState::Failed,
    PostState::NeedsReauth,
];

async fn log_page(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
    Query(filter): Query<LogFilter>,
) -> Response {
    let link = match filter.link.trim() {
        "" => None,
        name => match known(&state, &session, name).await {
            Ok(id) => Some(id),
            Err(r) => return r,
        },
    };
    let states: Vec<PostState> = match filter.state.trim() {
        "" => Vec::new(),
        name => match STATES.iter().find(|s| state_name(**s) == name) {
            Some(s) => vec![*s],
            None => {
                return message(
                    &state,
                    &session,
                    StatusCode::BAD_REQUEST,
                    "Post log",
                    &format!("{name:?} is not a post state."),
                    Some("/log"),
                );
            }
        },
    };
    let failures_only = filter.failed.is_some();
    let posts = state
        .store
        .posts(&PostQuery {
            link: link.clone(),
            states,
            limit: 0,
        })
        .await;
    let events = state
        .store
        .events(&EventQuery {
            link: link.clone(),
            failures_only,
            limit: 200,
            ..EventQuery::default()
        })
        .await;
    let names = state.store.links().await;
    let (posts, events, names) = match (posts, events, names) {
        (Ok(p), Ok(e), Ok(n)) => (p, e, n),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return failed(&state, &session, &e.into());
        }
    };
    let rows: Vec<PostRow> = posts
        .iter()
        .rev()
        .filter(|r| !failures_only || r.state == PostState::Failed)
        .map(post_row)
        .take(500)
        .collect();
    let events: Vec<Value> = events.iter().map(event_value).collect();
    page(
        &state,
        &session,
        "log.html",
        "Post log",
        context! {
            posts => rows,
            events => events,
            filter => filter,
            link_names => names.iter().map(|l| l.id.to_string()).collect::<Vec<_>>(),
            states => STATES.iter().map(|s| state_name(*s)).collect::<Vec<_>>(),
        },
    )
}

fn event_value(e: &xpost_core::Event) -> Value {
    let kind = crate::output::name(&e.kind);
    context! {
        at => e.at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
        link => e.link.as_str(),
        source_id => e.source_id.as_ref().map(ToString::to_string),
        kind => kind,
        message => e.message,
        hint => e.hint,
    }
}

async fn post_page(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
    Path((link, post)): Path<(String, String)>,
) -> Response {
    let link = match known(&state, &session, &link).await {
        Ok(id) => id,
        Err(r) => return r,
    };
    let Ok(post) = SourceId::new(post.as_str()) else {
        return not_found(State(state), Some(axum::Extension(session))).await;
    };
    let record = match state.store.post(&link, &post).await {
        Ok(Some(r)) => r,
        Ok(None) => return not_found(State(state), Some(axum::Extension(session))).await,
        Err(e) => return failed(&state, &session, &e.into()),
    };
    let events = match state
        .store
        .events(&EventQuery {
            link: Some(link.clone()),
            source_id: Some(post.clone()),
            ..EventQuery::default()
        })
        .await
    {
        Ok(e) => e,
        Err(e) => return failed(&state, &session, &e.into()),
    };
    page(
        &state,
        &session,
        "post.html",
        &format!("Instagram post {post}"),
        context! {
            post => post_row(&record),
            events => events.iter().map(event_value).collect::<Vec<_>>(),
        },
    )
}

// ----- review -----

async fn review_page(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
) -> Response {
    match review::pending(&*state.store, None).await {
        Ok(held) => page(
            &state,
            &session,
            "review.html",
            "Review",
            context! { held => held.iter().map(post_row).collect::<Vec<_>>() },
        ),
        Err(e) => failed(&state, &session, &e.into()),
    }
}

async fn review_action(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
    Path((link, post, action)): Path<(String, String, String)>,
) -> Response {
    let link = match known(&state, &session, &link).await {
        Ok(id) => id,
        Err(r) => return r,
    };
    let Ok(post) = SourceId::new(post.as_str()) else {
        return not_found(State(state), Some(axum::Extension(session))).await;
    };
    let now = state.adapters.clock.now();
    let (result, text) = match action.as_str() {
        "approve" => (
            review::approve(&*state.store, &link, &post, now).await,
            format!("Approved {post} on link {link}: it goes out in the link's next pass."),
        ),
        "reject" => (
            review::reject(&*state.store, &link, &post, now).await,
            format!("Rejected {post} on link {link}: it will not be posted."),
        ),
        _ => return not_found(State(state), Some(axum::Extension(session))).await,
    };
    match result {
        Ok(()) => done(&state, &session, "/review", text),
        Err(e) => failed(&state, &session, &e.into()),
    }
}

// ----- doctor and report -----

async fn doctor_page(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
) -> Response {
    let db = match crate::store::db_path(&state.global) {
        Ok(db) => db,
        Err(_) => {
            return page(
                &state,
                &session,
                "doctor.html",
                "Doctor",
                context! { unavailable => "Doctor's page checks a SQLite store; with --database-url run xpost doctor against each worker's settings instead." },
            );
        }
    };
    match doctor::diagnose(&db, &state.adapters).await {
        Ok(report) => {
            let mut groups =
                vec![context! { title => "The store", checks => report.store.checks.clone() }];
            for l in &report.links {
                groups.push(
                    context! { title => format!("Link {}", l.id), checks => l.checks.clone() },
                );
            }
            page(
                &state,
                &session,
                "doctor.html",
                "Doctor",
                context! { report => report, groups => groups },
            )
        }
        Err(e) => failed(&state, &session, &e),
    }
}

/// What measuring costs, before anything is read: X bills each post read on
/// pay-per-use plans, so the report is made on request, not on every visit.
async fn report_intro(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
) -> Response {
    let posted = state
        .store
        .posts(&PostQuery {
            link: None,
            states: vec![PostState::Posted],
            limit: 0,
        })
        .await;
    match posted {
        Ok(posted) => page(
            &state,
            &session,
            "report.html",
            "Report",
            context! { posted => posted.len() },
        ),
        Err(e) => failed(&state, &session, &e.into()),
    }
}

async fn report_page(
    State(state): State<Arc<AppState>>,
    axum::Extension(session): axum::Extension<Session>,
) -> Response {
    let links = match report::links(&*state.store, None).await {
        Ok(l) => l,
        Err(e) => return failed(&state, &session, &e),
    };
    let now = state.adapters.clock.now();
    let collected =
        report::collect(Arc::clone(&state.store), &state.adapters, &links, None, now).await;
    match collected.and_then(|r| crate::report::render(&r)) {
        Ok(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(e) => failed(&state, &session, &e),
    }
}

// ----- Meta's callbacks -----

fn refusal(r: &callbacks::CallbackRefusal) -> Response {
    let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        axum::Json(serde_json::json!({ "error": r.message() })),
    )
        .into_response()
}

async fn deauthorize(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let fields = form(&body);
    match callbacks::deauthorize(&state, fields.get("signed_request").map(String::as_str)).await {
        Ok(changed) => axum::Json(serde_json::json!({ "disconnected": changed })).into_response(),
        Err(r) => refusal(&r),
    }
}

async fn data_deletion(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let fields = form(&body);
    match callbacks::data_deletion(&state, fields.get("signed_request").map(String::as_str)).await {
        Ok(answer) => axum::Json(answer).into_response(),
        Err(r) => refusal(&r),
    }
}

async fn deletion_status(State(state): State<Arc<AppState>>, Path(code): Path<String>) -> Response {
    let request = if code.len() <= 64 && code.bytes().all(|b| b.is_ascii_hexdigit()) {
        match state.store.deletion_request(&code).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "deletion status not read");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the status cannot be read right now; try again later",
                )
                    .into_response();
            }
        }
    } else {
        None
    };
    let anonymous = Session {
        id: String::new(),
        csrf: String::new(),
        authenticated: false,
    };
    let status = if request.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let view = request.map(|r| {
        context! {
            code => r.code,
            state => r.state.as_str(),
            detail => r.detail,
            links => r.link_count,
            deleted => r
                .deleted
                .counts()
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, what)| context! { what => *what, count => *n })
                .collect::<Vec<_>>(),
            requested_at => r.requested_at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
            updated_at => r.updated_at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
        }
    });
    let mut response = page(
        &state,
        &anonymous,
        "deletion.html",
        "Data deletion request",
        context! { request => view },
    );
    *response.status_mut() = status;
    response
}
