#!/usr/bin/env node
// Generates src/emoji_table.rs from the emoji regex of twemoji-parser 11.0.2
// (MIT, Copyright Twitter Inc.), the version twitter-text 3.1.0 pins.
//
// Usage (from crates/xpost-transform):
//   node tools/gen_emoji.js > src/emoji_table.rs
//
// The regex is a finite language: literals, character classes, groups,
// alternation, `?` and one-unit negative lookaheads `(?!\ufe0e)`. This script
// enumerates every string it can match, in the order a backtracking engine
// tries the paths, and numbers them: that number is the path's priority. At a
// given position JavaScript returns the lowest-numbered path that matches
// there, which is not necessarily the longest one. The generated trie keeps,
// per matched string, the lowest priority with no condition (`free`) and the
// lowest priority that needs "the next character is not U+FE0E" (`guard`).
'use strict';

const path = require('path');
const fs = require('fs');

const pkgDir = path.join(__dirname, '..', 'tests', 'oracle', 'node_modules', 'twemoji-parser');
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
if (pkg.version !== '11.0.2') {
  throw new Error(`expected twemoji-parser 11.0.2, found ${pkg.version}`);
}
const regex = require(path.join(pkgDir, 'dist', 'lib', 'regex.js')).default;
if (regex.flags !== 'g') {
  throw new Error(`unexpected regex flags ${regex.flags}`);
}
const src = regex.source;

// ---- parser: source -> AST ------------------------------------------------
let pos = 0;

function peek() {
  return src[pos];
}

function unit() {
  // One code unit: `\uXXXX` or a literal character of the BMP.
  if (src[pos] === '\\') {
    if (src[pos + 1] !== 'u') throw new Error(`unsupported escape at ${pos}`);
    const v = parseInt(src.slice(pos + 2, pos + 6), 16);
    pos += 6;
    return v;
  }
  const v = src.charCodeAt(pos);
  if (v >= 0xd800 && v <= 0xdfff) throw new Error(`raw surrogate at ${pos}`);
  pos += 1;
  return v;
}

function parseAlternation() {
  const alts = [parseSequence()];
  while (peek() === '|') {
    pos += 1;
    alts.push(parseSequence());
  }
  return { type: 'alt', alts };
}

function parseSequence() {
  const items = [];
  while (pos < src.length && peek() !== '|' && peek() !== ')') {
    let atom = parseAtom();
    if (peek() === '?') {
      pos += 1;
      atom = { type: 'opt', atom };
    }
    if (peek() === '*' || peek() === '+' || peek() === '{') {
      throw new Error(`unsupported quantifier at ${pos}`);
    }
    items.push(atom);
  }
  return { type: 'seq', items };
}

function parseAtom() {
  const c = peek();
  if (c === '(') {
    pos += 1;
    let kind = 'group';
    if (src.startsWith('?:', pos)) {
      pos += 2;
    } else if (src.startsWith('?!', pos)) {
      pos += 2;
      kind = 'neg';
    } else if (peek() === '?') {
      throw new Error(`unsupported group at ${pos}`);
    }
    const inner = parseAlternation();
    if (peek() !== ')') throw new Error(`unclosed group at ${pos}`);
    pos += 1;
    if (kind === 'neg') {
      const ok = inner.alts.length === 1 && inner.alts[0].items.length === 1 && inner.alts[0].items[0].type === 'unit';
      if (!ok) throw new Error('only one-unit negative lookaheads are supported');
      return { type: 'neg', unit: inner.alts[0].items[0].value };
    }
    return inner;
  }
  if (c === '[') {
    pos += 1;
    if (peek() === '^') throw new Error(`negated class at ${pos}`);
    const units = [];
    while (peek() !== ']') {
      const lo = unit();
      if (peek() === '-' && src[pos + 1] !== ']') {
        pos += 1;
        const hi = unit();
        for (let v = lo; v <= hi; v++) units.push(v);
      } else {
        units.push(lo);
      }
    }
    pos += 1;
    return { type: 'class', units };
  }
  if ('.^$'.includes(c)) throw new Error(`unsupported metacharacter ${c} at ${pos}`);
  return { type: 'unit', value: unit() };
}

