/**
 * Lua table: an array part (t[1..arr.length], holes allowed, no trailing nil) and a hash
 * part (Map; keys are Lua values: strings, non-array numbers, booleans, tables, functions).
 * Keys are normalised as Lua does: -0 is 0, NaN and nil keys are errors on write.
 */
import type { LuaValue } from './value.js';
import { rtError } from './value.js';

export class LuaTable {
  arr: LuaValue[] = [];
  hash: Map<unknown, LuaValue> | null = null;
  metatable: LuaTable | null = null;
  /** Redis's readonly tables (globals and libraries in the script sandbox) */
  readonly = false;
  /** Cached hash-part iterator for next(): the last key returned and the live iterator. */
  private iterKey: unknown = undefined;
  private iter: Iterator<[unknown, LuaValue]> | null = null;

  constructor(arr?: LuaValue[]) {
    if (arr) {
      let n = arr.length;
      while (n > 0 && arr[n - 1] === undefined) n--;
      if (n !== arr.length) arr.length = n;
      this.arr = arr;
    }
  }

  get(k: LuaValue): LuaValue {
    if (typeof k === 'number') {
      const a = this.arr;
      if (k >= 1 && k <= a.length && (k | 0) === k) return a[k - 1];
      if (this.hash === null) return undefined;
      return this.hash.get(k === 0 ? 0 : k);
    }
    if (this.hash === null) return undefined;
    return this.hash.get(k);
  }

  getStr(k: string): LuaValue {
    return this.hash === null ? undefined : this.hash.get(k);
  }

  getInt(i: number): LuaValue {
    const a = this.arr;
    if (i >= 1 && i <= a.length) return a[i - 1];
    if (this.hash === null) return undefined;
    return this.hash.get(i);
  }

  set(k: LuaValue, v: LuaValue): void {
    if (this.readonly) throw rtError('Attempt to modify a readonly table');
    if (typeof k === 'number') {
      if (k !== k) throw rtError('table index is NaN');
      if (Number.isInteger(k) && k >= 1) {
        this.setInt(k, v);
        return;
      }
      if (k === 0) k = 0; // -0
    } else if (k === undefined) throw rtError('table index is nil');
    this.setHash(k, v);
  }

  setStr(k: string, v: LuaValue): void {
    if (this.readonly) throw rtError('Attempt to modify a readonly table');
    this.setHash(k, v);
  }

  private setHash(k: unknown, v: LuaValue): void {
    if (v === undefined) {
      if (this.hash !== null) this.hash.delete(k);
      return;
    }
    if (this.hash === null) this.hash = new Map();
    this.hash.set(k, v);
  }

  setInt(i: number, v: LuaValue): void {
    if (this.readonly) throw rtError('Attempt to modify a readonly table');
    const a = this.arr;
    const n = a.length;
    if (i <= n) {
      a[i - 1] = v;
      if (v === undefined && i === n) {
        let m = n - 1;
        while (m > 0 && a[m - 1] === undefined) m--;
        a.length = m;
      }
      return;
    }
    if (i === n + 1 && v !== undefined) {
      a.push(v);
      const h = this.hash;
      if (h !== null && h.size > 0) {
        // keys that now continue the array move over from the hash part
        if (h.has(i)) h.delete(i);
        let j = i + 1;
        let x = h.get(j);
        while (x !== undefined) {
          a.push(x);
          h.delete(j);
          x = h.get(++j);
        }
      }
      return;
    }
    this.setHash(i, v);
  }

  /** The border `#t` (Lua 5.1: any border; this one is the end of the array part). */
  length(): number {
    const n = this.arr.length;
    if (n > 0 || this.hash === null) return n;
    // array part empty but t[1] may live in the hash (set out of order)
    let j = 0;
    while (this.hash.get(j + 1) !== undefined) j++;
    return j;
  }

  /** next(t, k): the entry after key k, or undefined at the end. Throws on an invalid key. */
  next(k: LuaValue): [LuaValue, LuaValue] | undefined {
    const a = this.arr;
    let i = 0;
    if (k !== undefined) {
      if (typeof k === 'number' && Number.isInteger(k) && k >= 1 && k <= a.length) i = k;
      else return this.nextHash(k);
    }
    for (; i < a.length; i++) if (a[i] !== undefined) return [i + 1, a[i]];
    return this.nextHash(undefined);
  }

  private nextHash(k: unknown): [LuaValue, LuaValue] | undefined {
    const h = this.hash;
    if (h === null) {
      if (k === undefined) return undefined;
      throw rtError("invalid key to 'next'");
    }
    let it: Iterator<[unknown, LuaValue]>;
    if (k === undefined) it = h.entries();
    else if (this.iter !== null && this.iterKey === k) it = this.iter;
    else {
      if (typeof k === 'number' && k === 0) k = 0;
      it = h.entries();
      for (;;) {
        const r = it.next();
        if (r.done) throw rtError("invalid key to 'next'");
        if (r.value[0] === k) break;
      }
    }
    const r = it.next();
    if (r.done) {
      this.iter = null;
      this.iterKey = undefined;
      return undefined;
    }
    this.iter = it;
    this.iterKey = r.value[0];
    return r.value as [LuaValue, LuaValue];
  }

  /** Largest positive numeric key (table.maxn). */
  maxn(): number {
    let m = 0;
    for (let i = this.arr.length; i > 0; i--)
      if (this.arr[i - 1] !== undefined) {
        m = i;
        break;
      }
    if (this.hash !== null) for (const k of this.hash.keys()) if (typeof k === 'number' && k > m) m = k;
    return m;
  }
}
