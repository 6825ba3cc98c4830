/**
 * SORT and SORT_RO (sort.c): sorts a list, set or sorted set numerically or by bytes, by the
 * element or by external keys/hash fields (BY pattern), with LIMIT, GET patterns and STORE.
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import { ListValue } from '../store/types/list.js';
import { SetObject } from '../store/types/set.js';
import { ZSet } from '../store/types/zset.js';
import { HashObject } from '../store/types/hash.js';
import { ERR_SYNTAX, ERR_WRONGTYPE, eq, intArg, lookupReadCounted } from './util.js';
import { NOTIFY_GENERIC, NOTIFY_LIST } from '../server/notify.js';
import { parseDouble } from '../util/numbers.js';

/** One element being sorted: the element, its numeric weight or its ALPHA BY weight. */
interface SortItem {
  obj: string;
  score: number;
  /** ALPHA BY weight; null when the weight key is missing (sorts first). */
  cmp: string | null;
}

/**
 * Redis's lookupKeyByPattern: `#` is the element itself; otherwise the first `*` is replaced
 * by the element and the key read as a string, or, with a `->field` suffix, as a hash field.
 * Missing keys, wrong types and missing fields give null.
 */
function lookupByPattern(c: Client, pattern: string, subst: string): string | null {
  // Redis scans the pattern as a C string (up to a NUL byte) but slices it by its length.
  const z = pattern.indexOf('\0');
  const clen = z === -1 ? pattern.length : z;
  if (clen === 1 && pattern.charCodeAt(0) === 35 /* # */) return subst;
  const star = pattern.indexOf('*');
  if (star === -1 || star >= clen) return null;
  let arrow = pattern.indexOf('->', star + 1);
  if (arrow !== -1 && arrow + 2 >= clen) arrow = -1;
  const keyname =
    pattern.slice(0, star) + subst + pattern.slice(star + 1, arrow === -1 ? pattern.length : arrow);
  const v = lookupReadCounted(c, keyname);
  if (v === undefined) return null;
  if (arrow !== -1) {
    if (!(v instanceof HashObject)) return null;
    const i = v.indexOf(pattern.slice(arrow + 2));
    if (i === -1) return null;
    // A field past its (7.4) TTL reads as missing.
    const t = v.ttlAt(i);
    if (t !== 0 && t < c.server.cmdTime) return null;
    return v.valueAt(i);
  }
  if (typeof v !== 'number') return null;
  return c.db.strings.toString(v);
}

/** strchr(pattern, '*'): a '*' before any NUL byte. */
function hasStar(pattern: string): boolean {
  const star = pattern.indexOf('*');
  if (star === -1) return false;
  const z = pattern.indexOf('\0');
  return z === -1 || star < z;
}

/** C string view (strcmp/strcoll stop at the first NUL byte). */
function cstr(s: string): string {
  const z = s.indexOf('\0');
  return z === -1 ? s : s.slice(0, z);
}

function cmpBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The weight of a value as sort.c reads it with strtod: leading spaces allowed, the rest
 * must be consumed up to the end (or a NUL byte); NaN and out-of-range values are errors.
 * Returns null on error.
 */
function sortScore(s: string): number | null {
  s = cstr(s);
  if (s.length === 0) return 0;
  let i = 0;
  while (i < s.length) {
    const ch = s.charCodeAt(i);
    if (ch === 32 || (ch >= 9 && ch <= 13)) i++;
    else break;
  }
  if (i === s.length) return null;
  return parseDouble(i === 0 ? s : s.slice(i));
}

