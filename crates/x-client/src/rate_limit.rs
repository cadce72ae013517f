//! The `x-rate-limit-*` headers as typed values, and the per-endpoint record the
//! client-side limiter consults before spending a call.

use jiff::Timestamp;
use reqwest::header::HeaderMap;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// One rate window: its ceiling, what is left and when it resets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateWindow {
    /// The window's ceiling (`*-limit`).
    pub limit: u64,
    /// Calls left in the window (`*-remaining`).
    pub remaining: u64,
    /// When the window resets (`*-reset`, epoch seconds on the wire).
    pub reset: Timestamp,
}

impl RateWindow {
    fn from_headers(headers: &HeaderMap, prefix: &str) -> Option<Self> {
        let number = |suffix: &str| -> Option<u64> {
            headers
                .get(format!("{prefix}-{suffix}"))?
                .to_str()
                .ok()?
                .trim()
                .parse()
                .ok()
        };
        let reset = Timestamp::from_second(i64::try_from(number("reset")?).ok()?).ok()?;
        Some(Self {
            limit: number("limit").unwrap_or(0),
            remaining: number("remaining")?,
            reset,
        })
    }

    /// Whether the window is used up and resets after `now`.
    pub fn exhausted_at(&self, now: Timestamp) -> bool {
        self.remaining == 0 && self.reset > now
    }
}

/// Every rate-limit header of one response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimitInfo {
    /// The endpoint's 15-minute window (`x-rate-limit-*`).
    pub window: Option<RateWindow>,
    /// The 24-hour per-user window (`x-user-limit-24hour-*`), sent on some tiers.
    pub user_24h: Option<RateWindow>,
    /// The 24-hour per-app window (`x-app-limit-24hour-*`), sent on some tiers.
    pub app_24h: Option<RateWindow>,
    /// A `retry-after` delay in seconds, rarely sent.
    pub retry_after: Option<Duration>,
}

impl RateLimitInfo {
    /// Reads the headers; absent or malformed headers leave their field empty.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let retry_after = headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        Self {
            window: RateWindow::from_headers(headers, "x-rate-limit"),
            user_24h: RateWindow::from_headers(headers, "x-user-limit-24hour"),
            app_24h: RateWindow::from_headers(headers, "x-app-limit-24hour"),
            retry_after,
        }
    }

    /// Whether the response carried any rate-limit header at all.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The latest reset among the windows that are used up, which is when calls work
    /// again; `None` when no window is exhausted.
    pub fn blocked_until(&self, now: Timestamp) -> Option<Timestamp> {
        [self.window, self.user_24h, self.app_24h]
            .into_iter()
            .flatten()
            .filter(|w| w.exhausted_at(now))
            .map(|w| w.reset)
            .max()
    }

    /// When to try again after a 429: the latest reset of any window at zero, or
    /// `retry-after` from `now`, whichever is later.
    pub fn retry_at(&self, now: Timestamp) -> Option<Timestamp> {
        let from_windows = [self.window, self.user_24h, self.app_24h]
            .into_iter()
            .flatten()
            .filter(|w| w.remaining == 0)
            .map(|w| w.reset)
            .max();
        let from_retry_after = self.retry_after.and_then(|d| crate::clock::after(now, d));
        from_windows.max(from_retry_after)
    }
}

/// The endpoints the client calls, as keys for rate-limit records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /2/tweets`.
    CreatePost,
    /// `DELETE /2/tweets/:id`.
    DeletePost,
    /// `GET /2/tweets`.
    LookupPosts,
    /// `GET /2/users/:id/tweets`.
    UserPosts,
    /// `GET /2/users/me`.
    UsersMe,
    /// `POST /2/media/upload` (one-shot).
    MediaUpload,
    /// `POST /2/media/upload/initialize`.
    MediaInitialize,
    /// `POST /2/media/upload/:id/append`.
    MediaAppend,
    /// `POST /2/media/upload/:id/finalize`.
    MediaFinalize,
    /// `GET /2/media/upload?command=STATUS`.
    MediaStatus,
    /// `POST /2/media/metadata`.
    MediaMetadata,
    /// `PUT /2/users/me`.
    UpdateProfile,
    /// `PUT /2/users/me/profile_image`.
    UpdateProfileImage,
    /// `POST /1.1/account/update_profile.json`.
    UpdateProfileV1,
    /// `POST /1.1/account/update_profile_image.json`.
    UpdateProfileImageV1,
}

/// The last rate-limit headers seen per endpoint.
#[derive(Debug, Default)]
pub struct RateLimits {
    seen: Mutex<HashMap<Endpoint, RateLimitInfo>>,
}

impl RateLimits {
    /// The last headers seen for `endpoint`, if any response carried them.
    pub fn get(&self, endpoint: Endpoint) -> Option<RateLimitInfo> {
        self.seen.lock().ok()?.get(&endpoint).copied()
    }

    pub(crate) fn record(&self, endpoint: Endpoint, info: RateLimitInfo) {
        if info.is_empty() {
            return;
        }
        if let Ok(mut seen) = self.seen.lock() {
            seen.insert(endpoint, info);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn reads_all_windows_and_picks_the_latest_reset() {
        let h = headers(&[
            ("x-rate-limit-limit", "100"),
            ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-reset", "1700000900"),
            ("x-user-limit-24hour-limit", "17"),
            ("x-user-limit-24hour-remaining", "0"),
            ("x-user-limit-24hour-reset", "1700080000"),
            ("x-app-limit-24hour-limit", "1667"),
            ("x-app-limit-24hour-remaining", "1500"),
            ("x-app-limit-24hour-reset", "1700090000"),
        ]);
        let info = RateLimitInfo::from_headers(&h);
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        assert_eq!(info.window.map(|w| w.limit), Some(100));
        assert_eq!(info.app_24h.map(|w| w.remaining), Some(1500));
        let expect = Timestamp::from_second(1_700_080_000).unwrap();
        assert_eq!(info.blocked_until(now), Some(expect));
        assert_eq!(info.retry_at(now), Some(expect));
    }

    #[test]
    fn missing_or_garbled_headers_are_empty() {
        let info = RateLimitInfo::from_headers(&headers(&[("x-rate-limit-reset", "soon")]));
        assert!(info.is_empty());
        let info = RateLimitInfo::from_headers(&headers(&[("retry-after", "7")]));
        let now = Timestamp::UNIX_EPOCH;
        assert_eq!(info.retry_at(now), Timestamp::from_second(7).ok());
        assert_eq!(info.blocked_until(now), None);
    }
}
