//! The HTTP server: one accept loop, one task per connection, faults applied before routing.
//!
//! The loop is written out (instead of `axum::serve`) so that a fault can close a
//! connection without an answer, which is what a dropped connection looks like to a client.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

use crate::admin::Admin;
use crate::config::{Config, EmulatorBuilder};
use crate::error::EmulatorError;
use crate::respond;
use crate::state::{Platform, Shared};

/// A configured emulator, not yet listening. Cheap to clone; clones share one world.
#[derive(Debug, Clone)]
pub struct Emulator {
    shared: Arc<Shared>,
}

impl Emulator {
    /// Starts a builder with the documented defaults (see `docs/emulator.md`).
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    pub(crate) fn from_config(config: Config) -> Self {
        Self {
            shared: Arc::new(Shared::new(config)),
        }
    }

    /// In-process access to the admin operations (the same ones `/admin` serves).
    pub fn admin(&self) -> Admin {
        Admin::new(self.shared.clone())
    }

    /// The routes, without fault injection or request counting (those live in the
    /// connection layer that [`Emulator::spawn`] runs).
    pub fn router(&self) -> Router {
        Router::new()
            .merge(crate::admin::routes())
            .merge(crate::instagram::routes())
            .merge(crate::x::routes())
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
            .with_state(self.shared.clone())
    }

    /// Binds `addr` (port 0 picks a free port) and serves until shut down.
    ///
    /// # Errors
    /// [`EmulatorError::Bind`] when the address cannot be bound.
    pub async fn spawn(&self, addr: SocketAddr) -> Result<RunningEmulator, EmulatorError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| EmulatorError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind { addr, source })?;
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(accept_loop(
            listener,
            self.shared.clone(),
            self.router(),
            rx,
        ));
        Ok(RunningEmulator {
            base_url: format!("http://{local}"),
            addr: local,
            admin: self.admin(),
            shutdown: Some(tx),
            task,
        })
    }
}

/// A listening emulator. Dropping it stops the server too.
#[derive(Debug)]
pub struct RunningEmulator {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    admin: Admin,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl RunningEmulator {
    /// In-process admin operations on this emulator's world.
    pub fn admin(&self) -> &Admin {
        &self.admin
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Waits until the server stops (it runs until [`RunningEmulator::shutdown`]).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Unknown paths answer in the shape of the host they fall under.
async fn not_found(uri: axum::http::Uri) -> Response {
    let path = uri.path();
    if path.starts_with("/x/") {
        respond::problem(
            StatusCode::NOT_FOUND,
            "Not Found Error",
            &format!("Sorry, that page does not exist: {path}"),
            "about:blank",
        )
    } else if path.starts_with("/instagram/") {
        respond::GraphError::oauth(2500, format!("Unknown path components: {path}"))
            .kind("IGApiException")
            .into_response_at(0)
    } else {
        respond::json(
            StatusCode::NOT_FOUND,
            serde_json::json!({"error": format!("no such admin path: {path}")}),
        )
    }
}

/// A known path with the wrong method answers JSON in the host's shape too, never an
/// empty body a client cannot parse.
async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let path = uri.path();
    let message = format!("{method} is not supported on {path}");
    if path.starts_with("/x/") {
        respond::problem(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed",
            &message,
            "about:blank",
        )
    } else if path.starts_with("/instagram/") {
        respond::GraphError::oauth(100, format!("Unsupported request - method type: {method}"))
            .kind("GraphMethodException")
            .status(StatusCode::METHOD_NOT_ALLOWED)
            .into_response_at(0)
    } else {
        respond::json(
            StatusCode::METHOD_NOT_ALLOWED,
            serde_json::json!({ "error": message }),
        )
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    router: Router,
    mut shutdown: oneshot::Receiver<()>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    // Out of file descriptors and the like: back off briefly, keep serving.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                conns.spawn(serve_connection(stream, shared.clone(), router.clone()));
                while conns.try_join_next().is_some() {}
            }
        }
    }
    conns.shutdown().await;
}

/// A client that does not finish sending its headers within this time is disconnected.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