function sortGeneric(c: Client, argv: string[], readonly: boolean): void {
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let dontsort = false;
  let sortby: string | null = null;
  let storekey: string | null = null;
  const gets: string[] = [];

  for (let j = 2; j < argv.length; j++) {
    const a = argv[j];
    const left = argv.length - j - 1;
    if (eq(a, 'asc')) desc = false;
    else if (eq(a, 'desc')) desc = true;
    else if (eq(a, 'alpha')) alpha = true;
    else if (eq(a, 'limit') && left >= 2) {
      const s = intArg(c, argv[j + 1]);
      if (s === null) return;
      const n = intArg(c, argv[j + 2]);
      if (n === null) return;
      limitStart = s;
      limitCount = n;
      j += 2;
    } else if (!readonly && eq(a, 'store') && left >= 1) {
      storekey = argv[++j];
    } else if (eq(a, 'by') && left >= 1) {
      sortby = argv[++j];
      // A pattern without '*' is constant: nothing to sort by.
      if (!hasStar(sortby)) dontsort = true;
    } else if (eq(a, 'get') && left >= 1) {
      gets.push(argv[++j]);
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }

  const v = lookupReadCounted(c, argv[1]);
  if (v !== undefined && !(v instanceof ListValue || v instanceof SetObject || v instanceof ZSet)) {
    c.error(ERR_WRONGTYPE);
    return;
  }
  const src: ListValue | SetObject | ZSet = v ?? new ListValue();

  // A set has no order of its own: STORE must be deterministic, so it sorts by bytes.
  if (dontsort && src instanceof SetObject && storekey !== null) {
    dontsort = false;
    alpha = true;
    sortby = null;
  }
  // Redis converts a listpack sorted set to a skiplist for SORT, visibly (OBJECT ENCODING).
  if (src instanceof ZSet) src.toSkiplist();

  let vectorlen = src instanceof ListValue ? src.length : src instanceof SetObject ? src.size : src.length;
  let start = Math.min(Math.max(limitStart, 0), vectorlen);
  const count = Math.min(Math.max(limitCount, -1), vectorlen);
  let end = count < 0 ? vectorlen - 1 : start + count - 1;
  if (start >= vectorlen) {
    start = vectorlen - 1;
    end = vectorlen - 2;
  }
  if (end >= vectorlen) end = vectorlen - 1;

  const vector: SortItem[] = [];
  if (dontsort && !(src instanceof SetObject)) {
    // Lists and sorted sets keep their own order (reversed by DESC); only the range is loaded.
    if (start !== 0 || end !== vectorlen - 1) vectorlen = end - start + 1;
    if (src instanceof ListValue) {
      if (end >= start) {
        const n = src.length;
        for (let k = 0; k < vectorlen; k++) {
          const idx = desc ? n - start - 1 - k : start + k;
          if (idx < 0 || idx >= n) break;
          vector.push({ obj: src.at(idx), score: 0, cmp: null });
        }
      }
    } else if (vectorlen > 0) {
      let p = desc ? src.atRank(src.length - 1 - start) : src.atRank(start);
      for (let k = 0; k < vectorlen && p !== -1; k++) {
        vector.push({ obj: src.eleAt(p), score: 0, cmp: null });
        p = desc ? src.prev(p) : src.next(p);
      }
    }
    end -= start;
    start = 0;
  } else if (src instanceof ListValue) {
    const n = src.length;
    for (let k = 0; k < n; k++) vector.push({ obj: src.at(k), score: 0, cmp: null });
  } else if (src instanceof SetObject) {
    const n = src.size;
    for (let k = 0; k < n; k++) vector.push({ obj: src.memberAt(k), score: 0, cmp: null });
  } else {
    for (let p = src.first(); p !== -1; p = src.next(p)) {
      vector.push({ obj: src.eleAt(p), score: 0, cmp: null });
    }
  }

  let convError = false;
  if (!dontsort) {
    for (const item of vector) {
      let byval: string | null;
      if (sortby !== null) {
        byval = lookupByPattern(c, sortby, item.obj);
        if (byval === null) continue;
      } else byval = item.obj;
      if (alpha) {
        if (sortby !== null) item.cmp = byval;
      } else {
        const s = sortScore(byval);
        if (s === null) convError = true;
        else item.score = s;
      }
    }
    vector.sort(comparator(desc, alpha, sortby !== null, storekey !== null));
  }

  const getop = gets.length;
  const span = end - start + 1;
  const outputlen = getop > 0 ? getop * span : span;
  if (convError) {
    c.error("ERR One or more scores can't be converted into double");
    return;
  }
  if (storekey === null) {
    const out = c.out;
    out.array(outputlen);
    for (let j = start; j <= end; j++) {
      const obj = vector[j].obj;
      if (getop === 0) out.bulk(obj);
      for (let g = 0; g < getop; g++) {
        const val = lookupByPattern(c, gets[g], obj);
        if (val === null) out.nullBulk();
        else out.bulk(val);
      }
    }
    return;
  }

  const items: string[] = [];
  for (let j = start; j <= end; j++) {
    const obj = vector[j].obj;
    if (getop === 0) items.push(obj);
    for (let g = 0; g < getop; g++) items.push(lookupByPattern(c, gets[g], obj) ?? '');
  }
  const db = c.db;
  const server = c.server;
  if (outputlen > 0) {
    db.lookupWrite(storekey); // setKey's lookup: an expired destination is reclaimed first
    db.setKey(storekey, ListValue.fromArray(items));
    server.signalModifiedKey(db, storekey);
    server.notifyKeyspaceEvent(NOTIFY_LIST, 'sortstore', storekey, db.id);
    server.dirty += outputlen;
  } else if (db.delete(storekey)) {
    server.keyModified(db, storekey, NOTIFY_GENERIC, 'del');
  }
  c.out.integer(outputlen);
}

/** sortCompare: numeric weights tie-broken by element bytes, or ALPHA (strcoll, or bytes with STORE). */
function comparator(
  desc: boolean,
  alpha: boolean,
  bypattern: boolean,
  store: boolean,
): (a: SortItem, b: SortItem) => number {
  const sign = desc ? -1 : 1;
  if (!alpha) {
    return (a, b) => {
      const cmp = a.score > b.score ? 1 : a.score < b.score ? -1 : cmpBytes(a.obj, b.obj);
      return sign * cmp;
    };
  }
  if (bypattern) {
    return (a, b) => {
      let cmp: number;
      if (a.cmp === null || b.cmp === null) {
        cmp = a.cmp === b.cmp ? 0 : a.cmp === null ? -1 : 1;
      } else cmp = store ? cmpBytes(a.cmp, b.cmp) : cmpBytes(cstr(a.cmp), cstr(b.cmp));
      return sign * cmp;
    };
  }
  return store
    ? (a, b) => sign * cmpBytes(a.obj, b.obj)
    : (a, b) => sign * cmpBytes(cstr(a.obj), cstr(b.obj));
}

function sortCommand(c: Client, argv: string[]): void {
  sortGeneric(c, argv, false);
}

function sortRoCommand(c: Client, argv: string[]): void {
  sortGeneric(c, argv, true);
}

/**
 * sortGetKeys: the sorted key, plus the last STORE destination (LIMIT skips two arguments,
 * GET and BY one, exactly as Redis scans them).
 */
function sortGetKeys(argv: string[]): number[] {
  const keys = [1];
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (eq(a, 'limit')) i += 2;
    else if (eq(a, 'get') || eq(a, 'by')) i += 1;
    else if (eq(a, 'store') && i + 1 < argv.length) store = i + 1;
  }
  if (store !== -1) keys.push(store);
  return keys;
}

function sortRoGetKeys(): number[] {
  return [1];
}

const ACL = ['set', 'sortedset', 'list', 'dangerous'];

export const specs: CommandSpec[] = [
  {
    name: 'sort',
    arity: -2,
    flags: ['write', 'denyoom', 'movablekeys'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    acl: ACL,
    handler: sortCommand,
    getKeys: sortGetKeys,
  },
  {
    name: 'sort_ro',
    arity: -2,
    flags: ['readonly', 'movablekeys'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    acl: ACL,
    handler: sortRoCommand,
    getKeys: sortRoGetKeys,
  },
];
