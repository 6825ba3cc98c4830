/**
 * Lua table with Lua 5.1's exact layout (ltable.c's algorithm): an array part and a hash
 * part of 2^n nodes with main positions, collision chains, a `lastfree` pointer and rehash
 * sizing — so `pairs`/`next` order, `#t` borders and everything built on them (cjson's key
 * order, cmsgpack maps) are the same as in Redis's Lua. Lookups go through a JS Map from
 * key to node slot (Lua caches string hashes in the string; JS strings cannot), so reads cost
 * one Map lookup; Lua's string hash is only computed when a key is inserted.
 */
import type { LuaValue } from './value.js';
import { rtError } from './value.js';

const MAXBITS = 26;
const MAXASIZE = 1 << MAXBITS;
/** Hash parts up to this many nodes have no `index` Map (see LuaTable.index). */
const SMALL_NODES = 8;

const DUMMY_K: unknown[] = [undefined];
const DUMMY_V: LuaValue[] = [undefined];
const DUMMY_N: number[] = [-1];
const nums = new Int32Array(MAXBITS + 1);

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
let objIds = 0x1000;
const objHash = new WeakMap<object, number>();

/** luaS_newlstr's hash (5.1.5). */
function strHash(s: string): number {
  const l = s.length;
  let h = l >>> 0;
  const step = (l >> 5) + 1;
  for (let l1 = l; l1 >= step; l1 -= step)
    h = (h ^ (((h << 5) >>> 0) + (h >>> 2) + s.charCodeAt(l1 - 1))) >>> 0;
  return h;
}

function ceillog2(x: number): number {
  if (x <= 0x40000000) return 32 - Math.clz32(x - 1);
  let l = 0;
  x--;
  while (x > 0) {
    l++;
    x = Math.floor(x / 2);
  }
  return l;
}

/** An integer key 1..MAXASIZE counts for the array part (countint). */
function arrayIndex(k: unknown): number {
  if (typeof k === 'number' && (k | 0) === k && k > 0 && k <= MAXASIZE) return k;
  return 0;
}

export class LuaTable {
  /** array part: t[1..arr.length] (nil slots are undefined) */
  arr: LuaValue[] = [];
  /** hash part: node keys/values/next, 2^lsize nodes; `dummy` = Lua's shared empty node */
  private nk: unknown[] = DUMMY_K;
  private nv: LuaValue[] = DUMMY_V;
  private nn: number[] = DUMMY_N;
  private lsize = 0;
  private dummy = true;
  private lastfree = 0;
  /**
   * key → node slot, for every key present in a node (including nil-valued ones), when the
   * hash part has more than SMALL_NODES nodes; smaller ones are searched by a scan of `nk`
   * (no Map to build per table: scripts make many small tables, cmsgpack maps and replies).
   */
  private index: Map<unknown, number> | null = null;
  metatable: LuaTable | null = null;
  /** Redis's readonly tables (globals and libraries in the script sandbox) */
  readonly = false;

  /** `arr` becomes the array part (sized exactly); `nhash` presizes the hash part. */
  constructor(arr?: LuaValue[], nhash = 0) {
    if (arr) this.arr = arr;
    if (nhash > 0) this.setNodeVector(nhash);
  }

  /**
   * The table Lua 5.1 ends up with after `t = {}` then t[1], t[2], ... t[n] = vals in order
   * (Redis's reply and cmsgpack array conversions). Without nils, each insert past the array
   * part rehashes to the next power of two and the hash part stays empty, so the result is an
   * array part of the next power of two ≥ n — built here directly (`vals` is taken over and
   * padded). With a nil, Lua's rehashes count only non-nil keys: built step by step.
   */
  static fromSequence(vals: LuaValue[]): LuaTable {
    const n = vals.length;
    if (n > MAXASIZE || vals.includes(undefined)) {
      const t = new LuaTable();
      for (let i = 0; i < n; i++) t.set(i + 1, vals[i]);
      return t;
    }
    let size = 1;
    while (size < n) size *= 2;
    for (let i = n; i < size && n > 0; i++) vals.push(undefined);
    return new LuaTable(vals);
  }

