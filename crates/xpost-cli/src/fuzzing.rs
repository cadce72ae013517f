//! Invariant checks on the loopback callback's request parsing, shared by the
//! `cargo fuzz` target in `fuzz/` and the corpus replay test, so the kept
//! corpus guards the same properties in every `cargo test`. Only built with
//! the `fuzzing` feature.

use std::net::{Ipv4Addr, SocketAddr};

use crate::callback::{Redirect, classify, request_target};

/// The `state` the checks expect.
const EXPECTED: &str = "expected-state";

/// Reads arbitrary bytes as a request head. Only a `GET` gets a target; only
/// a request for `/callback` with a `code` or an `error` ends the wait; a code
/// is handed out only with the expected `state` and no `error`, and a denial
/// only with the expected `state`.
pub fn callback(data: &[u8]) {
    let Ok(target) = request_target(data) else {
        return;
    };
    assert!(target.starts_with('/'));
    assert!(data.starts_with(b"GET "));
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 9000));
    let url = url::Url::parse(&format!("http://{addr}{target}")).ok();
    let param = |name: &str| {
        url.as_ref().and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        })
    };
    let state_ok = param("state").as_deref() == Some(EXPECTED);
    match classify(addr, target, EXPECTED) {
        None => assert!(
            url.as_ref().is_none_or(|u| u.path() != "/callback")
                || (param("code").is_none() && param("error").is_none())
        ),
        Some(Redirect::Code(redirect)) => {
            assert!(state_ok && param("error").is_none() && param("code").is_some());
            assert_eq!(redirect.path(), "/callback");
            assert_eq!(redirect.host_str(), Some("127.0.0.1"));
        }
        Some(Redirect::Denied(_)) => assert!(state_ok && param("error").is_some()),
        Some(Redirect::StateMismatch) => assert!(!state_ok),
    }
}
