//! From a link's `text.shortener*` settings to a ready [`Shortener`].

use std::sync::Arc;

use secrecy::SecretString;
use xpost_core::{NoShortener, Shortener};
use xpost_policy::settings::{ShortenerKind, TextSettings};

use crate::error::BuildError;
use crate::shlink::Shlink;
use crate::yourls::Yourls;

/// The shortener `text` names, with its key read through `env` (pass
/// `|name| std::env::var(name).ok()` in production) from the variable named
/// by `text.shortener_key_env`. `none` gives [`NoShortener`]. Other
/// settings (timeout, retries) keep their defaults.
///
/// # Errors
/// [`BuildError::Settings`] when the settings lack the URL or the variable
/// name (validated settings never do), [`BuildError::MissingKeyEnv`] when
/// the variable is unset or empty, and the builders' errors.
pub fn from_settings<F>(text: &TextSettings, env: F) -> Result<Arc<dyn Shortener>, BuildError>
where
    F: Fn(&str) -> Option<String>,
{
    build(text, env, None)
}

/// As [`from_settings`], with requests sent through `client` (a shared
/// connection pool, a proxy).
///
/// # Errors
/// As [`from_settings`].
pub fn from_settings_with_client<F>(
    text: &TextSettings,
    env: F,
    client: reqwest::Client,
) -> Result<Arc<dyn Shortener>, BuildError>
where
    F: Fn(&str) -> Option<String>,
{
    build(text, env, Some(client))
}

fn build<F>(
    text: &TextSettings,
    env: F,
    client: Option<reqwest::Client>,
) -> Result<Arc<dyn Shortener>, BuildError>
where
    F: Fn(&str) -> Option<String>,
{
    let kind = text.shortener;
    if kind == ShortenerKind::None {
        return Ok(Arc::new(NoShortener));
    }
    let missing = |key: &str| {
        BuildError::Settings(format!(
            "text.shortener = \"{}\" needs text.{key}",
            kind.as_str()
        ))
    };
    let url = text
        .shortener_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| missing("shortener_url"))?;
    let name = text
        .shortener_key_env
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| missing("shortener_key_env"))?;
    let key: SecretString = env(name)
        .filter(|k| !k.trim().is_empty())
        .map(|k| k.trim().to_owned().into())
        .ok_or_else(|| BuildError::MissingKeyEnv {
            name: name.to_owned(),
        })?;
    match kind {
        ShortenerKind::Shlink => {
            let mut builder = Shlink::builder().base_url(url).api_key(key);
            if let Some(client) = client {
                builder = builder.client(client);
            }
            Ok(Arc::new(builder.build()?))
        }
        ShortenerKind::Yourls => {
            let mut builder = Yourls::builder().base_url(url).signature(key);
            if let Some(client) = client {
                builder = builder.client(client);
            }
            Ok(Arc::new(builder.build()?))
        }
        other => Err(BuildError::Settings(format!(
            "text.shortener = \"{}\" is not a service this crate knows",
            other.as_str()
        ))),
    }
}
