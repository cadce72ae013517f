//! Loading link settings from a TOML file, with every error located.
//!
//! The file has a `[defaults]` table and one `[links.NAME]` table per link;
//! a link's keys override the defaults key by key (tables merge, other
//! values replace). The file is parsed with spans kept, merged at that level
//! and only then deserialized, so every error — bad TOML, an unknown key, a
//! wrong type, an impossible value — names the file, the line and the key
//! where the offending value was written, in `[defaults]` or in the link.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use xpost_core::LinkId;

use crate::error::PolicyError;
use crate::settings::LinkSettings;

/// Link settings loaded from a file: the defaults and each named link.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyConfig {
    defaults: LinkSettings,
    links: BTreeMap<LinkId, LinkSettings>,
}

impl PolicyConfig {
    /// Reads and checks the TOML file at `path`.
    ///
    /// # Errors
    /// [`PolicyError::Read`] when the file cannot be read,
    /// [`PolicyError::Config`] naming file, line and key for anything else.
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses and checks TOML `text`; `file` names it in errors.
    ///
    /// # Errors
    /// [`PolicyError::Config`] naming file, line and key.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self, PolicyError> {
        let at = Locator { text, file };
        let root = DeTable::parse(text).map_err(|e| at.error(e.span(), "(syntax)", e.message()))?;
        let root = root.get_ref();
        let mut defaults_table = DeTable::new();
        let mut links_table = None;
        for (key, value) in root.iter() {
            match key.get_ref().as_ref() {
                "defaults" => match value.get_ref() {
                    DeValue::Table(t) => defaults_table = t.clone(),
                    _ => return Err(at.error(Some(value.span()), "defaults", "must be a table")),
                },
                "links" => match value.get_ref() {
                    DeValue::Table(t) => links_table = Some(t.clone()),
                    _ => {
                        return Err(at.error(
                            Some(value.span()),
                            "links",
                            "must be a table of [links.NAME] tables",
                        ));
                    }
                },
                other => {
                    return Err(at.error(
                        Some(key.span()),
                        other,
                        "unknown top-level key: expected [defaults] or [links.NAME]",
                    ));
                }
            }
        }
        let defaults = at.settings(&defaults_table, &[("defaults", root)], "defaults")?;
        let mut links = BTreeMap::new();
        for (name, value) in links_table.iter().flat_map(|t| t.iter()) {
            let name_str = name.get_ref().as_ref();
            let key = format!("links.{name_str}");
            let id = LinkId::new(name_str)
                .map_err(|e| at.error(Some(name.span()), &key, &e.to_string()))?;
            let DeValue::Table(own) = value.get_ref() else {
                return Err(at.error(Some(value.span()), &key, "must be a table"));
            };
            let mut merged = defaults_table.clone();
            merge(&mut merged, own);
            let settings = at.settings(&merged, &[(&key, root), ("defaults", root)], &key)?;
            links.insert(id, settings);
        }
        Ok(Self { defaults, links })
    }

    /// The settings of link `name`: its own section merged over the
    /// defaults, or the defaults alone when the file has no such section.
    pub fn link(&self, name: &LinkId) -> &LinkSettings {
        self.links.get(name).unwrap_or(&self.defaults)
    }

    /// The settings of a link the file must define.
    ///
    /// # Errors
    /// [`PolicyError::UnknownLink`] when there is no `[links.NAME]`.
    pub fn defined_link(&self, name: &str) -> Result<&LinkSettings, PolicyError> {
        self.links
            .iter()
            .find(|(id, _)| id.as_str() == name)
            .map(|(_, s)| s)
            .ok_or_else(|| {
                let known: Vec<&str> = self.links.keys().map(LinkId::as_str).collect();
                PolicyError::UnknownLink(name.to_owned(), known.join(", "))
            })
    }

    /// The `[defaults]` settings.
    pub fn defaults(&self) -> &LinkSettings {
        &self.defaults
    }

    /// Every link the file defines, by name.
    pub fn links(&self) -> impl Iterator<Item = (&LinkId, &LinkSettings)> {
        self.links.iter()
    }
}