  /**
   * Makes this table `new LuaTable(src.slice(from, to))` again, in place, when it has no hash
   * part and no metatable; returns false (and changes nothing) otherwise. For the host's reuse
   * of a table that no Lua code can reach any more (a finished script's KEYS/ARGV).
   */
  refill(src: readonly LuaValue[], from: number, to: number): boolean {
    if (!this.dummy || this.metatable !== null || this.readonly) return false;
    const a = this.arr;
    const n = to - from;
    // Setting `length` is a slow builtin call: only when the size changes.
    if (a.length !== n) a.length = n;
    for (let i = 0; i < n; i++) a[i] = src[from + i];
    return true;
  }

  // ---- lookups

  get(k: LuaValue): LuaValue {
    if (typeof k === 'number') {
      const a = this.arr;
      if (k >= 1 && k <= a.length && (k | 0) === k) return a[k - 1];
    }
    const s = this.slot(k);
    return s < 0 ? undefined : this.nv[s];
  }

  getStr(k: string): LuaValue {
    const s = this.slot(k);
    return s < 0 ? undefined : this.nv[s];
  }

  getInt(i: number): LuaValue {
    const a = this.arr;
    if (i >= 1 && i <= a.length) return a[i - 1];
    const s = this.slot(i);
    return s < 0 ? undefined : this.nv[s];
  }

  /** The node slot holding key k (-0 and 0 are one key: === equal), or -1. */
  private slot(k: unknown): number {
    const ix = this.index;
    if (ix !== null) {
      const s = ix.get(k === 0 ? 0 : k);
      return s === undefined ? -1 : s;
    }
    if (this.dummy) return -1;
    const nk = this.nk;
    for (let i = 0; i < nk.length; i++) if (nk[i] === k) return i;
    return -1;
  }

  // ---- writes

  set(k: LuaValue, v: LuaValue): void {
    if (this.readonly) throw rtError('Attempt to modify a readonly table');
    if (typeof k === 'number') {
      const a = this.arr;
      if (k >= 1 && k <= a.length && (k | 0) === k) {
        a[k - 1] = v;
        return;
      }
      if (k !== k) throw rtError('table index is NaN');
      if (k === 0) k = 0; // -0
    } else if (k === undefined) throw rtError('table index is nil');
    this.setHash(k, v);
  }

  setStr(k: string, v: LuaValue): void {
    if (this.readonly) throw rtError('Attempt to modify a readonly table');
    this.setHash(k, v);
  }

  setInt(i: number, v: LuaValue): void {
    if (this.readonly) throw rtError('Attempt to modify a readonly table');
    const a = this.arr;
    if (i >= 1 && i <= a.length) {
      a[i - 1] = v;
      return;
    }
    this.setHash(i, v);
  }

  private setHash(k: unknown, v: LuaValue): void {
    const s = this.slot(k);
    if (s >= 0) {
      this.nv[s] = v;
      return;
    }
    // as luaH_set, even assigning nil to an absent key creates its node
    this.newKey(k, v);
  }

  // ---- Lua 5.1's hash part

  private hashOf(k: unknown): number {
    switch (typeof k) {
      case 'string':
        return strHash(k);
      case 'number': {
        if (k === 0) return -1; // main position 0
        f64[0] = k;
        return (u32[0] + u32[1]) >>> 0;
      }
      case 'boolean':
        return k ? 1 : 0;
      default: {
        const o = k as object;
        let h = objHash.get(o);
        if (h === undefined) {
          objIds += 0x48;
          h = objIds >>> 0;
          objHash.set(o, h);
        }
        return h;
      }
    }
  }

  private mainPosition(k: unknown): number {
    const size = 1 << this.lsize;
    const h = this.hashOf(k);
    switch (typeof k) {
      case 'string':
      case 'boolean':
        return h & (size - 1);
      case 'number':
        if (h === -1) return 0;
        return h % ((size - 1) | 1);
      default:
        return h % ((size - 1) | 1);
    }
  }

