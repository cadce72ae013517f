//! X posts over real HTTP: create, validate, duplicate, rate limits, delete, lookup,
//! timeline paging, reply settings and profile updates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json as j;
use xpost_emulator::Emulator;

#[tokio::test]
async fn create_lookup_delete_with_real_shapes_and_headers() {
    let emu = start().await;
    let http = client();
    let (user_id, access, _) = x_login(&emu, &http, "poster").await;
    let resp = tweet(
        &emu,
        &http,
        &access,
        j!({"text": "Hello from the emulator", "reply_settings": "mentionedUsers"}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 201);
    assert_eq!(resp.headers()["x-rate-limit-limit"], "100");
    assert_eq!(resp.headers()["x-rate-limit-remaining"], "99");
    let reset: i64 = resp.headers()["x-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(reset > emu.admin().now_ms() / 1000);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .contains("/2/tweets/")
    );
    assert!(resp.headers().get("x-app-limit-24hour-remaining").is_some());
    let (_, body) = json(resp).await;
    let id = body["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 19);
    assert_eq!(body["data"]["text"], "Hello from the emulator");
    assert_eq!(body["data"]["edit_history_tweet_ids"], j!([id]));

    let (status, found) = json(
        http.get(format!("{}/x/api/2/tweets", emu.base_url))
            .bearer_auth(&access)
            .query(&[
                ("ids", format!("{id},1")),
                ("tweet.fields", "created_at,author_id,reply_settings".into()),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(found["data"][0]["author_id"], user_id.as_str());
    assert_eq!(found["data"][0]["reply_settings"], "mentionedUsers");
    assert!(
        found["data"][0]["created_at"]
            .as_str()
            .unwrap()
            .ends_with(".000Z")
    );
    assert_eq!(found["errors"][0]["resource_id"], "1");
    assert_eq!(found["errors"][0]["title"], "Not Found Error");

    // A reply to it.
    let (status, reply) = json(
        tweet(
            &emu,
            &http,
            &access,
            j!({"text": "and a reply", "reply": {"in_reply_to_tweet_id": id}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);

    let (status, del) = json(
        http.delete(format!("{}/x/api/2/tweets/{id}", emu.base_url))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(del, j!({"data": {"deleted": true}}));

    let all = emu.admin().x_tweets();
    assert_eq!(all.len(), 2);
    assert!(all[0].deleted);
    assert_eq!(all[0].reply_settings.as_deref(), Some("mentionedUsers"));
    assert_eq!(all[1].in_reply_to.as_deref(), Some(id.as_str()));
    assert_eq!(all[1].id, reply["data"]["id"].as_str().unwrap());

    // Over HTTP the admin list has every documented field.
    let (_, listed) = json(
        http.get(format!("{}/admin/x/tweets", emu.base_url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    for key in [
        "id",
        "author_id",
        "text",
        "media",
        "in_reply_to",
        "reply_settings",
        "created_at",
        "deleted",
    ] {
        assert!(listed[0].get(key).is_some(), "{key}");
    }

    // Someone else cannot delete the reply.
    let (_, other, _) = x_login(&emu, &http, "other").await;
    let rid = reply["data"]["id"].as_str().unwrap();
    let status = http
        .delete(format!("{}/x/api/2/tweets/{rid}", emu.base_url))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 403);
    emu.shutdown().await;
}

#[tokio::test]
async fn weighted_length_counts_urls_as_23_and_rejects_281() {
    let emu = start().await;
    let http = client();
    let (_, access, _) = x_login(&emu, &http, "counter").await;
    // 280 ASCII characters fit exactly.
    let (status, _) = json(tweet(&emu, &http, &access, j!({"text": "a".repeat(280)})).await).await;
    assert_eq!(status, 201);
    let (status, body) =
        json(tweet(&emu, &http, &access, j!({"text": "b".repeat(281)})).await).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["message"], "Your Tweet text is too long.");
    assert_eq!(body["title"], "Invalid Request");
    // A very long URL counts 23: 250 + 1 + 23 = 274 fits.
    let long_url = format!("https://example.com/{}", "p".repeat(200));
    let text = format!("{} {long_url}", "c".repeat(250));
    let (status, body) = json(tweet(&emu, &http, &access, j!({"text": text})).await).await;
    assert_eq!(status, 201, "{body}");
    // CJK weighs 2: 141 characters are 282.
    let (status, _) = json(tweet(&emu, &http, &access, j!({"text": "漢".repeat(141)})).await).await;
    assert_eq!(status, 400);
    let (status, _) = json(tweet(&emu, &http, &access, j!({})).await).await;
    assert_eq!(status, 400);
    emu.shutdown().await;
}

#[tokio::test]
async fn duplicate_text_is_refused_with_the_recorded_403() {
    let emu = start().await;
    let http = client();
    let (_, access, _) = x_login(&emu, &http, "dupe").await;
    assert_eq!(
        tweet(&emu, &http, &access, j!({"text": "same words"}))
            .await
            .status()
            .as_u16(),
        201
    );
    let (status, body) = json(tweet(&emu, &http, &access, j!({"text": "same words"})).await).await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        j!({"detail": "You are not allowed to create a Tweet with duplicate content.", "type": "about:blank", "title": "Forbidden", "status": 403})
    );
    // After the window, the same text may be posted again.
    emu.admin().advance_clock(86_401).unwrap();
    let (_, access2, _) = x_login(&emu, &http, "dupe2").await;
    assert_eq!(
        tweet(&emu, &http, &access2, j!({"text": "same words"}))
            .await
            .status()
            .as_u16(),
        201
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn per_user_post_window_ends_in_429_with_reset() {
    let emu = start_with(Emulator::builder().x_post_limit(3u32)).await;
    let http = client();
    let (_, access, _) = x_login(&emu, &http, "limited").await;
    for i in 0..3 {
        assert_eq!(
            tweet(&emu, &http, &access, j!({"text": format!("n{i}")}))
                .await
                .status()
                .as_u16(),
            201
        );
    }
    let resp = tweet(&emu, &http, &access, j!({"text": "one too many"})).await;
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers()["x-rate-limit-remaining"], "0");
    assert_eq!(resp.headers()["x-rate-limit-limit"], "3");
    let (_, body) = json(resp).await;
    assert_eq!(body["title"], "Too Many Requests");
    // Another user has a window of their own.
    let (_, other, _) = x_login(&emu, &http, "free").await;
    assert_eq!(
        tweet(&emu, &http, &other, j!({"text": "mine"}))
            .await
            .status()
            .as_u16(),
        201
    );
    emu.admin().advance_clock(901).unwrap();
    assert_eq!(
        tweet(&emu, &http, &access, j!({"text": "later"}))
            .await
            .status()
            .as_u16(),
        201
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn per_app_daily_ceiling_has_its_own_headers() {
    let emu = start_with(Emulator::builder().x_app_post_limit_24h(2u32)).await;
    let http = client();
    let (_, a, _) = x_login(&emu, &http, "app1").await;
    let (_, b, _) = x_login(&emu, &http, "app2").await;
    assert_eq!(
        tweet(&emu, &http, &a, j!({"text": "1"}))
            .await
            .status()
            .as_u16(),
        201
    );
    let resp = tweet(&emu, &http, &b, j!({"text": "2"})).await;
    assert_eq!(resp.headers()["x-app-limit-24hour-remaining"], "0");
    let resp = tweet(&emu, &http, &b, j!({"text": "3"})).await;
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers()["x-app-limit-24hour-limit"], "2");
    emu.shutdown().await;
}

#[tokio::test]
async fn timeline_pages_newest_first_and_ends_without_next_token() {
    let emu = start().await;
    let http = client();
    let (user_id, access, _) = x_login(&emu, &http, "tl").await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let (_, b) =
            json(tweet(&emu, &http, &access, j!({"text": format!("post {i}")})).await).await;
        ids.push(b["data"]["id"].as_str().unwrap().to_owned());
    }
    ids.reverse();
    let url = format!("{}/x/api/2/users/{user_id}/tweets", emu.base_url);
    let (status, bad) = json(
        http.get(&url)
            .bearer_auth(&access)
            .query(&[("max_results", "4")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        bad["errors"][0]["message"],
        "The `max_results` query parameter value [4] is not between 5 and 100"
    );

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut req = http
            .get(&url)
            .bearer_auth(&access)
            .query(&[("max_results", "5")]);
        if let Some(t) = &token {
            req = req.query(&[("pagination_token", t)]);
        }
        let (status, body) = json(req.send().await.unwrap()).await;
        assert_eq!(status, 200, "{body}");
        pages += 1;
        let data = body["data"].as_array().unwrap();
        assert_eq!(body["meta"]["result_count"], data.len());
        assert_eq!(body["meta"]["newest_id"], data[0]["id"]);
        seen.extend(data.iter().map(|d| d["id"].as_str().unwrap().to_owned()));
        match body["meta"].get("next_token") {
            Some(t) => token = Some(t.as_str().unwrap().to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);

    // A reply is left out with exclude=replies, kept otherwise.
    let (_, r) = json(
        tweet(
            &emu,
            &http,
            &access,
            j!({"text": "self reply", "reply": {"in_reply_to_tweet_id": ids[0]}}),
        )
        .await,
    )
    .await;
    let rid = r["data"]["id"].as_str().unwrap().to_owned();
    let (_, all) = json(
        http.get(&url)
            .bearer_auth(&access)
            .query(&[("tweet.fields", "in_reply_to_user_id")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(all["data"][0]["id"], rid.as_str());
    assert_eq!(all["data"][0]["in_reply_to_user_id"], user_id.as_str());
    let (_, no_replies) = json(
        http.get(&url)
            .bearer_auth(&access)
            .query(&[("exclude", "replies")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(no_replies["data"][0]["id"], ids[0].as_str());
    let (status, _) = json(
        http.get(&url)
            .bearer_auth(&access)
            .query(&[("start_time", "yesterday")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);

    let (_, since) = json(
        http.get(&url)
            .bearer_auth(&access)
            .query(&[("since_id", ids[2].as_str())])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(since["meta"]["result_count"], 3);

    let (_, other_id) = (0, emu.admin().create_x_account("quiet").unwrap());
    let (_, empty) = json(
        http.get(format!("{}/x/api/2/users/{other_id}/tweets", emu.base_url))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(empty, j!({"meta": {"result_count": 0}}));
    emu.shutdown().await;
}

#[tokio::test]
async fn profile_update_and_image_after_processing_delay() {
    let emu = start().await;
    let http = client();
    let (user_id, access, _) = x_login(&emu, &http, "face").await;
    let resp = http
        .put(format!("{}/x/api/2/users/me", emu.base_url))
        .bearer_auth(&access)
        .json(&j!({"name": "New Name", "description": "new bio"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let too_long = http
        .put(format!("{}/x/api/2/users/me", emu.base_url))
        .bearer_auth(&access)
        .json(&j!({"description": "x".repeat(161)}))
        .send()
        .await
        .unwrap();
    assert_eq!(too_long.status().as_u16(), 400);

    let jpeg = xpost_emulator::jpeg::jpeg(9, xpost_emulator::jpeg::Gps { lat: 1.0, lon: 1.0 });
    let form = reqwest::multipart::Form::new()
        .text("media_category", "tweet_image")
        .part("media", reqwest::multipart::Part::bytes(jpeg.clone()));
    let (_, up) = json(
        http.post(format!("{}/x/api/2/media/upload", emu.base_url))
            .bearer_auth(&access)
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let media_id = up["data"]["id"].as_str().unwrap();
    let resp = http
        .put(format!("{}/x/api/2/users/me/profile_image", emu.base_url))
        .bearer_auth(&access)
        .json(&j!({"media_id": media_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (_, profile) = json(
        http.get(format!("{}/admin/x/accounts/{user_id}", emu.base_url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(profile["name"], "New Name");
    assert_eq!(profile["description"], "new bio");
    assert!(profile["profile_image_sha256"].is_null(), "not visible yet");
    emu.admin().advance_clock(6).unwrap();
    let (_, profile) = json(
        http.get(format!("{}/admin/x/accounts/{user_id}", emu.base_url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    use sha2::Digest;
    let want: String = sha2::Sha256::digest(&jpeg)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(profile["profile_image_sha256"], want.as_str());
    emu.shutdown().await;
}

#[tokio::test]
async fn admin_sets_public_metrics() {
    let emu = start().await;
    let http = client();
    let (_, token, _) = x_login(&emu, &http, "metrics").await;
    let (status, body) =
        json(tweet(&emu, &http, &token, serde_json::json!({"text": "counted"})).await).await;
    assert_eq!(status, 201, "{body}");
    let id = body["data"]["id"].as_str().unwrap().to_owned();
    let lookup = || {
        http.get(format!("{}/x/api/2/tweets", emu.base_url))
            .bearer_auth(&token)
            .query(&[("ids", id.as_str()), ("tweet.fields", "public_metrics")])
            .send()
    };
    let (_, body) = json(lookup().await.unwrap()).await;
    assert_eq!(body["data"][0]["public_metrics"]["impression_count"], 0);

    let resp = http
        .post(format!("{}/admin/x/tweets/{id}/metrics", emu.base_url))
        .json(&serde_json::json!({"impression_count": 1200, "like_count": 30, "retweet_count": 4, "reply_count": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (_, body) = json(lookup().await.unwrap()).await;
    let m = &body["data"][0]["public_metrics"];
    assert_eq!(
        (
            &m["impression_count"],
            &m["like_count"],
            &m["retweet_count"],
            &m["reply_count"],
            &m["quote_count"]
        ),
        (
            &serde_json::json!(1200),
            &serde_json::json!(30),
            &serde_json::json!(4),
            &serde_json::json!(2),
            &serde_json::json!(0)
        )
    );

    let unknown = http
        .post(format!("{}/admin/x/tweets/1/metrics", emu.base_url))
        .json(&serde_json::json!({"like_count": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    emu.shutdown().await;
}
