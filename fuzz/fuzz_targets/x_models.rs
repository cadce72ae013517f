//! Every JSON model of x-client (posts, timeline pages, users, media upload
//! and status, error bodies, token answers, stored tokens, rate-limit headers)
//! on arbitrary bytes: round trips hold and token answers never show in errors
//! (`x_client::fuzzing::json_models`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| x_client::fuzzing::json_models(data));
