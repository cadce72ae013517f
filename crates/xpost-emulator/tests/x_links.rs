//! t.co wrapping over real HTTP: URLs and attached media come back as t.co links in the
//! create answer, lookups and timelines, with URL entities in the recorded shape, while
//! the admin view and duplicate detection keep the submitted text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json as j};

/// `https://t.co/` and ten letters or digits.
fn is_t_co(link: &str) -> bool {
    link.strip_prefix("https://t.co/")
        .is_some_and(|code| code.len() == 10 && code.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The keys of a URL entity in the recordings (`tweets_lookup_video_expansions`).
const URL_KEYS: [&str; 5] = ["start", "end", "url", "expanded_url", "display_url"];

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn sorted(list: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
    k.sort();
    k
}

/// The slice of `text` between code-point offsets `start` and `end`.
fn span(text: &str, start: &Value, end: &Value) -> String {
    let (s, e) = (start.as_u64().unwrap(), end.as_u64().unwrap());
    text.chars()
        .skip(usize::try_from(s).unwrap())
        .take(usize::try_from(e - s).unwrap())
        .collect()
}

#[tokio::test]
async fn urls_come_back_as_t_co_links_everywhere_but_the_admin_view() {
    let emu = start().await;
    let http = client();
    let (user_id, access, _) = x_login(&emu, &http, "linker").await;
    let submitted = "🐍 New post https://www.instagram.com/p/C0ffee123/ and example.com/a";

    let (status, created) =
        json(tweet(&emu, &http, &access, j!({ "text": submitted })).await).await;
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let text = created["data"]["text"].as_str().unwrap().to_owned();
    let words: Vec<&str> = text.split(' ').collect();
    assert_eq!(words[..3], ["🐍", "New", "post"], "{text}");
    assert!(is_t_co(words[3]) && is_t_co(words[5]), "{text}");
    assert_eq!(words[4], "and");
    assert!(!text.contains("instagram.com"), "{text}");

    let (_, looked) = json(
        http.get(format!("{}/x/api/2/tweets", emu.base_url))
            .bearer_auth(&access)
            .query(&[("ids", id.as_str()), ("tweet.fields", "entities")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    let post = &looked["data"][0];
    assert_eq!(post["text"], text.as_str());
    let urls = post["entities"]["urls"].as_array().unwrap();
    assert_eq!(urls.len(), 2, "{post}");
    for u in urls {
        assert_eq!(keys(u), sorted(&URL_KEYS), "{u}");
        assert_eq!(
            span(&text, &u["start"], &u["end"]),
            u["url"].as_str().unwrap()
        );
    }
    assert_eq!(urls[0]["start"], 11);
    assert_eq!(urls[0]["end"], 34);
    assert_eq!(
        urls[0]["expanded_url"],
        "https://www.instagram.com/p/C0ffee123/"
    );
    assert_eq!(urls[0]["display_url"], "instagram.com/p/C0ffee123/");
    assert_eq!(urls[1]["expanded_url"], "http://example.com/a");
    assert_eq!(urls[1]["display_url"], "example.com/a");

    // Without `entities` asked for, the text is wrapped all the same.
    let (_, one) = json(
        http.get(format!("{}/x/api/2/tweets/{id}", emu.base_url))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(one["data"]["text"], text.as_str());
    assert!(one["data"].get("entities").is_none());

    let (_, timeline) = json(
        http.get(format!("{}/x/api/2/users/{user_id}/tweets", emu.base_url))
            .bearer_auth(&access)
            .query(&[("tweet.fields", "entities")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(timeline["data"][0]["text"], text.as_str());
    assert_eq!(
        timeline["data"][0]["entities"]["urls"],
        Value::Array(urls.clone())
    );

    // The same URL always gets the same link, so a second post can be predicted.
    let (_, again) = json(
        tweet(
            &emu,
            &http,
            &access,
            j!({"text": "again https://www.instagram.com/p/C0ffee123/"}),
        )
        .await,
    )
    .await;
    assert_eq!(again["data"]["text"], format!("again {}", words[3]));

    let (_, admin) = json(
        http.get(format!("{}/admin/x/tweets", emu.base_url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(admin[0]["text"], submitted);

    // Duplicates are judged on the submitted text, not on its wrapped form.
    let (status, _) = json(tweet(&emu, &http, &access, j!({ "text": submitted })).await).await;
    assert_eq!(status, 403);
    let (status, body) = json(tweet(&emu, &http, &access, j!({ "text": text })).await).await;
    assert_eq!(status, 201, "{body}");
    emu.shutdown().await;
}

#[tokio::test]
async fn attached_media_add_one_trailing_pic_link() {
    let emu = start().await;
    let http = client();
    let (user_id, access, _) = x_login(&emu, &http, "pics").await;
    let first = upload_image(&emu, &http, &access, 1).await;
    let second = upload_image(&emu, &http, &access, 2).await;
    let media_ids = [first["id"].clone(), second["id"].clone()];

    let (status, created) = json(
        tweet(
            &emu,
            &http,
            &access,
            j!({"text": "Two pictures", "media": {"media_ids": media_ids}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let text = created["data"]["text"].as_str().unwrap().to_owned();
    let link = text.strip_prefix("Two pictures ").unwrap();
    assert!(is_t_co(link), "{text}");

    let (_, looked) = json(
        http.get(format!("{}/x/api/2/tweets/{id}", emu.base_url))
            .bearer_auth(&access)
            .query(&[("tweet.fields", "entities,attachments")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(looked["data"]["text"], text.as_str());
    let urls = looked["data"]["entities"]["urls"].as_array().unwrap();
    assert_eq!(urls.len(), 2, "{looked}");
    for (n, u) in urls.iter().enumerate() {
        let mut with_key = URL_KEYS.to_vec();
        with_key.push("media_key");
        assert_eq!(keys(u), sorted(&with_key), "{u}");
        assert_eq!(u["url"], link);
        assert_eq!(u["start"], 13);
        assert_eq!(u["end"], 36);
        assert_eq!(u["display_url"], format!("pic.x.com/{}", &link[13..]));
        assert_eq!(
            u["expanded_url"],
            format!("https://x.com/pics/status/{id}/photo/{}", n + 1)
        );
        assert_eq!(
            u["media_key"],
            looked["data"]["attachments"]["media_keys"][n]
        );
    }

    // A post of media alone is the link alone.
    let third = upload_image(&emu, &http, &access, 3).await;
    let (_, only) = json(
        tweet(
            &emu,
            &http,
            &access,
            j!({"media": {"media_ids": [third["id"].clone()]}}),
        )
        .await,
    )
    .await;
    assert!(is_t_co(only["data"]["text"].as_str().unwrap()), "{only}");

    let (_, timeline) = json(
        http.get(format!("{}/x/api/2/users/{user_id}/tweets", emu.base_url))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(timeline["data"][1]["text"], text.as_str());
    let (_, admin) = json(
        http.get(format!("{}/admin/x/tweets", emu.base_url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(admin[0]["text"], "Two pictures");
    assert_eq!(admin[1]["text"], "");
    emu.shutdown().await;
}

#[tokio::test]
async fn entities_also_hold_hashtags_and_mentions_of_real_accounts() {
    let emu = start().await;
    let http = client();
    let (_, access, _) = x_login(&emu, &http, "tagger").await;
    let friend = emu.admin().create_x_account("friend").unwrap();
    let (_, created) = json(
        tweet(
            &emu,
            &http,
            &access,
            j!({"text": "🌅 #sunset with @friend and @nobody_here example.com"}),
        )
        .await,
    )
    .await;
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let (_, looked) = json(
        http.get(format!("{}/x/api/2/tweets/{id}", emu.base_url))
            .bearer_auth(&access)
            .query(&[("tweet.fields", "entities")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    let entities = &looked["data"]["entities"];
    assert_eq!(
        entities["hashtags"],
        j!([{"start": 2, "end": 9, "tag": "sunset"}])
    );
    assert_eq!(
        entities["mentions"],
        j!([{"start": 15, "end": 22, "username": "friend", "id": friend}])
    );
    assert_eq!(entities["urls"][0]["start"], 40);
    emu.shutdown().await;
}
