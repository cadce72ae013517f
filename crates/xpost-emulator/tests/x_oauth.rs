//! X OAuth 2.0 over real HTTP: PKCE, client authentication, code life, refresh-token
//! rotation, revoke, expiry and invalidation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use xpost_emulator::{Emulator, Platform};

#[tokio::test]
async fn pkce_s256_round_trip_and_token_shape() {
    let emu = start().await;
    let http = client();
    let user_id = emu.admin().create_x_account("bob").unwrap();
    emu.admin().set_session(Platform::X, Some("bob")).unwrap();
    let (verifier, challenge) = pkce();
    let code = x_code(&emu, &http, X_SCOPES, &challenge).await;
    let (status, body) = x_token(
        &emu,
        &http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 7200);
    assert_eq!(body["scope"], X_SCOPES);
    assert!(body["refresh_token"].is_string());
    let (status, me) = json(
        http.get(format!("{}/x/api/2/users/me", emu.base_url))
            .bearer_auth(body["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(me["data"]["id"], user_id.as_str());
    assert_eq!(me["data"]["username"], "bob");
    emu.shutdown().await;
}

#[tokio::test]
async fn wrong_verifier_fails_like_the_real_one_and_spends_the_code() {
    let emu = start().await;
    let http = client();
    emu.admin().create_x_account("eve").unwrap();
    emu.admin().set_session(Platform::X, Some("eve")).unwrap();
    let (verifier, challenge) = pkce();
    let code = x_code(&emu, &http, X_SCOPES, &challenge).await;
    let (status, body) = x_token(
        &emu,
        &http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", "not-the-verifier"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(
        body["error_description"],
        "Value passed for the authorization code was invalid."
    );
    let (status, _) = x_token(
        &emu,
        &http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(status, 400, "a code is single-use");
    emu.shutdown().await;
}

#[tokio::test]
async fn confidential_client_needs_basic_auth() {
    let emu = start().await;
    let http = client();
    let (status, body) = json(
        http.post(format!("{}/x/api/2/oauth2/token", emu.base_url))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", "x"),
                ("client_id", "xpost-emulator"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "unauthorized_client");
    assert_eq!(
        body["error_description"],
        "Missing valid authorization header"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn codes_expire_after_30_seconds() {
    let emu = start().await;
    let http = client();
    emu.admin().create_x_account("slow").unwrap();
    emu.admin().set_session(Platform::X, Some("slow")).unwrap();
    let (verifier, challenge) = pkce();
    let code = x_code(&emu, &http, X_SCOPES, &challenge).await;
    emu.admin().advance_clock(31).unwrap();
    let (status, body) = x_token(
        &emu,
        &http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    emu.shutdown().await;
}

#[tokio::test]
async fn refresh_rotates_and_a_spent_refresh_token_is_rejected() {
    let emu = start().await;
    let http = client();
    let (_, access, refresh) = x_login(&emu, &http, "rot").await;
    let (status, first) = x_token(
        &emu,
        &http,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(status, 200, "{first}");
    let new_refresh = first["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, refresh);
    assert_ne!(first["access_token"].as_str().unwrap(), access);

    let (status, body) = x_token(
        &emu,
        &http,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(
        body["error_description"],
        "Value passed for the token was invalid."
    );

    let (status, _) = x_token(
        &emu,
        &http,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &new_refresh),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let spent = emu
        .admin()
        .tokens()
        .into_iter()
        .filter(|t| t.token == refresh)
        .all(|t| t.revoked);
    assert!(spent);
    emu.shutdown().await;
}

#[tokio::test]
async fn no_refresh_token_without_offline_access() {
    let emu = start().await;
    let http = client();
    emu.admin().create_x_account("short").unwrap();
    emu.admin().set_session(Platform::X, Some("short")).unwrap();
    let (verifier, challenge) = pkce();
    let code = x_code(&emu, &http, "tweet.read users.read", &challenge).await;
    let (status, body) = x_token(
        &emu,
        &http,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.get("refresh_token").is_none());
    // Missing scope on a write: 403 not permitted.
    let resp = tweet(
        &emu,
        &http,
        body["access_token"].as_str().unwrap(),
        serde_json::json!({"text": "hi"}),
    )
    .await;
    let (status, problem) = json(resp).await;
    assert_eq!(status, 403);
    assert_eq!(
        problem["detail"],
        "You are not permitted to perform this action."
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn access_tokens_expire_with_the_configured_ttl() {
    let emu = start_with(Emulator::builder().access_token_ttl(60i64)).await;
    let http = client();
    let (_, access, refresh) = x_login(&emu, &http, "ttl").await;
    let me = format!("{}/x/api/2/users/me", emu.base_url);
    assert_eq!(
        http.get(&me)
            .bearer_auth(&access)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    emu.admin().advance_clock(61).unwrap();
    let (status, body) = json(http.get(&me).bearer_auth(&access).send().await.unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(body["title"], "Unauthorized");
    assert_eq!(body["type"], "about:blank");
    // The refresh token outlives the access token.
    let (status, body) = x_token(
        &emu,
        &http,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["expires_in"], 60);
    emu.shutdown().await;
}

#[tokio::test]
async fn revoke_endpoint_and_admin_revoke_both_end_in_401() {
    let emu = start().await;
    let http = client();
    let (user_id, access, refresh) = x_login(&emu, &http, "rev").await;
    let me = format!("{}/x/api/2/users/me", emu.base_url);
    let (status, body) = json(
        http.post(format!("{}/x/api/2/oauth2/revoke", emu.base_url))
            .header("authorization", basic())
            .form(&[
                ("token", access.as_str()),
                ("token_type_hint", "access_token"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["revoked"], true);
    assert_eq!(
        http.get(&me)
            .bearer_auth(&access)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );

    // The refresh token still works until the account's password changes.
    let (status, body) = x_token(
        &emu,
        &http,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(status, 200);
    let access2 = body["access_token"].as_str().unwrap().to_owned();
    let refresh2 = body["refresh_token"].as_str().unwrap().to_owned();
    let resp = http
        .post(format!("{}/admin/revoke", emu.base_url))
        .json(&serde_json::json!({"platform": "x", "user_id": user_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        http.get(&me)
            .bearer_auth(&access2)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    let (status, _) = x_token(
        &emu,
        &http,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh2),
        ],
    )
    .await;
    assert_eq!(status, 400);
    emu.shutdown().await;
}

#[tokio::test]
async fn denied_consent_and_plain_method_case() {
    let emu = start().await;
    let http = client();
    emu.admin().set_session(Platform::X, None).unwrap();
    let resp = http
        .get(format!("{}/x/www/i/oauth2/authorize", emu.base_url))
        .query(&[
            ("response_type", "code"),
            ("client_id", "xpost-emulator"),
            ("redirect_uri", REDIRECT),
            ("scope", "tweet.read"),
            ("state", "zz"),
            ("code_challenge", "abc"),
            ("code_challenge_method", "s256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let loc = location(&resp);
    assert_eq!(param(&loc, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&loc, "state").as_deref(), Some("zz"));
    emu.shutdown().await;
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_let_exactly_one_win() {
    let emu = start().await;
    let http = client();
    let (_, _, refresh) = x_login(&emu, &http, "race").await;
    let attempts = (0..8).map(|_| {
        let http = http.clone();
        let url = format!("{}/x/api/2/oauth2/token", emu.base_url);
        let refresh = refresh.clone();
        tokio::spawn(async move {
            http.post(url)
                .header("authorization", basic())
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    });
    let mut codes = Vec::new();
    for a in attempts {
        codes.push(a.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == 200).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == 400).count(), 7, "{codes:?}");
    emu.shutdown().await;
}

#[tokio::test]
async fn token_and_revoke_accept_json_bodies() {
    let emu = start().await;
    let http = client();
    emu.admin().create_x_account("jsn").unwrap();
    emu.admin().set_session(Platform::X, Some("jsn")).unwrap();
    let (verifier, challenge) = pkce();
    let code = x_code(&emu, &http, X_SCOPES, &challenge).await;
    let post_json = |path: &str, body: serde_json::Value| {
        http.post(format!("{}/x/api/2/oauth2/{path}", emu.base_url))
            .header("authorization", basic())
            .json(&body)
            .send()
    };
    let (status, body) = json(
        post_json(
            "token",
            serde_json::json!({
                "grant_type": "authorization_code", "code": code,
                "redirect_uri": REDIRECT, "code_verifier": verifier,
            }),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let (status, body) = json(
        post_json(
            "token",
            serde_json::json!({"grant_type": "refresh_token", "refresh_token": refresh}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().unwrap().to_owned();
    let (status, body) = json(
        post_json(
            "revoke",
            serde_json::json!({"token": access, "token_type_hint": "access_token"}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["revoked"], true);
    let status = http
        .get(format!("{}/x/api/2/users/me", emu.base_url))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 401);
    let (status, body) = json(post_json("token", serde_json::json!([1])).await.unwrap()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_request");
    emu.shutdown().await;
}

#[tokio::test]
async fn revoke_without_a_token_is_an_invalid_request() {
    let emu = start().await;
    let http = client();
    let revoke = format!("{}/x/api/2/oauth2/revoke", emu.base_url);
    for form in [
        vec![],
        vec![("token_type_hint", "access_token")],
        vec![("token_type_hint", "session_cookie")],
        vec![("token", "")],
    ] {
        let (status, body) = json(
            http.post(&revoke)
                .header("authorization", basic())
                .form(&form)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 400, "{form:?}: {body}");
        assert_eq!(body["error"], "invalid_request", "{form:?}");
        assert_ne!(body["revoked"], true);
    }
    let (status, body) = json(
        http.post(&revoke)
            .header("authorization", basic())
            .json(&serde_json::json!({"token_type_hint": "refresh_token"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    emu.shutdown().await;
}
