//! Rate budgets read from the `X-App-Usage` and `X-Business-Use-Case-Usage`
//! headers.
//!
//! Both headers carry JSON inside the header value, with percentages of the
//! allowance used. Which of them graph.instagram.com sends on ordinary reads
//! is not documented, so both are parsed when present and a missing or
//! malformed header simply leaves that part empty: a budget is advice, never
//! a reason to fail a call that succeeded.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::Deserialize;

/// `X-App-Usage`: percentages (0–100) of the app's hourly allowance.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
#[non_exhaustive]
pub struct AppUsage {
    /// Share of calls used.
    #[serde(default)]
    pub call_count: f64,
    /// Share of total time used.
    #[serde(default)]
    pub total_time: f64,
    /// Share of CPU time used.
    #[serde(default)]
    pub total_cputime: f64,
    /// Minutes until calls are allowed again, when this header carries it.
    #[serde(default)]
    pub estimated_time_to_regain_access: Option<u64>,
}

/// One entry of `X-Business-Use-Case-Usage`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct BusinessUseCaseUsage {
    /// The business or Instagram account id the entry is keyed by.
    #[serde(skip)]
    pub id: String,
    /// The use case, `instagram` for this API.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Share of calls used.
    #[serde(default)]
    pub call_count: f64,
    /// Share of total time used.
    #[serde(default)]
    pub total_time: f64,
    /// Share of CPU time used.
    #[serde(default)]
    pub total_cputime: f64,
    /// Minutes until calls are allowed again (0 when not throttled, or
    /// throttled for under a minute).
    #[serde(default)]
    pub estimated_time_to_regain_access: Option<u64>,
}

/// The usage Instagram reported on the latest response.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct RateBudget {
    /// `X-App-Usage`, when sent.
    pub app: Option<AppUsage>,
    /// Every `X-Business-Use-Case-Usage` entry, when sent.
    pub business: Vec<BusinessUseCaseUsage>,
}

impl RateBudget {
    /// Parses the usage headers; `None` when neither is present or parseable.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let app = headers
            .get("x-app-usage")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| serde_json::from_str::<AppUsage>(v).ok());
        let business = headers
            .get("x-business-use-case-usage")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                serde_json::from_str::<BTreeMap<String, Vec<BusinessUseCaseUsage>>>(v).ok()
            })
            .map(|by_id| {
                by_id
                    .into_iter()
                    .flat_map(|(id, entries)| {
                        entries.into_iter().map(move |mut entry| {
                            entry.id.clone_from(&id);
                            entry
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        if app.is_none() && business.is_empty() {
            None
        } else {
            Some(Self { app, business })
        }
    }

    /// The highest percentage used across every counter reported.
    pub fn max_usage_percent(&self) -> f64 {
        let app = self
            .app
            .iter()
            .flat_map(|a| [a.call_count, a.total_time, a.total_cputime]);
        let business = self
            .business
            .iter()
            .flat_map(|b| [b.call_count, b.total_time, b.total_cputime]);
        app.chain(business).fold(0.0, f64::max)
    }

    /// Every regain estimate reported, in minutes.
    fn regain_minutes(&self) -> impl Iterator<Item = u64> + '_ {
        let app = self
            .app
            .iter()
            .filter_map(|a| a.estimated_time_to_regain_access);
        let business = self
            .business
            .iter()
            .filter_map(|b| b.estimated_time_to_regain_access);
        app.chain(business)
    }

    /// The longest estimated time to regain access, if any entry is throttled.
    pub fn regain_access_in(&self) -> Option<Duration> {
        self.regain_minutes()
            .max()
            .filter(|minutes| *minutes > 0)
            .map(minutes)
    }

    /// How long to wait after a throttle error that came with these headers:
    /// the longest estimate, at least a minute (Meta reports 0 for "under a
    /// minute", and retrying at once would extend the block). `None` when no
    /// header carries an estimate.
    pub fn throttle_wait(&self) -> Option<Duration> {
        self.regain_minutes().max().map(|m| minutes(m.max(1)))
    }

    /// Whether some counter is at 100 %: further calls fail and extend the block.
    pub fn is_exhausted(&self) -> bool {
        self.max_usage_percent() >= 100.0 || self.regain_access_in().is_some()
    }
}

fn minutes(count: u64) -> Duration {
    Duration::from_secs(count.saturating_mul(60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn parses_both_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-app-usage",
            HeaderValue::from_static(r#"{"call_count":2,"total_cputime":0,"total_time":8}"#),
        );
        headers.insert(
            "x-business-use-case-usage",
            HeaderValue::from_static(
                r#"{"17841400455970028":[{"type":"instagram","call_count":100,"total_cputime":29,"total_time":10,"estimated_time_to_regain_access":19}]}"#,
            ),
        );
        let budget = RateBudget::from_headers(&headers).unwrap();
        assert_eq!(budget.app.unwrap().total_time, 8.0);
        assert_eq!(budget.business[0].id, "17841400455970028");
        assert_eq!(budget.business[0].kind, "instagram");
        assert_eq!(budget.max_usage_percent(), 100.0);
        assert_eq!(
            budget.regain_access_in(),
            Some(Duration::from_secs(19 * 60))
        );
        assert!(budget.is_exhausted());
        assert_eq!(budget.throttle_wait(), Some(Duration::from_secs(19 * 60)));
    }

    #[test]
    fn a_zero_estimate_still_waits_a_minute_after_a_throttle() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-app-usage",
            HeaderValue::from_static(
                r#"{"call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":0}"#,
            ),
        );
        let budget = RateBudget::from_headers(&headers).unwrap();
        assert_eq!(budget.regain_access_in(), None);
        assert_eq!(budget.throttle_wait(), Some(Duration::from_secs(60)));

        let mut headers = HeaderMap::new();
        headers.insert(
            "x-app-usage",
            HeaderValue::from_static(r#"{"call_count":100,"total_cputime":1,"total_time":1}"#),
        );
        let budget = RateBudget::from_headers(&headers).unwrap();
        assert_eq!(budget.throttle_wait(), None);
    }

    #[test]
    fn missing_or_malformed_headers_are_no_budget() {
        assert_eq!(RateBudget::from_headers(&HeaderMap::new()), None);
        let mut headers = HeaderMap::new();
        headers.insert("x-app-usage", HeaderValue::from_static("not json"));
        assert_eq!(RateBudget::from_headers(&headers), None);
    }
}
