//! X's OAuth 1.0a in the emulator, driven with raw HTTP and a signer written
//! from the spec: the three legs, the v1.1 profile endpoints, and refusals of
//! anything unsigned, forged or replayed, in X's v1.1 error shape.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use xpost_emulator::Platform;

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The `Authorization` header for a POST of `form` to `url`.
fn header(
    url: &str,
    consumer_secret: &str,
    token: Option<(&str, &str)>,
    extra: &[(&str, &str)],
    form: &[(&str, &str)],
) -> String {
    let mut oauth: Vec<(String, String)> = vec![
        ("oauth_consumer_key".into(), "xpost-emulator".into()),
        ("oauth_nonce".into(), "n0nce".into()),
        ("oauth_signature_method".into(), "HMAC-SHA1".into()),
        ("oauth_timestamp".into(), "1700000000".into()),
        ("oauth_version".into(), "1.0".into()),
    ];
    if let Some((t, _)) = token {
        oauth.push(("oauth_token".into(), t.into()));
    }
    for (k, v) in extra {
        oauth.push(((*k).into(), (*v).into()));
    }
    let mut params: Vec<(String, String)> = oauth
        .iter()
        .chain(
            form.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<Vec<_>>()
                .iter(),
        )
        .map(|(k, v)| (enc(k), enc(v)))
        .collect();
    params.sort();
    let joined = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let base = format!("POST&{}&{}", enc(url), enc(&joined));
    let key = format!(
        "{}&{}",
        enc(consumer_secret),
        enc(token.map_or("", |(_, s)| s))
    );
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(base.as_bytes());
    oauth.push((
        "oauth_signature".into(),
        STANDARD.encode(mac.finalize().into_bytes()),
    ));
    let fields = oauth
        .iter()
        .map(|(k, v)| format!("{}=\"{}\"", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join(", ");
    format!("OAuth {fields}")
}

/// A form-encoded answer (the emulator's values are all plain ASCII words).
fn form(body: &str) -> std::collections::HashMap<String, String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    auth: Option<String>,
    body: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = http.post(url).form(body);
    if let Some(auth) = auth {
        req = req.header("authorization", auth);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn three_legs_then_signed_profile_changes_and_forgeries_refused() {
    let emu = start().await;
    let http = client();
    let api = format!("{}/x/api", emu.base_url);
    let user = emu.admin().create_x_account("alice_x").unwrap();
    emu.admin()
        .set_session(Platform::X, Some("alice_x"))
        .unwrap();
    let secret = "xpost-emulator-secret";

    // Unsigned, or signed with another consumer secret: refused as X does.
    let rt_url = format!("{api}/oauth/request_token");
    for auth in [
        None,
        Some(header(
            &rt_url,
            "wrong",
            None,
            &[("oauth_callback", REDIRECT)],
            &[],
        )),
    ] {
        let (status, body) = json(post(&http, &rt_url, auth, &[]).await).await;
        assert_eq!(status, 401);
        assert_eq!(body["errors"][0]["code"], 32, "{body}");
    }
    // A callback that is not registered (not loopback).
    let bad = header(
        &rt_url,
        secret,
        None,
        &[("oauth_callback", "https://evil.example/cb")],
        &[],
    );
    assert_eq!(
        post(&http, &rt_url, Some(bad), &[]).await.status().as_u16(),
        403
    );

    let auth = header(&rt_url, secret, None, &[("oauth_callback", REDIRECT)], &[]);
    let resp = post(&http, &rt_url, Some(auth), &[]).await;
    assert_eq!(resp.status().as_u16(), 200);
    let request = form(&resp.text().await.unwrap());
    assert_eq!(request["oauth_callback_confirmed"], "true");
    let (rt, rs) = (
        request["oauth_token"].clone(),
        request["oauth_token_secret"].clone(),
    );

    let consent = http
        .get(format!(
            "{}/x/www/oauth/authorize?oauth_token={rt}",
            emu.base_url
        ))
        .send()
        .await
        .unwrap();
    let callback = location(&consent);
    assert!(callback.starts_with(REDIRECT), "{callback}");
    assert_eq!(
        param(&callback, "oauth_token").as_deref(),
        Some(rt.as_str())
    );
    let verifier = param(&callback, "oauth_verifier").unwrap();

    let at_url = format!("{api}/oauth/access_token");
    let wrong_secret = header(
        &at_url,
        secret,
        Some((&rt, "not-it")),
        &[("oauth_verifier", &verifier)],
        &[],
    );
    assert_eq!(
        post(&http, &at_url, Some(wrong_secret), &[])
            .await
            .status()
            .as_u16(),
        401
    );
    let auth = header(
        &at_url,
        secret,
        Some((&rt, &rs)),
        &[("oauth_verifier", &verifier)],
        &[],
    );
    let resp = post(&http, &at_url, Some(auth.clone()), &[]).await;
    assert_eq!(resp.status().as_u16(), 200);
    let access = form(&resp.text().await.unwrap());
    assert_eq!(access["user_id"], user);
    assert_eq!(access["screen_name"], "alice_x");
    // A request token is spent by its exchange.
    assert_eq!(
        post(&http, &at_url, Some(auth), &[])
            .await
            .status()
            .as_u16(),
        401
    );
    let (at, ats) = (
        access["oauth_token"].clone(),
        access["oauth_token_secret"].clone(),
    );

    let up_url = format!("{api}/1.1/account/update_profile.json");
    let body = [("name", "Alice One"), ("description", "Hi")];
    let signed = header(&up_url, secret, Some((&at, &ats)), &[], &body);
    let (status, user_json) = json(post(&http, &up_url, Some(signed), &body).await).await;
    assert_eq!(status, 200, "{user_json}");
    assert_eq!(user_json["screen_name"], "alice_x");
    assert_eq!(emu.admin().x_account(&user).unwrap().name, "Alice One");
    // The body changed after signing: the signature no longer covers it.
    let signed = header(&up_url, secret, Some((&at, &ats)), &[], &body);
    let tampered = [("name", "Mallory"), ("description", "Hi")];
    let (status, _) = json(post(&http, &up_url, Some(signed), &tampered).await).await;
    assert_eq!(status, 401);
    assert_eq!(emu.admin().x_account(&user).unwrap().name, "Alice One");

    let img_url = format!("{api}/1.1/account/update_profile_image.json");
    let jpeg = STANDARD.encode(xpost_emulator::jpeg::jpeg(
        100,
        xpost_emulator::jpeg::Gps { lat: 1.0, lon: 2.0 },
    ));
    let body = [("image", jpeg.as_str())];
    let signed = header(&img_url, secret, Some((&at, &ats)), &[], &body);
    assert_eq!(
        post(&http, &img_url, Some(signed), &body)
            .await
            .status()
            .as_u16(),
        200
    );
    assert!(
        emu.admin()
            .x_account(&user)
            .unwrap()
            .profile_image_sha256
            .is_none(),
        "not before X processed it"
    );
    emu.admin().advance_clock(6).unwrap();
    assert!(
        emu.admin()
            .x_account(&user)
            .unwrap()
            .profile_image_sha256
            .is_some()
    );

    // A changed password kills OAuth 1.0a tokens too.
    emu.admin().revoke(Platform::X, &user).unwrap();
    let body = [("name", "Again")];
    let signed = header(&up_url, secret, Some((&at, &ats)), &[], &body);
    assert_eq!(
        post(&http, &up_url, Some(signed), &body)
            .await
            .status()
            .as_u16(),
        401
    );
}

#[tokio::test]
async fn v2_profile_routes_can_be_refused_per_account() {
    let emu = start().await;
    let http = client();
    let (user, token, _) = x_login(&emu, &http, "bob_x").await;
    let resp = http
        .patch(format!("{}/admin/x/accounts/{user}", emu.base_url))
        .json(&serde_json::json!({"v2_profile_refused": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let resp = http
        .put(format!("{}/x/api/2/users/me", emu.base_url))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "Bob"}))
        .send()
        .await
        .unwrap();
    let (status, body) = json(resp).await;
    assert_eq!(status, 403);
    assert_eq!(body["reason"], "client-not-enrolled", "{body}");
}
