#!/usr/bin/env bash
# The main job, as far as it exists today: builds the front-end and runs the
# exact twitter-text parser and the fitter on sample captions.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --example xpost
xpost=target/release/examples/xpost

echo "== xpost text parse (contract section 1)"
"$xpost" text parse < docs/examples/captions.jsonl

echo
echo "== xpost text fit --budget 280 --template '{caption}\n\n{permalink}'"
"$xpost" text fit --budget 280 --template $'{caption}\n\n{permalink}' \
  --permalink https://www.instagram.com/p/C0ffee123/ < docs/examples/caption.txt

echo
echo "== the same caption as a numbered thread, budget 140"
"$xpost" text fit --budget 140 --template '{caption}' --thread --numbering \
  --permalink https://www.instagram.com/p/C0ffee123/ < docs/examples/caption.txt
