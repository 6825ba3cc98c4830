/**
 * Lua 5.1 values in JS: nil = undefined, booleans, numbers (doubles, exactly Lua 5.1's
 * lua_Number), strings (latin1: one char = one byte), LuaTable, functions (compiled Lua
 * closures and host functions share one calling convention: JS arguments in, array of
 * results out).
 */
import { LuaTable } from './table.js';
import { g14 } from './lib/printf.js';

export { LuaTable };

export type LuaFunction = (...args: any[]) => LuaValue[];
export type LuaValue = undefined | boolean | number | string | LuaTable | LuaFunction | LuaUserdata;

/** Opaque host values (cjson.null is a light userdata NULL). */
export class LuaUserdata {
  constructor(readonly display: string) {}
}

/** A Lua error: `value` is the Lua error value (any type). `level` > 0 while the position
 * prefix (`chunk:line:`) still has to be added by the Lua frame `level` steps up. */
export class LuaError extends Error {
  value: LuaValue;
  level: number;
  /** raised by the VM itself (luaG_runerror): no position when raised inside a host function */
  rt = false;
  /** for `bad argument` errors: the argument number and function (method calls shift it) */
  argn = 0;
  fname = '';
  argmsg = '';
  traceback?: string;
  /** line of the innermost Lua frame the error unwound through (0: not yet known) */
  line = 0;
  constructor(value: LuaValue, level = 1) {
    super(typeof value === 'string' ? value : 'lua error');
    this.value = value;
    this.level = typeof value === 'string' || typeof value === 'number' ? level : 0;
  }
}

export function rtError(msg: string): LuaError {
  const e = new LuaError(msg, 1);
  e.rt = true;
  return e;
}

/** Thrown by a hook to abort the running script; pcall does not catch it. */
export class LuaKill extends Error {
  /** The innermost Lua frame's line when the kill unwound it (R.fix). */
  line = 0;
  constructor(msg = 'Script killed') {
    super(msg);
  }
}

export function type(v: LuaValue): string {
  switch (typeof v) {
    case 'undefined':
      return 'nil';
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    case 'function':
      return 'function';
    default:
      return v instanceof LuaTable ? 'table' : 'userdata';
  }
}

export function numberToString(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e14) return Object.is(n, -0) ? '-0' : String(n);
  return g14(n);
}

const WS = ' \t\n\v\f\r';

/** Lua 5.1's luaO_str2d: strtod (decimal, inf/nan as glibc accepts them) or 0x hex,
 * surrounding whitespace allowed; undefined when not a number. */
export function str2number(s: string): number | undefined {
  let i = 0;
  let j = s.length;
  while (i < j && WS.includes(s[i])) i++;
  while (j > i && WS.includes(s[j - 1])) j--;
  if (i === j) return undefined;
  const t = s.slice(i, j);
  const m = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/.exec(t);
  if (m) return Number(t);
  const h = /^([+-]?)0[xX]([0-9a-fA-F]+)$/.exec(t);
  if (h) {
    // strtoul: wraps modulo 2^32 is not applied; large values saturate at ULONG_MAX (2^64-1)
    let v = parseInt(h[2], 16);
    if (v > 2 ** 64) v = 2 ** 64;
    return h[1] === '-' ? -v : v;
  }
  const lower = t.toLowerCase();
  const sp = /^([+-]?)(inf|infinity|nan)$/.exec(lower);
  if (sp) {
    if (sp[2] === 'nan') return NaN;
    return sp[1] === '-' ? -Infinity : Infinity;
  }
  return undefined;
}

/** lua_tonumber: numbers and numeric strings. */
export function toNumber(v: LuaValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return str2number(v);
  return undefined;
}

let addrCounter = 0x55d0c0a0;
const addrs = new WeakMap<object, string>();
/** A stable fake address for tostring(table/function). */
export function addressOf(o: object): string {
  let a = addrs.get(o);
  if (a === undefined) {
    addrCounter += 0x40;
    a = '0x' + addrCounter.toString(16).padStart(12, '0');
    addrs.set(o, a);
  }
  return a;
}

/** tostring without metamethods (lua_tostring for numbers/strings, else type: address). */
export function rawToString(v: LuaValue): string {
  switch (typeof v) {
    case 'undefined':
      return 'nil';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return numberToString(v);
    case 'string':
      return v;
    case 'function':
      return (addrs.has(v) ? 'function: ' : 'function: ') + addressOf(v);
    default:
      return v instanceof LuaUserdata ? 'userdata: ' + v.display : 'table: ' + addressOf(v);
  }
}
