//! Linking an account from the pages: the platforms' OAuth flows with this
//! server's own callback routes.
//!
//! `POST /oauth/start` builds the consent URL exactly as `xpost link` does
//! ([`crate::commands::link`]: S256 PKCE for X, a random `state` for both) with
//! `redirect_uri` set to this server's `/oauth/{instagram,x}/callback`, keeps
//! the flow here under its `state`, bound to the session that started it, and
//! redirects the browser to the platform. The callback takes the flow out
//! (single use), checks the session and the `state`, and finishes it with the
//! same exchange `xpost link` uses. Flows not finished within ten minutes are
//! dropped.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use xpost_core::LinkId;

use crate::commands::link::{Flow, LinkPlatform};

/// How long a started flow waits for its callback.
pub const FLOW_TTL: Duration = Duration::from_secs(600);

/// The most flows waiting at once; the oldest go first.
const MAX_FLOWS: usize = 1_000;

/// A flow started from a page, waiting for its callback.
pub(crate) struct PendingFlow {
    /// The session that started it.
    pub session: String,
    /// The link it connects.
    pub link: LinkId,
    /// Which side.
    pub platform: LinkPlatform,
    /// The exact `redirect_uri` sent.
    pub redirect_uri: String,
    /// The client state between consent and exchange.
    pub flow: Flow,
    started: Instant,
}

/// Flows waiting for their callback, by `state`.
#[derive(Default)]
pub struct PendingFlows {
    inner: Mutex<HashMap<String, PendingFlow>>,
}

impl PendingFlows {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, PendingFlow>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps a flow until its callback.
    pub(crate) fn insert(
        &self,
        session: String,
        link: LinkId,
        platform: LinkPlatform,
        redirect_uri: String,
        flow: Flow,
    ) {
        let mut flows = self.lock();
        flows.retain(|_, f| f.started.elapsed() <= FLOW_TTL);
        if flows.len() >= MAX_FLOWS {
            let oldest = flows
                .iter()
                .min_by_key(|(_, f)| f.started)
                .map(|(state, _)| state.clone());
            if let Some(oldest) = oldest {
                flows.remove(&oldest);
            }
        }
        flows.insert(
            flow.state().to_owned(),
            PendingFlow {
                session,
                link,
                platform,
                redirect_uri,
                flow,
                started: Instant::now(),
            },
        );
    }

    /// Takes the live flow that sent `state` for `platform` (once: a second
    /// callback with the same `state` finds nothing).
    pub(crate) fn take(&self, state: &str, platform: LinkPlatform) -> Option<PendingFlow> {
        let mut flows = self.lock();
        // A hash lookup: its timing cannot help anyone build one of these
        // random 256-bit values, and the X exchange checks the state again.
        let flow = flows.remove(state)?;
        (flow.platform == platform && flow.started.elapsed() <= FLOW_TTL).then_some(flow)
    }
}
