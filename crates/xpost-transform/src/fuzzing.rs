//! Invariant checks on the transform, shared by the `cargo fuzz` target in
//! `fuzz/` and the corpus replay test, so the kept corpus guards the same
//! properties in every `cargo test`. Only built with the `fuzzing` feature.

use crate::thread::{PermalinkPlacement, ThreadOptions, split};
use crate::{Config, FitOptions, MentionMap, Template, Vars, extract, fit, parse_tweet, validate};

/// Counts, extracts, fits, splits and maps arbitrary text (the first byte
/// picks the configuration and budget): nothing may panic, entities fall on
/// character boundaries, and whatever `fit` and `split` return is within the
/// budget.
pub fn transform(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let config = match selector % 3 {
        0 => Config::v1(),
        1 => Config::v2(),
        _ => Config::v3(),
    };

    let parsed = parse_tweet(&text, config);
    let units = text.encode_utf16().count();
    assert!(parsed.display_range.1 <= units.max(1));
    for e in extract::entities(&text) {
        assert!(text.is_char_boundary(e.range.start) && text.is_char_boundary(e.range.end));
    }
    let _ = crate::report(&text, config);
    let _ = crate::analyze(&text, config);
    let _ = validate::is_valid_url(&text, selector & 1 == 0, selector & 2 == 0);
    let _ = validate::is_valid_hashtag(&text);
    let _ = validate::is_valid_username(&text);
    let _ = validate::is_valid_list(&text);
    let _ = extract::reply(&text);
    let _ = extract::mentions_or_lists(&text);

    let map = MentionMap::from_pairs([("anna.k", "anna"), ("bob", "bob_x")]);
    if let Ok(map) = map {
        let mapped = map.apply(&text);
        let _ = parse_tweet(&mapped, config);
    }

    let budget = 20 + usize::from(selector) * 4;
    let template = Template::parse("{caption}\n\n{permalink}");
    if let Ok(template) = template {
        let vars = Vars::default()
            .caption(&text)
            .permalink("https://www.instagram.com/p/Cx1AbC/");
        let options = FitOptions::default().budget(budget).config(config);
        if let Ok(fitted) = fit(&template, &vars, &options) {
            assert!(fitted.weighted_length <= budget, "fit over budget");
        }
    }

    let options = ThreadOptions::default()
        .budget(budget)
        .config(config)
        .numbering(selector & 1 == 0)
        .permalink(PermalinkPlacement::Last);
    if let Ok(parts) = split(&text, Some("https://www.instagram.com/p/Cx1AbC/"), &options) {
        for part in parts {
            let p = parse_tweet(&part, config);
            assert!(p.weighted_length <= budget, "thread part over budget");
        }
    }
}
