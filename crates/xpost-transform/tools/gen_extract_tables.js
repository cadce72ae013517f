#!/usr/bin/env node
// Generates src/extract/tables.rs: the character classes the extractors need,
// taken from the regexes of twitter-text 3.1.0 (Apache-2.0, Copyright
// Twitter Inc.) as this Node.js evaluates them.
//
// Usage (from crates/xpost-transform):
//   node tools/gen_extract_tables.js > src/extract/tables.rs && rustfmt --edition 2024 src/extract/tables.rs
//
// Each class is measured, not transcribed: every code point is run through
// the library's own regex with the flags it is used with (`i` changes what a
// class matches), so the tables agree with the reference even where the
// Unicode version of its property data differs from Rust's. The script also
// checks the facts the Rust side relies on: the TLD lists equal
// tests/conformance/tld_lib.yml, and wherever one TLD is a prefix of another
// the longer one comes first in the library's alternation (so "longest TLD
// wins" is the library's rule).
'use strict';

const path = require('path');
const fs = require('fs');

const root = path.join(__dirname, '..');
const pkgDir = path.join(root, 'tests', 'oracle', 'node_modules', 'twitter-text');
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
if (pkg.version !== '3.1.0') {
  throw new Error(`expected twitter-text 3.1.0, found ${pkg.version}`);
}
const re = require(pkgDir).regexen;

function src(r) {
  return typeof r === 'string' ? r : r.source;
}

// Code points (BMP and astral, surrogates excluded) matched by `^(?:body)$`.
function measure(body, flags, astral) {
  const r = new RegExp('^(?:' + body + ')$', flags);
  const out = [];
  const last = astral ? 0x10ffff : 0xffff;
  for (let c = 0x80; c <= last; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (r.test(String.fromCodePoint(c))) out.push(c);
  }
  return out;
}

function asciiMask(body, flags) {
  const r = new RegExp('^(?:' + body + ')$', flags);
  let lo = 0n;
  let hi = 0n;
  for (let c = 0; c < 0x80; c++) {
    if (r.test(String.fromCharCode(c))) {
      if (c < 64) lo |= 1n << BigInt(c);
      else hi |= 1n << BigInt(c - 64);
    }
  }
  return [lo, hi];
}

function ranges(points) {
  const out = [];
  for (const c of points) {
    const lastRange = out[out.length - 1];
    if (lastRange && lastRange[1] + 1 === c) lastRange[1] = c;
    else out.push([c, c]);
  }
  return out;
}

function hex(c) {
  return '0x' + c.toString(16).toUpperCase().padStart(4, '0');
}

const lines = [];
function emit(name, doc, body, flags, astral) {
  const [lo, hi] = asciiMask(body, flags);
  const rs = ranges(measure(body, flags, astral));
  lines.push(`/// ${doc}: ASCII bit mask (code points 0-63, 64-127).`);
  lines.push(`pub(crate) const ${name}_ASCII: [u64; 2] = [0x${lo.toString(16)}, 0x${hi.toString(16)}];`);
  lines.push(`/// ${doc}: sorted inclusive ranges of non-ASCII code points.`);
  lines.push(`pub(crate) static ${name}_RANGES: [(u32, u32); ${rs.length}] = [`);
  let row = [];
  for (const [a, b] of rs) {
    row.push(`(${hex(a)}, ${hex(b)})`);
    if (row.length === 6) {
      lines.push('    ' + row.join(', ') + ',');
      row = [];
    }
  }
  if (row.length) lines.push('    ' + row.join(', ') + ',');
  lines.push('];');
  lines.push('');
}

