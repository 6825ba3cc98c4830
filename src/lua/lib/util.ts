/** Argument checking for library functions with Lua 5.1's `bad argument` messages. */
import { LuaError, LuaTable, type LuaValue, type, numberToString, str2number } from '../value.js';

export function argError(n: number, fname: string, msg: string): never {
  const e = new LuaError(`bad argument #${n} to '${fname}' (${msg})`);
  e.argn = n;
  e.fname = fname;
  e.argmsg = msg;
  throw e;
}

/** Errors the VM raises inside a host function (table writes, comparisons) carry no
 * position, as luaG_runerror inside a C function. */
export function noPos<F extends (...a: LuaValue[]) => LuaValue[]>(f: F): F {
  return ((...a: LuaValue[]) => {
    try {
      return f(...a);
    } catch (e) {
      if (e instanceof LuaError && e.rt && e.level === 1) e.level = 0;
      throw e;
    }
  }) as F;
}

export function typeName(a: LuaValue[], i: number): string {
  return i >= a.length ? 'no value' : type(a[i]);
}

export function tagError(a: LuaValue[], i: number, fname: string, expected: string): never {
  argError(i + 1, fname, `${expected} expected, got ${typeName(a, i)}`);
}

export function checkAny(a: LuaValue[], i: number, fname: string): LuaValue {
  if (i >= a.length) argError(i + 1, fname, 'value expected');
  return a[i];
}

export function checkStr(a: LuaValue[], i: number, fname: string): string {
  const v = a[i];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToString(v);
  tagError(a, i, fname, 'string');
}

export function optStr(a: LuaValue[], i: number, fname: string, def: string): string {
  return a[i] === undefined ? def : checkStr(a, i, fname);
}

export function checkNum(a: LuaValue[], i: number, fname: string): number {
  const v = a[i];
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = str2number(v);
    if (n !== undefined) return n;
  }
  tagError(a, i, fname, 'number');
}

export function optNum(a: LuaValue[], i: number, fname: string, def: number): number {
  return a[i] === undefined ? def : checkNum(a, i, fname);
}

/** luaL_checkinteger: the number truncated toward zero (x86-64 cast). */
export function checkInt(a: LuaValue[], i: number, fname: string): number {
  const n = checkNum(a, i, fname);
  return toInt(n);
}

export function toInt(n: number): number {
  if (n !== n) return -9223372036854775808;
  const t = Math.trunc(n);
  if (t >= 2 ** 63 || t < -9223372036854775808) return -9223372036854775808;
  return t === 0 ? 0 : t;
}

export function optInt(a: LuaValue[], i: number, fname: string, def: number): number {
  return a[i] === undefined ? def : checkInt(a, i, fname);
}

export function checkTable(a: LuaValue[], i: number, fname: string): LuaTable {
  const v = a[i];
  if (v instanceof LuaTable) return v;
  tagError(a, i, fname, 'table');
}

export function fnTable(entries: Record<string, LuaValue>): LuaTable {
  const t = new LuaTable();
  for (const k of Object.keys(entries)) t.set(k, entries[k]);
  return t;
}
