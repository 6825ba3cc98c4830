/**
 * DEBUG DIGEST / DIGEST-VALUE (debug.c's computeDatasetDigest / xorObjectDigest): a SHA1
 * based digest where unordered collections XOR their elements' digests and ordered data
 * mixes (digest = SHA1(digest XOR SHA1(data))), so the result is the oracle's for the same
 * dataset whatever the internal order.
 */
import { sha1Into } from './sha1.js';
import type { Database, RObject, Value } from '../store/database.js';
import type { ListValue } from '../store/types/list.js';
import type { SetObject } from '../store/types/set.js';
import type { HashObject } from '../store/types/hash.js';
import type { ZSet } from '../store/types/zset.js';
import { formatDouble } from '../util/numbers.js';

const H = new Uint8Array(20);

function xorDigest(digest: Buffer, data: Buffer | string): void {
  sha1Into(data, H);
  for (let i = 0; i < 20; i++) digest[i] ^= H[i];
}

function mixDigest(digest: Buffer, data: Buffer | string): void {
  xorDigest(digest, data);
  sha1Into(digest, digest);
}

function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** Digest helpers for types defined elsewhere (streams register here). */
export type ValueDigester = (
  digest: Buffer,
  v: RObject,
  mix: (d: Buffer, s: Buffer | string) => void,
) => void;
export const valueDigesters = new Map<string, { typeId: number; digest: ValueDigester }>();

const TYPE_IDS: Record<string, number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 };

/** xorObjectDigest: mixes value v (of key in db) into digest. */
export function xorObjectDigest(db: Database, key: string, digest: Buffer, v: Value): void {
  const type = typeof v === 'number' ? 'string' : v.type;
  const custom = typeof v === 'number' ? undefined : valueDigesters.get(type);
  mixDigest(digest, u32be(custom ? custom.typeId : TYPE_IDS[type]));
  if (typeof v === 'number') {
    const view = db.strings.view(v);
    mixDigest(digest, view.buf.subarray(view.start, view.end));
  } else if (custom) {
    custom.digest(digest, v, mixDigest);
  } else if (v.type === 'list') {
    const l = v as ListValue;
    for (let i = 0; i < l.length; i++) mixDigest(digest, l.at(i));
  } else if (v.type === 'set') {
    const s = v as SetObject;
    for (let i = 0; i < s.size; i++) xorDigest(digest, s.memberAt(i));
  } else if (v.type === 'zset') {
    const z = v as ZSet;
    const ele = Buffer.alloc(20);
    const each = (m: string, score: number) => {
      ele.fill(0);
      mixDigest(ele, m);
      mixDigest(ele, formatDouble(score));
      xorDigest(digest, ele);
    };
    if (z.zsl === null) {
      const e = z.lpEle!;
      const sc = z.lpScore!;
      for (let i = 0; i < e.length; i++) each(e[i], sc[i]);
    } else {
      const zsl = z.zsl;
      for (let x = zsl.first(); x !== 0; x = zsl.nextOf(x)) each(zsl.eleOf(x), zsl.scoreOf(x));
    }
  } else if (v.type === 'hash') {
    const h = v as HashObject;
    const ele = Buffer.alloc(20);
    for (let i = 0; i < h.length; i++) {
      ele.fill(0);
      mixDigest(ele, h.fieldAt(i));
      mixDigest(ele, h.valueAt(i));
      xorDigest(digest, ele);
    }
  }
  if (db.getExpire(key) !== -1) xorDigest(digest, '!!expire!!');
}

/** computeDatasetDigest as 40 hex digits. */
export function datasetDigest(dbs: Database[]): string {
  const final = Buffer.alloc(20);
  for (const db of dbs) {
    if (db.dict.size === 0) continue;
    mixDigest(final, u32be(db.id));
    const dict = db.dict;
    const d = Buffer.alloc(20);
    for (let i = 0; i < dict.size; i++) {
      const key = dict.keyAt(i);
      d.fill(0);
      mixDigest(d, key);
      xorObjectDigest(db, key, d, dict.valAt(i));
      xorDigest(final, d);
    }
  }
  return final.toString('hex');
}

/** DEBUG DIGEST-VALUE of one key (zeros when missing; expired keys count, as in Redis). */
export function valueDigest(db: Database, key: string): string {
  const d = Buffer.alloc(20);
  const v = db.dict.get(key);
  if (v !== undefined) xorObjectDigest(db, key, d, v);
  return d.toString('hex');
}
