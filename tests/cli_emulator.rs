//! `xpost emulator` as a black box (see `docs/emulator.md`): the printed line,
//! the admin API and a real OAuth round trip, against the built binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The emulator process; killed when dropped.
struct Emulator {
    child: Child,
    base: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Emulator {
    let mut child = Command::new(common::xpost())
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"),
        "{base}"
    );
    Emulator { child, base }
}

#[tokio::test]
async fn prints_its_address_and_serves_the_admin_api_and_oauth() {
    let emu = start(&[]);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let account = json(
        http.post(format!("{}/admin/instagram/accounts", emu.base))
            .json(&serde_json::json!({"username": "alice"})),
    )
    .await;
    let user_id = account["user_id"]
        .as_str()
        .expect("ids are JSON strings")
        .to_owned();

    let status = http
        .post(format!("{}/admin/session", emu.base))
        .json(&serde_json::json!({"platform": "instagram", "username": "alice"}))
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success());

    let consent = http
        .get(format!("{}/instagram/www/oauth/authorize", emu.base))
        .query(&[
            ("client_id", "xpost-emulator"),
            ("redirect_uri", "http://127.0.0.1:9/callback"),
            ("response_type", "code"),
            ("scope", "instagram_business_basic"),
            ("state", "s-123"),
        ])
        .send()
        .await
        .unwrap();
    assert!(consent.status().is_redirection());
    let location = consent.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("http://127.0.0.1:9/callback?"),
        "{location}"
    );
    assert!(location.contains("state=s-123"), "{location}");
    let code = url_param(&location, "code");

    let token = json(
        http.post(format!("{}/instagram/api/oauth/access_token", emu.base))
            .form(&[
                ("client_id", "xpost-emulator"),
                ("client_secret", "xpost-emulator-secret"),
                ("grant_type", "authorization_code"),
                ("redirect_uri", "http://127.0.0.1:9/callback"),
                ("code", code.as_str()),
            ]),
    )
    .await;
    let token = token["data"][0]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let me: serde_json::Value = http
        .get(format!("{}/instagram/graph/me", emu.base))
        .query(&[
            ("fields", "user_id,username"),
            ("access_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user_id"], user_id.as_str());
    assert_eq!(me["username"], "alice");

    let tokens = json(http.get(format!("{}/admin/tokens", emu.base))).await;
    assert!(
        tokens
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["token"] == token.as_str())
    );
}

#[test]
fn a_bad_listen_address_is_one_line_and_non_zero() {
    let out = Command::new(common::xpost())
        .args(["emulator", "--listen", "not-an-address"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(String::from_utf8(out.stderr).unwrap().lines().count(), 1);
}

/// Sends `request` and reads its JSON answer.
async fn json(request: reqwest::RequestBuilder) -> serde_json::Value {
    request.send().await.unwrap().json().await.unwrap()
}

fn url_param(url: &str, name: &str) -> String {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let query = query.split('#').next().unwrap_or("");
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap()
        .to_owned()
}
