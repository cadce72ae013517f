#!/usr/bin/env bash
# Throughput benchmark: xpost-transform beside the official twitter-text (node)
# and the twitter-text 0.3.1 crate, in-process and as whole processes.
# Figures and how to read them: docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix crates/xpost-transform/tests/oracle --no-audit --no-fund --loglevel=error
cargo build --release --locked --example xpost
cargo run --release --manifest-path bench/Cargo.toml -- --xpost "${CARGO_TARGET_DIR:-target}/release/examples/xpost" "$@"
