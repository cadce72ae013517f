//! The settings loader (TOML to validated `LinkSettings`) on arbitrary text:
//! errors point inside the text, and loaded settings write and load back
//! unchanged (`xpost_policy::fuzzing::settings`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| xpost_policy::fuzzing::settings(data));