const ast = parseAlternation();
if (pos !== src.length) throw new Error(`trailing input at ${pos}`);

// ---- enumeration in backtracking order -------------------------------------
// A path is an array of tokens: a number (a code unit) or {neg: unit}.
function enumerate(node) {
  switch (node.type) {
    case 'unit':
      return [[node.value]];
    case 'class':
      return node.units.map((u) => [u]);
    case 'neg':
      return [[{ neg: node.unit }]];
    case 'opt':
      // Greedy: the path with the atom is tried first.
      return enumerate(node.atom).concat([[]]);
    case 'alt':
      return node.alts.flatMap(enumerate);
    case 'seq': {
      let paths = [[]];
      for (const item of node.items) {
        const next = enumerate(item);
        const out = [];
        for (const p of paths) for (const q of next) out.push(p.concat(q));
        paths = out;
      }
      return paths;
    }
    default:
      throw new Error(`unknown node ${node.type}`);
  }
}

const paths = enumerate(ast);

// Resolve lookaheads: one followed by a unit either kills the path or holds;
// one at the end becomes a condition on the text after the match.
const GUARD = 0xfe0e;
const strings = [];
paths.forEach((p, priority) => {
  const units = [];
  let endGuard = false;
  for (let i = 0; i < p.length; i++) {
    const t = p[i];
    if (typeof t === 'number') {
      units.push(t);
      continue;
    }
    const following = p.slice(i + 1).find((x) => typeof x === 'number');
    if (following === undefined) {
      if (t.neg !== GUARD) throw new Error('only (?!\\ufe0e) may end a path');
      endGuard = true;
    } else if (following === t.neg) {
      return;
    }
  }
  if (units.length === 0) throw new Error('empty match possible');
  strings.push({ cps: toCodePoints(units), priority, guard: endGuard });
});

