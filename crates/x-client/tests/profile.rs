//! Profile updates against a mock X: the v2 routes with a bearer token, the v1.1
//! routes with an OAuth 1.0a signature, and the credential and length checks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use mockito::Matcher;
use serde_json::json;
use x_client::{Error, MediaId, OAuth1Credentials, OAuth1Secret, ProfileUpdate, XClient};

fn oauth1() -> OAuth1Credentials {
    OAuth1Credentials {
        consumer_key: "ck".into(),
        consumer_secret: OAuth1Secret::new("cs"),
        token: "tk".into(),
        token_secret: OAuth1Secret::new("ts"),
    }
}

#[tokio::test]
async fn v2_profile_and_avatar() {
    let mut server = mockito::Server::new_async().await;
    let put = server
        .mock("PUT", "/2/users/me")
        .match_header("authorization", "Bearer token-1")
        .match_body(Matcher::Json(
            json!({"name": "New Name", "description": "New bio"}),
        ))
        .with_body(
            r#"{"data":{"id":"1","name":"New Name","username":"u","description":"New bio"}}"#,
        )
        .create_async()
        .await;
    let upload = server
        .mock("POST", "/2/media/upload")
        .with_body(r#"{"data":{"id":"55","media_key":"3_55"}}"#)
        .create_async()
        .await;
    let image = server
        .mock("PUT", "/2/users/me/profile_image")
        .match_body(Matcher::Json(json!({"media_id": "55"})))
        .with_body(r#"{"data":{"id":"1"}}"#)
        .create_async()
        .await;
    let client = client(&server.url(), FakeClock::at(T0));
    let update = ProfileUpdate {
        name: Some("New Name".into()),
        description: Some("New bio".into()),
        ..ProfileUpdate::default()
    };
    let user = client.update_profile(&update).await.unwrap().unwrap();
    assert_eq!(user.description.as_deref(), Some("New bio"));
    let media = client
        .update_profile_image(&b"JPEG"[..], "image/jpeg")
        .await
        .unwrap();
    assert_eq!(media.id, MediaId::new("55"));
    for m in [put, upload, image] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn v1_profile_is_signed_with_oauth1() {
    let mut server = mockito::Server::new_async().await;
    let rec = recorded("v1.1/account_update_profile.200.json");
    let mock = serve(
        server
            .mock("POST", "/1.1/account/update_profile.json")
            .match_header(
                "authorization",
                Matcher::Regex(
                    r#"^OAuth oauth_consumer_key="ck", oauth_nonce="[A-Za-z0-9]{32}", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1700000000", oauth_token="tk", oauth_version="1.0", oauth_signature="[^"]+"$"#
                        .into(),
                ),
            )
            .match_body(Matcher::AllOf(vec![
                Matcher::UrlEncoded("name".into(), "Tweepy test 123".into()),
                Matcher::UrlEncoded("location".into(), "pytopia".into()),
            ])),
        &rec,
    )
    .create_async()
    .await;
    let avatar = server
        .mock("POST", "/1.1/account/update_profile_image.json")
        .match_body(Matcher::UrlEncoded("image".into(), "R0lGODlh".into()))
        .with_body(rec.body.to_string())
        .create_async()
        .await;
    let client = XClient::builder()
        .config(config(&server.url()))
        .clock(FakeClock::at(T0))
        .oauth1(oauth1())
        .build()
        .unwrap();
    let update = ProfileUpdate {
        name: Some("Tweepy test 123".into()),
        location: Some("pytopia".into()),
        ..ProfileUpdate::default()
    };
    let user = client.update_profile_v1(&update).await.unwrap();
    assert_eq!(user.screen_name, "TweepyDev");
    assert_eq!(user.id_str.as_str(), "1072250532645998596");
    client.update_profile_image_v1(b"GIF89a").await.unwrap();
    mock.assert_async().await;
    avatar.assert_async().await;
}

#[tokio::test]
async fn v1_needs_oauth1_and_limits_hold() {
    let client = client("http://127.0.0.1:9", FakeClock::at(T0));
    let update = ProfileUpdate {
        name: Some("n".into()),
        ..ProfileUpdate::default()
    };
    let err = client.update_profile_v1(&update).await.unwrap_err();
    assert!(matches!(err, Error::CredentialsMissing { .. }), "{err:?}");
    let err = client
        .update_profile_image_v1(&vec![0u8; 700 * 1024])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    let long = ProfileUpdate {
        description: Some("d".repeat(161)),
        ..ProfileUpdate::default()
    };
    assert!(client.update_profile(&long).await.is_err());
}

#[tokio::test]
async fn oauth1_alone_can_post_through_v2() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/2/tweets")
        .match_header("authorization", Matcher::Regex("^OAuth ".into()))
        .with_status(201)
        .with_body(r#"{"data":{"id":"1","text":"t"}}"#)
        .create_async()
        .await;
    let client = XClient::builder()
        .config(config(&server.url()))
        .clock(FakeClock::at(T0))
        .oauth1(oauth1())
        .build()
        .unwrap();
    client
        .create_post(&x_client::NewPost::text("t").unwrap())
        .await
        .unwrap();
    mock.assert_async().await;
    assert!(
        XClient::builder().build().is_err(),
        "credentials are required"
    );
}
