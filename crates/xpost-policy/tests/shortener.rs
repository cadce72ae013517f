//! The shortener settings (`text.shortener*`) and rendering a shortened link.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use xpost_core::{MediaType, ProductType, SourcePost};
use xpost_policy::render::{link_for, render_with_link};
use xpost_policy::settings::{ShortenerKind, Utm};
use xpost_policy::{LinkSettings, PolicyConfig, PolicyError, render};

fn post() -> SourcePost {
    SourcePost {
        id: "1".parse().unwrap(),
        media_type: MediaType::Image,
        product_type: ProductType::Feed,
        caption: Some("Sunset at the beach".to_owned()),
        permalink: Some("https://www.instagram.com/p/B38Xyp6nqsS/".to_owned()),
        timestamp: "2025-07-01T11:55:00Z".parse().unwrap(),
        username: None,
        close_friends: false,
        media: Vec::new(),
    }
}

fn invalid_key(settings: &LinkSettings) -> (String, String) {
    match settings.validate() {
        Err(PolicyError::Invalid { key, message }) => (key, message),
        other => panic!("expected an invalid setting, got {other:?}"),
    }
}

fn shlink() -> LinkSettings {
    let mut s = LinkSettings::default();
    s.text.shortener = ShortenerKind::Shlink;
    s.text.shortener_url = Some("https://sho.rt".to_owned());
    s.text.shortener_key_env = Some("XPOST_SHLINK_KEY".to_owned());
    s
}

#[test]
fn the_default_is_no_shortener() {
    let s = LinkSettings::default();
    assert_eq!(s.text.shortener, ShortenerKind::None);
    assert_eq!(s.text.shortener_url, None);
    assert_eq!(s.text.shortener_key_env, None);
    s.validate().unwrap();
}

#[test]
fn a_complete_shortener_setting_is_accepted() {
    shlink().validate().unwrap();
    let mut s = shlink();
    s.text.shortener = ShortenerKind::Yourls;
    s.text.shortener_url = Some("http://127.0.0.1:8080/yourls/".to_owned());
    s.text.shortener_key_env = Some("_YOURLS_SIG2".to_owned());
    s.validate().unwrap();
}

#[test]
fn a_shortener_needs_a_url_and_a_key_variable() {
    let mut s = shlink();
    s.text.shortener_url = None;
    let (key, message) = invalid_key(&s);
    assert_eq!(key, "text.shortener_url");
    assert!(message.contains("shlink"), "{message}");

    let mut s = shlink();
    s.text.shortener_url = Some("  ".to_owned());
    assert_eq!(invalid_key(&s).0, "text.shortener_url");

    let mut s = shlink();
    s.text.shortener_key_env = None;
    let (key, message) = invalid_key(&s);
    assert_eq!(key, "text.shortener_key_env");
    assert!(message.contains("environment variable"), "{message}");
}

#[test]
fn unusable_urls_are_refused() {
    for bad in [
        "sho.rt",
        "ftp://sho.rt",
        "https://admin:secret@sho.rt",
        "https://sho.rt/?signature=abc",
        "https://sho.rt/#top",
    ] {
        let mut s = shlink();
        s.text.shortener_url = Some(bad.to_owned());
        assert_eq!(invalid_key(&s).0, "text.shortener_url", "{bad}");
    }
}

#[test]
fn the_key_variable_must_be_a_name_not_a_secret() {
    for bad in [
        "1KEY",
        "my-key",
        "5f2a9c0e-1b7d-4a7e-9d1c-3f0f7b2f9a11",
        "KEY=abc",
        "A B",
    ] {
        let mut s = shlink();
        s.text.shortener_key_env = Some(bad.to_owned());
        let (key, message) = invalid_key(&s);
        assert_eq!(key, "text.shortener_key_env", "{bad}");
        assert!(!message.contains(bad), "the value is not echoed: {message}");
    }
}

