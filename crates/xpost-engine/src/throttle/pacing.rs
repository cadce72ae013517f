//! How fast one account may be called: the limits a [`super::Budget`] enforces.

use std::num::NonZeroU32;
use std::time::Duration;

use xpost_core::Platform;

/// A window size written as a literal; zero is never written, and would mean one.
const fn count(n: u32) -> NonZeroU32 {
    match NonZeroU32::new(n) {
        Some(n) => n,
        None => NonZeroU32::MIN,
    }
}

/// At most `calls` calls within any span of `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// How many calls the window admits.
    pub calls: NonZeroU32,
    /// How long the window is; it slides with the clock.
    pub per: Duration,
}

impl Window {
    /// At most `calls` calls per `per`.
    pub fn new(calls: NonZeroU32, per: Duration) -> Self {
        Self { calls, per }
    }
}

/// The limits xpost keeps to on one account, on top of the platform's own
/// blocks (which are always honoured).
///
/// The default limits nothing: only the platform's blocks hold calls back.
/// [`Pacing::for_platform`] gives limits that keep under each platform's
/// published ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pacing {
    /// Least time between the starts of two posts (`Target::publish`). Default none.
    pub min_publish_spacing: Option<Duration>,
    /// Cap on all calls through the wrapper, media downloads and uploads
    /// included. Default none.
    pub max_calls: Option<Window>,
    /// Cap on posts (`Target::publish`). Default none.
    pub max_publishes: Option<Window>,
}

impl Pacing {
    /// Limits that keep under `platform`'s published ones:
    ///
    /// - Instagram: 200 calls per hour (the Graph API's classic per-user
    ///   allowance, well inside the per-account daily budget of even a small
    ///   account) and 100 posts per 24 hours (its publishing limit).
    /// - X: 100 posts per 15 minutes per user (the lower of the two figures X
    ///   documents for creating posts).
    pub fn for_platform(platform: Platform) -> Self {
        match platform {
            Platform::Instagram => Self {
                min_publish_spacing: None,
                max_calls: Some(Window::new(count(200), Duration::from_secs(3_600))),
                max_publishes: Some(Window::new(count(100), Duration::from_secs(24 * 3_600))),
            },
            Platform::X => Self {
                min_publish_spacing: None,
                max_calls: None,
                max_publishes: Some(Window::new(count(100), Duration::from_secs(15 * 60))),
            },
            _ => Self::default(),
        }
    }

    /// These limits with at least `spacing` between two posts.
    pub fn with_min_publish_spacing(mut self, spacing: Duration) -> Self {
        self.min_publish_spacing = Some(spacing);
        self
    }

    /// These limits with at most `window.calls` calls per `window.per`.
    pub fn with_max_calls(mut self, window: Window) -> Self {
        self.max_calls = Some(window);
        self
    }

    /// These limits with at most `window.calls` posts per `window.per`.
    pub fn with_max_publishes(mut self, window: Window) -> Self {
        self.max_publishes = Some(window);
        self
    }
}
