//! [`EngineBuilder`]: what an engine is made of, with safe defaults.

use std::sync::Arc;

use xpost_core::{Clock, Notifier, Store, SystemClock};
use xpost_policy::PolicyConfig;

use crate::connector::Connector;
use crate::engine::{Engine, Inner};
use crate::error::EngineError;
use crate::limits::Limits;
use crate::quiet::QuietNotifier;

/// Builds an [`Engine`]. A store and a connector are required; the rest has
/// defaults: the system clock, the default link settings, [`Limits::default`],
/// a notifier that only logs, and a holder name unique to this process.
#[derive(Default)]
pub struct EngineBuilder {
    store: Option<Arc<dyn Store>>,
    connector: Option<Arc<dyn Connector>>,
    notifier: Option<Arc<dyn Notifier>>,
    clock: Option<Arc<dyn Clock>>,
    policy: Option<Arc<PolicyConfig>>,
    limits: Limits,
    holder: Option<String>,
    shortener: Option<Arc<dyn xpost_core::Shortener>>,
}

impl EngineBuilder {
    /// Where everything is recorded.
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Where each link's source and target come from.
    pub fn connector(mut self, connector: Arc<dyn Connector>) -> Self {
        self.connector = Some(connector);
        self
    }

    /// Who hears about trouble (default: the log).
    pub fn notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.notifier = Some(notifier);
        self
    }

    /// Where "now" comes from (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The links' settings (default: every link uses the defaults).
    pub fn policy(mut self, policy: PolicyConfig) -> Self {
        self.policy = Some(Arc::new(policy));
        self
    }

    /// A shortener for every link's permalink, in place of the one each link's
    /// `text.shortener` setting names (default: the settings decide).
    pub fn shortener(mut self, shortener: Arc<dyn xpost_core::Shortener>) -> Self {
        self.shortener = Some(shortener);
        self
    }

    /// The engine's bounds.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The name this engine holds leases under (default: host-less, unique per
    /// process and engine).
    pub fn holder(mut self, holder: impl Into<String>) -> Self {
        self.holder = Some(holder.into());
        self
    }

    /// The engine.
    ///
    /// # Errors
    /// [`EngineError::Config`] without a store or a connector.
    pub fn build(self) -> Result<Engine, EngineError> {
        let store = self
            .store
            .ok_or_else(|| EngineError::Config("no store given".into()))?;
        let connector = self
            .connector
            .ok_or_else(|| EngineError::Config("no connector given".into()))?;
        let holder = self.holder.unwrap_or_else(|| {
            format!(
                "xpost-{}-{:016x}",
                std::process::id(),
                rand::random::<u64>()
            )
        });
        Ok(Engine::from_inner(Inner {
            blocked: std::sync::Mutex::default(),
            store,
            connector,
            notifier: self.notifier.unwrap_or_else(|| Arc::new(QuietNotifier)),
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            policy: self.policy.unwrap_or_default(),
            shortener: self.shortener,
            limits: self.limits,
            holder,
            polls: std::sync::Mutex::default(),
        }))
    }
}
