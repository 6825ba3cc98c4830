/**
 * Differential fuzzing against the oracle: seeded random sequences of hash and set commands
 * over a few keys, small alphabets and low encoding thresholds (so conversions happen
 * often), every reply compared (as a multiset where Redis's order is its hash-table order)
 * and every key's OBJECT ENCODING compared as it goes. Deterministic: same seed, same run.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, fmt, type Cmd, type Pair } from '../helpers/compat.js';
import type { RawClient } from '../helpers/raw-client.js';
import { configBoth, resetBoth, sameEncoding, sameUnordered, splitAggregate } from '../helpers/unordered.js';
import { prng } from '../helpers/prng.js';

let pair: Pair;

before(async () => {
  pair = await startPair();
});

after(async () => {
  await pair.close();
});

/** Runs a *SCAN to the end on one server; returns its elements (grouped) sorted, or the error. */
async function fullScan(c: RawClient, cmd: Cmd, group: number): Promise<string[] | string> {
  let cursor = '0';
  const seen = new Set<string>();
  for (let calls = 0; calls < 1000; calls++) {
    const reply = await c.call(cmd[0], cmd[1], cursor, ...cmd.slice(3));
    if (reply[0] !== '*') return reply;
    const [cur, list] = splitAggregate(reply).items;
    cursor = cur.split('\r\n')[1];
    const items = splitAggregate(list).items;
    for (let i = 0; i < items.length; i += group) seen.add(items.slice(i, i + group).join(''));
    if (cursor === '0') break;
  }
  return [...seen].sort();
}

/** Both servers scan to the end and find the same elements. */
async function sameScan(cmd: Cmd, group: number): Promise<void> {
  assert.deepEqual(await fullScan(pair.r, cmd, group), await fullScan(pair.o, cmd, group), fmt(cmd));
}

test('random set command sequences reply like redis, through intset/hashtable conversions', async () => {
  await resetBoth(pair);
  await configBoth(pair, 'set-max-intset-entries', 8);
  const rnd = prng(Number(process.env.FUZZ_SEED ?? 20240607));
  const keys = ['s0', 's1', 's2', 's3', 'str'];
  await pair.same(['SET', 'str', 'x']);
  const member = (): string =>
    rnd(3) === 0 ? ['a', 'b', 'c', '', 'x\u0000y', '-0', '07'][rnd(7)] : String(rnd(24) - 4);
  const key = (): string => keys[rnd(keys.length)];
  const some = (n: number, f: () => string): string[] => Array.from({ length: 1 + rnd(n) }, f);
  for (let step = 0; step < 1500; step++) {
    let cmd: Cmd;
    switch (rnd(14)) {
      case 0:
      case 1:
        cmd = ['SADD', key(), ...some(5, member)];
        break;
      case 2:
        cmd = ['SREM', key(), ...some(4, member)];
        break;
      case 3:
        cmd = ['SMOVE', key(), key(), member()];
        break;
      case 4:
        cmd = ['SISMEMBER', key(), member()];
        break;
      case 5:
        cmd = ['SMISMEMBER', key(), ...some(3, member)];
        break;
      case 6:
        cmd = ['SCARD', key()];
        break;
      case 7:
        cmd = ['SMEMBERS', key()];
        break;
      case 8:
        cmd = [['SINTER', 'SUNION', 'SDIFF'][rnd(3)], ...some(3, key)];
        break;
      case 9:
        cmd = [['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE'][rnd(3)], key(), ...some(3, key)];
        break;
      case 10: {
        const ks = some(3, key);
        cmd = ['SINTERCARD', ks.length, ...ks, ...(rnd(2) ? ['LIMIT', rnd(4)] : [])];
        break;
      }
      case 11:
        cmd = ['SSCAN', key(), 0, ...(rnd(2) ? ['MATCH', `*${rnd(10)}*`] : [])];
        break;
      case 12:
        // Deterministic SPOP/SRANDMEMBER: a count covering the whole set.
        cmd = [rnd(2) ? 'SPOP' : 'SRANDMEMBER', key(), 100];
        break;
      default:
        cmd = ['SCARD', key()];
    }
    if (cmd[0] === 'SSCAN') await sameScan(cmd, 1);
    else await sameUnordered(pair, cmd);
    if (step % 50 === 0) await sameEncoding(pair, 's0', 's1', 's2', 's3');
  }
});

test('random hash command sequences reply like redis, through listpack/hashtable conversions', async () => {
  await resetBoth(pair);
  await configBoth(pair, 'hash-max-listpack-entries', 6);
  await configBoth(pair, 'hash-max-listpack-value', 12);
  const rnd = prng(Number(process.env.FUZZ_SEED ?? 777));
  const keys = ['h0', 'h1', 'h2', 'str'];
  await pair.same(['SET', 'str', 'x']);
  const field = (): string => (rnd(8) === 0 ? 'long-field-name-' + rnd(3) : `f${rnd(10)}`);
  const value = (): string =>
    [String(rnd(100) - 50), 'v' + rnd(5), '', '1.5', 'x'.repeat(rnd(20)), '9223372036854775807'][rnd(6)];
  const key = (): string => keys[rnd(keys.length)];
  for (let step = 0; step < 1500; step++) {
    let cmd: Cmd;
    let group = 1;
    switch (rnd(15)) {
      case 0:
      case 1: {
        const args: string[] = [];
        for (let i = 0, n = 1 + rnd(3); i < n; i++) args.push(field(), value());
        cmd = [rnd(4) === 0 ? 'HMSET' : 'HSET', key(), ...args];
        break;
      }
      case 2:
        cmd = ['HSETNX', key(), field(), value()];
        break;
      case 3:
        cmd = ['HDEL', key(), field(), field()];
        break;
      case 4:
        cmd = ['HGET', key(), field()];
        break;
      case 5:
        cmd = ['HMGET', key(), field(), field(), field()];
        break;
      case 6:
        cmd = ['HLEN', key()];
        break;
      case 7:
        cmd = ['HSTRLEN', key(), field()];
        break;
      case 8:
        cmd = ['HEXISTS', key(), field()];
        break;
      case 9:
        cmd = ['HINCRBY', key(), field(), rnd(2) ? rnd(1000) - 500 : '9223372036854775807'];
        break;
      case 10:
        cmd = ['HINCRBYFLOAT', key(), field(), ['0.1', '-2.5', '1e3', '3'][rnd(4)]];
        break;
      case 11:
        cmd = ['HGETALL', key()];
        group = 2;
        break;
      case 12:
        cmd = [rnd(2) ? 'HKEYS' : 'HVALS', key()];
        break;
      case 13:
        cmd = ['HRANDFIELD', key(), 100, 'WITHVALUES'];
        group = 2;
        break;
      default:
        cmd = ['HSCAN', key(), 0];
    }
    if (cmd[0] === 'HSCAN') await sameScan(cmd, 2);
    else await sameUnordered(pair, cmd, group);
    if (step % 50 === 0) await sameEncoding(pair, 'h0', 'h1', 'h2');
  }
});
