//! Injected faults: `POST /admin/faults` fills this list, every platform request consults it.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::EmulatorError;
use crate::state::Platform;

/// Longest delay a fault may add: beyond a minute a test is waiting on its own timeout.
pub const MAX_LATENCY_MS: u64 = 60_000;
/// Longest throttle a fault may announce: one day, the longest window either platform has.
pub const MAX_RETRY_AFTER_S: u64 = 86_400;

/// One injected fault, as `POST /admin/faults` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Fault {
    /// The platform whose requests it hits.
    pub platform: Platform,
    /// Matched against the real path (Instagram version segment removed); empty matches all.
    #[serde(default)]
    pub path_prefix: String,
    /// `0` drops the connection, `200` only delays, `429` throttles, anything else answers it.
    #[serde(default)]
    pub status: u16,
    /// How many requests it hits (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Delay before the outcome, milliseconds.
    #[serde(default)]
    pub latency_ms: u64,
    /// For 429: seconds until the platform lets calls through again (default 2).
    #[serde(default = "two")]
    pub retry_after_s: u64,
}

impl Fault {
    /// Checks every field, each with its own message.
    ///
    /// # Errors
    /// [`EmulatorError::BadInput`] naming the first field out of range.
    pub fn validate(&self) -> Result<(), EmulatorError> {
        let bad = |msg: &str| Err(EmulatorError::BadInput(msg.to_owned()));
        if !(self.path_prefix.is_empty() || self.path_prefix.starts_with('/')) {
            return bad("path_prefix must be empty or start with /");
        }
        if !matches!(self.status, 0 | 200 | 429 | 500..=599) {
            return bad(
                "status must be 0 (drop the connection), 200 (delay only), 429 (throttle) or 500-599",
            );
        }
        if self.count < 1 {
            return bad("count must be at least 1");
        }
        if self.latency_ms > MAX_LATENCY_MS {
            return bad("latency_ms must be between 0 and 60000");
        }
        if self.retry_after_s > MAX_RETRY_AFTER_S {
            return bad("retry_after_s must be between 0 and 86400");
        }
        Ok(())
    }

    /// A fault from the JSON object of `POST /admin/faults`, every field checked.
    ///
    /// Fields are read one by one rather than through serde so that each wrong one gets
    /// a message naming it, and unknown keys (a misspelt `path_prefix`) are refused
    /// instead of silently widening the fault to every path.
    ///
    /// # Errors
    /// [`EmulatorError::BadInput`] naming the first missing, unknown or invalid field.
    pub fn from_json(object: &Map<String, Value>) -> Result<Self, EmulatorError> {
        let bad = |msg: String| EmulatorError::BadInput(msg);
        if let Some(key) = object.keys().find(|k| {
            !matches!(
                k.as_str(),
                "platform" | "path_prefix" | "status" | "count" | "latency_ms" | "retry_after_s"
            )
        }) {
            return Err(bad(format!("unknown field {key:?}")));
        }
        let platform = match object.get("platform").and_then(Value::as_str) {
            Some("instagram") => Platform::Instagram,
            Some("x") => Platform::X,
            _ => return Err(bad("platform must be \"instagram\" or \"x\"".into())),
        };
        let path_prefix = match object.get("path_prefix") {
            None => String::new(),
            Some(Value::String(p)) => p.clone(),
            Some(_) => return Err(bad("path_prefix must be a string".into())),
        };
        let number = |key: &str, default: u64| -> Result<u64, EmulatorError> {
            match object.get(key) {
                None => Ok(default),
                Some(v) => v
                    .as_u64()
                    .ok_or_else(|| bad(format!("{key} must be a whole number, not {v}"))),
            }
        };
        let Some(status) = object.get("status") else {
            return Err(bad("status is required".into()));
        };
        let status = status
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .ok_or_else(|| bad(format!("status must be an HTTP status, not {status}")))?;
        let count = u32::try_from(number("count", 1)?)
            .map_err(|_| bad("count must be at most 4294967295".into()))?;
        let fault = Self {
            platform,
            path_prefix,
            status,
            count,
            latency_ms: number("latency_ms", 0)?,
            retry_after_s: number("retry_after_s", two())?,
        };
        fault.validate()?;
        Ok(fault)
    }
}

