/**
 * Respite's Lua 5.1 engine against the oracle's Lua (redis-server 7.0 via EVAL): corpora of
 * chunks (test/lua-corpus/*.txt, one per line) whose results — strings built inside Lua,
 * numbers, flat arrays and error messages — must be identical.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasOracle, startOracle, ROOT, type ChildServer } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { diffCorpus, HEX_PREFIX, runMine, sandboxVM } from '../helpers/lua-oracle.js';
import { prng } from '../helpers/prng.js';

const skip = !hasOracle();
let oracle: ChildServer;
let c: RawClient;

before(async () => {
  if (skip) return;
  oracle = await startOracle();
  c = await RawClient.connect(oracle.port);
});

after(async () => {
  if (skip) return;
  c.close();
  await oracle.stop();
});

function corpus(name: string): string[] {
  return readFileSync(join(ROOT, 'test', 'lua-corpus', name), 'latin1')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.replace(/\\n/g, '\n'));
}

test(
  'a fresh server and a fresh VM give the same math.random sequence (Redis lrand48 state)',
  { skip },
  async () => {
    // must be the first script run on the oracle: its generator is process-global
    const src = 'local r = {} for i = 1, 5 do r[i] = tostring(math.random()) end return table.concat(r, " ")';
    c.send('EVAL', src, '0');
    const theirs = await c.read();
    assert.equal(runMine(src), theirs);
  },
);

test('language core, base, string, table and math libraries match the oracle', { skip }, async () => {
  const lines = corpus('core.txt');
  const bad = await diffCorpus(c, lines);
  assert.deepEqual(bad, [], `${bad.length} of ${lines.length} chunks differ:\n${bad.join('\n')}`);
});

test(
  'closures, varargs, loops, metatables, number formatting and error edge cases match the oracle',
  { skip },
  async () => {
    const lines = corpus('lang.txt');
    const bad = await diffCorpus(c, lines);
    assert.deepEqual(bad, [], `${bad.length} of ${lines.length} chunks differ:\n${bad.join('\n')}`);
  },
);

test('cjson, cmsgpack, struct and bit produce the oracle exact bytes and errors', { skip }, async () => {
  const lines = corpus('libs.txt');
  const bad = await diffCorpus(c, lines, HEX_PREFIX);
  assert.deepEqual(bad, [], `${bad.length} of ${lines.length} chunks differ:\n${bad.join('\n')}`);
});

test(
  'tables have Lua 5.1 layout: pairs order, # borders and cjson/cmsgpack key order match',
  { skip },
  async () => {
    const lines = corpus('order.txt');
    const bad = await diffCorpus(c, lines);
    assert.deepEqual(bad, [], `${bad.length} of ${lines.length} chunks differ:\n${bad.join('\n')}`);
  },
);

/**
 * Random histories of inserts, overwrites and deletes (string, integer, float and boolean
 * keys, sizes across the small-table scan threshold and several rehashes): the final pairs
 * order, `#t` and a cmsgpack round trip's order must be the oracle's.
 */
function randomTableChunks(seed: number, count: number): string[] {
  const r = prng(seed);
  const keyOf = (): string => {
    switch (r(5)) {
      case 0:
      case 1:
        return `'k${r(40)}'`;
      case 2:
        return String(1 + r(24));
      case 3:
        return `${r(9)}.5`;
      default:
        return r(2) === 0 ? 'true' : String(-r(5));
    }
  };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let src = 'local t = {} ';
    const ops = 1 + r(i % 3 === 0 ? 60 : 14);
    for (let j = 0; j < ops; j++) src += `t[${keyOf()}] = ${r(4) === 0 ? 'nil' : String(j)} `;
    src +=
      'local o = {} for k, v in pairs(t) do o[#o + 1] = tostring(k) .. "=" .. tostring(v) end ' +
      'local u = cmsgpack.unpack(cmsgpack.pack(t)) local p = {} ' +
      'for k in pairs(u) do p[#p + 1] = tostring(k) end ' +
      'return #t .. " " .. table.concat(o, ",") .. " | " .. table.concat(p, ",")';
    out.push(src);
  }
  return out;
}

test(
  'tables built by random inserts and deletes iterate in the oracle order (small and large hash parts)',
  { skip },
  async () => {
    const lines = randomTableChunks(20261126, 300);
    const bad = await diffCorpus(c, lines);
    assert.deepEqual(
      bad,
      [],
      `${bad.length} of ${lines.length} chunks differ:\n${bad.slice(0, 5).join('\n')}`,
    );
  },
);

test('one VM keeps the math.random state across chunks like the server process', { skip }, async () => {
  const vm = sandboxVM();
  const srcs = [
    'math.randomseed(7) return tostring(math.random())',
    'return tostring(math.random(1, 1000))',
    'return tostring(math.random())',
  ];
  for (const s of srcs) c.send('EVAL', s, '0');
  for (const s of srcs) assert.equal(runMine(s, vm), await c.read());
});
