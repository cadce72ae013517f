//! Forgetting a link: everything xpost stores about it deleted, while the
//! posts it made on X stay where they are (they are the user's own X content;
//! deleting them is `unlink --purge`'s explicit request, never this one's).
//!
//! A scheduler may be working the link when it is forgotten, in this process
//! or another. Three things keep such a pass from writing the link back:
//!
//! 1. the link is disconnected first, which every pass checks before each
//!    post, so a pass in flight stops at its next step;
//! 2. the forget then waits for the link's lease (taken under a holder name
//!    of its own, so it never shares a pass's lease) and deletes everything,
//!    lease included, in one store transaction: a pass still holding the old
//!    lease finds it lost at its next fenced write;
//! 3. a pass that read the link before the forget and takes the lease after
//!    it finds the link gone once it holds the lease
//!    ([`held_link_is_active`]) and stops before writing anything.

use std::time::Duration;

use xpost_core::{ForgetReport, Lease, LinkId, LinkState, Side, Store};

use crate::engine::{Engine, signed};
use crate::error::EngineError;

/// The first wait between two tries for the lease of a link being forgotten;
/// doubled each time up to [`MAX_WAIT`].
const FIRST_WAIT: Duration = Duration::from_millis(50);
/// The longest wait between two tries.
const MAX_WAIT: Duration = Duration::from_secs(1);

/// Whether the link of `lease`, just taken, is still stored and active. When
/// it is not, the lease is given back (or, for a link forgotten meanwhile,
/// deleted again, since taking it re-created its row) and the caller stops.
///
/// # Errors
/// [`EngineError::Store`].
pub(crate) async fn held_link_is_active(
    store: &dyn Store,
    lease: &Lease,
) -> Result<bool, EngineError> {
    match store.link(&lease.link).await? {
        Some(link) if link.state == LinkState::Active => Ok(true),
        Some(_) => {
            store.release_lease(lease).await?;
            Ok(false)
        }
        None => {
            store.forget_link(&lease.link).await?;
            Ok(false)
        }
    }
}

impl Engine {
    /// Forgets a link: it stops at once, what can be revoked is revoked (best
    /// effort), and then everything stored about it (credentials, cursor, post
    /// records, events, metric samples, profile snapshot, task times, paid-read
    /// counters, lease, the link itself) is deleted in one transaction. The
    /// posts it made on X stay. Answers how many rows of each kind went.
    ///
    /// # Errors
    /// [`EngineError::UnknownLink`]; [`EngineError::LinkBusy`] when a pass
    /// kept the link's lease for longer than a lease lives (the link is then
    /// disconnected and its tokens deleted, and forgetting it again finishes
    /// the job); [`EngineError::Store`].
    pub async fn forget(&self, id: &LinkId) -> Result<ForgetReport, EngineError> {
        let inner = self.inner();
        let store = &*inner.store;
        let link = store
            .link(id)
            .await?
            .ok_or_else(|| EngineError::UnknownLink(id.clone()))?;
        store
            .set_link_state(id, LinkState::Disconnected, None)
            .await?;
        // The tokens go before the wait for the lease, so that they are gone
        // even when a busy link makes the forget stop there.
        let mut tokens = ForgetReport::default();
        for side in [Side::Source, Side::Target] {
            if link.account(side).is_some() {
                if let Err(e) = inner.connector.revoke(&link, side).await {
                    // The tokens are deleted below and expire on their own.
                    tracing::warn!(link = %id, %side, error = %e, "tokens not revoked");
                }
            }
            // Credentials that cannot be opened are still stored ones.
            if store
                .credentials(id, side)
                .await
                .map_or(true, |c| c.is_some())
            {
                tokens.credentials += 1;
            }
            store.delete_credentials(id, side).await?;
        }
        if store.oauth1_token(id).await.map_or(true, |t| t.is_some()) {
            tokens.oauth1_tokens += 1;
        }
        store.delete_oauth1_token(id).await?;
        self.wait_for_lease(id).await?;
        let report = store.forget_link(id).await?.plus(tokens);
        tracing::info!(link = %id, deleted = %report, "link forgotten");
        Ok(report)
    }

    /// Takes the link's lease for the forget, waiting (bounded, with backoff
    /// and jitter) for a pass in flight to end or its lease to lapse.
    async fn wait_for_lease(&self, id: &LinkId) -> Result<(), EngineError> {
        let inner = self.inner();
        let holder = format!("{}/forget", inner.holder);
        let ttl = signed(inner.limits.lease_ttl);
        // Long enough for a lease nobody renews to lapse twice over.
        let patience = inner.limits.lease_ttl.saturating_mul(2) + MAX_WAIT;
        let mut waited = Duration::ZERO;
        let mut wait = FIRST_WAIT;
        loop {
            let now = inner.clock.now();
            if inner
                .store
                .try_lease(id, &holder, now, ttl)
                .await?
                .is_some()
            {
                return Ok(());
            }
            if waited >= patience {
                return Err(EngineError::LinkBusy(id.clone()));
            }
            let jittered = wait.mul_f64(0.5 + rand::random::<f64>() / 2.0);
            tokio::time::sleep(jittered).await;
            waited += jittered;
            wait = (wait * 2).min(MAX_WAIT);
        }
    }
}