#[test]
fn written_keys_are_checked_even_when_shortening_is_off() {
    let mut s = LinkSettings::default();
    s.text.shortener_url = Some("ftp://sho.rt".to_owned());
    assert_eq!(invalid_key(&s).0, "text.shortener_url");
    let mut s = LinkSettings::default();
    s.text.shortener_url = Some("https://sho.rt".to_owned());
    s.validate().unwrap();
}

#[test]
fn toml_keys_load_and_errors_are_located() {
    let config = PolicyConfig::from_toml_str(
        r#"
[defaults.text]
shortener = "yourls"
shortener_url = "https://sho.rt"
shortener_key_env = "XPOST_YOURLS_SIGNATURE"

[links.plain.text]
shortener = "none"
"#,
        "test.toml",
    )
    .unwrap();
    let d = config.defaults();
    assert_eq!(d.text.shortener, ShortenerKind::Yourls);
    assert_eq!(d.text.shortener_url.as_deref(), Some("https://sho.rt"));
    let plain = config.defined_link("plain").unwrap();
    assert_eq!(plain.text.shortener, ShortenerKind::None);
    assert_eq!(plain.text.shortener_url.as_deref(), Some("https://sho.rt"));

    let err = PolicyConfig::from_toml_str("[defaults.text]\nshortener = \"bitly\"\n", "test.toml")
        .unwrap_err();
    assert!(
        matches!(&err, PolicyError::Config { line: 2, key, .. } if key == "defaults.text.shortener"),
        "{err}"
    );

    let err = PolicyConfig::from_toml_str(
        "[defaults.text]\nshortener = \"shlink\"\nshortener_url = \"https://sho.rt\"\n",
        "test.toml",
    )
    .unwrap_err();
    assert!(err.to_string().contains("shortener_key_env"), "{err}");

    let err = PolicyConfig::from_toml_str(
        "[defaults.text]\nshortener = \"shlink\"\nshortener_url = \"https://sho.rt\"\nshortener_key = \"abc\"\n",
        "test.toml",
    )
    .unwrap_err();
    assert!(
        matches!(&err, PolicyError::Config { line: 4, .. }),
        "no key for the secret itself: {err}"
    );
}

#[test]
fn the_link_to_shorten_carries_the_utm_parameters() {
    let mut s = LinkSettings::default();
    s.text.utm = Some(Utm {
        source: "x".to_owned(),
        medium: Some("social".to_owned()),
        campaign: None,
    });
    assert_eq!(
        link_for(&post(), &s).as_deref(),
        Some("https://www.instagram.com/p/B38Xyp6nqsS/?utm_source=x&utm_medium=social")
    );
    s.text.no_link = true;
    assert_eq!(link_for(&post(), &s), None);
}

#[test]
fn the_shortened_link_is_what_the_text_carries() {
    let s = shlink();
    let r = render_with_link(&post(), &s, Some("https://xpo.st/abc")).unwrap();
    assert_eq!(r.posts[0].text, "Sunset at the beach\n\nhttps://xpo.st/abc");
    assert!(r.posts[0].has_url);
    assert!(!r.posts[0].text.contains("instagram.com"));

    // Without a link given, the text is what `no_link` makes; with the
    // unshortened one, it is render's.
    let r = render_with_link(&post(), &s, None).unwrap();
    let mut without = s.clone();
    without.text.no_link = true;
    assert_eq!(r, render(&post(), &without).unwrap());
    assert!(!r.posts[0].has_url);
    let long = link_for(&post(), &s);
    assert_eq!(
        render_with_link(&post(), &s, long.as_deref()).unwrap(),
        render(&post(), &s).unwrap()
    );
}

#[test]
fn no_link_beats_a_shortened_link() {
    let mut s = shlink();
    s.text.no_link = true;
    let r = render_with_link(&post(), &s, Some("https://xpo.st/abc")).unwrap();
    assert!(!r.posts[0].text.contains("xpo.st"), "{:?}", r.posts[0].text);
    assert!(!r.posts[0].has_url);
    assert_eq!(r, render(&post(), &s).unwrap());
}