fn one() -> u32 {
    1
}

fn two() -> u64 {
    2
}

/// Faults in the order they were added.
#[derive(Debug, Default)]
pub struct Faults {
    list: Vec<Fault>,
}

impl Faults {
    /// Adds a fault after the existing ones.
    pub fn add(&mut self, fault: Fault) {
        if fault.count > 0 {
            self.list.push(fault);
        }
    }

    /// Clears every fault.
    pub fn reset(&mut self) {
        self.list.clear();
    }

    /// Faults still armed.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// The first fault matching a request, with one of its `count` spent.
    pub fn take(&mut self, platform: Platform, real_path: &str) -> Option<Fault> {
        if self.list.is_empty() {
            return None;
        }
        let pos = self
            .list
            .iter()
            .position(|f| f.platform == platform && real_path.starts_with(&f.path_prefix))?;
        let hit = self.list[pos].clone();
        self.list[pos].count -= 1;
        if self.list[pos].count == 0 {
            self.list.remove(pos);
        }
        Some(hit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(prefix: &str, status: u16, count: u32) -> Fault {
        Fault {
            platform: Platform::X,
            path_prefix: prefix.to_owned(),
            status,
            count,
            latency_ms: 0,
            retry_after_s: 2,
        }
    }

    #[test]
    fn each_field_is_checked_with_its_own_message() {
        let parse = |v: Value| match v {
            Value::Object(o) => Fault::from_json(&o).map_err(|e| e.to_string()),
            _ => Err("not an object".into()),
        };
        let ok = parse(serde_json::json!({"platform": "x", "status": 503}));
        assert_eq!(ok, Ok(fault("", 503, 1)));
        for (body, field) in [
            (serde_json::json!({"status": 503}), "platform"),
            (
                serde_json::json!({"platform": "y", "status": 503}),
                "platform",
            ),
            (serde_json::json!({"platform": "x"}), "status"),
            (
                serde_json::json!({"platform": "x", "status": 404}),
                "status",
            ),
            (
                serde_json::json!({"platform": "x", "status": 70000}),
                "status",
            ),
            (
                serde_json::json!({"platform": "x", "status": 503, "count": 0}),
                "count",
            ),
            (
                serde_json::json!({"platform": "x", "status": 503, "count": -1}),
                "count",
            ),
            (
                serde_json::json!({"platform": "x", "status": 200, "latency_ms": 60001}),
                "latency_ms",
            ),
            (
                serde_json::json!({"platform": "x", "status": 429, "retry_after_s": 86401}),
                "retry_after_s",
            ),
            (
                serde_json::json!({"platform": "x", "status": 503, "path_prefix": 2}),
                "path_prefix",
            ),
            (
                serde_json::json!({"platform": "x", "status": 503, "path_prefix": "2/tweets"}),
                "path_prefix",
            ),
            (
                serde_json::json!({"platform": "x", "status": 503, "path": "/2"}),
                "\"path\"",
            ),
        ] {
            let err = parse(body.clone()).err().unwrap_or_default();
            assert!(err.contains(field), "{body}: {err}");
        }
    }

    #[test]
    fn first_added_match_spends_its_count() {
        let mut f = Faults::default();
        f.add(fault("/2/tweets", 503, 1));
        f.add(fault("/2", 500, 2));
        assert_eq!(
            f.take(Platform::X, "/2/tweets").map(|f| f.status),
            Some(503)
        );
        assert_eq!(
            f.take(Platform::X, "/2/tweets").map(|f| f.status),
            Some(500)
        );
        assert_eq!(f.take(Platform::Instagram, "/2/tweets"), None);
        assert_eq!(
            f.take(Platform::X, "/2/users/me").map(|f| f.status),
            Some(500)
        );
        assert!(f.take(Platform::X, "/2/tweets").is_none());
        assert_eq!(f.len(), 0);
    }
}
