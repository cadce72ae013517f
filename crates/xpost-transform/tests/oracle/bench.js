// In-process throughput of the official twitter-text library, for the
// side-by-side benchmark in bench/. Usage: node bench.js CORPUS.json SECONDS
// where CORPUS.json is a JSON array of strings. Prints one JSON object with
// MB/s (UTF-8 bytes of the corpus per second) for weighted length
// (parseTweet) and full parse (parseTweet plus the four extractors).
'use strict';
const fs = require('fs');
const twttr = require('twitter-text');

const texts = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const seconds = Number(process.argv[3] || 2);
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);

function measure(fn) {
  // Warm up the JIT, then run whole passes until the time is spent.
  for (const t of texts.slice(0, 2000)) fn(t);
  let passes = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  do {
    for (const t of texts) sink += fn(t);
    passes += 1;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < seconds);
  if (sink === -1) console.error('unreachable');
  return (bytes * passes) / elapsed / 1e6;
}

const weighted = measure((t) => twttr.parseTweet(t).weightedLength);
const full = measure((t) =>
  twttr.parseTweet(t).weightedLength +
  twttr.extractUrlsWithIndices(t).length +
  twttr.extractHashtagsWithIndices(t).length +
  twttr.extractMentionsWithIndices(t).length +
  twttr.extractCashtagsWithIndices(t).length);
console.log(JSON.stringify({ weighted_mbps: weighted, full_mbps: full, bytes }));