async fn serve_connection(stream: tokio::net::TcpStream, shared: Arc<Shared>, router: Router) {
    let kill = Arc::new(Notify::new());
    let killer = kill.clone();
    let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
        let shared = shared.clone();
        let router = router.clone();
        let kill = kill.clone();
        async move { Ok::<_, Infallible>(handle(shared, router, kill, req.map(Body::new)).await) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(stream), svc);
    tokio::select! {
        _ = conn => {}
        // Dropping the connection closes the socket with nothing written.
        () = killer.notified() => {}
    }
}

/// Splits a request path into its platform and the real path below the host prefix.
pub(crate) fn classify(path: &str) -> Option<(Platform, String)> {
    if let Some(rest) = path.strip_prefix("/instagram/graph") {
        return Some((Platform::Instagram, strip_version(rest).to_owned()));
    }
    for prefix in ["/instagram/api", "/instagram/www", "/instagram/cdn"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            return Some((Platform::Instagram, rest.to_owned()));
        }
    }
    for prefix in ["/x/api", "/x/www", "/x/upload"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            return Some((Platform::X, rest.to_owned()));
        }
    }
    None
}

/// Removes a leading `/vNN.N` Graph version segment.
pub(crate) fn strip_version(path: &str) -> &str {
    let Some(rest) = path.strip_prefix("/v") else {
        return path;
    };
    let end = rest.find('/').unwrap_or(rest.len());
    let seg = &rest[..end];
    let looks_versioned =
        !seg.is_empty() && seg.contains('.') && seg.chars().all(|c| c.is_ascii_digit() || c == '.');
    if looks_versioned { &rest[end..] } else { path }
}

async fn handle(
    shared: Arc<Shared>,
    router: Router,
    kill: Arc<Notify>,
    req: Request<Body>,
) -> Response {
    if let Some((platform, real)) = classify(req.uri().path()) {
        let name = match platform {
            Platform::Instagram => "instagram",
            Platform::X => "x",
        };
        shared.count(name, &real);
        let fault = shared.faults().take(platform, &real);
        if let Some(fault) = fault {
            if fault.latency_ms > 0 {
                tokio::time::sleep(Duration::from_millis(fault.latency_ms)).await;
            }
            let now_ms = shared.clock.now_ms();
            let retry = i64::try_from(fault.retry_after_s).unwrap_or(i64::MAX);
            match fault.status {
                0 => {
                    kill.notify_one();
                    return std::future::pending().await;
                }
                200 => {}
                429 => {
                    return match platform {
                        Platform::Instagram => {
                            let user = crate::instagram::token_owner(&shared, &req)
                                .unwrap_or_else(|| shared.config.client_id.clone());
                            respond::ig_throttled(&user, retry, now_ms)
                        }
                        Platform::X => respond::x_too_many(
                            crate::x::limit_hint(&shared, &real),
                            shared.clock.now_s().saturating_add(retry),
                        ),
                    };
                }
                status => {
                    let status =
                        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                    return respond::fault_answer(platform == Platform::Instagram, status, now_ms);
                }
            }
        }
    }
    match router.oneshot(req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_shows_no_tokens() {
        let emu = Emulator::builder().seed(3u64).build().unwrap();
        let admin = emu.admin();
        admin.create_x_account("dbg").unwrap();
        let token = crate::state::Token {
            platform: Platform::X,
            user_id: "1".into(),
            kind: crate::state::TokenKind::Access,
            value: "very-secret-token-value".into(),
            issued_ms: 0,
            expires_ms: None,
            revoked: None,
            scopes: Vec::new(),
            ig_long: false,
            family: 0,
        };
        assert!(!format!("{token:?}").contains("very-secret"));
        emu.shared.world().add_token(token, 10);
        let shown = format!("{emu:?} {admin:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(!shown.contains("xpost-emulator-secret"), "{shown}");
    }

    #[test]
    fn version_segment_is_removed_for_instagram_only() {
        assert_eq!(
            classify("/instagram/graph/v23.0/me/media"),
            Some((Platform::Instagram, "/me/media".to_owned()))
        );
        assert_eq!(
            classify("/instagram/graph/me"),
            Some((Platform::Instagram, "/me".to_owned()))
        );
        assert_eq!(
            classify("/x/api/2/tweets"),
            Some((Platform::X, "/2/tweets".to_owned()))
        );
        assert_eq!(strip_version("/vacation"), "/vacation");
        assert_eq!(classify("/admin/stats"), None);
    }
}
