//! OAuth callback parsing on arbitrary bytes: the CLI's loopback request
//! head and redirect classification, Instagram's `code_from_redirect` and X's
//! `code_from_callback` hand out a code only with the expected `state` and no
//! `error` (`xpost_cli::fuzzing::callback`, `ig_client::fuzzing::redirect`,
//! `x_client::fuzzing::callback`). The CLI's part needs the `cli` feature
//! (on by default), which builds the whole CLI.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    #[cfg(feature = "cli")]
    xpost_cli::fuzzing::callback(data);
    ig_client::fuzzing::redirect(data);
    x_client::fuzzing::callback(data);
});