emit('HASHTAG_ALPHA', 'Hashtag letters and marks (`hashtagAlpha`, flag i)', src(re.hashtagAlpha), 'i', true);
emit('HASHTAG_ALNUM', 'Hashtag characters (`hashtagAlphaNumeric`, flag i)', src(re.hashtagAlphaNumeric), 'i', true);
emit('URL_PATH', 'URL path characters (`validGeneralUrlPathChars`, flag i)', src(re.validGeneralUrlPathChars), 'i', false);
// The ending class without its balanced-parenthesis alternative.
const endClass = src(re.validUrlPathEndingChars).split('|(?:')[0];
if (!endClass.startsWith('[') || !endClass.endsWith(']')) throw new Error('unexpected validUrlPathEndingChars');
emit('URL_PATH_END', 'URL path ending characters (`validUrlPathEndingChars`, flag i)', endClass, 'i', false);
emit('ASCII_DOMAIN', 'Label characters of `validAsciiDomain` (flag i)', '[\\-a-z0-9' + src(re.latinAccentChars) + ']', 'i', false);
emit('LATIN_ACCENT', 'Latin accented characters (`latinAccentChars`, no flags, as in endMentionMatch)', '[' + src(re.latinAccentChars) + ']', '', false);
emit('JS_SPACE', 'JavaScript `\\s`', '\\s', '', false);
emit('SPACES', 'twitter-text `spaces`', src(re.spaces), 'i', false);
emit('DOMAIN_INVALID', 'Characters that end a domain label (`invalidDomainChars`, flag i)', '[' + src(re.invalidDomainChars) + ']', 'i', false);

// TLDs in the library's alternation order.
function tldList(r) {
  const s = src(r);
  const m = /^\(\?:\(\?:(.*)\)\(\?=\[\^0-9a-zA-Z@\+-\]\|\$\)\)$/.exec(s);
  if (!m) throw new Error('unexpected TLD regex ' + s.slice(0, 80));
  return m[1].split('|');
}
const gtld = tldList(re.validGTLD);
const cctld = tldList(re.validCCTLD);
const yml = fs.readFileSync(path.join(root, 'tests', 'conformance', 'tld_lib.yml'), 'utf8');
const fromYml = { country: [], generic: [] };
let section = null;
for (const line of yml.split('\n')) {
  if (line === 'country:' || line === 'generic:') section = line.slice(0, -1);
  else if (line.startsWith('- ')) fromYml[section].push(line.slice(2).trim().replace(/^'(.*)'$/, '$1'));
}
const same = (a, b) => a.length === b.length && [...a].sort().join('|') === [...b].sort().join('|');
if (!same(gtld, fromYml.generic) || !same(cctld, fromYml.country)) {
  throw new Error('tld_lib.yml does not match the library TLD lists');
}
const all = gtld.concat(cctld);
for (let i = 0; i < all.length; i++) {
  for (let j = 0; j < all.length; j++) {
    if (i !== j && all[j].length > all[i].length && new RegExp('^' + all[i], 'i').test(all[j]) && j > i) {
      throw new Error(`TLD ${all[i]} is tried before the longer ${all[j]}`);
    }
  }
}
if (all.some((t) => /^[\x00-\x7f]*$/.test(t) && /[^a-z]/.test(t))) {
  throw new Error('an ASCII TLD has characters other than a-z');
}

// Case-insensitive equivalents (flag i, non-Unicode mode) of the non-ASCII
// characters that occur in TLDs.
const chars = new Set();
for (const t of all) for (const ch of t) if (ch.charCodeAt(0) >= 0x80) chars.add(ch);
const foldRows = [];
for (const ch of [...chars].sort()) {
  if (ch.length !== 1) throw new Error('astral character in a TLD');
  const r = new RegExp('^' + ch + '$', 'i');
  const eq = [];
  for (let c = 0x80; c <= 0xffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (c !== ch.charCodeAt(0) && r.test(String.fromCharCode(c))) eq.push(c);
  }
  if (eq.length) foldRows.push(`    (${hex(ch.charCodeAt(0))}, &[${eq.map(hex).join(', ')}]),`);
}
lines.push('/// Non-ASCII TLD characters that also match other characters under the flag i:');
lines.push('/// (character, its other case forms).');
lines.push(`pub(crate) static TLD_CASE_FOLD: [(u32, &[u32]); ${foldRows.length}] = [`);
lines.push(...foldRows);
lines.push('];');

process.stdout.write(
  '//! Character classes of twitter-text 3.1.0, generated by\n' +
    '//! `tools/gen_extract_tables.js` from the library\'s own regexes. Do not edit.\n\n' +
    lines.join('\n') +
    '\n',
);
