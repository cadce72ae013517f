//! Every vendored recording deserializes into the crate's own models, and
//! the models serialize back to the recorded body without losing or
//! changing a field (timestamps keep Instagram's `+0000` form).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ig_client::{
    ContainerStatus, Created, Cursor, DEFAULT_THROTTLE_WAIT, Error, IgContainerId, IgMediaId,
    Media, MediaType, Page, Profile, PublishingLimit, RateBudget, RetryKind,
};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Deserializes into the model and serializes back: any recorded field the
/// model drops or rewrites makes the two differ.
fn round_trips<T: serde::de::DeserializeOwned + serde::Serialize>(body: &Value) -> T {
    let model: T = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(
        &serde_json::to_value(&model).unwrap(),
        body,
        "a field was lost or changed"
    );
    model
}

/// Every recorded field sits in a typed field: a field the model stopped
/// modelling would otherwise survive the round trip inside `extra`.
fn fully_typed(media: &Media) {
    assert!(
        media.extra.is_empty(),
        "unmodelled fields: {:?}",
        media.extra
    );
    for child in media.children.iter().flatten() {
        fully_typed(child);
    }
}

/// The position a recorded paging link points at, as this crate stores it.
fn position(link: &Value) -> Option<Cursor> {
    let url = url::Url::parse(link.as_str()?).unwrap();
    let kept: Vec<_> = url
        .query_pairs()
        .filter(|(key, _)| ["after", "before", "since", "until"].contains(&key.as_ref()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    Some(Cursor::new(kept.join("&")))
}

fn check_paging<T>(page: &Page<T>, body: &Value) {
    assert_eq!(page.next, position(&body["paging"]["next"]), "next");
    assert_eq!(
        page.previous,
        position(&body["paging"]["previous"]),
        "previous"
    );
}

fn check_media_page(body: &Value) -> Page<Media> {
    let page: Page<Media> = serde_json::from_value(body.clone()).unwrap();
    let items = body["data"].as_array().unwrap();
    assert_eq!(page.items.len(), items.len());
    for (item, raw) in page.items.iter().zip(items) {
        assert_eq!(
            &serde_json::to_value(item).unwrap(),
            raw,
            "a field was lost or changed"
        );
        fully_typed(item);
    }
    check_paging(&page, body);
    page
}

fn check_graph_error(status: Option<u16>, body: &Value) -> Error {
    let error = Error::from_response(status.unwrap_or(400), body.to_string().as_bytes(), None);
    let graph = error.graph_error().unwrap();
    assert_eq!(
        &serde_json::to_value(graph).unwrap(),
        &body["error"],
        "a field of the Graph error was lost or changed"
    );
    error
}

fn check(name: &str, status: Option<u16>, headers: &Value, body: &Value) {
    match name {
        "me.200.json" | "ig_user.200.json" => {
            let profile: Profile = round_trips(body);
            assert!(profile.extra.is_empty(), "unmodelled: {:?}", profile.extra);
            assert!(profile.username.is_some());
        }
        "me_media_page1.200.json" | "ig_user_media_page1.200.json" => {
            let page = check_media_page(body);
            assert_eq!(page.next, Some(Cursor::after("after")));
            assert!(page.items.iter().all(|m| m.timestamp.is_some()));
        }
        "ig_user_media_page2.200.json" => {
            let page = check_media_page(body);
            assert_eq!(page.next, None);
            let carousel = &page.items[0];
            assert_eq!(carousel.media_type, Some(MediaType::CarouselAlbum));
            assert_eq!(carousel.children.as_ref().unwrap().len(), 3);
        }
        "ig_user_stories.200.json" => {
            let page = check_media_page(body);
            assert_eq!(
                page.next, None,
                "cursors without a next link are the last page"
            );
        }
        "media_children.200.json" | "ig_media_children.200.json" => {
            let page = check_media_page(body);
            assert_eq!(page.items.len(), 2);
        }
        "media_carousel.200.json" | "ig_media_carousel.200.json" | "ig_story.200.json" => {
            let media: Media = round_trips(body);
            fully_typed(&media);
            assert!(media.timestamp.is_some());
        }
        "ig_container_create.200.json" => {
            let created: Created<IgContainerId> = round_trips(body);
            assert_eq!(created.id.as_str(), "17889455560051444");
        }
        "ig_media_publish.200.json" => {
            let created: Created<IgMediaId> = round_trips(body);
            assert_eq!(created.id.as_str(), "17920238422030506");
        }
        "ig_container_status_finished.200.json" => {
            let status: ContainerStatus = round_trips(body);
            assert_eq!(status.status_code, ig_client::StatusCode::Finished);
        }
        "ig_containers_batch_ids.200.json" => {
            let statuses: BTreeMap<String, ContainerStatus> = round_trips(body);
            assert_eq!(statuses.len(), 2);
        }
        "ig_content_publishing_limit.200.json" => {
            let limit: PublishingLimit = round_trips(body);
            assert_eq!(
                (limit.quota_usage, limit.quota_total, limit.remaining()),
                (0, Some(25), Some(25))
            );
            assert_eq!(limit.quota_duration, Some(Duration::from_secs(86_400)));
        }
        // Comments and insights have no item model in this crate; what is
        // checked is the `Page` model: every item is kept and the paging
        // position is the link's, cursor-based or time-based.
        "ig_media_comments_page1.200.json"
        | "ig_media_insights_legacy.200.json"
        | "ig_media_insights_total_value.200.json" => {
            let page: Page<Value> = serde_json::from_value(body.clone()).unwrap();
            assert_eq!(page.items.len(), body["data"].as_array().unwrap().len());
            check_paging(&page, body);
        }
        "ig_user_insights_breakdown.200.json" => {
            let page: Page<Value> = serde_json::from_value(body.clone()).unwrap();
            assert_eq!(page.items.len(), body["data"].as_array().unwrap().len());
            check_paging(&page, body);
            assert_eq!(
                page.next,
                Some(Cursor::new("since=1699603152&until=1699775952")),
                "a time-based next link is followed, not the end of the listing"
            );
        }
        "headers_x_business_use_case_usage.json" => {
            let mut map = HeaderMap::new();
            for (key, value) in headers.as_object().unwrap() {
                map.insert(
                    HeaderName::from_bytes(key.as_bytes()).unwrap(),
                    HeaderValue::from_str(value.as_str().unwrap()).unwrap(),
                );
            }
            let budget = RateBudget::from_headers(&map).unwrap();
            assert_eq!(budget.app, None);
            let [entry] = budget.business.as_slice() else {
                panic!("one entry expected: {:?}", budget.business)
            };
            assert_eq!(
                (
                    entry.id.as_str(),
                    entry.kind.as_str(),
                    entry.call_count,
                    entry.total_cputime,
                    entry.total_time,
                    entry.estimated_time_to_regain_access
                ),
                ("17841400455970028", "instagram", 12.0, 29.0, 10.0, Some(0))
            );
            assert_eq!(budget.regain_access_in(), None);
        }
        "app_request_limit_code4.json" => {
            let error = check_graph_error(status, body);
            assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
            assert_eq!(error.retry_kind(), RetryKind::After(DEFAULT_THROTTLE_WAIT));
        }
        "media_publish_not_ready.400.json" => {
            let error = check_graph_error(status, body);
            assert!(matches!(error, Error::Transient { .. }), "{error:?}");
        }
        "object_missing_or_permission.400.json" | "ig_api_exception_unknown_path.400.json" => {
            let error = check_graph_error(status, body);
            assert!(matches!(error, Error::BadRequest { .. }), "{error:?}");
            assert!(error.graph_error().unwrap().fbtrace_id.is_some());
        }
        other => panic!("no model mapped for fixture {other}; add it to this test"),
    }
}

#[test]
fn every_recorded_response_deserializes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    walk(&root, &mut files);
    assert!(files.len() >= 25, "fixtures missing: {}", files.len());
    for path in files {
        let recording: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let status = recording["status"]
            .as_u64()
            .map(|s| u16::try_from(s).unwrap());
        check(name, status, &recording["headers"], &recording["body"]);
    }
}
