//! Invariant checks on the settings loader, shared by the `cargo fuzz` target
//! in `fuzz/` and the corpus replay test, so the kept corpus guards the same
//! properties in every `cargo test`. Only built with the `fuzzing` feature.

use serde::Serialize;

use crate::{LinkSettings, PolicyConfig, PolicyError};

/// Loads arbitrary text as a settings file. It loads or fails with an error
/// that points inside the text; whatever loads was validated, and writing
/// any link's settings back as `[defaults]` loads the same settings again.
pub fn settings(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let config = match PolicyConfig::from_toml_str(text, "fuzz.toml") {
        Ok(config) => config,
        Err(PolicyError::Config {
            file, line, column, ..
        }) => {
            assert_eq!(file, "fuzz.toml");
            let lines = text.split('\n').count();
            assert!(
                line >= 1 && line <= lines,
                "line {line} of {lines}: {text:?}"
            );
            assert!(column >= 1);
            return;
        }
        Err(other) => panic!("loading text failed with {other:?}"),
    };
    let all = std::iter::once(config.defaults()).chain(config.links().map(|(_, s)| s));
    for settings in all {
        if let Err(e) = settings.validate() {
            panic!("loaded settings do not validate: {e}");
        }
        reloads(settings);
    }
}

/// `settings` written as a file's `[defaults]` loads back unchanged.
fn reloads(settings: &LinkSettings) {
    #[derive(Serialize)]
    struct File<'a> {
        defaults: &'a LinkSettings,
    }
    let written = match toml::to_string(&File { defaults: settings }) {
        Ok(written) => written,
        Err(e) => panic!("{settings:?} does not write as TOML: {e}"),
    };
    match PolicyConfig::from_toml_str(&written, "written.toml") {
        Ok(again) => assert_eq!(again.defaults(), settings, "through\n{written}"),
        Err(e) => panic!("written settings do not load: {e}\n{written}"),
    }
}
