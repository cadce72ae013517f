//! `xpost emulator` as the front-end runs it: the announced line, port 0, shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use xpost_cli::commands::emulator::{EmulatorArgs, serve};

#[tokio::test]
async fn announces_the_real_port_serves_and_stops() {
    let args = EmulatorArgs {
        listen: "127.0.0.1:0".into(),
        seed: Some(5),
        client_id: "xpost-emulator".into(),
        client_secret: "xpost-emulator-secret".into(),
        access_token_ttl: Some(30),
    };
    let line = Arc::new(Mutex::new(String::new()));
    let seen = line.clone();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (url_tx, url_rx) = tokio::sync::oneshot::channel::<String>();
    let server = tokio::spawn(serve(
        args,
        move |url| {
            *seen.lock().unwrap() = format!("listening on {url}");
            let _ = url_tx.send(url.to_owned());
        },
        async {
            let _ = stop_rx.await;
        },
    ));
    let url = url_rx.await.unwrap();
    let printed = line.lock().unwrap().clone();
    let port: u16 = printed
        .strip_prefix("listening on http://127.0.0.1:")
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(port, 0);
    let resp = reqwest::Client::new()
        .post(format!("{url}/admin/x/accounts"))
        .json(&serde_json::json!({"username": "cli"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    stop_tx.send(()).unwrap();
    server.await.unwrap().unwrap();
    assert!(
        reqwest::get(format!("{url}/admin/stats")).await.is_err(),
        "stopped"
    );
}

#[tokio::test]
async fn a_bad_listen_address_is_an_error_not_a_panic() {
    let args = EmulatorArgs {
        listen: "not an address".into(),
        seed: None,
        client_id: "xpost-emulator".into(),
        client_secret: "s".into(),
        access_token_ttl: None,
    };
    let err = serve(args, |_| {}, async {}).await.unwrap_err();
    assert!(err.to_string().contains("not an address"), "{err}");
}
