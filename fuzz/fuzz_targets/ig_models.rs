//! Every JSON model of ig-client (media, media page, profile, error bodies,
//! token answers, usage headers) on arbitrary bytes: round trips hold, cursors
//! never keep a token, token answers never show in errors
//! (`ig_client::fuzzing::json_models`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ig_client::fuzzing::json_models(data));
