#!/usr/bin/env bash
# The main job on a fresh machine, with no account and no network: `xpost demo`
# starts a local Instagram and X, links an account on each through the real
# OAuth flows, publishes a post of every kind, syncs once, and prints where each
# post went, why the others did not, and every tweet's text.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --example xpost
exec "${CARGO_TARGET_DIR:-target}/release/examples/xpost" demo "$@"