  private getFreePos(): number {
    while (this.lastfree-- > 0) {
      if (this.nk[this.lastfree] === undefined) return this.lastfree;
    }
    return -1;
  }

  private newKey(k: unknown, v: LuaValue): void {
    let mp = this.mainPosition(k);
    if (this.nv[mp] !== undefined || this.dummy) {
      const n = this.dummy ? -1 : this.getFreePos();
      if (n < 0) {
        this.rehash(k);
        this.rawSetAfterRehash(k, v);
        return;
      }
      const otherKey = this.nk[mp];
      let othern = this.mainPosition(otherKey);
      if (othern !== mp) {
        // the colliding node is out of its main position: move it to the free slot
        while (this.nn[othern] !== mp) othern = this.nn[othern];
        this.nn[othern] = n;
        this.nk[n] = this.nk[mp];
        this.nv[n] = this.nv[mp];
        this.nn[n] = this.nn[mp];
        if (this.index !== null) this.index.set(this.nk[n], n);
        this.nn[mp] = -1;
        this.nv[mp] = undefined;
      } else {
        // the colliding node is in its main position: the new key goes to the free slot
        this.nn[n] = this.nn[mp];
        this.nn[mp] = n;
        mp = n;
      }
    }
    const ix = this.index;
    if (ix !== null) {
      const old = this.nk[mp];
      if (old !== undefined && ix.get(old) === mp) ix.delete(old);
      ix.set(k, mp);
    }
    this.nk[mp] = k;
    this.nv[mp] = v;
  }

  private rawSetAfterRehash(k: unknown, v: LuaValue): void {
    if (typeof k === 'number') {
      const a = this.arr;
      if (k >= 1 && k <= a.length && (k | 0) === k) {
        a[k - 1] = v;
        return;
      }
    }
    this.setHash(k, v);
  }

  private setNodeVector(size: number): void {
    if (size === 0) {
      // Lua's shared dummynode: never written (inserting into it always rehashes first)
      this.nk = DUMMY_K;
      this.nv = DUMMY_V;
      this.nn = DUMMY_N;
      this.lsize = 0;
      this.dummy = true;
      this.lastfree = 0;
      this.index = null;
      return;
    }
    const lsize = ceillog2(size);
    if (lsize > MAXBITS) throw rtError('table overflow');
    const n = 1 << lsize;
    // Filled by push: packed arrays (new Array(n) makes holey ones, slower to read).
    const nk: unknown[] = [];
    const nv: LuaValue[] = [];
    const nn: number[] = [];
    for (let i = 0; i < n; i++) {
      nk.push(undefined);
      nv.push(undefined);
      nn.push(-1);
    }
    this.nk = nk;
    this.nv = nv;
    this.nn = nn;
    this.lsize = lsize;
    this.dummy = false;
    this.lastfree = n;
    this.index = n > SMALL_NODES ? new Map() : null;
  }

  private rehash(ek: unknown): void {
    nums.fill(0);
    // numusearray
    let nasize = 0;
    const a = this.arr;
    {
      let i = 1;
      for (let lg = 0, ttlg = 1; lg <= MAXBITS; lg++, ttlg *= 2) {
        let lc = 0;
        let lim = ttlg;
        if (lim > a.length) {
          lim = a.length;
          if (i > lim) break;
        }
        for (; i <= lim; i++) if (a[i - 1] !== undefined) lc++;
        nums[lg] += lc;
        nasize += lc;
      }
    }
    let totaluse = nasize;
    // numusehash
    if (!this.dummy) {
      for (let i = (1 << this.lsize) - 1; i >= 0; i--) {
        if (this.nv[i] !== undefined) {
          const k = arrayIndex(this.nk[i]);
          if (k) {
            nums[ceillog2(k)]++;
            nasize++;
          }
          totaluse++;
        }
      }
    }
    const ek1 = arrayIndex(ek);
    if (ek1) {
      nums[ceillog2(ek1)]++;
      nasize++;
    }
    totaluse++;
    // computesizes
    let aa = 0;
    let na = 0;
    let n = 0;
    for (let i = 0, twotoi = 1; twotoi / 2 < nasize; i++, twotoi *= 2) {
      if (nums[i] > 0) {
        aa += nums[i];
        if (aa > twotoi / 2) {
          n = twotoi;
          na = aa;
        }
      }
      if (aa === nasize) break;
    }
    this.resize(n, totaluse - na);
  }