function toCodePoints(units) {
  const cps = [];
  for (let i = 0; i < units.length; i++) {
    const u = units[i];
    if (u >= 0xd800 && u <= 0xdbff) {
      const lo = units[i + 1];
      if (!(lo >= 0xdc00 && lo <= 0xdfff)) throw new Error('unpaired high surrogate in a match');
      cps.push(0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
      i += 1;
    } else if (u >= 0xdc00 && u <= 0xdfff) {
      throw new Error('unpaired low surrogate in a match');
    } else {
      cps.push(u);
    }
  }
  return cps;
}

// Invariants the Rust side relies on for its ASCII fast path.
for (const s of strings) {
  if (s.cps[0] < 0x80 && (s.cps.length < 2 || s.cps[1] < 0x80)) {
    throw new Error('a match starting with ASCII must continue with non-ASCII');
  }
}

// ---- trie ------------------------------------------------------------------
const NONE = 0xffffffff;
const nodes = [{ edges: new Map(), free: NONE, guard: NONE }];
for (const s of strings) {
  let n = 0;
  for (const cp of s.cps) {
    let child = nodes[n].edges.get(cp);
    if (child === undefined) {
      child = nodes.length;
      nodes.push({ edges: new Map(), free: NONE, guard: NONE });
      nodes[n].edges.set(cp, child);
    }
    n = child;
  }
  const key = s.guard ? 'guard' : 'free';
  nodes[n][key] = Math.min(nodes[n][key], s.priority);
}
// A guarded priority that loses to the unconditional one can never win.
for (const n of nodes) {
  if (n.guard >= n.free) n.guard = NONE;
}

// Breadth-first numbering so that every node's edges are contiguous.
const order = [0];
const index = new Map([[0, 0]]);
for (let i = 0; i < order.length; i++) {
  const n = nodes[order[i]];
  for (const cp of [...n.edges.keys()].sort((a, b) => a - b)) {
    const child = n.edges.get(cp);
    index.set(child, order.length);
    order.push(child);
  }
}
const rows = [];
const edgeCps = [];
const edgeTargets = [];
for (const id of order) {
  const n = nodes[id];
  const keys = [...n.edges.keys()].sort((a, b) => a - b);
  rows.push([edgeCps.length, keys.length, n.free, n.guard]);
  for (const cp of keys) {
    edgeCps.push(cp);
    edgeTargets.push(index.get(n.edges.get(cp)));
  }
}

// ---- output ----------------------------------------------------------------
const hex = (v) => (v === NONE ? 'NONE' : `0x${v.toString(16).toUpperCase()}`);
const lines = [];
lines.push('// @generated by tools/gen_emoji.js from twemoji-parser 11.0.2 (dist/lib/regex.js).');
lines.push('// Do not edit by hand; rerun `node tools/gen_emoji.js > src/emoji_table.rs`.');
lines.push('//');
lines.push('// The data is derived from twemoji-parser, Copyright Twitter Inc., MIT License');
lines.push('// (https://github.com/twitter/twemoji-parser/blob/master/LICENSE.md); see');
lines.push('// data/NOTICE-twemoji-parser.');
lines.push('');
lines.push('//! The emoji regex of twemoji-parser 11.0.2 as a trie over code points.');
lines.push('');
lines.push('use crate::emoji::{NONE, Node};');
lines.push('');
lines.push(`/// Number of strings the regex can match (${paths.length} paths before lookaheads).`);
lines.push('#[cfg(test)]');
lines.push(`pub(crate) const STRING_COUNT: usize = ${strings.length};`);
lines.push('');
lines.push('/// Trie nodes; node 0 is the root.');
lines.push('#[rustfmt::skip]');
lines.push(`pub(crate) static NODES: [Node; ${rows.length}] = [`);
for (const [first, len, free, guard] of rows) {
  lines.push(`    Node { first_edge: ${first}, edge_count: ${len}, free: ${hex(free)}, guard: ${hex(guard)} },`);
}
lines.push('];');
lines.push('');
lines.push('/// Code point of every edge, sorted within each node.');
lines.push('#[rustfmt::skip]');
lines.push(`pub(crate) static EDGE_CODE_POINTS: [u32; ${edgeCps.length}] = [`);
for (let i = 0; i < edgeCps.length; i += 8) {
  lines.push('    ' + edgeCps.slice(i, i + 8).map(hex).join(', ') + ',');
}
lines.push('];');
lines.push('');
lines.push('/// Target node of every edge, parallel to `EDGE_CODE_POINTS`.');
lines.push('#[rustfmt::skip]');
lines.push(`pub(crate) static EDGE_TARGETS: [u32; ${edgeTargets.length}] = [`);
for (let i = 0; i < edgeTargets.length; i += 12) {
  lines.push('    ' + edgeTargets.slice(i, i + 12).join(', ') + ',');
}
lines.push('];');
// A bitmap of the BMP code points that begin a match, for a quick "no".
const starts = new Array(1024).fill(0n);
for (const cp of nodes[0].edges.keys()) {
  if (cp < 0x10000) starts[cp >> 6] |= 1n << BigInt(cp & 63);
}
lines.push('');
lines.push('/// Bit `c % 64` of word `c / 64` is set when BMP code point `c` begins a match.');
lines.push('#[rustfmt::skip]');
lines.push('pub(crate) static BMP_STARTS: [u64; 1024] = [');
for (let i = 0; i < 1024; i += 4) {
  lines.push('    ' + starts.slice(i, i + 4).map((w) => `0x${w.toString(16).toUpperCase().padStart(16, '0')}`).join(', ') + ',');
}
lines.push('];');
process.stdout.write(lines.join('\n') + '\n');
process.stderr.write(`paths ${paths.length}, strings ${strings.length}, nodes ${rows.length}, edges ${edgeCps.length}\n`);
