//! A link's settings as effective values, each with where it comes from.
//!
//! The settings file merges a link's `[links.NAME]` section over
//! `[defaults]`, which sits over the built-in defaults. Each setting is shown
//! with the most specific layer whose value it has: a value equal to the
//! layer below it is credited to that layer, since removing it would change
//! nothing.

use serde::Serialize;
use serde_json::Value;
use xpost_core::LinkId;
use xpost_policy::{LinkSettings, PolicyConfig};

/// One setting as the link page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EffectiveSetting {
    /// The dotted key, as written in the settings file (`text.template`).
    pub key: String,
    /// The value in effect, as TOML-like text.
    pub value: String,
    /// Where it comes from: `[links.NAME]`, `[defaults]` or `built-in default`.
    pub source: String,
}

/// Every setting of `link`, in key order.
pub fn effective(policy: &PolicyConfig, link: &LinkId) -> Vec<EffectiveSetting> {
    let flat = |settings: &LinkSettings| {
        let mut out = Vec::new();
        flatten(
            "",
            &serde_json::to_value(settings).unwrap_or(Value::Null),
            &mut out,
        );
        out
    };
    let own_section = policy.links().any(|(id, _)| id == link);
    let builtin = flat(&LinkSettings::default());
    let defaults = flat(policy.defaults());
    let effective = flat(policy.link(link));
    let lookup = |list: &[(String, String)], key: &str| {
        list.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    };
    effective
        .into_iter()
        .map(|(key, value)| {
            let in_defaults = lookup(&defaults, &key);
            let source = if own_section && in_defaults.as_deref() != Some(value.as_str()) {
                format!("[links.{link}]")
            } else if lookup(&builtin, &key).as_deref() != Some(value.as_str()) {
                "[defaults]".to_owned()
            } else {
                "built-in default".to_owned()
            };
            EffectiveSetting { key, value, source }
        })
        .collect()
}

/// Flattens nested objects into dotted keys; other values become text.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Null => out.push((prefix.to_owned(), "(not set)".to_owned())),
        Value::String(s) => out.push((prefix.to_owned(), format!("{s:?}"))),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn each_value_names_its_layer() {
        let policy = PolicyConfig::from_toml_str(
            "[defaults.text]\ntemplate = \"{caption} {permalink}\"\n[links.shop.filters]\nopt_out_tag = \"#skip\"\n",
            "test.toml",
        )
        .unwrap();
        let shop = effective(&policy, &LinkId::new("shop").unwrap());
        let find = |list: &[EffectiveSetting], key: &str| {
            list.iter().find(|s| s.key == key).cloned().unwrap()
        };
        let tag = find(&shop, "filters.opt_out_tag");
        assert_eq!(tag.source, "[links.shop]");
        assert!(tag.value.contains("skip"), "{}", tag.value);
        assert_eq!(find(&shop, "text.template").source, "[defaults]");
        assert_eq!(
            find(&shop, "content.feed_images").source,
            "built-in default"
        );
        let other = effective(&policy, &LinkId::new("other").unwrap());
        assert_eq!(
            find(&other, "filters.opt_out_tag").source,
            "built-in default"
        );
        assert_eq!(find(&other, "text.template").source, "[defaults]");
    }
}
