//! A 200 MB video streamed through the chunked upload keeps the process's memory
//! bounded: the bytes are generated piece by piece, sent as they fill a chunk, and a
//! local server drains and discards every append. One test in its own binary, because
//! the peak resident size it reads belongs to the whole process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::routing::post;
use bytes::Bytes;
use common::*;
use futures::{StreamExt, stream};
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use x_client::{MediaSpec, XClient};

const TOTAL: u64 = 200 * 1024 * 1024;
const PIECE: usize = 64 * 1024;
const MAX_GROWTH: u64 = 64 * 1024 * 1024;

/// The process's peak resident set size so far (`VmHWM`), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kib * 1024
}

const JSON: [(header::HeaderName, &str); 1] = [(header::CONTENT_TYPE, "application/json")];

async fn drain(State(received): State<Arc<AtomicU64>>, body: Body) -> StatusCode {
    let mut data = body.into_data_stream();
    while let Some(chunk) = data.next().await {
        received.fetch_add(chunk.unwrap().len() as u64, Ordering::Relaxed);
    }
    StatusCode::NO_CONTENT
}

async fn discarding_server() -> (String, Arc<AtomicU64>) {
    let received = Arc::new(AtomicU64::new(0));
    let app = Router::new()
        .route(
            "/2/media/upload/initialize",
            post(|| async {
                (
                    JSON,
                    r#"{"data":{"id":"77","media_key":"7_77","expires_after_secs":86400}}"#,
                )
            }),
        )
        .route("/2/media/upload/{id}/append", post(drain))
        .route(
            "/2/media/upload/{id}/finalize",
            post(|| async {
                (
                    JSON,
                    r#"{"data":{"id":"77","processing_info":{"state":"succeeded"}}}"#,
                )
            }),
        )
        .layer(DefaultBodyLimit::disable())
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_mb_video_streams_through_in_bounded_memory() {
    let (base, received) = discarding_server().await;
    let client = XClient::builder()
        .config(
            config_builder(&base)
                .upload_timeout(Duration::from_secs(120))
                .build()
                .unwrap(),
        )
        .clock(FakeClock::at(T0))
        .tokens(tokens("token-1", ALL_SCOPES))
        .build()
        .unwrap();
    let pieces = TOTAL / PIECE as u64;
    let source = stream::iter(0..pieces)
        .map(|i| Ok::<_, Infallible>(Bytes::from(vec![(i % 251) as u8; PIECE])));
    let before = peak_rss();
    let media = client
        .upload_media_stream(&MediaSpec::video("video/mp4", TOTAL, None), source)
        .await
        .unwrap();
    let growth = peak_rss().saturating_sub(before);
    assert_eq!(media.id.as_str(), "77");
    assert!(
        received.load(Ordering::Relaxed) >= TOTAL,
        "every byte reached the server"
    );
    assert!(
        growth < MAX_GROWTH,
        "peak memory grew by {} MiB for a {} MiB upload",
        growth / (1024 * 1024),
        TOTAL / (1024 * 1024)
    );
}
