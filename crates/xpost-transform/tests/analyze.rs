//! `analyze` shares one URL extraction between counting and hashtags; it
//! must answer exactly what the separate functions answer.

mod common;

use common::corpus::{Rng, adversarial_caption, realistic_caption};
use xpost_transform::{Config, analyze, extract, parse_tweet};

#[test]
fn analyze_equals_the_separate_functions() {
    let mut rng = Rng::new(0xA7A1_0001);
    for i in 0..4_000 {
        let text = if i % 4 == 0 {
            realistic_caption(&mut rng)
        } else {
            adversarial_caption(&mut rng, 2_200)
        };
        for config in [Config::v1(), Config::v2(), Config::v3()] {
            let a = analyze(&text, config);
            assert_eq!(a.parsed, parse_tweet(&text, config), "{text:?}");
            assert_eq!(a.urls, extract::urls(&text), "{text:?}");
            assert_eq!(a.hashtags, extract::hashtags(&text), "{text:?}");
            assert_eq!(a.mentions, extract::mentions(&text), "{text:?}");
            assert_eq!(a.cashtags, extract::cashtags(&text), "{text:?}");
        }
    }
}
