//! The pages' templates and stylesheet, embedded in the binary.
//!
//! Templates are `minijinja` with HTML auto-escaping (every template name ends
//! in `.html`), so whatever the platforms or the store hold is escaped; no
//! template marks anything `safe`.

use minijinja::Environment;
use serde::Serialize;

use crate::error::CliError;

/// The stylesheet served at `/assets/style.css`.
pub const STYLE: &str = include_str!("../../../templates/serve/style.css");

const TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../../templates/serve/base.html"),
    ),
    (
        "links.html",
        include_str!("../../../templates/serve/links.html"),
    ),
    (
        "link_new.html",
        include_str!("../../../templates/serve/link_new.html"),
    ),
    (
        "link.html",
        include_str!("../../../templates/serve/link.html"),
    ),
    (
        "purge.html",
        include_str!("../../../templates/serve/purge.html"),
    ),
    (
        "log.html",
        include_str!("../../../templates/serve/log.html"),
    ),
    (
        "post.html",
        include_str!("../../../templates/serve/post.html"),
    ),
    (
        "review.html",
        include_str!("../../../templates/serve/review.html"),
    ),
    (
        "doctor.html",
        include_str!("../../../templates/serve/doctor.html"),
    ),
    (
        "report.html",
        include_str!("../../../templates/serve/report.html"),
    ),
    (
        "login.html",
        include_str!("../../../templates/serve/login.html"),
    ),
    (
        "deletion.html",
        include_str!("../../../templates/serve/deletion.html"),
    ),
    (
        "message.html",
        include_str!("../../../templates/serve/message.html"),
    ),
];

/// A stored time as people read it (`2026-05-01 12:00:00 UTC`); anything
/// that is not a time is shown as it is.
fn when(value: String) -> String {
    value
        .parse::<jiff::Timestamp>()
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or(value)
}

/// Every page template, parsed once.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Parses the embedded templates.
    ///
    /// # Errors
    /// [`CliError::Input`] naming a template that does not parse.
    pub fn new() -> Result<Self, CliError> {
        let mut env = Environment::new();
        env.add_filter("when", when);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| CliError::Input(format!("template {name}: {e}")))?;
        }
        Ok(Self { env })
    }

    /// Renders page `name` with `context`.
    ///
    /// # Errors
    /// [`CliError::Input`] when rendering fails.
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String, CliError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(context))
            .map_err(|e| CliError::Input(format!("page {name}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn pages_escape_what_they_show() {
        let templates = Templates::new().unwrap();
        let page = templates
            .render(
                "message.html",
                minijinja::context! { title => "t", message => "<script>alert(1)</script>", csrf => "c", nav => true },
            )
            .unwrap();
        assert!(page.contains("&lt;script&gt;"), "{page}");
        assert!(!page.contains("<script>"), "{page}");
    }
}
