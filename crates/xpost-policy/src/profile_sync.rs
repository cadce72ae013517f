//! `[profile_sync]`: which fields of the Instagram profile are copied to the X
//! profile, and how the biography becomes an X description.
//!
//! Every field is opt-in: a profile is the account's face, and nobody should
//! find theirs changed by a tool they set up to cross-post.

use serde::{Deserialize, Serialize};
use xpost_transform::fit::{FitOptions, fit};
use xpost_transform::mention_map::MentionMap;
use xpost_transform::template::{Template, Vars};

use crate::error::PolicyError;
use crate::settings::{LinkSettings, MentionMode};

/// The longest X description, in X's weighted characters.
pub const DESCRIPTION_BUDGET: usize = 160;
/// The longest X display name, in characters.
pub const NAME_MAX_CHARS: usize = 50;
/// The longest X profile URL, in characters.
pub const URL_MAX_CHARS: usize = 100;

/// Which profile fields follow the Instagram profile. All off by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileSyncSettings {
    /// The profile picture becomes the X avatar. Default `false`.
    pub picture: bool,
    /// The Instagram name becomes the X display name. Default `false`.
    pub name: bool,
    /// The biography becomes the X description (fitted to 160 weighted
    /// characters, handles mapped as in posts). Default `false`.
    pub bio: bool,
    /// The website becomes the X profile URL. Default `false`.
    pub website: bool,
    /// Check the Instagram profile at most this often, in minutes. Default 60.
    pub every_minutes: u32,
}

impl Default for ProfileSyncSettings {
    fn default() -> Self {
        Self {
            picture: false,
            name: false,
            bio: false,
            website: false,
            every_minutes: 60,
        }
    }
}

impl ProfileSyncSettings {
    /// Whether any field is synced.
    pub fn enabled(&self) -> bool {
        self.picture || self.name || self.bio || self.website
    }

    /// Checks the values.
    ///
    /// # Errors
    /// [`PolicyError::Invalid`] for an `every_minutes` of 0.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.every_minutes == 0 {
            return Err(PolicyError::invalid(
                "profile_sync.every_minutes",
                "must be at least 1",
            ));
        }
        Ok(())
    }
}

/// An Instagram biography as an X description: handles mapped or made inert as
/// `privacy.mentions` and `privacy.mention_map` say for captions, then cut to
/// 160 weighted characters as X counts them (never inside a link, mention or
/// hashtag). An empty or blank biography is an empty description.
///
/// # Errors
/// [`PolicyError::Invalid`] for a bad mention map, [`PolicyError`] from fitting
/// when nothing of the biography can be kept.
pub fn description_for(bio: &str, settings: &LinkSettings) -> Result<String, PolicyError> {
    if bio.trim().is_empty() {
        return Ok(String::new());
    }
    let map = match settings.privacy.mentions {
        MentionMode::Keep => MentionMap::new(),
        _ => MentionMap::from_pairs(&settings.privacy.mention_map)
            .map_err(|e| PolicyError::invalid("privacy.mention_map", e.to_string()))?,
    };
    let bio = match settings.privacy.mentions {
        MentionMode::Keep => bio.to_owned(),
        _ => map.apply(bio),
    };
    let template = Template::parse("{caption}")
        .map_err(|e| PolicyError::invalid("profile_sync.bio", e.to_string()))?;
    let fitted = fit(
        &template,
        &Vars::default().caption(&bio),
        &FitOptions::default().budget(DESCRIPTION_BUDGET),
    )
    .map_err(|e| PolicyError::invalid("profile_sync.bio", e.to_string()))?;
    Ok(fitted.text)
}

/// A name cut to X's 50 characters (on a character boundary).
pub fn name_for(name: &str) -> String {
    name.trim().chars().take(NAME_MAX_CHARS).collect()
}

/// A website as an X profile URL, or `None` when X would refuse it (longer than
/// 100 characters): a broken link is worse than the old one.
pub fn url_for(website: &str) -> Option<String> {
    let website = website.trim();
    (website.chars().count() <= URL_MAX_CHARS).then(|| website.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use xpost_transform::{Config, count::weighted_length};

    fn settings(map: &[(&str, &str)]) -> LinkSettings {
        let mut s = LinkSettings::default();
        s.privacy.mention_map = map
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        s
    }

    #[test]
    fn handles_are_mapped_or_made_inert_and_links_kept() {
        let out = description_for(
            "Shots by @ana.ig with @bob_ig, prints at https://ana.example/shop",
            &settings(&[("ana.ig", "ana_x")]),
        )
        .unwrap();
        assert!(out.contains("@ana_x"), "{out}");
        assert!(out.contains("@\u{2060}bob_ig"), "{out}");
        assert!(out.contains("https://ana.example/shop"), "{out}");
    }

    #[test]
    fn long_bios_fit_in_160_as_x_counts() {
        // CJK weighs 2: 100 of them are 200 weighted characters.
        let bio = "写".repeat(100);
        let out = description_for(&bio, &settings(&[])).unwrap();
        assert!(weighted_length(&out, Config::v3()) <= 160, "{out}");
        assert!(out.ends_with('…'));
        // A URL counts 23 whatever its length, so a long one still fits whole.
        let url = format!("https://example.com/{}", "a".repeat(150));
        let out = description_for(&format!("site {url}"), &settings(&[])).unwrap();
        assert!(out.contains(&url));
        assert_eq!(description_for("  ", &settings(&[])).unwrap(), "");
    }

    #[test]
    fn names_and_urls_respect_x_limits() {
        assert_eq!(name_for(&"é".repeat(60)).chars().count(), 50);
        assert_eq!(
            url_for(" https://a.example "),
            Some("https://a.example".into())
        );
        assert_eq!(url_for(&format!("https://{}", "a".repeat(100))), None);
    }

    #[test]
    fn everything_is_off_by_default() {
        let s = ProfileSyncSettings::default();
        assert!(!s.enabled());
        assert!(s.validate().is_ok());
        let zero = ProfileSyncSettings {
            every_minutes: 0,
            ..s
        };
        assert!(zero.validate().is_err());
    }
}
