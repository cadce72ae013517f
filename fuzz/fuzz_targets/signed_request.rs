//! Instagram's `signed_request` on arbitrary text and JSON: nothing verifies
//! under the wrong secret, and signed payloads verify back unchanged
//! (`ig_client::fuzzing::signed_request`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ig_client::fuzzing::signed_request(data));
