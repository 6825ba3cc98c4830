/**
 * Seeded random command sequences sent to the oracle and to Respite; every reply must be
 * byte-identical. The generator mixes strings, keyspace and expiry commands over a small
 * pool of keys (so commands collide on the same keys) with edge values: empty strings,
 * binary bytes, int64 boundaries, awkward floats. A failure prints the seed and the
 * command, so it can be replayed with RESPITE_SEED=<seed>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, fmt, type Cmd, type Pair } from '../helpers/compat.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['k', 'key:1', 'key:2', '', '\x00\xff', 'n', 'f', 'long'];
const INTS = [
  '0',
  '1',
  '-1',
  '42',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775806',
  '-9223372036854775807',
  '00',
  '+1',
  ' 1',
  '1e3',
  '4611686018427387904',
];
const FLOATS = [
  '0.1',
  '-0.1',
  '1.5',
  '3.0000000000000004',
  '1e308',
  '-1e308',
  'inf',
  '-inf',
  '1e-7',
  '-0',
  '5.0e3',
  'abc',
  '',
];

export class Gen {
  constructor(private readonly rnd: () => number) {}
  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  key(): string {
    return this.pick(KEYS);
  }
  bytes(max: number): string {
    const n = this.int(max + 1);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.int(256));
    return s;
  }
  value(): string {
    switch (this.int(6)) {
      case 0:
        return this.pick(INTS);
      case 1:
        return this.pick(FLOATS);
      case 2:
        return '';
      case 3:
        return this.bytes(60);
      case 4:
        return 'x'.repeat(this.int(100));
      default:
        return String(this.int(2000) - 1000);
    }
  }

  command(): Cmd {
    const k = this.key();
    switch (this.int(40)) {
      case 0:
        return ['SET', k, this.value()];
      case 1:
        return [
          'SET',
          k,
          this.value(),
          this.pick(['NX', 'XX', 'GET', 'KEEPTTL', 'EX', 'PX'] as const),
          ...this.maybeTtl(),
        ];
      case 2:
        return ['GET', k];
      case 3:
        return ['APPEND', k, this.value()];
      case 4:
        return ['INCR', k];
      case 5:
        return ['DECR', k];
      case 6:
        return ['INCRBY', k, this.pick(INTS)];
      case 7:
        return ['DECRBY', k, this.pick(INTS)];
      case 8:
        return ['INCRBYFLOAT', k, this.pick(FLOATS)];
      case 9:
        return ['GETRANGE', k, String(this.int(20) - 10), String(this.int(40) - 10)];
      case 10:
        return ['SETRANGE', k, String(this.int(40) - 2), this.value()];
      case 11:
        return ['STRLEN', k];
      case 12:
        return ['MSET', k, this.value(), this.key(), this.value()];
      case 13:
        return ['MGET', k, this.key(), this.key()];
      case 14:
        return ['MSETNX', k, this.value(), this.key(), this.value()];
      case 15:
        return ['GETSET', k, this.value()];
      case 16:
        return ['GETDEL', k];
      case 17:
        return ['SETNX', k, this.value()];
      case 18:
        return ['DEL', k, this.key()];
      case 19:
        return ['EXISTS', k, this.key(), k];
      case 20:
        return ['TYPE', k];
      case 21:
        return ['RENAME', k, this.key()];
      case 22:
        return ['RENAMENX', k, this.key()];
      case 23:
        return ['COPY', k, this.key(), ...(this.int(2) ? ['REPLACE'] : [])];
      case 24:
        return [
          'EXPIRE',
          k,
          String(1000 + this.int(1000)),
          ...(this.int(3) === 0 ? [this.pick(['NX', 'XX', 'GT', 'LT'])] : []),
        ];
      case 25:
        return ['TTL', k];
      case 26:
        return ['PERSIST', k];
      case 27:
        return ['DBSIZE'];
      case 28:
        return ['OBJECT', 'ENCODING', k];
      case 29:
        return ['SELECT', String(this.int(3))];
      case 30:
        return ['MOVE', k, String(this.int(3))];
      case 31:
        return ['SWAPDB', String(this.int(3)), String(this.int(3))];
      case 32:
        return ['SETEX', k, this.pick(['100', '0', '-1', 'x', '1000']), this.value()];
      case 33:
        return ['GETEX', k, ...(this.int(2) ? ['PERSIST'] : ['EX', '1000'])];
      case 34:
        return ['LCS', k, this.key(), ...(this.int(2) ? ['LEN'] : [])];
      case 35:
        return ['EXPIRE', k, this.pick(['-1', '0', '9223372036854775807', 'x'])];
      case 36:
        return ['TOUCH', k, this.key()];
      case 37:
        return ['UNLINK', k];
      case 38:
        return this.int(10) === 0 ? ['FLUSHDB'] : ['STRLEN', k];
      default:
        return ['PSETEX', k, this.pick(['100000', '0', 'abc']), this.value()];
    }
  }

  private maybeTtl(): string[] {
    return this.int(2) ? ['1000'] : [];
  }
}

async function runSeed(pair: Pair, seed: number, n: number): Promise<void> {
  await pair.reset();
  const gen = new Gen(mulberry32(seed));
  const history: Cmd[] = [];
  for (let i = 0; i < n; i++) {
    const cmd = gen.command();
    history.push(cmd);
    const [a, b] = await pair.both(...cmd);
    if (a !== b) {
      assert.fail(
        `seed ${seed}, command #${i}: ${fmt(cmd)}\n  redis:   ${JSON.stringify(a)}\n  respite: ${JSON.stringify(b)}\n` +
          `last commands:\n${history
            .slice(-8)
            .map((c) => '  ' + fmt(c))
            .join('\n')}`,
      );
    }
  }
}

test('random sequences of string and keyspace commands get the same replies as redis-server', async () => {
  const pair = await startPair();
  try {
    const fixed = process.env.RESPITE_SEED;
    const seeds = fixed ? [Number(fixed)] : [1, 2, 3, 4, 5, 6, 7, 8];
    for (const seed of seeds) await runSeed(pair, seed, 1000);
  } finally {
    await pair.close();
  }
});
