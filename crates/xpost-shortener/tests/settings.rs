//! From `text.shortener*` settings to a working shortener, with the key read
//! from the named environment variable.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mockito::{Matcher, Server};
use url::Url;
use xpost_policy::settings::{ShortenerKind, TextSettings};
use xpost_shortener::{BuildError, from_settings, from_settings_with_client};

const KEY: &str = "d0c5e5b1-0f7e-4f53-9f5a-6f1f0b4f2a77";

fn long() -> Url {
    Url::parse("https://www.instagram.com/p/B38Xyp6nqsS/").unwrap()
}

fn text(kind: ShortenerKind, url: &str) -> TextSettings {
    TextSettings {
        shortener: kind,
        shortener_url: Some(url.to_owned()),
        shortener_key_env: Some("XPOST_TEST_SHORTENER_KEY".to_owned()),
        ..TextSettings::default()
    }
}

fn env(name: &str) -> Option<String> {
    (name == "XPOST_TEST_SHORTENER_KEY").then(|| KEY.to_owned())
}

#[tokio::test]
async fn none_returns_the_url_unchanged() {
    let shortener = from_settings(&TextSettings::default(), |_| None).unwrap();
    assert_eq!(shortener.shorten(&long()).await.unwrap(), long());
}

#[tokio::test]
async fn shlink_gets_the_key_from_the_named_variable() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", "/rest/v3/short-urls")
        .match_header("x-api-key", KEY)
        .with_status(200)
        .with_body(r#"{"shortUrl":"https://sho.rt/k1"}"#)
        .expect(1)
        .create_async()
        .await;
    let shortener = from_settings(&text(ShortenerKind::Shlink, &server.url()), env).unwrap();
    assert_eq!(
        shortener.shorten(&long()).await.unwrap().as_str(),
        "https://sho.rt/k1"
    );
    mock.assert_async().await;
}

#[tokio::test]
async fn yourls_gets_the_signature_from_the_named_variable() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("POST", "/yourls-api.php")
        .match_body(Matcher::UrlEncoded("signature".into(), KEY.into()))
        .with_status(200)
        .with_body(r#"{"status":"success","shorturl":"https://sho.rt/y1"}"#)
        .expect(1)
        .create_async()
        .await;
    let shortener = from_settings_with_client(
        &text(ShortenerKind::Yourls, &server.url()),
        env,
        reqwest::Client::new(),
    )
    .unwrap();
    assert_eq!(
        shortener.shorten(&long()).await.unwrap().as_str(),
        "https://sho.rt/y1"
    );
    mock.assert_async().await;
}

#[test]
fn an_unset_or_empty_variable_is_named() {
    let settings = text(ShortenerKind::Shlink, "https://sho.rt");
    for lookup in [None, Some(String::new()), Some("  ".to_owned())] {
        let err = from_settings(&settings, |_| lookup.clone())
            .err()
            .expect("refused");
        assert!(
            matches!(&err, BuildError::MissingKeyEnv { name } if name == "XPOST_TEST_SHORTENER_KEY"),
            "{err:?}"
        );
    }
}

#[test]
fn missing_settings_are_refused_without_showing_the_key() {
    let mut settings = text(ShortenerKind::Yourls, "https://sho.rt");
    settings.shortener_url = None;
    let err = from_settings(&settings, env).err().expect("refused");
    assert!(err.to_string().contains("shortener_url"), "{err}");

    let mut settings = text(ShortenerKind::Shlink, "https://sho.rt");
    settings.shortener_key_env = None;
    let err = from_settings(&settings, env).err().expect("refused");
    assert!(err.to_string().contains("shortener_key_env"), "{err}");

    let err = from_settings(&text(ShortenerKind::Shlink, "ftp://sho.rt"), env)
        .err()
        .expect("refused");
    assert!(matches!(err, BuildError::InvalidBaseUrl { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains(KEY));
}