/// Overlays `over` on `base`: tables merge, other values replace.
fn merge<'i>(base: &mut DeTable<'i>, over: &DeTable<'i>) {
    for (key, value) in over.iter() {
        let existing = base.get_mut(key.get_ref().as_ref());
        match (existing, value.get_ref()) {
            (Some(old), DeValue::Table(new)) if matches!(old.get_ref(), DeValue::Table(_)) => {
                if let DeValue::Table(old_table) = old.get_mut() {
                    merge(old_table, new);
                }
            }
            _ => {
                base.remove(key.get_ref().as_ref());
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Turns spans into file, line, column and key.
struct Locator<'a> {
    text: &'a str,
    file: &'a str,
}

impl Locator<'_> {
    fn error(&self, span: Option<Range<usize>>, key: &str, message: &str) -> PolicyError {
        let offset = span.map_or(0, |s| s.start).min(self.text.len());
        let before = self.text.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        PolicyError::Config {
            file: self.file.to_owned(),
            line,
            column,
            key: key.to_owned(),
            message: message.to_owned(),
        }
    }

    /// Deserializes and validates one link's merged table. `sources` are the
    /// (dotted prefix, root) pairs where its keys may have been written, the
    /// link's own first.
    fn settings(
        &self,
        table: &DeTable<'_>,
        sources: &[(&str, &DeTable<'_>)],
        name: &str,
    ) -> Result<LinkSettings, PolicyError> {
        let value = Spanned::new(0..0, DeValue::Table(table.clone()));
        let settings = LinkSettings::deserialize(ValueDeserializer::from(value)).map_err(|e| {
            let span = e.span();
            let key = span
                .clone()
                .and_then(|s| sources.iter().find_map(|(_, root)| key_at(root, &s, "")))
                .unwrap_or_else(|| name.to_owned());
            self.error(span, &key, e.message())
        })?;
        settings.validate().map_err(|e| match e {
            PolicyError::Invalid { key, message } => {
                let (full, span) = sources
                    .iter()
                    .find_map(|(prefix, root)| {
                        let full = format!("{prefix}.{key}");
                        span_of(root, &full).map(|s| (full, s))
                    })
                    .unwrap_or_else(|| (format!("{name}.{key}"), 0..0));
                let message = if full.starts_with(name) {
                    message
                } else {
                    format!("{message} (in {name}, which inherits it)")
                };
                self.error(Some(span), &full, &message)
            }
            other => other,
        })?;
        Ok(settings)
    }
}

/// The dotted path of the deepest key whose key or value span holds `span`.
/// Every table is searched: the span of a table made by `[a.b]` headers does
/// not cover the keys below it.
fn key_at(table: &DeTable<'_>, span: &Range<usize>, prefix: &str) -> Option<String> {
    table.iter().find_map(|(key, value)| {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        deeper(value, span, &path)
            .or_else(|| (holds(&key.span(), span) || holds(&value.span(), span)).then_some(path))
    })
}

/// Whether `outer` holds `inner` (an empty `inner` at `outer`'s start counts).
fn holds(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end.max(outer.start + 1)
}

fn deeper(value: &Spanned<DeValue<'_>>, span: &Range<usize>, path: &str) -> Option<String> {
    match value.get_ref() {
        DeValue::Table(t) => key_at(t, span, path),
        DeValue::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let indexed = format!("{path}[{i}]");
            deeper(item, span, &indexed).or_else(|| holds(&item.span(), span).then_some(indexed))
        }),
        _ => None,
    }
}

/// The span of the key at dotted `path`, if it was written.
fn span_of(root: &DeTable<'_>, path: &str) -> Option<Range<usize>> {
    let mut table = root;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let (key, value) = table.iter().find(|(k, _)| k.get_ref().as_ref() == part)?;
        if parts.peek().is_none() {
            return Some(key.span());
        }
        match value.get_ref() {
            DeValue::Table(t) => table = t,
            _ => return Some(key.span()),
        }
    }
    None
}
