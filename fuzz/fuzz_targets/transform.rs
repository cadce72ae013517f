//! Count, extract, fit, split and map arbitrary text: nothing may panic, and
//! whatever `fit` and `split` return must be valid within the budget.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xpost_transform::thread::{PermalinkPlacement, ThreadOptions, split};
use xpost_transform::{
    Config, FitOptions, MentionMap, Template, Vars, extract, fit, parse_tweet, validate,
};

fuzz_target!(|data: &[u8]| {
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
    let _ = xpost_transform::report(&text, config);
    let _ = xpost_transform::analyze(&text, config);
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
});
