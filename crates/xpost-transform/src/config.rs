//! The twitter-text counting configurations (v1, v2, v3), embedded from the
//! official JSON files in `data/config/`.

use serde::Deserialize;
use std::sync::LazyLock;

use crate::error::TransformError;

/// One code-point range with its weight, as in the official config files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct WeightRange {
    /// First code point of the range (inclusive).
    pub start: u32,
    /// Last code point of the range (inclusive).
    pub end: u32,
    /// Weight of every code point in the range, in units of `1/scale`.
    pub weight: u32,
}

/// A twitter-text configuration: how long a tweet may be and how characters weigh.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// Version number of the configuration (1, 2 or 3).
    pub version: u32,
    /// Largest weighted length that is still a valid tweet.
    pub max_weighted_tweet_length: u32,
    /// Divisor applied to the summed weights.
    pub scale: u32,
    /// Weight of a code point outside every range.
    pub default_weight: u32,
    /// Weight-free length every URL counts as (before scaling: the count is `* scale`).
    #[serde(rename = "transformedURLLength")]
    pub transformed_url_length: u32,
    /// Whether emoji sequences count as one unit of default weight.
    #[serde(default)]
    pub emoji_parsing_enabled: bool,
    /// Weighted code-point ranges.
    #[serde(default)]
    pub ranges: Vec<WeightRange>,
}

static V1: LazyLock<Config> = LazyLock::new(|| embedded(include_str!("../data/config/v1.json")));
static V2: LazyLock<Config> = LazyLock::new(|| embedded(include_str!("../data/config/v2.json")));
static V3: LazyLock<Config> = LazyLock::new(|| embedded(include_str!("../data/config/v3.json")));

fn embedded(json: &str) -> Config {
    // The embedded files are part of the crate and covered by tests; a parse
    // failure here is a build defect, not an input error.
    #[allow(clippy::expect_used)]
    serde_json::from_str(json).expect("embedded twitter-text config is valid JSON")
}

impl Config {
    /// The legacy configuration: 140 code points, every code point weighs 1.
    pub fn v1() -> &'static Config {
        &V1
    }

    /// 280 weighted characters, CJK and most symbols weigh 2, no emoji parsing.
    pub fn v2() -> &'static Config {
        &V2
    }

    /// The current default: v2 plus emoji sequences counted as one unit of weight 2.
    pub fn v3() -> &'static Config {
        &V3
    }

    /// The configuration named `v1`, `v2` or `v3`.
    ///
    /// # Errors
    /// [`TransformError::UnknownConfig`] for any other name.
    pub fn by_name(name: &str) -> Result<&'static Config, TransformError> {
        match name {
            "v1" | "1" => Ok(Self::v1()),
            "v2" | "2" => Ok(Self::v2()),
            "v3" | "3" => Ok(Self::v3()),
            other => Err(TransformError::UnknownConfig(other.to_owned())),
        }
    }

    /// Parses a configuration in the official JSON format.
    ///
    /// # Errors
    /// [`TransformError::BadConfig`] when the JSON does not describe a configuration.
    pub fn from_json(json: &str) -> Result<Config, TransformError> {
        let config: Config =
            serde_json::from_str(json).map_err(|e| TransformError::BadConfig(e.to_string()))?;
        if config.scale == 0 {
            return Err(TransformError::BadConfig("scale must be positive".into()));
        }
        Ok(config)
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::v3().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_configs_load() {
        assert_eq!(Config::v1().max_weighted_tweet_length, 140);
        assert_eq!(Config::v2().scale, 100);
        assert!(!Config::v2().emoji_parsing_enabled);
        assert!(Config::v3().emoji_parsing_enabled);
        assert_eq!(Config::v3().ranges.len(), 4);
        assert_eq!(Config::v3().transformed_url_length, 23);
    }

    #[test]
    fn unknown_names_and_bad_json_are_errors() {
        assert!(Config::by_name("v4").is_err());
        assert!(Config::from_json("{").is_err());
        assert!(Config::from_json(r#"{"version":1,"maxWeightedTweetLength":1,"scale":0,"defaultWeight":1,"transformedURLLength":1}"#).is_err());
    }
}
