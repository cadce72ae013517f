//! Count, extract, fit, split and map arbitrary text: nothing may panic, and
//! whatever `fit` and `split` return must be valid within the budget
//! (`xpost_transform::fuzzing::transform`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| xpost_transform::fuzzing::transform(data));
