// Reference answers from the official twitter-text JavaScript library.
// Reads JSON Lines {"text": "...", "config": "v1"|"v2"|"v3"} on stdin and
// writes, per line, the fields of contract section 1 (`xpost text parse`).
'use strict';
const twttr = require('twitter-text');
const readline = require('readline');

const configs = {
  v1: twttr.configs.version1,
  v2: twttr.configs.version2,
  v3: twttr.configs.version3,
};

function answer(text, configName) {
  const config = configs[configName || 'v3'];
  const p = twttr.parseTweet(text, config);
  return {
    weighted_length: p.weightedLength,
    valid: p.valid,
    permillage: p.permillage,
    valid_range: [p.validRangeStart, p.validRangeEnd],
    display_range: [p.displayRangeStart, p.displayRangeEnd],
    urls: twttr.extractUrlsWithIndices(text).map((e) => ({ url: e.url, indices: e.indices })),
    hashtags: twttr.extractHashtagsWithIndices(text).map((e) => ({ hashtag: e.hashtag, indices: e.indices })),
    mentions: twttr.extractMentionsWithIndices(text).map((e) => ({ screen_name: e.screenName, indices: e.indices })),
    cashtags: twttr.extractCashtagsWithIndices(text).map((e) => ({ cashtag: e.cashtag, indices: e.indices })),
  };
}

const out = [];
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  let obj;
  try {
    obj = JSON.parse(line);
  } catch (e) {
    out.push(JSON.stringify({ error: 'invalid JSON: ' + e.message }));
    return;
  }
  if (!obj || typeof obj.text !== 'string') {
    out.push(JSON.stringify({ error: 'missing string field "text"' }));
    return;
  }
  out.push(JSON.stringify(answer(obj.text, obj.config)));
  if (out.length >= 1024) {
    process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  }
});
rl.on('close', () => {
  if (out.length) process.stdout.write(out.join('\n') + '\n');
});
