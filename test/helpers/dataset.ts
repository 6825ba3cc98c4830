/**
 * Datasets for persistence tests: a fixed set of keys covering every type and encoding, and
 * a reader that captures a server's whole keyspace (type, value, TTL, encoding per key) in a
 * comparable form, over a RawClient.
 */
import { RawClient } from './raw-client.js';

export type Reply = string | null | Reply[];

/** Parses one RESP2 reply (status/error/integer as text, bulk as latin1, arrays nested). */
export function parseReply(raw: string): Reply {
  let p = 0;
  const one = (): Reply => {
    const t = raw[p];
    const e = raw.indexOf('\r\n', p);
    const head = raw.slice(p + 1, e);
    p = e + 2;
    if (t === '+' || t === '-' || t === ':') return head;
    if (t === '$') {
      const n = Number(head);
      if (n < 0) return null;
      const s = raw.slice(p, p + n);
      p += n + 2;
      return s;
    }
    if (t === '*') {
      const n = Number(head);
      if (n < 0) return null;
      const out: Reply[] = [];
      for (let i = 0; i < n; i++) out.push(one());
      return out;
    }
    throw new Error(`unexpected reply ${JSON.stringify(raw.slice(0, 40))}`);
  };
  return one();
}

export async function q(c: RawClient, ...args: (string | number | Buffer)[]): Promise<Reply> {
  return parseReply(await c.call(...args));
}

/** Commands that build the reference dataset (every type and encoding, TTLs, several dbs). */
export function datasetCommands(): (string | number)[][] {
  const cmds: (string | number)[][] = [];
  const bin = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
  cmds.push(['SELECT', 0]);
  cmds.push(['SET', 'str:int', '12345']);
  cmds.push(['SET', 'str:negint', '-9000000000']);
  cmds.push(['SET', 'str:bigint', '9223372036854775807']);
  cmds.push(['SET', 'str:embstr', 'hello world']);
  cmds.push(['SET', 'str:raw', 'x'.repeat(30) + 'y'.repeat(30)]);
  cmds.push(['SET', 'str:binary', bin]);
  cmds.push(['SET', 'str:compressible', 'abcabcabc'.repeat(500)]);
  cmds.push(['SET', 'str:empty', '']);
  cmds.push(['SET', '12345', 'integer key']);
  cmds.push(['SET', 'str:ttl', 'v', 'PX', 500000]);
  cmds.push(['RPUSH', 'list:small', 'a', 'b', '1', '-2', '300', '70000', '5000000000', bin]);
  const big: string[] = [];
  for (let i = 0; i < 3000; i++) big.push(i % 3 === 0 ? String(i) : `element-${i}-${'z'.repeat(i % 40)}`);
  cmds.push(['RPUSH', 'list:large', ...big]);
  cmds.push(['SADD', 'set:intset', '1', '2', '-3', '70000', '-5000000000']);
  const members: string[] = [];
  for (let i = 0; i < 600; i++) members.push(`m${i}`);
  cmds.push(['SADD', 'set:hashtable', ...members]);
  cmds.push(['SADD', 'set:bigints', ...Array.from({ length: 600 }, (_, i) => String(i * 7))]);
  cmds.push(['HSET', 'hash:listpack', 'f1', 'v1', 'f2', '22', 'n', '-1', bin.slice(0, 50), 'binary']);
  const fields: string[] = [];
  for (let i = 0; i < 300; i++) fields.push(`field${i}`, `value${i}`);
  cmds.push(['HSET', 'hash:hashtable', ...fields]);
  cmds.push(['HSET', 'hash:longvalue', 'f', 'v'.repeat(100)]);
  cmds.push(['ZADD', 'zset:listpack', '1', 'a', '2.5', 'b', '-inf', 'c', 'inf', 'd', '0', 'e', '1e100', 'f']);
  const zm: string[] = [];
  for (let i = 0; i < 300; i++) zm.push(String(i / 7), `member${i}`);
  cmds.push(['ZADD', 'zset:skiplist', ...zm]);
  cmds.push(['ZADD', 'zset:ttl', '1', 'x']);
  cmds.push(['PEXPIRE', 'zset:ttl', 900000]);
  cmds.push(['SELECT', 3]);
  cmds.push(['SET', 'db3:key', 'in db 3']);
  cmds.push(['RPUSH', 'db3:list', 'x']);
  cmds.push(['EXPIREAT', 'db3:list', 4102444800]);
  cmds.push(['SELECT', 15]);
  cmds.push(['HSET', 'db15:hash', 'a', '1']);
  cmds.push(['SELECT', 0]);
  return cmds;
}

export async function loadDataset(c: RawClient): Promise<void> {
  for (const cmd of datasetCommands()) {
    const r = await c.call(...cmd);
    if (r.startsWith('-')) throw new Error(`${cmd[0]} failed: ${r}`);
  }
}

export interface KeyState {
  type: string;
  value: unknown;
  ttl: number;
  encoding: string;
}

/** Every key of every database (0..15): type, value (sets/hashes sorted), PTTL, encoding. */
export async function captureKeyspace(c: RawClient): Promise<Map<string, KeyState>> {
  const out = new Map<string, KeyState>();
  for (let db = 0; db < 16; db++) {
    await q(c, 'SELECT', db);
    const keys = (await q(c, 'KEYS', '*')) as string[];
    for (const k of keys) {
      const type = (await q(c, 'TYPE', k)) as string;
      let value: unknown;
      if (type === 'string') value = await q(c, 'GET', k);
      else if (type === 'list') value = await q(c, 'LRANGE', k, 0, -1);
      else if (type === 'set') value = ((await q(c, 'SMEMBERS', k)) as string[]).sort();
      else if (type === 'hash') {
        const flat = (await q(c, 'HGETALL', k)) as string[];
        const pairs: string[] = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i]}\u0000${flat[i + 1]}`);
        value = pairs.sort();
      } else if (type === 'zset') value = await q(c, 'ZRANGE', k, 0, -1, 'WITHSCORES');
      const ttl = Number(await q(c, 'PTTL', k));
      const encoding = (await q(c, 'OBJECT', 'ENCODING', k)) as string;
      out.set(`${db}:${k}`, { type, value, ttl, encoding });
    }
  }
  await q(c, 'SELECT', 0);
  return out;
}
