/**
 * numbers.ts against a live oracle on thousands of random values, pipelined:
 * - parseDouble + formatDouble against ZADD (strtod) + ZSCORE ("%.17g"), including exact
 *   decimal ties where printf rounds to even and JS's toPrecision would not;
 * - parseLongDouble + addLongDouble + formatLongDoubleHuman against INCRBYFLOAT (x87 long
 *   double arithmetic, "%.17Lf").
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOracle, type ChildServer } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import {
  addLongDouble,
  doubleToBin,
  formatDouble,
  formatLongDoubleHuman,
  parseDouble,
  parseLongDouble,
} from '../../src/util/numbers.js';
import { mulberry32 as rng } from '../helpers/prng.js';

let oracle: ChildServer;
let o: RawClient;

before(async () => {
  oracle = await startOracle();
  o = await RawClient.connect(oracle.port);
});

after(async () => {
  o.close();
  await oracle.stop();
});

/** Sends every command at once, then reads the replies in order. */
async function pipeline(cmds: string[][]): Promise<string[]> {
  for (const c of cmds) o.send(...c);
  const out: string[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(await o.read());
  return out;
}

function bulkText(reply: string): string {
  return reply[0] === '$' ? reply.slice(reply.indexOf('\r\n') + 2, -2) : reply.trim();
}

/** A random double from random bits (all magnitudes, subnormals included). */
function randomDouble(r: () => number): number {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  for (;;) {
    u[0] = Math.floor(r() * 2 ** 32);
    u[1] = Math.floor(r() * 2 ** 32);
    if (Number.isFinite(f[0])) return f[0];
  }
}

/** Doubles whose exact decimal expansion has exactly 18 significant digits (a %.17g tie). */
function tieDoubles(r: () => number, count: number): number[] {
  const out: number[] = [];
  while (out.length < count) {
    const n = 1 + Math.floor(r() * 60);
    const m = 1 + 2 * Math.floor(r() * 2 ** Math.min(n + 4, 30));
    const d = m / 2 ** n;
    const b = doubleToBin(d);
    const digits = b.e >= 0 ? (b.m << BigInt(b.e)).toString() : (b.m * 5n ** BigInt(-b.e)).toString();
    if (digits.replace(/0+$/, '').length === 18) out.push(r() < 0.5 ? d : -d);
  }
  return out;
}

async function checkDoubles(scores: string[]): Promise<void> {
  const cmds: string[][] = [];
  // A fresh member each time: updating a score to an equal value (-0 vs 0) is a no-op.
  for (const [i, s] of scores.entries())
    cmds.push(['ZADD', 'z', s, `m${i}`], ['ZSCORE', 'z', `m${i}`], ['DEL', 'z']);
  const replies = await pipeline(cmds);
  for (let i = 0; i < scores.length; i++) {
    const added = replies[3 * i];
    const expected = added[0] === '-' ? null : bulkText(replies[3 * i + 1]);
    const d = parseDouble(scores[i]);
    // A zset's listpack keeps -0 as the integer 0, so ZSCORE cannot show the sign of zero.
    const actual = d === null ? null : formatDouble(d === 0 ? 0 : d);
    assert.equal(actual, expected, `score ${JSON.stringify(scores[i])}`);
  }
}

test('formatDouble(parseDouble(s)) equals ZSCORE after ZADD for random doubles of every magnitude', async () => {
  const r = rng(1);
  const scores: string[] = [];
  for (let i = 0; i < 1500; i++) {
    const d = randomDouble(r);
    // 17 significant digits round-trip; shorter forms exercise parsing of typical input.
    scores.push(i % 3 === 0 ? String(d) : d.toPrecision(17 + (i % 4)));
  }
  await checkDoubles(scores);
});

test('formatDouble rounds exact ties to even like printf', async () => {
  const r = rng(2);
  await checkDoubles(tieDoubles(r, 300).map((d) => d.toPrecision(18)));
});

test('parseDouble accepts and rejects the same literals as strtod does in ZADD', async () => {
  const r = rng(3);
  const pieces = ['1', '0', '9', '.', 'e', 'E', '-', '+', 'x', 'p', 'a', 'f', 'inf', 'nan', ' ', '5', '00'];
  const scores: string[] = [];
  for (let i = 0; i < 2000; i++) {
    let s = '';
    const n = 1 + Math.floor(r() * 6);
    for (let j = 0; j < n; j++) s += pieces[Math.floor(r() * pieces.length)];
    scores.push(s);
  }
  for (let e = 280; e < 340; e += 3)
    scores.push(`1e${e}`, `1e-${e}`, `2.5e-${e}`, `0x1p${e * 4}`, `0x1p-${e * 4}`);
  await checkDoubles(scores);
});

/** A random literal for INCRBYFLOAT: decimals of many shapes and sizes, hex floats, junk. */
function randomLiteral(r: () => number): string {
  const digits = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += Math.floor(r() * 10);
    return s;
  };
  const k = r();
  const sign = r() < 0.4 ? '-' : '';
  if (k < 0.05)
    return sign + '0x' + Math.floor(r() * 2 ** 40).toString(16) + 'p' + (Math.floor(r() * 200) - 100);
  if (k < 0.08) return ['inf', '-inf', '1e', '', '1.2.3', '1e-9999', '1e9999', 'nan'][Math.floor(r() * 8)];
  if (k < 0.2) return String(randomDouble(r));
  let s = sign + digits(1 + Math.floor(r() * (r() < 0.3 ? 30 : 8)));
  if (r() < 0.7) s += '.' + digits(Math.floor(r() * (r() < 0.3 ? 30 : 6)));
  if (r() < 0.3) s += 'e' + (Math.floor(r() * 80) - 40);
  return s;
}

test('long double INCRBYFLOAT emulation equals the oracle on random operands', async () => {
  const r = rng(4);
  const pairs: [string, string][] = [];
  for (let i = 0; i < 2000; i++) pairs.push([randomLiteral(r), randomLiteral(r)]);
  const cmds: string[][] = [];
  for (const [a, b] of pairs) cmds.push(['SET', 'f', a], ['INCRBYFLOAT', 'f', b]);
  const replies = await pipeline(cmds);
  for (let i = 0; i < pairs.length; i++) {
    const [a, b] = pairs[i];
    const expected = replies[2 * i + 1];
    const x = parseLongDouble(a);
    const y = x === null ? null : parseLongDouble(b);
    let actual: string;
    if (x === null || y === null) actual = '-ERR value is not a valid float\r\n';
    else {
      const sum = addLongDouble(x, y);
      if (sum === null) actual = '-ERR increment would produce NaN or Infinity\r\n';
      else {
        const t = formatLongDoubleHuman(sum);
        actual = `$${t.length}\r\n${t}\r\n`;
      }
    }
    assert.equal(actual, expected, `${JSON.stringify(a)} + ${JSON.stringify(b)}`);
  }
});
