#!/usr/bin/env bash
# The main job, as far as it exists today: everything runs locally, with no
# account and no network.
#   1. the exact twitter-text parser and the fitter on sample captions;
#   2. a local Instagram and X (the emulator), an Instagram account with
#      posts, listed through ig-client after a real OAuth code exchange;
#   3. an X account linked through the real OAuth 2.0 PKCE flow with
#      x-client, a photo uploaded with alt text and a fitted caption posted.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --example xpost --example ig_list_media --example x_post
bin="${CARGO_TARGET_DIR:-target}/release/examples"
xpost=$bin/xpost

echo "== 1. xpost text parse "
"$xpost" text parse < docs/examples/captions.jsonl

echo
echo "== xpost text fit: one post of 280, the permalink kept whole"
fitted=$("$xpost" text fit --budget 280 --template $'{caption}\n\n{permalink}' \
  --permalink https://www.instagram.com/p/C0ffee123/ < docs/examples/caption.txt)
printf '%s\n' "$fitted"

echo
echo "== the same caption as a numbered thread of 140"
"$xpost" text fit --budget 140 --thread --numbering \
  --permalink https://www.instagram.com/p/C0ffee123/ < docs/examples/caption.txt

echo
echo "== 2. the emulator "
log=$(mktemp)
"$xpost" emulator --listen 127.0.0.1:0 > "$log" &
emulator=$!
trap 'kill $emulator 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$log" && break
  sleep 0.1
done
base=$(sed -n 's/^listening on //p' "$log")
echo "emulator at $base"

json() { curl -fsS -H 'content-type: application/json' "$@"; }
user=$(json -X POST "$base/admin/instagram/accounts" -d '{"username":"sunday.in.lisbon"}' |
  sed 's/.*"user_id":"\([0-9]*\)".*/\1/')
for kind in IMAGE CAROUSEL_ALBUM VIDEO; do
  json -X POST "$base/admin/instagram/accounts/$user/media" \
    -d "{\"caption\":\"A $kind from Lisbon #travel\",\"media_type\":\"$kind\",\"media_product_type\":\"FEED\",\"children\":3}" >/dev/null
done
json -X POST "$base/admin/session" -d '{"platform":"instagram","username":"sunday.in.lisbon"}' >/dev/null
redirect=$(curl -fsS -o /dev/null -w '%{redirect_url}' \
  "$base/instagram/www/oauth/authorize?client_id=xpost-emulator&redirect_uri=http://127.0.0.1:9/cb&response_type=code&scope=instagram_business_basic&state=demo")
code=$(printf '%s' "$redirect" | sed 's/.*[?&]code=\([^&#]*\).*/\1/')
token=$(curl -fsS -X POST "$base/instagram/api/oauth/access_token" \
  -d client_id=xpost-emulator -d client_secret=xpost-emulator-secret \
  -d grant_type=authorization_code -d redirect_uri=http://127.0.0.1:9/cb -d "code=$code" |
  sed 's/.*"access_token":"\([^"]*\)".*/\1/')
echo "== Instagram media, read with ig-client"
IG_ACCESS_TOKEN=$token "$bin/ig_list_media" --emulator "$base"

echo
echo "== 3. X: link through OAuth 2.0 PKCE and post the fitted caption with x-client"
"$bin/x_post" --emulator "$base" --text "$fitted"
echo
echo "== what X now holds"
curl -fsS "$base/admin/x/tweets"
echo