  private resize(nasize: number, nhsize: number): void {
    const oldArr = this.arr;
    const oldasize = oldArr.length;
    const oldK = this.nk;
    const oldV = this.nv;
    const oldDummy = this.dummy;
    const oldN = 1 << this.lsize;
    if (nasize > oldasize) {
      for (let i = oldasize; i < nasize; i++) oldArr.push(undefined);
    }
    this.setNodeVector(nhsize);
    if (nasize < oldasize) {
      this.arr = oldArr.slice(0, nasize);
      for (let i = nasize; i < oldasize; i++)
        if (oldArr[i] !== undefined) this.rawSetAfterRehash(i + 1, oldArr[i]);
    }
    if (!oldDummy)
      for (let i = oldN - 1; i >= 0; i--) if (oldV[i] !== undefined) this.rawSetAfterRehash(oldK[i], oldV[i]);
  }

  /** OP_SETLIST growing the array part to exactly n (luaH_resizearray). */
  resizeArray(n: number): void {
    this.resize(n, this.dummy ? 0 : 1 << this.lsize);
  }

  // ---- traversal and length

  /** The border `#t` (luaH_getn). */
  length(): number {
    const a = this.arr;
    let j = a.length;
    if (j > 0 && a[j - 1] === undefined) {
      let i = 0;
      while (j - i > 1) {
        const m = Math.floor((i + j) / 2);
        if (a[m - 1] === undefined) j = m;
        else i = m;
      }
      return i;
    }
    if (this.dummy) return j;
    // unbound_search
    let i = j;
    j++;
    while (this.getInt(j) !== undefined) {
      i = j;
      j *= 2;
      if (j > 2147483647) {
        i = 1;
        while (this.getInt(i) !== undefined) i++;
        return i - 1;
      }
    }
    while (j - i > 1) {
      const m = Math.floor((i + j) / 2);
      if (this.getInt(m) === undefined) j = m;
      else i = m;
    }
    return i;
  }

  /** next(t, k): the entry after key k (array part, then nodes in slot order), or undefined. */
  next(k: LuaValue): [LuaValue, LuaValue] | undefined {
    const a = this.arr;
    let i: number;
    if (k === undefined) i = -1;
    else if (typeof k === 'number' && (k | 0) === k && k >= 1 && k <= a.length) i = k - 1;
    else {
      const s = this.slot(k);
      if (s < 0) throw rtError("invalid key to 'next'");
      i = s + a.length;
    }
    for (i++; i < a.length; i++) if (a[i] !== undefined) return [i + 1, a[i]];
    if (this.dummy) return undefined;
    const n = 1 << this.lsize;
    for (i -= a.length; i < n; i++) if (this.nv[i] !== undefined) return [this.nk[i] as LuaValue, this.nv[i]];
    return undefined;
  }

  /** Largest positive numeric key (table.maxn). */
  maxn(): number {
    let m = 0;
    for (let e = this.next(undefined); e !== undefined; e = this.next(e[0]))
      if (typeof e[0] === 'number' && e[0] > m) m = e[0];
    return m;
  }
}

/** luaO_fb2int(luaO_int2fb(x)): the size OP_NEWTABLE really allocates for x. */
export function fbSize(x: number): number {
  let e = 0;
  while (x >= 16) {
    x = (x + 1) >> 1;
    e++;
  }
  if (x < 8) return x;
  const fb = ((e + 1) << 3) | (x - 8);
  const ee = (fb >> 3) & 31;
  return ee === 0 ? fb : ((fb & 7) + 8) << (ee - 1);
}
