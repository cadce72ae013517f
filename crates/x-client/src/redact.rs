//! Keeping token values out of errors. A token-endpoint answer that fails to parse is
//! worth showing for diagnosis, but it may hold a working access or refresh token, and
//! errors end up in logs and bug reports.

use serde_json::Value;

/// Marks where a secret value was removed.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// Keys of a token-endpoint answer whose values say nothing secret.
const HARMLESS_KEYS: &[&str] = &[
    "token_type",
    "expires_in",
    "scope",
    "error",
    "error_description",
];

/// A token-endpoint body with every value that may be a secret replaced, keeping its
/// keys and layout; plus the removed values, to scrub from parser messages.
pub(crate) fn token_body(body: &[u8]) -> (String, Vec<String>) {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            let mut removed = Vec::new();
            redact_value(&mut value, &mut removed);
            (value.to_string(), removed)
        }
        // Not JSON at all (a proxy's page, a truncated answer): nothing tells which
        // part may be a token, so only its size is kept.
        Err(_) => (
            format!("{REDACTED} ({} bytes, not JSON)", body.len()),
            Vec::new(),
        ),
    }
}

fn redact_value(value: &mut Value, removed: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                let harmless = HARMLESS_KEYS.contains(&key.as_str())
                    && !matches!(v, Value::Object(_) | Value::Array(_));
                if !harmless {
                    redact_value(v, removed);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_value(v, removed)),
        Value::String(s) => {
            removed.push(std::mem::take(s));
            *s = REDACTED.to_owned();
        }
        Value::Number(n) => {
            removed.push(n.to_string());
            *value = Value::String(REDACTED.to_owned());
        }
        Value::Bool(_) | Value::Null => {}
    }
}

/// `text` with every occurrence of the given secrets replaced.
pub(crate) fn scrub<'a>(text: &str, secrets: impl IntoIterator<Item = &'a str>) -> String {
    secrets
        .into_iter()
        .filter(|s| !s.is_empty())
        .fold(text.to_owned(), |text, secret| {
            text.replace(secret, REDACTED)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_shape_and_harmless_fields_only() {
        let (body, removed) = token_body(
            br#"{"token_type":"bearer","expires_in":7200,"access_token":"tok-a","nested":{"refresh_token":"tok-r","n":[42]}}"#,
        );
        assert!(
            !body.contains("tok-a") && !body.contains("tok-r") && !body.contains("42"),
            "{body}"
        );
        assert!(body.contains(r#""token_type":"bearer""#), "{body}");
        assert!(body.contains(r#""expires_in":7200"#), "{body}");
        assert!(body.contains(r#""refresh_token":"[REDACTED]""#), "{body}");
        let mut removed = removed;
        removed.sort();
        assert_eq!(removed, ["42", "tok-a", "tok-r"]);
        let (raw, _) = token_body(br#"{"access_token":"tok-a"#);
        assert!(!raw.contains("tok-a"), "{raw}");
        assert_eq!(scrub("a tok-a b", ["tok-a", ""]), "a [REDACTED] b");
    }
}
