//! Parameters X validates answer 400 invalid-request in X's shape, listing every bad
//! parameter with the value given; post text with characters X refuses is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json as j};

/// Asserts X's invalid-request shape and that `parameter` is named with `value`.
fn assert_invalid(status: u16, body: &Value, parameter: &str, value: &str) {
    assert_eq!(status, 400, "{parameter}={value}: {body}");
    assert_eq!(body["title"], "Invalid Request", "{body}");
    assert_eq!(
        body["detail"],
        "One or more parameters to your request was invalid."
    );
    assert_eq!(
        body["type"],
        "https://api.twitter.com/2/problems/invalid-request"
    );
    let errors = body["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| {
            e["parameters"][parameter]
                .as_array()
                .is_some_and(|v| v.iter().any(|x| x == value))
                && e["message"].as_str().is_some_and(|m| m.contains(parameter))
        }),
        "{parameter}={value}: {body}"
    );
}

#[tokio::test]
async fn malformed_timeline_and_lookup_parameters_are_refused() {
    let emu = start().await;
    let http = client();
    let (user_id, access, _) = x_login(&emu, &http, "strict").await;
    let (_, created) = json(tweet(&emu, &http, &access, j!({"text": "one"})).await).await;
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let timeline = format!("{}/x/api/2/users/{user_id}/tweets", emu.base_url);
    for (key, value, named) in [
        ("since_id", "abc", "abc"),
        ("until_id", "12x", "12x"),
        ("since_id", "", ""),
        ("tweet.fields", "created_at,colour", "colour"),
        ("post.fields", "nope", "nope"),
        (
            "expansions",
            "attachments.media_keys,everything",
            "everything",
        ),
        ("user.fields", "shoe_size", "shoe_size"),
        ("media.fields", "smell", "smell"),
        ("exclude", "replies,quotes", "quotes"),
        ("max_results", "4", "4"),
        ("max_results", "101", "101"),
        ("max_results", "ten", "ten"),
        ("pagination_token", "not-a-token", "not-a-token"),
        ("start_time", "yesterday", "yesterday"),
    ] {
        let (status, body) = json(
            http.get(&timeline)
                .bearer_auth(&access)
                .query(&[(key, value)])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_invalid(status, &body, key, named);
    }
    // Every bad parameter is listed at once.
    let (status, body) = json(
        http.get(&timeline)
            .bearer_auth(&access)
            .query(&[("since_id", "x"), ("max_results", "0")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"].as_array().unwrap().len(), 2, "{body}");
    // Good values still work.
    let (status, body) = json(
        http.get(&timeline)
            .bearer_auth(&access)
            .query(&[
                ("since_id", "1"),
                ("exclude", "replies,retweets"),
                ("max_results", "5"),
                ("tweet.fields", "created_at,entities"),
                ("expansions", "attachments.media_keys"),
                ("media.fields", "alt_text,url"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"][0]["id"], id.as_str());

    let lookup = format!("{}/x/api/2/tweets", emu.base_url);
    for (query, key, named) in [
        (vec![("ids", "1,abc")], "ids", "abc"),
        (
            vec![("ids", id.as_str()), ("tweet.fields", "bogus")],
            "tweet.fields",
            "bogus",
        ),
        (
            vec![("ids", id.as_str()), ("expansions", "bogus")],
            "expansions",
            "bogus",
        ),
    ] {
        let (status, body) = json(
            http.get(&lookup)
                .bearer_auth(&access)
                .query(&query)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_invalid(status, &body, key, named);
    }
    let (status, body) = json(
        http.get(format!("{lookup}/not-an-id"))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_invalid(status, &body, "id", "not-an-id");
    let (status, body) = json(
        http.get(format!("{}/x/api/2/users/me", emu.base_url))
            .bearer_auth(&access)
            .query(&[("user.fields", "description,bogus")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_invalid(status, &body, "user.fields", "bogus");
    emu.shutdown().await;
}

#[tokio::test]
async fn text_with_characters_x_refuses_is_invalid() {
    let emu = start().await;
    let http = client();
    let (_, access, _) = x_login(&emu, &http, "chars").await;
    for bad in ["\u{FEFF}hello", "hel\u{FFFE}lo", "hello\u{FFFF}"] {
        let (status, body) = json(tweet(&emu, &http, &access, j!({ "text": bad })).await).await;
        assert_invalid(status, &body, "text", bad);
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("invalid characters"),
            "{body}"
        );
    }
    let (status, _) = json(tweet(&emu, &http, &access, j!({"text": "hello"})).await).await;
    assert_eq!(status, 201);
    emu.shutdown().await;
}
