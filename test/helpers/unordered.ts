/**
 * Oracle comparisons for collection replies whose order is Redis's hash-table order (SMEMBERS
 * of a hashtable set, HGETALL of a hashtable hash, ...): no other implementation can reproduce
 * it, so those replies are compared as multisets of their elements' raw bytes, with the
 * aggregate header (type and length) still byte-compared. Everything else stays byte-exact.
 */
import assert from 'node:assert/strict';
import { replyLength } from './raw-client.js';
import { fmt, type Cmd, type Pair } from './compat.js';

/** The header line of an aggregate reply and the raw bytes of each of its elements. */
export function splitAggregate(raw: string): { head: string; items: string[] } {
  const headEnd = raw.indexOf('\r\n') + 2;
  const head = raw.slice(0, headEnd);
  const items: string[] = [];
  if (!'*~%>'.includes(raw[0]) || raw[1] === '-') return { head, items };
  const buf = Buffer.from(raw, 'latin1');
  for (let p = headEnd; p < buf.length;) {
    const n = replyLength(buf, p);
    items.push(raw.slice(p, p + n));
    p += n;
  }
  return { head, items };
}

/** Elements of an aggregate grouped `group` at a time (2 for field/value pairs), sorted. */
export function sortedGroups(raw: string, group = 1): string[] {
  const { items } = splitAggregate(raw);
  const groups: string[] = [];
  for (let i = 0; i < items.length; i += group) groups.push(items.slice(i, i + group).join(''));
  return groups.sort();
}

/**
 * Sends cmd to both servers; an aggregate reply must have the same header and the same
 * elements (grouped by `group`) in any order, any other reply the same bytes.
 */
export async function sameUnordered(pair: Pair, cmd: Cmd, group = 1): Promise<[string, string]> {
  const [a, b] = await pair.both(...cmd);
  const msg = `reply to ${fmt(cmd)} differs:\n  redis:   ${JSON.stringify(a).slice(0, 400)}\n  respite: ${JSON.stringify(b).slice(0, 400)}`;
  if (!'*~%'.includes(a[0]) || a.startsWith('*-1')) {
    assert.equal(b, a, msg);
    return [a, b];
  }
  assert.equal(splitAggregate(b).head, splitAggregate(a).head, msg);
  assert.deepEqual(sortedGroups(b, group), sortedGroups(a, group), msg);
  return [a, b];
}

/** Empties every database of both servers (FLUSHALL on the oracle, the stores on Respite). */
export async function resetBoth(pair: Pair): Promise<void> {
  assert.equal(await pair.o.call('FLUSHALL'), '+OK\r\n');
  for (const db of pair.respite.server.dbs) db.flush();
}

/** Sets a config option on both servers (CONFIG SET on the oracle). */
export async function configBoth(pair: Pair, name: string, value: string | number): Promise<void> {
  assert.equal(await pair.o.call('CONFIG', 'SET', name, String(value)), '+OK\r\n');
  const err = pair.respite.server.config.set(name, [String(value)]);
  assert.equal(err, null, `config set ${name} ${value}: ${err}`);
}

/** OBJECT ENCODING of key on Respite (from the store), as the oracle's bulk reply. */
export function respiteEncoding(pair: Pair, key: string, db = 0): string {
  const v = pair.respite.server.dbs[db].dict.get(key);
  if (v === undefined) return '$-1\r\n';
  const enc = typeof v === 'number' ? 'string' : v.encoding();
  return `$${enc.length}\r\n${enc}\r\n`;
}

/** Asserts that each key has the same OBJECT ENCODING on both servers. */
export async function sameEncoding(pair: Pair, ...keys: string[]): Promise<void> {
  for (const key of keys) {
    const o = await pair.o.call('OBJECT', 'ENCODING', key);
    assert.equal(respiteEncoding(pair, key), o, `OBJECT ENCODING ${key}`);
  }
}
